//! Fetching one window completely. The exchange truncates oversized windows from the old
//! end without saying so, so after each page the worker checks coverage and asks again for
//! whatever is missing at the old end, until the window is covered or the exchange says
//! there is nothing older.

use std::future::Future;

use crate::domain::TimeRange;
use crate::exchange::{FetchError, Fetched};

/// Rows with a timestamp.
pub trait Timed {
    fn ts(&self) -> i64;
}

impl Timed for crate::domain::Candle {
    fn ts(&self) -> i64 {
        self.ts
    }
}

impl Timed for crate::domain::FundingRate {
    fn ts(&self) -> i64 {
        self.ts
    }
}

/// A covered window: its rows, ascending and unique, and what it took.
#[derive(Debug)]
pub struct Covered<T> {
    pub rows: Vec<T>,
    pub requests: i64,
    pub retries: u32,
    /// Rows outside the window or off the bucket grid, dropped.
    pub dropped: usize,
}

/// Fetches every bucket in `[first, last]` (`step` apart) with `fetch(first, hi)`, which
/// returns rows with timestamps in `[first, hi]` (or `None` for no data), possibly truncated
/// at the old end.
pub async fn fetch_covered<T, F, Fut>(
    first: i64,
    last: i64,
    step: i64,
    mut fetch: F,
) -> Result<Covered<T>, FetchError>
where
    T: Timed,
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<Fetched<Option<Vec<T>>>, FetchError>>,
{
    let mut pages: Vec<Vec<T>> = Vec::new();
    let mut requests = 0;
    let mut retries = 0;
    let mut dropped = 0;
    let mut hi = last;
    while hi >= first {
        let fetched = fetch(first, hi).await?;
        requests += 1;
        retries += fetched.retries;
        let Some(mut rows) = fetched.value else { break };
        let before = rows.len();
        rows.retain(|r| r.ts() >= first && r.ts() <= hi && (r.ts() - first) % step == 0);
        rows.sort_by_key(|r| r.ts());
        rows.dedup_by_key(|r| r.ts());
        dropped += before - rows.len();
        let Some(oldest) = rows.first().map(|r| r.ts()) else {
            break;
        };
        pages.push(rows);
        if oldest <= first {
            break;
        }
        // Something older may be missing: truncation, or simply nothing traded yet.
        hi = oldest - step;
    }
    let rows: Vec<T> = pages.into_iter().rev().flatten().collect();
    Ok(Covered {
        rows,
        requests,
        retries,
        dropped,
    })
}

/// Ranges the exchange answered empty for: grid points of fetched windows that came back
/// without a row (a funding gap, funding before its first row, a future before its first
/// trade). Adjacent ranges of consecutive windows merge; a range still touching the latest
/// window's end is held back, as the next window may extend it. Nothing at or after
/// `settled_before` is reported: data that may still be published is not empty yet.
#[derive(Debug)]
pub struct EmptyRanges {
    step: i64,
    settled_before: i64,
    pending: Vec<TimeRange>,
}

impl EmptyRanges {
    pub fn new(step: i64, settled_before: i64) -> Self {
        Self {
            step,
            settled_before,
            pending: Vec::new(),
        }
    }

    /// Adds the grid points of `[first, last]` missing from `present` (timestamps, ascending).
    pub fn add_window(&mut self, first: i64, last: i64, present: impl IntoIterator<Item = i64>) {
        let end = (last + self.step).min(self.settled_before);
        let mut next = first;
        for ts in present.into_iter().chain(std::iter::once(last + self.step)) {
            let stop = ts.min(end);
            if stop > next {
                self.pending.push(TimeRange {
                    start: next,
                    end: stop,
                });
            }
            next = next.max(ts + self.step);
            if next >= end {
                break;
            }
        }
        self.pending = crate::domain::gap::merge_ranges(std::mem::take(&mut self.pending));
    }

