//! Ground truth without HTTP: exactly the rows the simulator serves, for tests that compare a
//! loaded database row for row.
//!
//! Every method answers at the market's clock ("now"; use [`Market::at`] or a fixed
//! [`crate::sim::SimClock`] in tests) and takes half-open [`TimeRange`]s: a row belongs to
//! `range` when `range.start <= timestamp < range.end`. Candles are the one-minute candles
//! `get_tradingview_chart_data` serves at resolution 1 without its 5,001 cap (the forming
//! minute included, the long-expired policy applied); funding rows are
//! `get_funding_rate_history`'s without its cap; delivery prices are `get_delivery_prices`'.

use chrono::NaiveDate;

use super::market::delivery::DeliveryPrice;
use super::market::{Coin, IndexName, InstrumentSpec, Market, Missing};
use crate::domain::range::TimeRange;
use crate::domain::rows::{Candle, FundingRate};
use crate::domain::time::HOUR_MS;

/// Row totals of one instrument up to now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentTotals {
    pub instrument_name: String,
    /// One-minute candles served (fillers included).
    pub candles: usize,
    /// Funding-history rows (perpetuals only).
    pub funding_rows: usize,
}

impl Market {
    /// Every instrument listed at now: active and expired, perpetuals first, then futures by
    /// coin and expiry. `is_active(now)` tells which are active.
    pub fn instruments(&self) -> Vec<InstrumentSpec> {
        self.universe().all(self.now_ms())
    }

    /// The instrument with this name, if listed at now.
    pub fn instrument(&self, name: &str) -> Option<InstrumentSpec> {
        self.lookup(name, self.now_ms())
    }

    /// Expiries the calendar predicts for `coin` (from genesis to a year and a half ahead) that
    /// have no instrument, with the reason.
    pub fn nonexistent_expiries(&self, coin: Coin) -> Vec<(NaiveDate, Missing)> {
        self.universe()
            .calendar(coin, self.now_ms())
            .into_iter()
            .filter_map(|(d, r)| r.err().map(|m| (d, m)))
            .collect()
    }

    /// Calls `f` with every one-minute candle served for `name` with `ts` in `range`, ascending,
    /// without collecting them (a perpetual's whole history is millions of candles).
    pub fn for_each_candle(&self, name: &str, range: TimeRange, f: impl FnMut(Candle)) {
        let mut f = f;
        if range.is_empty() {
            return;
        }
        let now = self.now_ms();
        let Ok((spec, w)) = self.chart_window(name, 1, range.start, range.end - 1, None, now)
        else {
            return;
        };
        // Chunks keep memory bounded.
        const CHUNK: i64 = 100_000 * 60_000;
        let mut buf = Vec::new();
        let mut first = w.first;
        while first <= w.last {
            let last = (first + CHUNK - w.step).min(w.last);
            buf.clear();
            let part = super::market::chart::ChartWindow {
                first,
                last,
                step: w.step,
            };
            self.chart_candles(&spec, &part, now, &mut buf);
            buf.iter().for_each(|c| f(*c));
            first = last + w.step;
        }
    }

    /// The one-minute candles served for `name` with `ts` in `range`, ascending.
    pub fn candles(&self, name: &str, range: TimeRange) -> Vec<Candle> {
        let mut out = Vec::new();
        self.for_each_candle(name, range, |c| out.push(c));
        out
    }

    /// How many one-minute candles `name` has at now (0 if not found or hidden by policy).
    pub fn candle_count(&self, name: &str) -> usize {
        let now = self.now_ms();
        self.chart_window(name, 1, i64::MIN, i64::MAX, None, now)
            .map(|(_, w)| w.len())
            .unwrap_or(0)
    }

    /// The funding rows of a perpetual with `ts` in `range`, ascending.
    pub fn funding(&self, name: &str, range: TimeRange) -> Vec<FundingRate> {
        if range.is_empty() {
            return Vec::new();
        }
        self.funding_history(name, range.start - 1, range.end - 1, None, self.now_ms())
            .unwrap_or_default()
    }

    /// How many funding rows `name` has at now (0 for futures).
    pub fn funding_count(&self, name: &str) -> usize {
        let now = self.now_ms();
        match self.lookup(name, now) {
            Some(spec) if spec.is_perpetual() => {
                let first = self.funding_first_ms(&spec);
                let last = now.div_euclid(HOUR_MS) * HOUR_MS;
                (first..=last)
                    .step_by(HOUR_MS as usize)
                    .filter(|h| !self.is_funding_gap(&spec, *h))
                    .count()
            }
            _ => 0,
        }
    }

    /// Every delivery price of `index` at now, oldest first.
    pub fn delivery_prices(&self, index: IndexName) -> Vec<DeliveryPrice> {
        let now = self.now_ms();
        let total = self.delivery_count(index, now);
        let mut v = self.delivery_page(index, 0, total, now).0;
        v.reverse();
        v
    }

    /// Totals per instrument listed at now, in [`Market::instruments`] order.
    pub fn totals(&self) -> Vec<InstrumentTotals> {
        self.instruments()
            .into_iter()
            .map(|s| InstrumentTotals {
                candles: self.candle_count(&s.instrument_name),
                funding_rows: self.funding_count(&s.instrument_name),
                instrument_name: s.instrument_name,
            })
            .collect()
    }
}
