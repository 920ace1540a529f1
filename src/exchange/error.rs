//! Exchange failures and their classification (issue 4):
//! rate-limited → wait for credits and retry; transient → capped exponential backoff with
//! jitter, bounded; unavailable (instrument not found / no data) → the job ends `unavailable`;
//! anything else → the job ends `failed` with the exchange's message.

use std::fmt;

/// JSON-RPC error codes the client treats specially (deribit-api.md §2).
pub mod codes {
    pub const TOO_MANY_REQUESTS: i64 = 10028;
    pub const RETRY: i64 = 10040;
    pub const SETTLEMENT_IN_PROGRESS: i64 = 10041;
    pub const TOO_MANY_CONCURRENT_REQUESTS: i64 = 10066;
    pub const SYSTEM_MAINTENANCE: i64 = 11051;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_OR_UNSUPPORTED_INSTRUMENT: i64 = 10020;
}

/// What the caller should do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Over the credit budget (10028, HTTP 429): wait for room, then retry.
    RateLimited,
    /// Worth retrying after a backoff: 5xx, 10040, timeouts, resets, truncated bodies.
    Transient,
    /// The exchange has no such instrument, or no data for it.
    Unavailable,
    /// Retrying will not help.
    Fatal,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateLimited => "rate-limited",
            Self::Transient => "transient",
            Self::Unavailable => "unavailable",
            Self::Fatal => "fatal",
        }
    }
}

/// A failed exchange call.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeError {
    pub class: ErrorClass,
    /// The method called, e.g. `public/get_tradingview_chart_data`.
    pub method: String,
    /// The exchange's JSON-RPC code, when it sent one.
    pub code: Option<i64>,
    /// HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// Human text: the exchange's message and reason, or the transport error.
    pub message: String,
}

impl ExchangeError {
    pub fn new(class: ErrorClass, method: &str, message: impl Into<String>) -> Self {
        Self {
            class,
            method: method.to_string(),
            code: None,
            http_status: None,
            message: message.into(),
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self.class, ErrorClass::RateLimited | ErrorClass::Transient)
    }

    /// Classifies a JSON-RPC error body.
    pub fn from_rpc(
        method: &str,
        http_status: u16,
        code: i64,
        message: &str,
        reason: Option<&str>,
    ) -> Self {
        let text = match reason {
            Some(r) if !r.is_empty() => format!("{message}: {r}"),
            _ => message.to_string(),
        };
        let reason_lc = reason.unwrap_or_default().to_ascii_lowercase();
        let class = match code {
            codes::TOO_MANY_REQUESTS => ErrorClass::RateLimited,
            codes::RETRY
            | codes::SETTLEMENT_IN_PROGRESS
            | codes::TOO_MANY_CONCURRENT_REQUESTS
            | codes::SYSTEM_MAINTENANCE => ErrorClass::Transient,
            codes::INVALID_OR_UNSUPPORTED_INSTRUMENT => ErrorClass::Unavailable,
            codes::INVALID_PARAMS if reason_lc.contains("instrument not found") => {
                ErrorClass::Unavailable
            }
            _ if http_status >= 500 => ErrorClass::Transient,
            _ => ErrorClass::Fatal,
        };
        Self {
            class,
            method: method.to_string(),
            code: Some(code),
            http_status: Some(http_status),
            message: text,
        }
    }

    /// Classifies an HTTP status without a usable JSON-RPC body.
    pub fn from_http_status(method: &str, status: u16, snippet: &str) -> Self {
        let class = match status {
            429 => ErrorClass::RateLimited,
            408 | 425 | 500..=599 => ErrorClass::Transient,
            _ => ErrorClass::Fatal,
        };
        let snippet: String = snippet.chars().take(160).collect();
        Self {
            class,
            method: method.to_string(),
            code: None,
            http_status: Some(status),
            message: format!("HTTP {status}: {snippet}"),
        }
    }
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.message, self.method)?;
        if let Some(code) = self.code {
            write!(f, ", code {code}")?;
        }
        write!(f, ", {})", self.class.as_str())
    }
}

impl std::error::Error for ExchangeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_follows_the_issue() {
        let m = "public/get_tradingview_chart_data";
        assert_eq!(
            ExchangeError::from_rpc(m, 429, 10028, "too_many_requests", None).class,
            ErrorClass::RateLimited
        );
        assert_eq!(
            ExchangeError::from_rpc(m, 400, 10028, "too_many_requests", None).class,
            ErrorClass::RateLimited
        );
        assert_eq!(
            ExchangeError::from_rpc(m, 400, 10040, "retry", None).class,
            ErrorClass::Transient
        );
        assert_eq!(
            ExchangeError::from_rpc(m, 400, 11051, "system_maintenance", None).class,
            ErrorClass::Transient
        );
        let nf = ExchangeError::from_rpc(
            m,
            400,
            -32602,
            "Invalid params",
            Some("instrument not found"),
        );
        assert_eq!(nf.class, ErrorClass::Unavailable);
        assert!(nf.to_string().contains("instrument not found"));
        let bad = ExchangeError::from_rpc(
            m,
            400,
            -32602,
            "Invalid params",
            Some("unsupported resolution"),
        );
        assert_eq!(bad.class, ErrorClass::Fatal);
        assert_eq!(
            ExchangeError::from_rpc(m, 500, 13020, "not_found", None).class,
            ErrorClass::Transient
        );
        assert_eq!(
            ExchangeError::from_http_status(m, 503, "<html>").class,
            ErrorClass::Transient
        );
        assert_eq!(
            ExchangeError::from_http_status(m, 429, "").class,
            ErrorClass::RateLimited
        );
        assert_eq!(
            ExchangeError::from_http_status(m, 404, "").class,
            ErrorClass::Fatal
        );
    }
}
