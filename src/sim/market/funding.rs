//! Hourly funding history of the perpetuals, computed from the same premium the perpetual's
//! prices carry.
//!
//! For the hour ending at `h`: the average premium `A(h)` is the mean of the premium at
//! h−45, h−30, h−15 and h minutes. `interest_8h(h)` = mean of `A` over the trailing 8 hours
//! (the premium expressed per 8 h); `interest_1h(h)` = the damped rate (±0.025 % damper, ±0.5 %
//! cap) of `A(h)`, divided by 8. `index_price` is the index at `h` and `prev_index_price` the
//! index one hour earlier, both rounded to 0.01.
//!
//! Rows exist at every full hour from the first funding hour up to now, except in gaps, as on
//! the real exchange (deribit-api.md §8.3, [`FundingSettings`]): the first hour is the later of
//! the hour after the perpetual's creation and the coin's recorded start (BTC-PERPETUAL:
//! 2019-04-30T10:00Z); the first row has `prev_index_price: null`; on a seeded share of days a
//! gap of 2..=`gap_max_hours` hours starts at a seeded hour (never at the first row).

use super::pricing::PriceCursor;
use super::series::{Series, round_to};
use super::{Market, NotFound};
use crate::domain::rows::FundingRate;
use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS, floor_to};
use crate::sim::hash::{h3, mix, salt_of, unit};
use crate::sim::market::Coin;
use crate::sim::settings::{FundingSettings, TruncationAnchor};

const DAMPER: f64 = 0.000_25;
const CAP: f64 = 0.005;

fn damp(p: f64) -> f64 {
    let d = if p > DAMPER {
        p - DAMPER
    } else if p < -DAMPER {
        p + DAMPER
    } else {
        0.0
    };
    d.clamp(-CAP, CAP)
}

fn hour_premium(series: &Series, cur: &mut PriceCursor, h_ms: i64) -> f64 {
    let m = h_ms / MINUTE_MS;
    let mut sum = 0.0;
    for back in [45, 30, 15, 0] {
        sum += series.price.spread(cur, m - back);
    }
    sum / 4.0
}

/// The gap (start, end) in ms that starts on `day`, if any.
fn gap_of_day(settings: &FundingSettings, salt: u64, day: i64) -> Option<(i64, i64)> {
    let h = h3(salt, 0xf0d1_6a95, day as u64);
    if unit(h) >= settings.gap_day_share {
        return None;
    }
    let start = day * DAY_MS + (mix(h ^ 1) % 24) as i64 * HOUR_MS;
    let max = settings.gap_max_hours.max(2);
    let hours = 2 + (mix(h ^ 2) % (max - 1) as u64) as i64;
    Some((start, start + hours * HOUR_MS))
}

impl Market {
    /// The hour after a perpetual's creation at `creation_ms` (before the coin's funding start).
    pub fn first_funding_ms(creation_ms: i64) -> i64 {
        floor_to(creation_ms, HOUR_MS) + HOUR_MS
    }

    /// A perpetual's first funding row: the hour after its creation, but not before its coin's
    /// recorded start (inverse perpetuals; deribit-api.md §8.3).
    pub fn funding_first_ms(&self, spec: &super::InstrumentSpec) -> i64 {
        let created = Self::first_funding_ms(spec.creation_timestamp);
        if spec.linear {
            return created;
        }
        let f = &self.settings().funding;
        let start = match spec.coin {
            Coin::Btc => f.btc_first_ms,
            Coin::Eth => f.eth_first_ms,
        };
        created.max(floor_to(start, HOUR_MS))
    }

    fn funding_salt(&self, spec: &super::InstrumentSpec) -> u64 {
        h3(self.seed(), salt_of(&spec.instrument_name), 0xf_u64)
    }

    /// Whether the hour `h` of a perpetual's funding history is in a gap (no row).
    pub fn is_funding_gap(&self, spec: &super::InstrumentSpec, h: i64) -> bool {
        let f = &self.settings().funding;
        if f.gap_day_share <= 0.0 || h == self.funding_first_ms(spec) {
            return false;
        }
        let salt = self.funding_salt(spec);
        let day = h.div_euclid(DAY_MS);
        let back = (f.gap_max_hours.max(2) + 23) / 24;
        (day - back..=day)
            .any(|d| gap_of_day(f, salt, d).is_some_and(|(start, end)| start <= h && h < end))
    }

