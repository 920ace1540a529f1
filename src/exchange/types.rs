//! Typed responses of the public methods the pipelines use (deribit-api.md §1).
//! Parsing is by key; unknown fields are ignored, so extra fields the exchange adds never
//! break the client. Numbers come as they come (deribit-api.md §8.4): integers where floats
//! are expected (serde reads them as `f64`), exponent notation (`7.4E+4`, `1.0E-8`) even for
//! integer fields such as timestamps ([`lenient_i64`]), and optional fields may be absent.

use serde::{Deserialize, Deserializer};

/// An integer that may arrive as `1534242287000`, `1534242287000.0` or `1.534242287E+12`:
/// any JSON number with an integral value in range. `null` reads as `None`.
pub fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v: Option<serde_json::Number> = Option::deserialize(d)?;
    let Some(n) = v else { return Ok(None) };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!("{n} is not an integer"))),
    }
}

/// Like [`lenient_i64`], for a required field.
fn lenient_i64_req<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    lenient_i64(d)?.ok_or_else(|| serde::de::Error::custom("null where an integer is required"))
}

/// A list of integers, each as [`lenient_i64`] reads it.
fn lenient_i64_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Item(#[serde(deserialize_with = "lenient_i64_req")] i64);
    Ok(Vec::<Item>::deserialize(d)?
        .into_iter()
        .map(|i| i.0)
        .collect())
}

use crate::domain::Candle;

/// The JSON-RPC envelope: `result` or `error`.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub result: Option<T>,
    pub error: Option<RpcError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RpcError {
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub data: Option<RpcErrorData>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RpcErrorData {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
}

/// One `get_instruments` row (the fields the backfill needs).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct ApiInstrument {
    pub instrument_name: String,
    pub kind: String,
    #[serde(default)]
    pub base_currency: Option<String>,
    #[serde(default)]
    pub quote_currency: Option<String>,
    #[serde(default)]
    pub settlement_period: Option<String>,
    /// Absent or null: unknown (the calendar, or the first candle, tells).
    #[serde(default, deserialize_with = "lenient_i64")]
    pub creation_timestamp: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub expiration_timestamp: Option<i64>,
    #[serde(default)]
    pub is_active: bool,
    #[serde(default)]
    pub instrument_type: Option<String>,
    #[serde(default)]
    pub contract_size: Option<f64>,
}

/// One `get_currencies` row (only the code is used: to name the currencies the exchange has).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiCurrency {
    pub currency: String,
}

/// `get_tradingview_chart_data` result: parallel arrays.
#[derive(Debug, Clone, Deserialize)]
pub struct ChartData {
    pub status: String,
    #[serde(default, deserialize_with = "lenient_i64_vec")]
    pub ticks: Vec<i64>,
    #[serde(default)]
    pub open: Vec<f64>,
    #[serde(default)]
    pub high: Vec<f64>,
    #[serde(default)]
    pub low: Vec<f64>,
    #[serde(default)]
    pub close: Vec<f64>,
    #[serde(default)]
    pub volume: Vec<f64>,
    #[serde(default)]
    pub cost: Vec<f64>,
}

impl ChartData {
    /// `status` is `no_data` (all arrays empty).
    pub fn is_no_data(&self) -> bool {
        self.status == "no_data"
    }

    /// Zips the arrays into candles; arrays of different lengths are a malformed response.
    pub fn into_candles(self) -> Result<Vec<Candle>, String> {
        let n = self.ticks.len();
        let lens = [
            self.open.len(),
            self.high.len(),
            self.low.len(),
            self.close.len(),
            self.volume.len(),
            self.cost.len(),
        ];
        if lens.iter().any(|l| *l != n) {
            return Err(format!(
                "chart arrays differ in length: ticks {n}, others {lens:?}"
            ));
        }
        if self.status != "ok" && self.status != "no_data" {
            return Err(format!("unexpected chart status {:?}", self.status));
        }
        Ok((0..n)
            .map(|i| Candle {
                ts: self.ticks[i],
                open: self.open[i],
                high: self.high[i],
                low: self.low[i],
                close: self.close[i],
                volume: self.volume[i],
                cost: self.cost[i],
            })
            .collect())
    }
}

