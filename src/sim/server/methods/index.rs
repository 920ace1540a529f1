//! Index methods: `get_index_price`, `get_index_price_names`, `get_index_chart_data`,
//! `get_index` (deprecated) and `get_delivery_prices`.

use serde::Serialize;

use super::Ctx;
use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS, ceil_to, floor_to};
use crate::sim::market::{Coin, IndexName};
use crate::sim::server::error::RpcError;
use crate::sim::server::json;
use crate::sim::server::params::Params;
use crate::sim::settings::GENESIS_MS;

fn index_param(p: &Params) -> Result<IndexName, RpcError> {
    let name = p.str_req("index_name")?;
    IndexName::parse(&name).ok_or_else(|| RpcError::wrong_format("index_name"))
}

#[derive(Serialize)]
struct IndexPrice {
    index_price: f64,
    estimated_delivery_price: f64,
}

pub fn get_index_price(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let index = index_param(p)?;
    let price = ctx.market.index_price(index, ctx.now_ms);
    json::value(
        out,
        &IndexPrice {
            index_price: price,
            estimated_delivery_price: price,
        },
    );
    Ok(())
}

#[derive(Serialize)]
struct ExtendedName {
    name: &'static str,
    future_combo_creation_enabled: bool,
    option_combo_creation_enabled: bool,
}

/// Strings by default (the legacy real example); objects with `extended=true`.
pub fn get_index_price_names(_ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    if p.bool_opt("extended")?.unwrap_or(false) {
        let v: Vec<ExtendedName> = IndexName::ALL
            .iter()
            .map(|i| ExtendedName {
                name: i.as_str(),
                future_combo_creation_enabled: !i.usdc,
                option_combo_creation_enabled: !i.usdc,
            })
            .collect();
        json::value(out, &v);
    } else {
        let v: Vec<&str> = IndexName::ALL.iter().map(|i| i.as_str()).collect();
        json::value(out, &v);
    }
    Ok(())
}

/// `[[ts, price], …]` looking back from now. Sampling per range (UNVERIFIED except `1m`,
/// hourly in the docs): `1h` and `1d` every minute, `2d` every 5 minutes, `1m` hourly, `1y` and
/// `all` (from 2018-08-01) daily. Values are the raw index, not rounded.
pub fn get_index_chart_data(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let index = index_param(p)?;
    let range = p.str_req("range")?;
    let now = ctx.now_ms;
    let (from, step) = match range.as_str() {
        "1h" => (now - HOUR_MS, MINUTE_MS),
        "1d" => (now - DAY_MS, MINUTE_MS),
        "2d" => (now - 2 * DAY_MS, 5 * MINUTE_MS),
        "1m" => (now - 30 * DAY_MS, HOUR_MS),
        "1y" => (now - 365 * DAY_MS, DAY_MS),
        "all" => (GENESIS_MS, DAY_MS),
        _ => return Err(RpcError::wrong_format("range")),
    };
    let first = ceil_to(from.max(GENESIS_MS), step);
    let last = floor_to(now, step);
    out.push(b'[');
    let mut t = first;
    while t <= last {
        if t != first {
            out.push(b',');
        }
        out.push(b'[');
        json::i64(out, t);
        out.push(b',');
        json::f64(out, ctx.market.index_value(index, t));
        out.push(b']');
        t += step;
    }
    out.push(b']');
    Ok(())
}

/// Deprecated `get_index`: `{"BTC": price, "edp": price}`.
pub fn get_index(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let currency = p.str_req("currency")?;
    let coin = Coin::parse(&currency)
        .ok_or_else(|| RpcError::invalid_params("invalid currency", "currency"))?;
    let price = ctx
        .market
        .index_price(IndexName { coin, usdc: false }, ctx.now_ms);
    out.extend_from_slice(b"{");
    json::value(out, coin.as_str());
    out.push(b':');
    json::f64(out, price);
    out.extend_from_slice(b",\"edp\":");
    json::f64(out, price);
    out.push(b'}');
    Ok(())
}

#[derive(Serialize)]
struct Delivery {
    date: String,
    delivery_price: f64,
}

#[derive(Serialize)]
struct DeliveryPage {
    data: Vec<Delivery>,
    records_total: usize,
}

/// Newest first; `offset` default 0, `count` default 10, at most 1,000 (larger counts are
/// clamped: UNVERIFIED).
pub fn get_delivery_prices(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let index = index_param(p)?;
    let offset = p.i64_opt("offset")?.unwrap_or(0);
    let count = p.i64_opt("count")?.unwrap_or(10);
    if offset < 0 {
        return Err(RpcError::wrong_format("offset"));
    }
    if count < 1 {
        return Err(RpcError::wrong_format("count"));
    }
    let (rows, total) =
        ctx.market
            .delivery_page(index, offset as usize, count.min(1000) as usize, ctx.now_ms);
    let page = DeliveryPage {
        data: rows
            .iter()
            .map(|d| Delivery {
                date: d.date.format("%Y-%m-%d").to_string(),
                delivery_price: d.price,
            })
            .collect(),
        records_total: total,
    };
    json::value(out, &page);
    Ok(())
}
