//! `public/get_funding_rate_history`, `public/get_funding_rate_value`,
//! `public/get_funding_chart_data`.

use serde::Serialize;

use super::Ctx;
use crate::domain::time::{DAY_MS, HOUR_MS};
use crate::sim::server::error::RpcError;
use crate::sim::server::json;
use crate::sim::server::params::Params;

/// A row as the exchange sends it: every number may be `null` (the first row's
/// `prev_index_price`); the `unreadable_share` fault sends `index_price` as a string.
#[derive(Serialize)]
struct Row {
    timestamp: i64,
    index_price: serde_json::Value,
    prev_index_price: Option<f64>,
    interest_8h: Option<f64>,
    interest_1h: Option<f64>,
}

fn window(p: &Params) -> Result<(String, i64, i64), RpcError> {
    Ok((
        p.str_req("instrument_name")?,
        p.i64_req("start_timestamp")?,
        p.i64_req("end_timestamp")?,
    ))
}

pub fn get_funding_rate_history(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let (name, start, end) = window(p)?;
    let cap = Some(ctx.market.settings().api.max_funding_rows);
    let rows = ctx
        .market
        .funding_history(&name, start, end, cap, ctx.now_ms)
        .map_err(|_| RpcError::instrument_not_found())?;
    let spec = ctx.market.lookup(&name, ctx.now_ms);
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            timestamp: r.ts,
            index_price: match &spec {
                Some(s) if ctx.market.is_funding_unreadable(s, r.ts) => "unreadable".into(),
                _ => r.index_price.into(),
            },
            prev_index_price: r.prev_index_price,
            interest_8h: r.interest_8h,
            interest_1h: r.interest_1h,
        })
        .collect();
    json::value(out, &rows);
    Ok(())
}

pub fn get_funding_rate_value(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let (name, start, end) = window(p)?;
    let v = ctx
        .market
        .funding_value(&name, start, end, ctx.now_ms)
        .map_err(|_| RpcError::instrument_not_found())?;
    json::f64(out, v);
    Ok(())
}

#[derive(Serialize)]
struct ChartPoint {
    timestamp: i64,
    index_price: Option<f64>,
    interest_8h: Option<f64>,
}

#[derive(Serialize)]
struct Chart {
    current_interest: f64,
    interest_8h: f64,
    data: Vec<ChartPoint>,
}

/// Lookback from now only (hourly points), so not usable for backfill, like the real one.
pub fn get_funding_chart_data(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let name = p.str_req("instrument_name")?;
    let length = p.str_req("length")?;
    let span = match length.as_str() {
        "8h" => 8 * HOUR_MS,
        "24h" => DAY_MS,
        "1m" => 30 * DAY_MS,
        _ => return Err(RpcError::wrong_format("length")),
    };
    let now = ctx.now_ms;
    let spec = ctx
        .market
        .lookup(&name, now)
        .ok_or_else(RpcError::instrument_not_found)?;
    let rows = ctx
        .market
        .funding_history(&name, now - span, now, None, now)
        .map_err(|_| RpcError::instrument_not_found())?;
    let chart = Chart {
        current_interest: if spec.is_perpetual() {
            ctx.market.current_premium(&spec, now)
        } else {
            0.0
        },
        interest_8h: rows.last().and_then(|r| r.interest_8h).unwrap_or(0.0),
        data: rows
            .iter()
            .map(|r| ChartPoint {
                timestamp: r.ts,
                index_price: r.index_price,
                interest_8h: r.interest_8h,
            })
            .collect(),
    };
    json::value(out, &chart);
    Ok(())
}
