//! JSON-RPC errors with the exchange's codes, messages and `data` (deribit-api.md §2).

/// `error.data` of a JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorData {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

/// A JSON-RPC error and the HTTP status it is sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    pub code: i64,
    pub message: &'static str,
    pub data: Option<ErrorData>,
    pub http_status: u16,
    /// Close the connection after the answer (rate limiting).
    pub close: bool,
}

impl RpcError {
    fn new(code: i64, message: &'static str) -> Self {
        Self {
            code,
            message,
            data: None,
            http_status: 400,
            close: false,
        }
    }

    /// -32602 "Invalid params" with `data.reason` and `data.param`.
    pub fn invalid_params(reason: &str, param: &str) -> Self {
        Self {
            data: Some(ErrorData {
                reason: reason.to_string(),
                param: Some(param.to_string()),
            }),
            ..Self::new(-32602, "Invalid params")
        }
    }

    pub fn instrument_not_found() -> Self {
        Self::invalid_params("instrument not found", "instrument_name")
    }

    pub fn required(param: &str) -> Self {
        Self::invalid_params("value is required", param)
    }

    pub fn wrong_format(param: &str) -> Self {
        Self::invalid_params("wrong format", param)
    }

    pub fn method_not_found() -> Self {
        Self::new(-32601, "Method not found")
    }

    pub fn parse_error() -> Self {
        Self::new(-32700, "Parse error")
    }

    pub fn invalid_request(reason: &str) -> Self {
        Self {
            data: Some(ErrorData {
                reason: reason.to_string(),
                param: None,
            }),
            ..Self::new(-32600, "Invalid Request")
        }
    }

    /// 10028 `too_many_requests`; the connection is closed after it.
    pub fn too_many_requests(http_status: u16) -> Self {
        Self {
            http_status,
            close: true,
            ..Self::new(10028, "too_many_requests")
        }
    }

    /// 10030 `must_be_websocket_request`: a WebSocket-only method called over HTTP
    /// (deribit-api.md §8.5; HTTP 400 like every error).
    pub fn must_be_websocket() -> Self {
        Self::new(10030, "must_be_websocket_request")
    }

    /// 10040 `retry` (injected fault).
    pub fn retry() -> Self {
        Self::new(10040, "retry")
    }

    /// 11051 `system_maintenance`.
    pub fn maintenance() -> Self {
        Self::new(11051, "system_maintenance")
    }

    /// 13009 `unauthorized`, as the exchange answers private methods without a token.
    pub fn unauthorized() -> Self {
        Self {
            data: Some(ErrorData {
                reason: "invalid_token".to_string(),
                param: None,
            }),
            ..Self::new(13009, "unauthorized")
        }
    }

    /// 11094 `internal_server_error` (what `public/test?expected_result=exception` raises).
    pub fn internal() -> Self {
        Self::new(11094, "internal_server_error")
    }
}