    /// Whether the funding row at `h` is served unreadable (the `unreadable_share` fault).
    pub fn is_funding_unreadable(&self, spec: &super::InstrumentSpec, h: i64) -> bool {
        let share = self.settings().funding.unreadable_share;
        share > 0.0 && unit(h3(self.funding_salt(spec), 0xbad, h as u64)) < share
    }

    /// Funding rows at every full hour from `first_h` to `last_h` inclusive (ms, hour-aligned).
    pub(crate) fn funding_rows(
        &self,
        spec: &super::InstrumentSpec,
        first_h: i64,
        last_h: i64,
        out: &mut Vec<FundingRate>,
    ) {
        if last_h < first_h {
            return;
        }
        let series = Series::new(self, spec);
        let mut cur = PriceCursor::default();
        let hours = ((last_h - first_h) / HOUR_MS + 1) as usize;
        // A(h) for h from first_h - 7h to last_h.
        let avgs: Vec<f64> = (0..hours + 7)
            .map(|i| hour_premium(&series, &mut cur, first_h + (i as i64 - 7) * HOUR_MS))
            .collect();
        let mut cur = PriceCursor::default();
        let mut prev_index = round_to(
            series
                .price
                .index_at(&mut cur, (first_h - HOUR_MS) / MINUTE_MS),
            100.0,
        );
        let first_row = self.funding_first_ms(spec);
        out.reserve(hours);
        for i in 0..hours {
            let h = first_h + i as i64 * HOUR_MS;
            let a = avgs[i + 7];
            let mut sum8 = 0.0;
            for v in &avgs[i..i + 8] {
                sum8 += v;
            }
            let index = round_to(series.price.index_at(&mut cur, h / MINUTE_MS), 100.0);
            if !self.is_funding_gap(spec, h) {
                out.push(FundingRate {
                    ts: h,
                    interest_8h: Some(sum8 / 8.0),
                    interest_1h: Some(damp(a) / 8.0),
                    index_price: Some(index),
                    // The real first row has no previous index (2019-04-30T10:00Z).
                    prev_index_price: (h != first_row).then_some(prev_index),
                });
            }
            prev_index = index;
        }
    }

    /// What `get_funding_rate_history` answers for `(start, end]` with at most `cap` rows
    /// (`None`: uncapped). Non-perpetual instruments have no rows.
    pub fn funding_history(
        &self,
        name: &str,
        start: i64,
        end: i64,
        cap: Option<usize>,
        now_ms: i64,
    ) -> Result<Vec<FundingRate>, NotFound> {
        let spec = self.lookup(name, now_ms).ok_or(NotFound)?;
        let mut out = Vec::new();
        if !spec.is_perpetual() {
            return Ok(out);
        }
        let lim = 1i64 << 50;
        let (start, end) = (start.clamp(-lim, lim), end.clamp(-lim, lim));
        let wfirst = floor_to(start, HOUR_MS) + HOUR_MS;
        let wlast = floor_to(end, HOUR_MS);
        let dfirst = self.funding_first_ms(&spec);
        let dlast = floor_to(now_ms, HOUR_MS);
        let back = |last: i64| cap.map(|c| last - (c.max(1) as i64 - 1) * HOUR_MS);
        let (first, last) = match self.settings().api.truncation {
            TruncationAnchor::Window => {
                let f = back(wlast).map_or(wfirst, |b| wfirst.max(b));
                (f.max(dfirst), wlast.min(dlast))
            }
            TruncationAnchor::Data => {
                let last = wlast.min(dlast);
                let f = wfirst.max(dfirst);
                (back(last).map_or(f, |b| f.max(b)), last)
            }
        };
        self.funding_rows(&spec, first, last, &mut out);
        Ok(out)
    }

    /// `get_funding_rate_value`: the sum of `interest_1h` over `(start, end]`.
    pub fn funding_value(
        &self,
        name: &str,
        start: i64,
        end: i64,
        now_ms: i64,
    ) -> Result<f64, NotFound> {
        let rows = self.funding_history(name, start, end, None, now_ms)?;
        Ok(rows.iter().filter_map(|r| r.interest_1h).sum())
    }

    /// The perpetual's premium (per 8 h) at an instant: `current_interest` of
    /// `get_funding_chart_data`.
    pub fn current_premium(&self, spec: &super::InstrumentSpec, now_ms: i64) -> f64 {
        let series = Series::new(self, spec);
        series
            .price
            .spread(&mut PriceCursor::default(), now_ms.div_euclid(MINUTE_MS))
    }
}
