//! `public/get_instruments`, `public/get_instrument`, `public/get_currencies`.
//!
//! `currency` groups instruments by settlement currency: `BTC`/`ETH` give the inverse
//! instruments, `USDC` the linear perpetuals, `USDT`/`EURR` nothing, `any` or no currency
//! everything. Only futures (perpetuals included, reported as `kind: "future"`) are listed.

use serde::Serialize;

use super::Ctx;
use crate::sim::market::InstrumentSpec;
use crate::sim::server::error::RpcError;
use crate::sim::server::json;
use crate::sim::server::params::Params;
use crate::sim::settings::LongExpiredPolicy;

#[derive(Serialize)]
struct TickStep {
    above_price: f64,
    tick_size: f64,
}

/// An instrument object with every field of deribit-api.md §1.1.
#[derive(Serialize)]
struct InstrumentJson<'a> {
    tick_size: f64,
    tick_size_steps: &'a [TickStep],
    taker_commission: f64,
    state: &'static str,
    settlement_period: &'static str,
    settlement_currency: &'static str,
    rfq: bool,
    quote_currency: &'static str,
    price_index: &'static str,
    min_trade_amount: f64,
    max_liquidation_commission: f64,
    max_leverage: u32,
    maker_commission: f64,
    kind: &'static str,
    is_active: bool,
    instrument_type: &'static str,
    future_type: &'static str,
    instrument_name: &'a str,
    instrument_id: i64,
    expiration_timestamp: i64,
    creation_timestamp: i64,
    counter_currency: &'static str,
    contract_size: f64,
    block_trade_tick_size: f64,
    block_trade_min_trade_amount: f64,
    block_trade_commission: f64,
    base_currency: &'static str,
}

fn to_json(s: &InstrumentSpec, now_ms: i64) -> InstrumentJson<'_> {
    use crate::sim::market::Coin;
    let block_min = match (s.coin, s.linear) {
        (Coin::Btc, false) => 200_000.0,
        (Coin::Eth, false) => 100_000.0,
        (Coin::Btc, true) => 25.0,
        (Coin::Eth, true) => 250.0,
    };
    InstrumentJson {
        tick_size: s.tick_size,
        tick_size_steps: &[],
        taker_commission: 0.0005,
        state: s.state(now_ms),
        settlement_period: s.settlement_period.as_str(),
        settlement_currency: s.settlement_currency(),
        rfq: false,
        quote_currency: s.quote_currency(),
        price_index: s.price_index().as_str(),
        min_trade_amount: s.min_trade_amount,
        max_liquidation_commission: 0.0075,
        max_leverage: 50,
        maker_commission: 0.0,
        kind: "future",
        is_active: s.is_active(now_ms),
        instrument_type: s.instrument_type(),
        future_type: s.instrument_type(),
        instrument_name: &s.instrument_name,
        instrument_id: s.instrument_id,
        expiration_timestamp: s.expiration_timestamp,
        creation_timestamp: s.creation_timestamp,
        counter_currency: s.quote_currency(),
        contract_size: s.contract_size,
        block_trade_tick_size: 0.01,
        block_trade_min_trade_amount: block_min,
        block_trade_commission: 0.00025,
        base_currency: s.base_currency(),
    }
}

const CURRENCIES: [&str; 6] = ["BTC", "ETH", "USDC", "USDT", "EURR", "any"];
const KINDS: [&str; 5] = ["future", "option", "spot", "future_combo", "option_combo"];

pub fn get_instruments(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let currency = p.str_opt("currency")?;
    if let Some(c) = &currency
        && !CURRENCIES.contains(&c.as_str())
    {
        return Err(RpcError::invalid_params("invalid currency", "currency"));
    }
    let kind = p.str_opt("kind")?;
    if let Some(k) = &kind
        && !KINDS.contains(&k.as_str())
    {
        return Err(RpcError::wrong_format("kind"));
    }
    let expired = p.bool_opt("expired")?.unwrap_or(false);
    let now = ctx.now_ms;
    let window = ctx.market.settings().api.expired_window_ms();
    let list: Vec<InstrumentSpec> = if kind.as_deref().is_some_and(|k| k != "future") {
        Vec::new()
    } else {
        ctx.market
            .universe()
            .all(now)
            .into_iter()
            .filter(|s| match currency.as_deref() {
                None | Some("any") => true,
                Some(c) => s.settlement_currency() == c,
            })
            .filter(|s| {
                if expired {
                    s.expiration_timestamp <= now && now - s.expiration_timestamp <= window
                } else {
                    s.is_active(now)
                }
            })
            .collect()
    };
    let objects: Vec<InstrumentJson> = list.iter().map(|s| to_json(s, now)).collect();
    json::value(out, &objects);
    Ok(())
}

pub fn get_instrument(ctx: &Ctx, p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let name = p.str_req("instrument_name")?;
    let spec = ctx
        .market
        .lookup(&name, ctx.now_ms)
        .filter(|s| {
            !(ctx.market.settings().api.long_expired == LongExpiredPolicy::NotFound
                && ctx.market.is_long_expired(s, ctx.now_ms))
        })
        .ok_or_else(RpcError::instrument_not_found)?;
    json::value(out, &to_json(&spec, ctx.now_ms));
    Ok(())
}

#[derive(Serialize)]
struct Priority {
    value: f64,
    name: &'static str,
}

#[derive(Serialize)]
struct CurrencyJson {
    withdrawal_priorities: Vec<Priority>,
    withdrawal_fee: f64,
    min_withdrawal_fee: f64,
    min_confirmations: u32,
    fee_precision: u32,
    currency_long: &'static str,
    currency: &'static str,
    coin_type: &'static str,
}

pub fn get_currencies(_ctx: &Ctx, _p: &Params, out: &mut Vec<u8>) -> Result<(), RpcError> {
    let c = |currency, currency_long, coin_type, fee, confirmations, precision| CurrencyJson {
        withdrawal_priorities: Vec::new(),
        withdrawal_fee: fee,
        min_withdrawal_fee: fee,
        min_confirmations: confirmations,
        fee_precision: precision,
        currency_long,
        currency,
        coin_type,
    };
    let list = [
        CurrencyJson {
            withdrawal_priorities: vec![
                Priority {
                    value: 0.15,
                    name: "very_low",
                },
                Priority {
                    value: 1.5,
                    name: "very_high",
                },
            ],
            ..c("BTC", "Bitcoin", "BITCOIN", 0.0001, 1, 4)
        },
        c("ETH", "Ethereum", "ETHER", 0.0006, 1, 4),
        c("USDC", "USD Coin", "ETHER", 1.0, 1, 2),
        c("USDT", "Tether USD", "ETHER", 1.0, 1, 2),
    ];
    json::value(out, &list);
    Ok(())
}