/// `get_delivery_prices` result: newest first.
#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryPrices {
    pub data: Vec<DeliveryPrice>,
    pub records_total: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryPrice {
    /// `YYYY-MM-DD`; the price is fixed at 08:00 UTC that day.
    pub date: String,
    pub delivery_price: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_real_chart_capture() {
        // deribit-api.md §1.3, BTC-PERPETUAL 1m, 2026 (key order as on the wire).
        let body = r#"{"usOut":1785842572510751,"usIn":1785842572507618,"usDiff":3133,"testnet":false,"result":{"volume":[0.09846626,0.03386421,0.00173194],
   "ticks":[1785840000000,1785840060000,1785840120000],"status":"ok","open":[63464.5,63488.0,63507.0],"low":[63464.5,63488.0,63507.0],
   "high":[63480.5,63505.0,63513.0],"cost":[6250.0,2150.0,110.0],"close":[63480.5,63505.0,63513.0]},"jsonrpc":"2.0"}"#;
        let env: Envelope<ChartData> = serde_json::from_str(body).unwrap();
        let candles = env.result.unwrap().into_candles().unwrap();
        assert_eq!(candles.len(), 3);
        assert_eq!(candles[1].ts, 1_785_840_060_000);
        assert_eq!(candles[1].high, 63_505.0);
        assert_eq!(candles[2].cost, 110.0);
    }

    #[test]
    fn parses_no_data_and_errors() {
        let body = r#"{"usOut":1,"usIn":1,"usDiff":4512,"testnet":false,"result":{"volume":[],"ticks":[],"status":"no_data","open":[],"low":[],"high":[],"cost":[],"close":[]},"jsonrpc":"2.0"}"#;
        let env: Envelope<ChartData> = serde_json::from_str(body).unwrap();
        let data = env.result.unwrap();
        assert!(data.is_no_data());
        assert!(data.into_candles().unwrap().is_empty());
        let body = r#"{"usOut":1,"usIn":1,"usDiff":24,"testnet":false,"jsonrpc":"2.0","error":{"message":"Invalid params","data":{"reason":"instrument not found","param":"instrument_name"},"code":-32602}}"#;
        let env: Envelope<ChartData> = serde_json::from_str(body).unwrap();
        let e = env.error.unwrap();
        assert_eq!(e.code, -32602);
        assert_eq!(
            e.data.unwrap().reason.as_deref(),
            Some("instrument not found")
        );
    }

    #[test]
    fn ragged_arrays_are_malformed() {
        let data = ChartData {
            status: "ok".into(),
            ticks: vec![1, 2],
            open: vec![1.0],
            high: vec![1.0, 1.0],
            low: vec![1.0, 1.0],
            close: vec![1.0, 1.0],
            volume: vec![0.0, 0.0],
            cost: vec![0.0, 0.0],
        };
        assert!(data.into_candles().is_err());
    }

    #[test]
    fn parses_instruments() {
        let inst: ApiInstrument = serde_json::from_str(
            r#"{"tick_size":0.5,"tick_size_steps":[],"taker_commission":0.0005,"settlement_period":"perpetual","settlement_currency":"BTC","rfq":false,"quote_currency":"USD","price_index":"btc_usd","min_trade_amount":10,"max_liquidation_commission":0.0075,"max_leverage":50,"maker_commission":0,"kind":"future","is_active":true,"instrument_name":"BTC-PERPETUAL","instrument_id":124972,"instrument_type":"reversed","expiration_timestamp":32503708800000,"creation_timestamp":1534167754000,"counter_currency":"USD","contract_size":10,"block_trade_tick_size":0.01,"block_trade_min_trade_amount":200000,"block_trade_commission":0.00025,"base_currency":"BTC"}"#,
        )
        .unwrap();
        assert_eq!(inst.instrument_name, "BTC-PERPETUAL");
        assert_eq!(inst.settlement_period.as_deref(), Some("perpetual"));
        assert_eq!(inst.contract_size, Some(10.0));
    }

    #[test]
    fn instrument_rows_as_they_come() {
        // A 2026 row: extra fields, no `rfq`, integers for floats, exponent notation.
        let inst: ApiInstrument = serde_json::from_str(
            r#"{"tick_size":2.5,"tick_size_steps":[],"taker_commission":5.0E-4,"state":"closed","settlement_period":"month","settlement_currency":"BTC","quote_currency":"USD","price_index":"btc_usd","min_trade_amount":10,"max_liquidation_commission":0.0075,"max_leverage":50,"maker_commission":0,"kind":"future","is_active":false,"instrument_name":"BTC-26MAR27","instrument_id":473301,"instrument_type":"reversed","future_type":"reversed","expiration_timestamp":1.8005472E+12,"creation_timestamp":1774598400000.0,"counter_currency":"USD","contract_size":1E+1,"block_trade_tick_size":0.01,"block_trade_min_trade_amount":2.0E+5,"block_trade_commission":0.00025,"base_currency":"BTC","product_group":"BTC-futures","underlying_type":"index","lot_size":1,"index_id":17,"base_currency_uuid":"a","quote_currency_uuid":"b","max_non_default_leverage":null,"someday":{"new":[1]}}"#,
        )
        .unwrap();
        assert_eq!(inst.expiration_timestamp, Some(1_800_547_200_000));
        assert_eq!(inst.creation_timestamp, Some(1_774_598_400_000));
        assert_eq!(inst.contract_size, Some(10.0));
        // Optional fields absent: only the name and kind are needed.
        let bare: ApiInstrument =
            serde_json::from_str(r#"{"instrument_name":"BTC-27DEC24","kind":"future"}"#).unwrap();
        assert_eq!(bare.creation_timestamp, None);
        assert_eq!(bare.settlement_period, None);
        assert!(!bare.is_active);
        // A fractional timestamp is not an integer.
        assert!(
            serde_json::from_str::<ApiInstrument>(
                r#"{"instrument_name":"X","kind":"future","creation_timestamp":1.5}"#
            )
            .is_err()
        );
    }

    #[test]
    fn chart_numbers_as_they_come() {
        let data: ChartData = serde_json::from_str(
            r#"{"volume":[0,1.0E-8],"ticks":[1.78584E+12,1785840060000],"status":"ok","open":[74000,7.4E+4],"low":[74000,74000],"high":[7.4E+4,74001],"cost":[0,10],"close":[74000,74000.5]}"#,
        )
        .unwrap();
        let c = data.into_candles().unwrap();
        assert_eq!(c[0].ts, 1_785_840_000_000);
        assert_eq!(c[1].open, 74_000.0);
        assert_eq!(c[1].volume, 1.0e-8);
    }
}
