//! Named parameters from a GET query string (all text) or a JSON-RPC `params` object.

use serde_json::Value;

use super::error::RpcError;

#[derive(Debug, Clone, PartialEq)]
enum PVal {
    Text(String),
    Json(Value),
}

/// The parameters of one call, in the order given. Later duplicates are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    items: Vec<(String, PVal)>,
}

impl Params {
    /// From a URL query string (`a=1&b=x`), percent-decoded.
    pub fn from_query(q: &str) -> Self {
        Self {
            items: url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), PVal::Text(v.into_owned())))
                .collect(),
        }
    }

    /// From a JSON-RPC `params` member (absent or `null` means none; otherwise an object).
    pub fn from_json(v: Option<Value>) -> Result<Self, RpcError> {
        match v {
            None | Some(Value::Null) => Ok(Self::default()),
            Some(Value::Object(map)) => Ok(Self {
                items: map.into_iter().map(|(k, v)| (k, PVal::Json(v))).collect(),
            }),
            Some(_) => Err(RpcError::invalid_request("params must be an object")),
        }
    }

    fn get(&self, name: &str) -> Option<&PVal> {
        self.items.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A string parameter; numbers are accepted as their text.
    pub fn str_opt(&self, name: &str) -> Result<Option<String>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(PVal::Text(s)) => Ok(Some(s.clone())),
            Some(PVal::Json(Value::String(s))) => Ok(Some(s.clone())),
            Some(PVal::Json(Value::Number(n))) => Ok(Some(n.to_string())),
            Some(PVal::Json(Value::Null)) => Ok(None),
            Some(PVal::Json(_)) => Err(RpcError::wrong_format(name)),
        }
    }

    pub fn str_req(&self, name: &str) -> Result<String, RpcError> {
        match self.str_opt(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(RpcError::required(name)),
        }
    }

    /// An integer parameter (JSON integer, or decimal text).
    pub fn i64_opt(&self, name: &str) -> Result<Option<i64>, RpcError> {
        match self.get(name) {
            None | Some(PVal::Json(Value::Null)) => Ok(None),
            Some(PVal::Text(s)) if s.is_empty() => Ok(None),
            Some(PVal::Text(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| RpcError::wrong_format(name)),
            Some(PVal::Json(Value::Number(n))) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| RpcError::wrong_format(name)),
            Some(PVal::Json(Value::String(s))) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| RpcError::wrong_format(name)),
            Some(PVal::Json(_)) => Err(RpcError::wrong_format(name)),
        }
    }

    pub fn i64_req(&self, name: &str) -> Result<i64, RpcError> {
        self.i64_opt(name)?.ok_or_else(|| RpcError::required(name))
    }

    /// A boolean parameter (`true`/`false`).
    pub fn bool_opt(&self, name: &str) -> Result<Option<bool>, RpcError> {
        match self.get(name) {
            None | Some(PVal::Json(Value::Null)) => Ok(None),
            Some(PVal::Json(Value::Bool(b))) => Ok(Some(*b)),
            Some(PVal::Text(s)) | Some(PVal::Json(Value::String(s))) => match s.as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(RpcError::wrong_format(name)),
            },
            Some(PVal::Json(_)) => Err(RpcError::wrong_format(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_and_json_agree() {
        let q = Params::from_query(
            "instrument_name=BTC-PERPETUAL&start_timestamp=5&expired=true&x=%20a",
        );
        let j = Params::from_json(Some(json!({
            "instrument_name": "BTC-PERPETUAL", "start_timestamp": 5, "expired": true, "x": " a"
        })))
        .unwrap();
        for p in [&q, &j] {
            assert_eq!(p.str_req("instrument_name").unwrap(), "BTC-PERPETUAL");
            assert_eq!(p.i64_req("start_timestamp").unwrap(), 5);
            assert_eq!(p.bool_opt("expired").unwrap(), Some(true));
            assert_eq!(p.str_opt("x").unwrap().as_deref(), Some(" a"));
            assert_eq!(p.i64_opt("nope").unwrap(), None);
            let e = p.i64_req("end_timestamp").unwrap_err();
            assert_eq!(e.code, -32602);
            assert_eq!(e.data.unwrap().reason, "value is required");
        }
        let bad = Params::from_query("start_timestamp=abc&expired=yes");
        assert_eq!(
            bad.i64_req("start_timestamp")
                .unwrap_err()
                .data
                .unwrap()
                .reason,
            "wrong format"
        );
        assert!(bad.bool_opt("expired").is_err());
        assert!(Params::from_json(Some(json!([1, 2]))).is_err());
        let float = Params::from_json(Some(json!({"a": 1.5, "b": 2.0}))).unwrap();
        assert!(float.i64_opt("a").is_err());
        assert_eq!(float.i64_opt("b").unwrap(), Some(2));
    }
}
