//! Sorting the jobs table by any column. Ties fall back to the job key, so the order is total
//! and rows never swap places between two identical snapshots.

use std::cmp::Ordering;

use crate::domain::JobState;
use crate::jobs::JobView;

/// A sortable column of the jobs table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// Pipeline, then instrument.
    #[default]
    Job,
    /// Most urgent first: failed, backoff, pausing, running, paused, queued, …, done.
    State,
    Progress,
    Rows,
    Rate,
    Eta,
    Retries,
    Error,
}

impl SortColumn {
    /// The `s` key's cycle.
    pub const CYCLE: [SortColumn; 8] = [
        SortColumn::Job,
        SortColumn::State,
        SortColumn::Progress,
        SortColumn::Rows,
        SortColumn::Rate,
        SortColumn::Eta,
        SortColumn::Retries,
        SortColumn::Error,
    ];

    pub fn next(self) -> Self {
        let i = Self::CYCLE.iter().position(|c| *c == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Job => "job",
            SortColumn::State => "state",
            SortColumn::Progress => "progress",
            SortColumn::Rows => "rows",
            SortColumn::Rate => "rate",
            SortColumn::Eta => "eta",
            SortColumn::Retries => "retries",
            SortColumn::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        let s = match s.as_str() {
            "%" | "done" | "percent" => "progress",
            "rows/s" | "speed" => "rate",
            "name" | "instrument" => "job",
            other => other,
        };
        Self::CYCLE.into_iter().find(|c| c.as_str() == s)
    }

    /// The direction a column starts in: names A→Z, state most urgent first, numbers
    /// largest first, progress least done first.
    pub fn default_direction(self) -> SortDir {
        match self {
            SortColumn::Job | SortColumn::State | SortColumn::Progress => SortDir::Asc,
            _ => SortDir::Desc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

impl SortDir {
    pub fn flip(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }

    pub fn arrow(self) -> &'static str {
        match self {
            SortDir::Asc => "↑",
            SortDir::Desc => "↓",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }
}

/// Sort key and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub column: SortColumn,
    pub dir: SortDir,
}

fn urgency(s: JobState) -> u8 {
    match s {
        JobState::Failed => 0,
        JobState::Backoff => 1,
        JobState::Pausing => 2,
        JobState::Running => 3,
        JobState::Paused => 4,
        JobState::Queued => 5,
        JobState::Cancelled => 6,
        JobState::Unavailable => 7,
        JobState::Done => 8,
    }
}

fn by_f64(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}

/// How jobs are ordered by name: pipeline, then currency, then expiry (so futures read
/// chronologically: 10OCT25 before 14NOV25 before 9JAN26), then the name itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NaturalKey {
    pipeline: crate::domain::Pipeline,
    base: String,
    expiry: Option<chrono::NaiveDate>,
    name: String,
}

impl NaturalKey {
    pub fn of(key: &crate::domain::JobKey) -> Self {
        let parsed = crate::domain::InstrumentName::parse(&key.instrument).ok();
        Self {
            pipeline: key.pipeline,
            base: parsed
                .as_ref()
                .map(|p| p.base.clone())
                .unwrap_or_else(|| key.instrument.clone()),
            expiry: parsed.and_then(|p| p.expiry),
            name: key.instrument.clone(),
        }
    }
}

impl Sort {
    /// Compares two jobs by the column in the chosen direction, then by key (always A→Z).
    pub fn compare(&self, a: &JobView, b: &JobView) -> Ordering {
        self.compare_with(a, b, a.key.cmp(&b.key))
    }

    /// Like [`Sort::compare`], with `by_name` as the name order (see [`NaturalKey`]).
    pub fn compare_with(&self, a: &JobView, b: &JobView, by_name: Ordering) -> Ordering {
        let primary = match self.column {
            SortColumn::Job => Ordering::Equal,
            SortColumn::State => urgency(a.state).cmp(&urgency(b.state)),
            SortColumn::Progress => by_f64(a.fraction(), b.fraction()),
            SortColumn::Rows => a.rows_done.cmp(&b.rows_done),
            SortColumn::Rate => by_f64(a.rows_per_second, b.rows_per_second),
            // Unknown ETAs sort after every known one in either direction.
            SortColumn::Eta => match (a.eta_seconds, b.eta_seconds) {
                (Some(x), Some(y)) => by_f64(x, y),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            SortColumn::Retries => a.retries.cmp(&b.retries),
            // Jobs with an error sort before those without in either direction.
            SortColumn::Error => match (&a.last_error, &b.last_error) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let key = || by_name;
        match (self.column, self.dir) {
            (SortColumn::Job, SortDir::Desc) => key().reverse(),
            (_, SortDir::Asc) => primary.then_with(key),
            (_, SortDir::Desc) => primary.reverse().then_with(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::sample;

    fn names(mut jobs: Vec<JobView>, sort: Sort) -> Vec<String> {
        jobs.sort_by(|a, b| sort.compare(a, b));
        jobs.iter().map(|j| j.key.instrument.clone()).collect()
    }

    #[test]
    fn state_sorts_most_urgent_first_and_ties_by_key() {
        let jobs = vec![
            sample::job("futures", "C", JobState::Done, None),
            sample::job("futures", "B", JobState::Failed, Some("x")),
            sample::job("futures", "A", JobState::Done, None),
            sample::job("futures", "D", JobState::Running, None),
        ];
        let s = Sort {
            column: SortColumn::State,
            dir: SortDir::Asc,
        };
        assert_eq!(names(jobs.clone(), s), ["B", "D", "A", "C"]);
        let s = Sort {
            column: SortColumn::State,
            dir: SortDir::Desc,
        };
        assert_eq!(
            names(jobs, s),
            ["A", "C", "D", "B"],
            "ties stay A→Z when reversed"
        );
    }

    #[test]
    fn unknown_eta_and_missing_errors_sort_last_both_ways() {
        let mut a = sample::job("futures", "A", JobState::Running, None);
        a.eta_seconds = Some(10.0);
        let mut b = sample::job("futures", "B", JobState::Running, None);
        b.eta_seconds = None;
        let mut c = sample::job("futures", "C", JobState::Running, None);
        c.eta_seconds = Some(99.0);
        for dir in [SortDir::Asc, SortDir::Desc] {
            let got = names(
                vec![a.clone(), b.clone(), c.clone()],
                Sort {
                    column: SortColumn::Eta,
                    dir,
                },
            );
            assert_eq!(got.last().unwrap(), "B", "{dir:?}");
        }
        let e = |n, err: Option<&str>| sample::job("futures", n, JobState::Failed, err);
        let jobs = vec![e("A", None), e("B", Some("timeout")), e("C", Some("bad"))];
        let got = names(
            jobs.clone(),
            Sort {
                column: SortColumn::Error,
                dir: SortDir::Asc,
            },
        );
        assert_eq!(got, ["C", "B", "A"]);
        let got = names(
            jobs,
            Sort {
                column: SortColumn::Error,
                dir: SortDir::Desc,
            },
        );
        assert_eq!(got, ["B", "C", "A"]);
    }

    #[test]
    fn natural_order_reads_futures_by_expiry() {
        use crate::domain::{JobKey, Pipeline};
        let k = |i: &str| NaturalKey::of(&JobKey::new(Pipeline::Futures, i));
        assert!(k("BTC-10OCT25") < k("BTC-14NOV25"));
        assert!(k("BTC-14NOV25") < k("BTC-9JAN26"), "by date, not by text");
        assert!(k("BTC-9JAN26") < k("ETH-10OCT25"), "currency first");
        assert!(
            NaturalKey::of(&JobKey::new(Pipeline::Futures, "ZZZ"))
                < NaturalKey::of(&JobKey::new(Pipeline::Perpetuals, "AAA"))
        );
    }

    #[test]
    fn numeric_columns_and_parse() {
        let mut a = sample::job("futures", "A", JobState::Running, None);
        a.rows_done = 5;
        let mut b = sample::job("futures", "B", JobState::Running, None);
        b.rows_done = 50;
        let s = Sort {
            column: SortColumn::Rows,
            dir: SortColumn::Rows.default_direction(),
        };
        assert_eq!(names(vec![a, b], s), ["B", "A"]);
        assert_eq!(SortColumn::parse("%"), Some(SortColumn::Progress));
        assert_eq!(SortColumn::parse("ROWS"), Some(SortColumn::Rows));
        assert_eq!(SortColumn::Error.next(), SortColumn::Job);
    }
}
