//! Time ranges and their split into fetch windows.
//!
//! A [`TimeRange`] is half-open, `[start, end)`, in epoch milliseconds. The exchange's candle
//! endpoint takes *inclusive* bucket bounds and silently truncates anything beyond ~5,000
//! buckets from the old end, so a range is split into [`BucketWindow`]s that each hold at most
//! `max_buckets` bucket start times, first and last inclusive.

use super::time::{MINUTE_MS, ceil_to, floor_to, format_ms};

/// Most one-minute candles the backfill asks for in one call (the exchange serves up to 5,001).
pub const MAX_CANDLES_PER_REQUEST: i64 = 5_000;
/// Most hourly funding rows the backfill asks for in one call (the exchange serves up to 744).
pub const MAX_FUNDING_ROWS_PER_REQUEST: i64 = 744;

/// `[start, end)` in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TimeRange {
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("the end {end} is before the start {start} — pass an --end later than --start")]
    EndBeforeStart { start: String, end: String },
}

impl TimeRange {
    /// A range; an end before the start is an error (an empty range, `end == start`, is fine).
    pub fn new(start: i64, end: i64) -> Result<Self, RangeError> {
        if end < start {
            return Err(RangeError::EndBeforeStart {
                start: format_ms(start),
                end: format_ms(end),
            });
        }
        Ok(Self { start, end })
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn duration_ms(&self) -> i64 {
        (self.end - self.start).max(0)
    }

    pub fn contains(&self, ts: i64) -> bool {
        ts >= self.start && ts < self.end
    }

    /// The overlap of two ranges, if any.
    pub fn intersect(&self, other: &TimeRange) -> Option<TimeRange> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (end > start).then_some(TimeRange { start, end })
    }

    /// First bucket start at or after `start`, for buckets of `step` ms.
    pub fn first_bucket(&self, step: i64) -> i64 {
        ceil_to(self.start, step)
    }

    /// Number of bucket start times of size `step` inside the range.
    pub fn bucket_count(&self, step: i64) -> i64 {
        if self.is_empty() {
            return 0;
        }
        let first = ceil_to(self.start, step);
        let last = floor_to(self.end - 1, step);
        if last < first {
            0
        } else {
            (last - first) / step + 1
        }
    }

    /// Number of one-minute candles a fully covered range holds.
    pub fn minutes(&self) -> i64 {
        self.bucket_count(MINUTE_MS)
    }

    /// Splits the range into windows of at most `max_buckets` bucket starts each, oldest first.
    pub fn windows(&self, step: i64, max_buckets: i64) -> Windows {
        assert!(
            step > 0 && max_buckets > 0,
            "step and max_buckets must be positive"
        );
        let first = ceil_to(self.start, step);
        let last = if self.is_empty() {
            first - step
        } else {
            floor_to(self.end - 1, step)
        };
        Windows {
            next: first,
            last,
            step,
            max_buckets,
        }
    }

    /// One-minute candle windows of at most [`MAX_CANDLES_PER_REQUEST`] candles.
    pub fn candle_windows(&self) -> Windows {
        self.windows(MINUTE_MS, MAX_CANDLES_PER_REQUEST)
    }
}

impl std::fmt::Display for TimeRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}, {})", format_ms(self.start), format_ms(self.end))
    }
}

/// A fetch window: every bucket start from `first` to `last` inclusive, `step` apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketWindow {
    pub first: i64,
    pub last: i64,
    pub step: i64,
}

impl BucketWindow {
    pub fn count(&self) -> i64 {
        (self.last - self.first) / self.step + 1
    }

    /// The half-open range this window covers.
    pub fn range(&self) -> TimeRange {
        TimeRange {
            start: self.first,
            end: self.last + self.step,
        }
    }

    /// Every bucket start in the window.
    pub fn buckets(&self) -> impl Iterator<Item = i64> + use<> {
        let (first, step, n) = (self.first, self.step, self.count());
        (0..n).map(move |i| first + i * step)
    }
}

