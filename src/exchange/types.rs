//! Typed responses of the public methods the pipelines use (deribit-api.md §1).
//! Parsing is by key; unknown fields are ignored, so extra fields the exchange adds never
//! break the client.

use serde::Deserialize;

use crate::domain::{Candle, FundingRate};

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
    pub creation_timestamp: i64,
    pub expiration_timestamp: i64,
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
    #[serde(default)]
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

/// One `get_funding_rate_history` row.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct ApiFundingRow {
    pub timestamp: i64,
    pub index_price: f64,
    pub prev_index_price: f64,
    pub interest_1h: f64,
    pub interest_8h: f64,
}

impl From<ApiFundingRow> for FundingRate {
    fn from(r: ApiFundingRow) -> Self {
        FundingRate {
            ts: r.timestamp,
            interest_8h: r.interest_8h,
            interest_1h: r.interest_1h,
            index_price: r.index_price,
            prev_index_price: r.prev_index_price,
        }
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
    fn parses_funding_and_instruments() {
        let row: ApiFundingRow = serde_json::from_str(
            r#"{"timestamp":1569891600000,"index_price":8222.87,"prev_index_price":8305.72,"interest_8h":-0.00009234260068476106,"interest_1h":-4.739622041017375e-7}"#,
        )
        .unwrap();
        let f: FundingRate = row.into();
        assert_eq!(f.ts, 1_569_891_600_000);
        assert_eq!(f.interest_1h, -4.739622041017375e-7);
        let inst: ApiInstrument = serde_json::from_str(
            r#"{"tick_size":0.5,"tick_size_steps":[],"taker_commission":0.0005,"settlement_period":"perpetual","settlement_currency":"BTC","rfq":false,"quote_currency":"USD","price_index":"btc_usd","min_trade_amount":10,"max_liquidation_commission":0.0075,"max_leverage":50,"maker_commission":0,"kind":"future","is_active":true,"instrument_name":"BTC-PERPETUAL","instrument_id":124972,"instrument_type":"reversed","expiration_timestamp":32503708800000,"creation_timestamp":1534167754000,"counter_currency":"USD","contract_size":10,"block_trade_tick_size":0.01,"block_trade_min_trade_amount":200000,"block_trade_commission":0.00025,"base_currency":"BTC"}"#,
        )
        .unwrap();
        assert_eq!(inst.instrument_name, "BTC-PERPETUAL");
        assert_eq!(inst.settlement_period.as_deref(), Some("perpetual"));
        assert_eq!(inst.contract_size, Some(10.0));
    }
}
