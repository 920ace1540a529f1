//! What `verify` found: per-check details (for the evidence files and reports) and the
//! pass/fail summary (`verify-summary.json`).

use serde::Serialize;

use crate::domain::{GapState, Pipeline, TimeRange};

/// One gap of a series, as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GapLine {
    pub range: TimeRange,
    /// Grid points (minutes, hours, days) missing.
    pub points: i64,
    /// `open` (to fetch; recorded in `backfill_gaps`) or `empty` (the exchange answered empty
    /// for it, to the backfill or to a gap job: empty at the source, not fetched again).
    pub state: GapState,
}

/// A series checked against the minutes (or hours, or days) the engine's plan expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesCheck {
    /// Instrument, or currency for index prices.
    pub instrument: String,
    /// What this series is (`futures`, `perpetuals`, `funding`, `index`, `index_official`).
    pub series: &'static str,
    pub pipeline: Pipeline,
    /// The plan's range for it.
    pub range: TimeRange,
    pub step_ms: i64,
    pub expected: i64,
    pub rows: i64,
    pub quarantined: i64,
    pub gaps: Vec<GapLine>,
    /// Why the expected range differs from the plan's, if it does.
    pub note: Option<String>,
}

impl SeriesCheck {
    /// Grid points missing and still to fetch.
    pub fn missing_open(&self) -> i64 {
        self.gaps
            .iter()
            .filter(|g| g.state == GapState::Open)
            .map(|g| g.points)
            .sum()
    }

    /// Grid points the exchange confirmed it has no data for.
    pub fn missing_empty(&self) -> i64 {
        self.gaps
            .iter()
            .filter(|g| g.state == GapState::Empty)
            .map(|g| g.points)
            .sum()
    }

    pub fn passed(&self) -> bool {
        self.missing_open() == 0
    }

    /// Grid points the exchange has: expected minus those empty at the source.
    pub fn expected_at_source(&self) -> i64 {
        self.expected - self.missing_empty()
    }

    /// rows / what the exchange has, 1 when it has nothing.
    pub fn coverage(&self) -> f64 {
        let expected = self.expected_at_source();
        if expected <= 0 {
            1.0
        } else {
            self.rows as f64 / expected as f64
        }
    }
}

/// One future's basis (AC-008).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BasisCheck {
    pub future: String,
    /// Minutes where the future and its perpetual both have a candle.
    pub expected: i64,
    pub rows: i64,
    pub missing: Vec<TimeRange>,
    pub missing_count: i64,
    pub stale: Vec<TimeRange>,
    pub stale_count: i64,
}

impl BasisCheck {
    pub fn passed(&self) -> bool {
        self.missing_count == 0 && self.stale_count == 0
    }
}

/// The futures table against the storage budget (AC-009).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StorageCheck {
    pub table: &'static str,
    pub rows: i64,
    pub bytes: Option<i64>,
    /// Whether `bytes` is exact or extrapolated from sampled pages (large SQLite tables).
    pub bytes_exact: bool,
    pub bytes_per_candle: Option<f64>,
    pub budget_bytes: f64,
    /// Bytes at full coverage of the checked futures (bytes/candle × expected minutes).
    pub projected_bytes: Option<f64>,
}

impl StorageCheck {
    pub fn passed(&self) -> bool {
        self.bytes.is_some_and(|b| b as f64 <= self.budget_bytes)
    }
}

/// A candle moved to the quarantine, as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineLine {
    pub table: &'static str,
    pub instrument: String,
    pub ts: i64,
    pub reason: String,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    /// Moved by this run (else an earlier one).
    pub new: bool,
}

/// Fillers per candle table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FillerShare {
    pub table: &'static str,
    pub rows: i64,
    pub fillers: i64,
}

impl FillerShare {
    pub fn share(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.fillers as f64 / self.rows as f64
        }
    }
}

/// OHLC sanity, fillers and duplicates.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QualityCheck {
    /// Every candle in the quarantine, those moved by this run marked `new`.
    pub quarantine: Vec<QuarantineLine>,
    pub fillers: Vec<FillerShare>,
    /// Candles whose timestamp is not on a whole minute (two of them could share a minute).
    pub off_grid: i64,
}

impl QualityCheck {
    pub fn newly_quarantined(&self) -> usize {
        self.quarantine.iter().filter(|q| q.new).count()
    }
}

/// An instrument the plan has but verification leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub instrument: String,
    pub reason: String,
}

/// One line of the summary: a check, its verdict and its figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub title: &'static str,
    pub passed: bool,
    /// The figure, in words (e.g. "12 of 12 futures complete: 241,920 of 241,920 minutes").
    pub figure: String,
    /// The evidence file, if the check has one.
    pub evidence: Option<&'static str>,
}

/// Everything one `verify` run found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub checked_at: i64,
    /// The database URL, password redacted.
    pub database: String,
    pub currencies: Vec<String>,
    /// `--start`, if given (else each instrument's creation).
    pub start: Option<i64>,
    /// The instant the expected ranges end (`--end`, or the end of the last backfill).
    pub until: i64,
    pub until_source: String,
    pub futures: Vec<SeriesCheck>,
    pub perpetuals: Vec<SeriesCheck>,
    pub funding: Vec<SeriesCheck>,
    /// Per currency: every minute, and the hourly official index.
    pub index: Vec<SeriesCheck>,
    pub basis: Vec<BasisCheck>,
    pub storage: StorageCheck,
    pub quality: QualityCheck,
    pub excluded: Vec<Excluded>,
    /// Open gaps recorded in `backfill_gaps` for `run --gaps-only` and the dashboard.
    pub gaps_recorded: usize,
    pub checks: Vec<CheckResult>,
    pub passed: bool,
}

impl Verification {
    /// Ids of the checks that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.id)
            .collect()
    }
}