/// Iterator over [`BucketWindow`]s, see [`TimeRange::windows`].
#[derive(Debug, Clone)]
pub struct Windows {
    next: i64,
    last: i64,
    step: i64,
    max_buckets: i64,
}

impl Iterator for Windows {
    type Item = BucketWindow;

    fn next(&mut self) -> Option<BucketWindow> {
        if self.next > self.last {
            return None;
        }
        let first = self.next;
        let last = (first + (self.max_buckets - 1) * self.step).min(self.last);
        self.next = last + self.step;
        Some(BucketWindow {
            first,
            last,
            step: self.step,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.next > self.last {
            return (0, Some(0));
        }
        let buckets = (self.last - self.next) / self.step + 1;
        let n = ((buckets + self.max_buckets - 1) / self.max_buckets) as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Windows {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::HOUR_MS;
    use proptest::prelude::*;

    #[test]
    fn end_before_start_is_an_error_that_names_the_fix() {
        let e = TimeRange::new(10 * MINUTE_MS, 0).unwrap_err();
        assert!(e.to_string().contains("--end later than --start"), "{e}");
        assert!(TimeRange::new(5, 5).unwrap().is_empty());
    }

    #[test]
    fn minutes_counts_bucket_starts() {
        let r = TimeRange::new(0, 10 * MINUTE_MS).unwrap();
        assert_eq!(r.minutes(), 10);
        let r = TimeRange::new(1, 10 * MINUTE_MS + 1).unwrap();
        assert_eq!(r.minutes(), 10, "buckets at 1..=10 minutes");
        let r = TimeRange::new(1, 59_999).unwrap();
        assert_eq!(r.minutes(), 0);
    }

    #[test]
    fn a_day_is_split_into_five_thousand_candle_windows() {
        let r = TimeRange::new(0, 10_001 * MINUTE_MS).unwrap();
        let w: Vec<_> = r.candle_windows().collect();
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].first, 0);
        assert_eq!(w[0].last, 4_999 * MINUTE_MS);
        assert_eq!(w[0].count(), 5_000);
        assert_eq!(w[1].first, 5_000 * MINUTE_MS);
        assert_eq!(w[2].count(), 1);
        assert_eq!(w[2].last, 10_000 * MINUTE_MS);
    }

    #[test]
    fn funding_windows_are_hourly() {
        let r = TimeRange::new(0, 1_000 * HOUR_MS).unwrap();
        let w: Vec<_> = r.windows(HOUR_MS, MAX_FUNDING_ROWS_PER_REQUEST).collect();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].count(), 744);
        assert_eq!(w[1].count(), 256);
    }

    #[test]
    fn intersect() {
        let a = TimeRange::new(0, 10).unwrap();
        let b = TimeRange::new(5, 20).unwrap();
        assert_eq!(a.intersect(&b), Some(TimeRange { start: 5, end: 10 }));
        let c = TimeRange::new(10, 20).unwrap();
        assert_eq!(a.intersect(&c), None);
    }

    proptest! {
        /// Windows cover every bucket of the range exactly once, in order, each within the cap.
        #[test]
        fn windows_partition_the_buckets(
            start in -10_000_000_000i64..10_000_000_000,
            len in 0i64..40_000_000,
            max in 1i64..6_000,
        ) {
            let r = TimeRange::new(start, start + len).unwrap();
            let windows: Vec<_> = r.windows(MINUTE_MS, max).collect();
            let mut expected = r.first_bucket(MINUTE_MS);
            let mut total = 0;
            for w in &windows {
                prop_assert!(w.count() >= 1 && w.count() <= max);
                prop_assert_eq!(w.first, expected);
                prop_assert!(r.contains(w.first) && r.contains(w.last));
                expected = w.last + MINUTE_MS;
                total += w.count();
            }
            prop_assert_eq!(total, r.minutes());
            let hinted = r.windows(MINUTE_MS, max).size_hint().0;
            prop_assert_eq!(hinted, windows.len());
        }
    }
}
