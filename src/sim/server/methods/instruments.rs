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

/// A number as the exchange writes it: an integer when the value is whole (`"contract_size":
/// 10`, `"maker_commission": 0`, deribit-api.md §8.4), a float otherwise.
#[derive(Clone, Copy)]
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

/// Fields written in exponent notation (`2.0E+5`, `5.0E-4`), as the exchange sometimes does.
const EXPONENT_FIELDS: [&str; 2] = ["block_trade_min_trade_amount", "taker_commission"];

/// An instrument object with every field of deribit-api.md §1.1 and the 2026 additions
/// (§8.6: `state`, `product_group`, `underlying_type`, `lot_size`, `index_id`, the currency
/// uuids, `max_non_default_leverage`; no `rfq`).
#[derive(Serialize)]
struct InstrumentJson<'a> {
    tick_size: f64,
    tick_size_steps: &'a [TickStep],
    taker_commission: f64,
    state: &'static str,
    settlement_period: &'static str,
    settlement_currency: &'static str,
    quote_currency: &'static str,
    price_index: &'static str,
    min_trade_amount: Num,
    max_liquidation_commission: f64,
    max_leverage: u32,
    max_non_default_leverage: u32,
    maker_commission: Num,
    product_group: String,
    underlying_type: &'static str,
    lot_size: Num,
    index_id: i64,
    base_currency_uuid: String,
    quote_currency_uuid: String,
    kind: &'static str,
    is_active: bool,
    instrument_type: &'static str,
    future_type: &'static str,
    instrument_name: &'a str,
    instrument_id: i64,
    expiration_timestamp: i64,
    creation_timestamp: i64,
    counter_currency: &'static str,
    contract_size: Num,
    block_trade_tick_size: f64,
    block_trade_min_trade_amount: Num,
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
        quote_currency: s.quote_currency(),
        price_index: s.price_index().as_str(),
        min_trade_amount: Num(s.min_trade_amount),
        max_liquidation_commission: 0.0075,
        max_leverage: 50,
        max_non_default_leverage: 50,
        maker_commission: Num(0.0),
        product_group: format!(
            "{}_{}",
            s.base_currency().to_ascii_lowercase(),
            if s.is_perpetual() {
                "perpetual"
            } else {
                "future"
            }
        ),
        underlying_type: "index",
        lot_size: Num(s.contract_size),
        index_id: match (s.coin, s.linear) {
            (Coin::Btc, false) => 1,
            (Coin::Eth, false) => 2,
            (Coin::Btc, true) => 3,
            (Coin::Eth, true) => 4,
        },
        base_currency_uuid: uuid_of(s.base_currency()),
        quote_currency_uuid: uuid_of(s.quote_currency()),
        kind: "future",
        is_active: s.is_active(now_ms),
        instrument_type: s.instrument_type(),
        future_type: s.instrument_type(),
        instrument_name: &s.instrument_name,
        instrument_id: s.instrument_id,
        expiration_timestamp: s.expiration_timestamp,
        creation_timestamp: s.creation_timestamp,
        counter_currency: s.quote_currency(),
        contract_size: Num(s.contract_size),
        block_trade_tick_size: 0.01,
        block_trade_min_trade_amount: Num(block_min),
        block_trade_commission: 0.00025,
        base_currency: s.base_currency(),
    }
}

/// A stable uuid-shaped id for a currency code.
fn uuid_of(code: &str) -> String {
    let h = crate::sim::hash::salt_of(code);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

/// Writes instrument objects with the exponent-notation fields rewritten.
fn write_instruments<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    let mut buf = Vec::new();
    json::value(&mut buf, v);
    out.extend_from_slice(&json::with_exponents(&buf, &EXPONENT_FIELDS));
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
                    // The main host lists recently expired futures only; the history host
                    // lists every one (deribit-api.md §8.2).
                    s.expiration_timestamp <= now
                        && (ctx.history || now - s.expiration_timestamp <= window)
                } else {
                    s.is_active(now)
                }
            })
            .collect()
    };
    let objects: Vec<InstrumentJson> = list.iter().map(|s| to_json(s, now)).collect();
    write_instruments(out, &objects);
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
    write_instruments(out, &to_json(&spec, ctx.now_ms));
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