    /// The ranges that can no longer grow: all of them but one ending at `window_end`.
    pub fn take_settled(&mut self, window_end: i64) -> Vec<TimeRange> {
        let keep = self.pending.last().filter(|r| r.end >= window_end).copied();
        let mut out = std::mem::take(&mut self.pending);
        if let Some(k) = keep {
            out.pop();
            self.pending.push(k);
        }
        out
    }

    /// Everything left (at the end of a job).
    pub fn take_all(&mut self) -> Vec<TimeRange> {
        std::mem::take(&mut self.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Row(i64);
    impl Timed for Row {
        fn ts(&self) -> i64 {
            self.0
        }
    }

    type Page = std::future::Ready<Result<Fetched<Option<Vec<Row>>>, FetchError>>;

    /// An end-anchored source holding buckets `from..=to` that serves at most `cap` per call.
    fn source(from: i64, to: i64, cap: i64) -> impl FnMut(i64, i64) -> Page {
        move |a, b| {
            let lo = a.max(from);
            let hi = b.min(to);
            let value = if hi < lo {
                None
            } else {
                let lo = lo.max(hi - cap + 1);
                Some((lo..=hi).map(Row).collect())
            };
            std::future::ready(Ok(Fetched { value, retries: 0 }))
        }
    }

    fn r(start: i64, end: i64) -> TimeRange {
        TimeRange { start, end }
    }

    #[test]
    fn empty_ranges_merge_across_windows_and_stop_before_unsettled_data() {
        let mut e = EmptyRanges::new(10, 1_000);
        // Window [0, 90]: rows at 30..=50 only.
        e.add_window(0, 90, [30, 40, 50]);
        assert_eq!(e.take_settled(100), vec![r(0, 30)], "60..100 may continue");
        // Window [100, 190]: nothing at all.
        e.add_window(100, 190, []);
        assert_eq!(e.take_settled(200), vec![]);
        // Window [200, 290]: rows from 250.
        e.add_window(200, 290, [250, 260, 270, 280, 290]);
        assert_eq!(e.take_settled(300), vec![r(60, 250)]);
        // A window past the settled horizon reports nothing after it.
        e.add_window(900, 1_090, [950]);
        assert_eq!(e.take_all(), vec![r(900, 950), r(960, 1_000)]);
        let mut e = EmptyRanges::new(10, 1_000);
        e.add_window(0, 90, (0..=90).step_by(10));
        assert_eq!(e.take_all(), vec![]);
    }

    #[tokio::test]
    async fn truncated_pages_are_completed() {
        let c = fetch_covered(0, 9_999, 1, source(0, 100_000, 3_000))
            .await
            .unwrap();
        assert_eq!(c.rows.len(), 10_000);
        assert_eq!(c.rows.first(), Some(&Row(0)));
        assert!(c.rows.windows(2).all(|w| w[1].0 == w[0].0 + 1));
        assert_eq!(c.requests, 4);
    }

    #[tokio::test]
    async fn a_leading_hole_costs_one_more_request() {
        let c = fetch_covered(0, 99, 1, source(40, 1_000, 5_000))
            .await
            .unwrap();
        assert_eq!(c.rows.len(), 60);
        assert_eq!(c.requests, 2, "the second asks for 0..=39 and gets no data");
    }

    #[tokio::test]
    async fn no_data_and_off_grid_rows() {
        let c = fetch_covered(0, 99, 1, source(500, 600, 10)).await.unwrap();
        assert!(c.rows.is_empty());
        assert_eq!(c.requests, 1);
        let odd = |_a: i64, _b: i64| {
            std::future::ready(Ok(Fetched {
                value: Some(vec![Row(0), Row(5), Row(10), Row(10), Row(99)]),
                retries: 1,
            }))
        };
        let c = fetch_covered(0, 20, 10, odd).await.unwrap();
        assert_eq!(c.rows, vec![Row(0), Row(10)]);
        assert_eq!(c.dropped, 3);
        assert_eq!(c.retries, 1);
    }
}
