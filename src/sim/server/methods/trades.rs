//! `public/get_last_trades_by_instrument_and_time`.

use serde::Serialize;

use super::Ctx;
use crate::sim::market::{Sorting, Trade};
use crate::sim::server::error::RpcError;
use crate::sim::server::json;
use crate::sim::server::params::Params;

#[derive(Serialize)]
struct TradesJson {
    trades: Vec<Trade>,
    has_more: bool,
}

/// `start_timestamp`/`end_timestamp` (at least one), `count` default 10 (at most 1,000; larger
/// is clamped), `sorting` `asc`|`desc`|`default` (= `desc`, newest first: UNVERIFIED).
pub fn get_last_trades_by_instrument_and_time(
    ctx: &Ctx,
    p: &Params,
    out: &mut Vec<u8>,
) -> Result<(), RpcError> {
    let name = p.str_req("instrument_name")?;
    let start = p.i64_opt("start_timestamp")?;
    let end = p.i64_opt("end_timestamp")?;
    if start.is_none() && end.is_none() {
        return Err(RpcError::required("end_timestamp"));
    }
    let count = p.i64_opt("count")?.unwrap_or(10);
    if count < 1 {
        return Err(RpcError::wrong_format("count"));
    }
    let sorting = match p.str_opt("sorting")?.as_deref() {
        None | Some("default") | Some("desc") => Sorting::Desc,
        Some("asc") => Sorting::Asc,
        Some(_) => return Err(RpcError::wrong_format("sorting")),
    };
    let _ = p.bool_opt("include_old")?;
    let (trades, has_more) = ctx
        .market
        .trades(
            &name,
            start,
            end,
            count.min(1000) as usize,
            sorting,
            ctx.now_ms,
        )
        .map_err(|_| RpcError::instrument_not_found())?;
    json::value(out, &TradesJson { trades, has_more });
    Ok(())
}
