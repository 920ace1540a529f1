//! Gaps as work: a range of a series `verify` found missing (or stale), which a gap job
//! re-fetches. One `backfill_gaps` row each.

use std::fmt;

use super::job::Pipeline;
use super::range::TimeRange;

/// Why a range is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// Rows the range should hold are missing.
    Missing,
    /// Derived rows (the basis) are out of date with their inputs, or have no inputs any more.
    Stale,
}

impl GapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Stale => "stale",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "missing" => Some(Self::Missing),
            "stale" => Some(Self::Stale),
            _ => None,
        }
    }
}

/// Where a gap stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapState {
    /// Found by `verify`, not fetched yet.
    Open,
    /// Re-fetched and rows arrived (the next `verify` confirms or records what is left).
    Fixed,
    /// Re-fetched and the exchange had no data: not fetched again (an exchange outage).
    Empty,
}

impl GapState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Fixed => "fixed",
            Self::Empty => "empty",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "fixed" => Some(Self::Fixed),
            "empty" => Some(Self::Empty),
            _ => None,
        }
    }
}

/// One recorded gap of one series: `instrument` is the currency for index gaps.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    pub pipeline: Pipeline,
    pub instrument: String,
    pub range: TimeRange,
    pub kind: GapKind,
    pub state: GapState,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {} {} ({})",
            self.pipeline,
            self.instrument,
            self.kind.as_str(),
            self.range,
            self.state.as_str()
        )
    }
}

/// The part of the database one `verify` run checked for one series: recording its gaps
/// replaces the open (and fixed) gaps recorded before inside `range`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapScope {
    pub pipeline: Pipeline,
    pub instrument: String,
    pub range: TimeRange,
}

/// Sorts ranges and merges those that overlap or touch.
pub fn merge_ranges(mut ranges: Vec<TimeRange>) -> Vec<TimeRange> {
    ranges.retain(|r| !r.is_empty());
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<TimeRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Turns ascending timestamps (one per `step`) into the ranges they cover: consecutive
/// timestamps `step` apart join one range. Streaming: feed with [`RangeBuilder::push`].
#[derive(Debug, Clone)]
pub struct RangeBuilder {
    step: i64,
    current: Option<TimeRange>,
    pub ranges: Vec<TimeRange>,
    pub count: i64,
}

impl RangeBuilder {
    pub fn new(step: i64) -> Self {
        Self {
            step,
            current: None,
            ranges: Vec::new(),
            count: 0,
        }
    }

    pub fn push(&mut self, ts: i64) {
        self.count += 1;
        match &mut self.current {
            Some(r) if ts <= r.end => r.end = r.end.max(ts + self.step),
            _ => {
                if let Some(r) = self.current.take() {
                    self.ranges.push(r);
                }
                self.current = Some(TimeRange {
                    start: ts,
                    end: ts + self.step,
                });
            }
        }
    }

    pub fn finish(mut self) -> (Vec<TimeRange>, i64) {
        if let Some(r) = self.current.take() {
            self.ranges.push(r);
        }
        (self.ranges, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: i64, end: i64) -> TimeRange {
        TimeRange { start, end }
    }

    #[test]
    fn merging_joins_overlapping_and_touching_ranges() {
        let m = merge_ranges(vec![r(10, 20), r(0, 5), r(5, 7), r(15, 30), r(40, 40)]);
        assert_eq!(m, vec![r(0, 7), r(10, 30)]);
    }

    #[test]
    fn timestamps_become_ranges() {
        let mut b = RangeBuilder::new(60);
        for ts in [0, 60, 120, 300, 360, 600] {
            b.push(ts);
        }
        let (ranges, n) = b.finish();
        assert_eq!(n, 6);
        assert_eq!(ranges, vec![r(0, 180), r(300, 420), r(600, 660)]);
    }

    #[test]
    fn names_round_trip() {
        for s in [GapState::Open, GapState::Fixed, GapState::Empty] {
            assert_eq!(GapState::parse(s.as_str()), Some(s));
        }
        for k in [GapKind::Missing, GapKind::Stale] {
            assert_eq!(GapKind::parse(k.as_str()), Some(k));
        }
    }
}
