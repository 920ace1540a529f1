//! `public/get_tradingview_chart_data`: the hot path. Candles are generated into a reused
//! per-thread buffer and written straight into the response as parallel arrays, in the key
//! order the exchange uses on the wire.

use std::cell::RefCell;

use super::Ctx;
use crate::domain::rows::Candle;
use crate::sim::market::parse_resolution;
use crate::sim::server::error::RpcError;
use crate::sim::server::json;
use crate::sim::server::params::Params;

thread_local! {
    static CANDLES: RefCell<Vec<Candle>> = const { RefCell::new(Vec::new()) };
}

/// The `no_data` result: status and all arrays empty.
pub const NO_DATA: &[u8] =
    br#"{"volume":[],"ticks":[],"status":"no_data","open":[],"low":[],"high":[],"cost":[],"close":[]}"#;

pub fn get_tradingview_chart_data(
    ctx: &Ctx,
    p: &Params,
    out: &mut Vec<u8>,
) -> Result<(), RpcError> {
    let name = p.str_req("instrument_name")?;
    let start = p.i64_req("start_timestamp")?;
    let end = p.i64_req("end_timestamp")?;
    let res = p.str_req("resolution")?;
    let res = parse_resolution(&res)
        .ok_or_else(|| RpcError::invalid_params("unsupported resolution", "resolution"))?;
    let cap = Some(ctx.market.settings().api.max_candles);
    let (spec, w) = ctx
        .market
        .chart_window(&name, res, start, end, cap, ctx.now_ms)
        .map_err(|_| RpcError::instrument_not_found())?;
    CANDLES.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.clear();
        ctx.market.chart_candles(&spec, &w, ctx.now_ms, &mut buf);
        ctx.candles.set(buf.len() as u64);
        write_candles(out, &buf);
    });
    Ok(())
}

/// Writes a chart result for `candles` (`no_data` when empty).
pub fn write_candles(out: &mut Vec<u8>, candles: &[Candle]) {
    if candles.is_empty() {
        out.extend_from_slice(NO_DATA);
        return;
    }
    out.reserve(candles.len() * 112 + 128);
    let it = || candles.iter();
    // Prices are on 0.01 grids, volumes on 1e-8 and costs on 1e-6: integer formatting gives
    // the same bytes as serde_json (see json::grid_f64).
    let price = |out: &mut Vec<u8>, x| json::grid_f64(out, x, 2);
    // Numbers as the exchange writes them (deribit-api.md §8.4): no volume is `0`, a whole
    // cost is in exponent notation (`6.25E+3`); deterministic, as the data is.
    out.extend_from_slice(b"{\"volume\":");
    json::array(out, it().map(|c| c.volume), |o, x| {
        if x == 0.0 {
            o.push(b'0')
        } else {
            json::grid_f64(o, x, 8)
        }
    });
    out.extend_from_slice(b",\"ticks\":");
    json::array(out, it().map(|c| c.ts), json::i64);
    out.extend_from_slice(b",\"status\":\"ok\",\"open\":");
    json::array(out, it().map(|c| c.open), price);
    out.extend_from_slice(b",\"low\":");
    json::array(out, it().map(|c| c.low), price);
    out.extend_from_slice(b",\"high\":");
    json::array(out, it().map(|c| c.high), price);
    out.extend_from_slice(b",\"cost\":");
    json::array(out, it().map(|c| c.cost), |o, x| {
        if x == 0.0 {
            o.push(b'0')
        } else if x.fract() == 0.0 && x.abs() < 1e15 {
            json::write_exponent(o, x)
        } else {
            json::grid_f64(o, x, 6)
        }
    });
    out.extend_from_slice(b",\"close\":");
    json::array(out, it().map(|c| c.close), price);
    out.push(b'}');
}
