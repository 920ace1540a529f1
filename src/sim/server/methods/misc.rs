//! `public/get_time`, `public/status`, `public/test`.

use super::Ctx;
use crate::sim::market::IndexName;
use crate::sim::server::error::RpcError;
use crate::sim::server::json;
use crate::sim::server::params::Params;

/// The simulated now, epoch ms.
pub fn get_time(ctx: &Ctx, _p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    json::i64(out, ctx.now_ms);
    Ok(())
}

/// `{"locked":"false","locked_indices":[]}`; `"true"` with every index during maintenance.
pub fn status(ctx: &Ctx, _p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    if ctx.maintenance {
        let names: Vec<&str> = IndexName::ALL.iter().map(|i| i.as_str()).collect();
        out.extend_from_slice(b"{\"locked\":\"true\",\"locked_indices\":");
        json::value(out, &names);
        out.push(b'}');
    } else {
        out.extend_from_slice(b"{\"locked\":\"false\",\"locked_indices\":[]}");
    }
    Ok(())
}

/// `{"version":"1.2.26"}`; `expected_result=exception` raises an error.
pub fn test(_ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    if p.str_opt("expected_result")?.as_deref() == Some("exception") {
        return Err(RpcError::internal());
    }
    out.extend_from_slice(b"{\"version\":\"1.2.26\"}");
    Ok(())
}
