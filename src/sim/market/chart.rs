//! `get_tradingview_chart_data` semantics: resolutions, inclusive bounds, the end-anchored cap,
//! the long-expired policy and aggregation of one-minute candles into larger buckets.

use super::series::{Series, round_to};
use super::{Market, NotFound};
use crate::domain::rows::Candle;
use crate::domain::time::{MINUTE_MS, ceil_to, floor_to};
use crate::sim::settings::{LongExpiredPolicy, TruncationAnchor};

/// A candle resolution in minutes (`1D` = 1440).
pub type Resolution = i64;

/// The documented resolutions, as the API spells them.
pub const RESOLUTIONS: [&str; 12] = [
    "1", "3", "5", "10", "15", "30", "60", "120", "180", "360", "720", "1D",
];

/// Parses a resolution: the documented values, plus `1440` which the exchange accepts as `1D`.
pub fn parse_resolution(s: &str) -> Option<Resolution> {
    match s {
        "1D" | "1440" => Some(1440),
        _ if RESOLUTIONS.contains(&s) => s.parse().ok(),
        _ => None,
    }
}

/// Timestamps beyond this are clamped, so bucket arithmetic never overflows.
const TS_LIMIT: i64 = 1 << 50;

/// Which buckets a chart request covers, after the cap and the instrument's data range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartWindow {
    /// First and last bucket start (inclusive); empty when `last < first`.
    pub first: i64,
    pub last: i64,
    pub step: i64,
}

impl ChartWindow {
    pub fn is_empty(&self) -> bool {
        self.last < self.first
    }

    pub fn len(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            ((self.last - self.first) / self.step + 1) as usize
        }
    }
}

impl Market {
    /// The buckets `get_tradingview_chart_data` serves for `[start, end]` at `res` minutes, with
    /// at most `cap` buckets (`None`: uncapped). `Err` if the instrument is not found.
    pub fn chart_window(
        &self,
        name: &str,
        res: Resolution,
        start: i64,
        end: i64,
        cap: Option<usize>,
        now_ms: i64,
    ) -> Result<(super::InstrumentSpec, ChartWindow), NotFound> {
        let spec = self.lookup(name, now_ms).ok_or(NotFound)?;
        let step = res * MINUTE_MS;
        let empty = ChartWindow {
            first: 0,
            last: -step,
            step,
        };
        if self.is_long_expired(&spec, now_ms) {
            match self.settings().api.long_expired {
                LongExpiredPolicy::Served => {}
                LongExpiredPolicy::NoData => return Ok((spec, empty)),
                LongExpiredPolicy::NotFound => return Err(NotFound),
            }
        }
        let Some(last_min) = spec.last_minute_ms(now_ms) else {
            return Ok((spec, empty));
        };
        let (start, end) = (
            start.clamp(-TS_LIMIT, TS_LIMIT),
            end.clamp(-TS_LIMIT, TS_LIMIT),
        );
        let mut wfirst = ceil_to(start, step);
        let wlast = floor_to(end, step);
        let dfirst = floor_to(spec.first_minute_ms(), step);
        let dlast = floor_to(last_min, step);
        let cap_back = |last: i64| cap.map(|c| last - (c.max(1) as i64 - 1) * step);
        let (mut first, last);
        match self.settings().api.truncation {
            TruncationAnchor::Window => {
                if let Some(min_first) = cap_back(wlast) {
                    wfirst = wfirst.max(min_first);
                }
                first = wfirst.max(dfirst);
                last = wlast.min(dlast);
            }
            TruncationAnchor::Data => {
                first = wfirst.max(dfirst);
                last = wlast.min(dlast);
                if let Some(min_first) = cap_back(last) {
                    first = first.max(min_first);
                }
            }
        }
        if last < first {
            return Ok((spec, empty));
        }
        Ok((spec, ChartWindow { first, last, step }))
    }

    /// Candles of a [`ChartWindow`] of `spec` at `now_ms`, appended to `out`.
    pub fn chart_candles(
        &self,
        spec: &super::InstrumentSpec,
        w: &ChartWindow,
        now_ms: i64,
        out: &mut Vec<Candle>,
    ) {
        if w.is_empty() {
            return;
        }
        let Some(last_min) = spec.last_minute_ms(now_ms) else {
            return;
        };
        let series = Series::new(self, spec);
        let from = w.first.max(spec.first_minute_ms()) / MINUTE_MS;
        let to = (w.last + w.step - MINUTE_MS).min(last_min) / MINUTE_MS;
        if w.step == MINUTE_MS {
            out.reserve((to - from + 1).max(0) as usize);
            series.candles(from, to, now_ms, out);
            return;
        }
        let vol_scale = series.volume_scale();
        let linear = spec.linear;
        let mut acc: Option<Candle> = None;
        let flush = |acc: &mut Option<Candle>, out: &mut Vec<Candle>| {
            if let Some(mut c) = acc.take() {
                c.volume = round_to(c.volume, vol_scale);
                if linear {
                    c.cost = round_to(c.cost, 1e6);
                }
                out.push(c);
            }
        };
        series.for_each_candle(from, to, now_ms, |c| {
            let b = floor_to(c.ts, w.step);
            match &mut acc {
                Some(a) if a.ts == b => {
                    a.high = a.high.max(c.high);
                    a.low = a.low.min(c.low);
                    a.close = c.close;
                    a.volume += c.volume;
                    a.cost += c.cost;
                }
                _ => {
                    flush(&mut acc, out);
                    acc = Some(Candle { ts: b, ..c });
                }
            }
        });
        flush(&mut acc, out);
    }

    /// Everything `get_tradingview_chart_data` answers: `Ok(candles)` (empty = `no_data`) or
    /// `Err(NotFound)`.
    pub fn chart(
        &self,
        name: &str,
        res: Resolution,
        start: i64,
        end: i64,
        now_ms: i64,
    ) -> Result<Vec<Candle>, NotFound> {
        let cap = Some(self.settings().api.max_candles);
        let (spec, w) = self.chart_window(name, res, start, end, cap, now_ms)?;
        let mut out = Vec::with_capacity(w.len());
        self.chart_candles(&spec, &w, now_ms, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions() {
        for r in RESOLUTIONS {
            assert!(parse_resolution(r).is_some(), "{r}");
        }
        assert_eq!(parse_resolution("1D"), Some(1440));
        assert_eq!(parse_resolution("1440"), Some(1440));
        assert_eq!(parse_resolution("7"), None);
        assert_eq!(parse_resolution("240"), None);
        assert_eq!(parse_resolution("1W"), None);
        assert_eq!(parse_resolution(""), None);
    }
}
