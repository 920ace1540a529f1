//! The JSON-RPC envelope exactly as Deribit sends it:
//! `{"jsonrpc":"2.0","id":…,"result":…,"usIn":…,"usOut":…,"usDiff":…,"testnet":false}`.
//! GET answers have no `id` (the real REST captures have none); POST answers echo the request's
//! `id`. Errors carry `error` instead of `result`.
//!
//! `usIn` is the simulated clock at arrival, in µs; `usOut = usIn + real processing time`.

use std::time::Instant;

use super::error::RpcError;
use super::json;

/// Timing and id of one call.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The request's `id` as JSON text (POST only).
    pub id: Option<String>,
    pub us_in: i64,
    pub received: Instant,
}

impl Envelope {
    /// Starts a success body: everything up to and including `"result":`.
    pub fn begin(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",");
        if let Some(id) = &self.id {
            out.extend_from_slice(b"\"id\":");
            out.extend_from_slice(id.as_bytes());
            out.push(b',');
        }
        out.extend_from_slice(b"\"result\":");
    }

    /// Ends a body: the timing members and `testnet`.
    pub fn finish(&self, out: &mut Vec<u8>) {
        let diff = self.received.elapsed().as_micros() as i64;
        out.extend_from_slice(b",\"usIn\":");
        json::i64(out, self.us_in);
        out.extend_from_slice(b",\"usOut\":");
        json::i64(out, self.us_in + diff);
        out.extend_from_slice(b",\"usDiff\":");
        json::i64(out, diff);
        out.extend_from_slice(b",\"testnet\":false}");
    }

    /// A whole error body.
    pub fn error(&self, err: &RpcError) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",");
        if let Some(id) = &self.id {
            out.extend_from_slice(b"\"id\":");
            out.extend_from_slice(id.as_bytes());
            out.push(b',');
        }
        out.extend_from_slice(b"\"error\":{\"message\":");
        json::value(&mut out, err.message);
        if let Some(data) = &err.data {
            out.extend_from_slice(b",\"data\":");
            json::value(&mut out, data);
        }
        out.extend_from_slice(b",\"code\":");
        json::i64(&mut out, err.code);
        out.push(b'}');
        self.finish(&mut out);
        out
    }
}
