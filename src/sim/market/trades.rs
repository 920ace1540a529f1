//! `get_last_trades_by_instrument_and_time`: the synthetic trades behind the candles.
//!
//! Each liquid minute has 1–4 trades (see [`super::series`]); their aggregate is that minute's
//! candle. `trade_seq` counts 4 slots per minute of the instrument's life (so it increases but
//! has gaps); `trade_id` is `<BASE>-<number>`, unique per instrument.

use super::pricing::PriceCursor;
use super::series::{MinuteTrades, Series, round_to};
use super::{Market, NotFound};
use crate::domain::time::MINUTE_MS;

/// Order of the returned trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sorting {
    Asc,
    Desc,
}

/// One trade as the API reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Trade {
    pub trade_seq: i64,
    pub trade_id: String,
    pub timestamp: i64,
    pub tick_direction: u8,
    pub price: f64,
    pub mark_price: f64,
    pub instrument_name: String,
    pub index_price: f64,
    pub direction: &'static str,
    /// USD for inverse instruments, coin for linear ones.
    pub amount: f64,
    pub contracts: f64,
}

impl Market {
    /// Trades with `start <= timestamp <= end` (defaults: the instrument's first minute, and
    /// now), at most `count`, and whether more matched.
    pub fn trades(
        &self,
        name: &str,
        start: Option<i64>,
        end: Option<i64>,
        count: usize,
        sorting: Sorting,
        now_ms: i64,
    ) -> Result<(Vec<Trade>, bool), NotFound> {
        let spec = self.lookup(name, now_ms).ok_or(NotFound)?;
        let mut out = Vec::new();
        let Some(last_min_ms) = spec.last_minute_ms(now_ms) else {
            return Ok((out, false));
        };
        let series = Series::new(self, &spec);
        let start = start.unwrap_or(i64::MIN).max(spec.first_minute_ms());
        let end = end.unwrap_or(now_ms).min(now_ms);
        let first_m = start.div_euclid(MINUTE_MS);
        let last_m = end.div_euclid(MINUTE_MS).min(last_min_ms / MINUTE_MS);
        if last_m < first_m {
            return Ok((out, false));
        }
        let mut cur = PriceCursor::default();
        let mut t = MinuteTrades::default();
        let mut has_more = false;
        let minutes: Box<dyn Iterator<Item = i64>> = match sorting {
            Sorting::Asc => Box::new(first_m..=last_m),
            Sorting::Desc => Box::new((first_m..=last_m).rev()),
        };
        'minutes: for m in minutes {
            if !series.liquid(m) {
                continue;
            }
            let s = series.price.fair(&mut cur, m);
            let e = series.price.fair(&mut cur, m + 1);
            series.trades(m, s, e, &mut t);
            let mut prev = if m > series.first_min() {
                series.prev_close(m)
            } else {
                t.price[0]
            };
            let mut minute = Vec::with_capacity(t.n);
            let mut up = true;
            for i in 0..t.n {
                let p = t.price[i];
                let tick_direction = if p > prev {
                    up = true;
                    0
                } else if p < prev {
                    up = false;
                    2
                } else if up {
                    1
                } else {
                    3
                };
                prev = p;
                if t.ts[i] < start || t.ts[i] > end {
                    continue;
                }
                let (amount, _, _) = series.trade_amounts(t.contracts[i], p);
                let seq = (m - series.first_min()) * 4 + i as i64 + 1;
                let index = series.price.index.at_ms(t.ts[i], spec.linear);
                minute.push(Trade {
                    trade_seq: seq,
                    trade_id: format!(
                        "{}-{}",
                        spec.base_currency(),
                        seq * 64 + (spec.instrument_id % 64)
                    ),
                    timestamp: t.ts[i],
                    tick_direction,
                    price: p,
                    mark_price: round_to(t.fair[i], 100.0),
                    instrument_name: spec.instrument_name.clone(),
                    index_price: round_to(index, 100.0),
                    direction: if p >= t.fair[i] { "buy" } else { "sell" },
                    amount,
                    contracts: t.contracts[i] as f64,
                });
            }
            if sorting == Sorting::Desc {
                minute.reverse();
            }
            for tr in minute {
                if out.len() == count {
                    has_more = true;
                    break 'minutes;
                }
                out.push(tr);
            }
        }
        Ok((out, has_more))
    }
}
