//! The job model shared by the engine, the store and the dashboard (DESIGN.md "Job model").
//! A job is (pipeline, instrument, time range); its checkpoint is one `backfill_progress` row.

use std::fmt;
use std::str::FromStr;

use super::calendar::SettlementPeriod;
use super::instrument::InstrumentKind;
use super::range::TimeRange;

/// A backfill pipeline.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Pipeline {
    Instruments,
    Futures,
    Perpetuals,
    Funding,
    Index,
    Basis,
}

impl Pipeline {
    pub const ALL: [Pipeline; 6] = [
        Self::Instruments,
        Self::Futures,
        Self::Perpetuals,
        Self::Funding,
        Self::Index,
        Self::Basis,
    ];

    /// The pipelines a user can pick with `--pipelines` (instruments always runs first).
    pub const SELECTABLE: [Pipeline; 5] = [
        Self::Futures,
        Self::Perpetuals,
        Self::Funding,
        Self::Index,
        Self::Basis,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instruments => "instruments",
            Self::Futures => "futures",
            Self::Perpetuals => "perpetuals",
            Self::Funding => "funding",
            Self::Index => "index",
            Self::Basis => "basis",
        }
    }
}

impl fmt::Display for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Pipeline {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown pipeline {s:?} — choose from futures, perpetuals, funding, index, basis"
                )
            })
    }
}

/// A job's state (DESIGN.md).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    /// Pause requested; the in-flight request finishes and commits first.
    Pausing,
    Paused,
    /// Waiting before a retry (rate limit or transient error).
    Backoff,
    Failed,
    Done,
    /// The exchange has no data for it (instrument not found, or no data at all).
    Unavailable,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 9] = [
        Self::Queued,
        Self::Running,
        Self::Pausing,
        Self::Paused,
        Self::Backoff,
        Self::Failed,
        Self::Done,
        Self::Unavailable,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Pausing => "pausing",
            Self::Paused => "paused",
            Self::Backoff => "backoff",
            Self::Failed => "failed",
            Self::Done => "done",
            Self::Unavailable => "unavailable",
            Self::Cancelled => "cancelled",
        }
    }

    /// No more work will happen without an operator's action.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Failed | Self::Done | Self::Unavailable | Self::Cancelled
        )
    }

    /// A successful end: `done`, or `unavailable` (nothing to fetch).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Done | Self::Unavailable)
    }

    /// A worker is (or is about to be) working on it.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Pausing | Self::Backoff)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown job state {s:?}"))
    }
}

/// Identifies a job: one pipeline for one instrument (or currency, for the index pipeline).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct JobKey {
    pub pipeline: Pipeline,
    /// Instrument name, or the currency for `index` jobs.
    pub instrument: String,
    /// A gap job: it re-fetches only the gaps `verify` recorded for this series, next to the
    /// series' own job. Its progress lives in `backfill_gaps`, never in `backfill_progress`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gaps: bool,
}

impl JobKey {
    pub fn new(pipeline: Pipeline, instrument: impl Into<String>) -> Self {
        Self {
            pipeline,
            instrument: instrument.into(),
            gaps: false,
        }
    }

    /// The gap job of a series.
    pub fn gaps(pipeline: Pipeline, instrument: impl Into<String>) -> Self {
        Self {
            gaps: true,
            ..Self::new(pipeline, instrument)
        }
    }

    /// The instrument as the job tables show it: `BTC-27DEC24`, or `BTC-27DEC24 gaps`.
    pub fn label(&self) -> String {
        if self.gaps {
            format!("{} gaps", self.instrument)
        } else {
            self.instrument.clone()
        }
    }

    /// The same series' regular job.
    pub fn series(&self) -> Self {
        Self::new(self.pipeline, self.instrument.clone())
    }
}

impl fmt::Display for JobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.pipeline, self.instrument)?;
        if self.gaps {
            f.write_str(" gaps")?;
        }
        Ok(())
    }
}

/// A `backfill_progress` row: where a job stands. Written in the same transaction as the rows
/// it covers, so after a crash the data and the checkpoint always agree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub key: JobKey,
    pub range: TimeRange,
    /// Everything in `[range.start, cursor)` is stored.
    pub cursor: i64,
    pub state: JobState,
    pub rows: i64,
    pub requests: i64,
    pub retries: i64,
    pub last_error: Option<String>,
    pub updated_at: i64,
    /// Where the exchange's data really starts, when the job searched for it (a future known
    /// only from the calendar: its first candle). `verify` judges coverage from here.
    pub data_start: Option<i64>,
}

impl Checkpoint {
    /// A fresh, queued checkpoint at the start of its range.
    pub fn new(key: JobKey, range: TimeRange, now_ms: i64) -> Self {
        Self {
            key,
            cursor: range.start,
            range,
            state: JobState::Queued,
            rows: 0,
            requests: 0,
            retries: 0,
            last_error: None,
            updated_at: now_ms,
            data_start: None,
        }
    }

    /// Whether the cursor has reached the end of the range.
    pub fn is_complete(&self) -> bool {
        self.cursor >= self.range.end
    }
}

/// Where an instrument row came from: the main host's list (`api`), the history host's
/// list of every expired future (`history`), the expiry calendar, or a listing and the
/// calendar together (`both` for the main host, `history_calendar` for the history host).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discovery {
    Api,
    Calendar,
    Both,
    History,
    HistoryCalendar,
}

impl Discovery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Calendar => "calendar",
            Self::Both => "both",
            Self::History => "history",
            Self::HistoryCalendar => "history_calendar",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "api" => Self::Api,
            "calendar" => Self::Calendar,
            "both" => Self::Both,
            "history" => Self::History,
            "history_calendar" => Self::HistoryCalendar,
            _ => return None,
        })
    }

    /// Whether an exchange listing (either host) knows the instrument.
    pub fn listed(self) -> bool {
        self != Self::Calendar
    }

    /// Whether the expiry calendar predicts it.
    pub fn predicted(self) -> bool {
        matches!(self, Self::Calendar | Self::Both | Self::HistoryCalendar)
    }

    /// Union of two discoveries of the same instrument. The main host wins over the history
    /// host when both list it (it is the one that knows the active instruments).
    pub fn merge(self, other: Discovery) -> Discovery {
        let main =
            matches!(self, Self::Api | Self::Both) || matches!(other, Self::Api | Self::Both);
        let history = matches!(self, Self::History | Self::HistoryCalendar)
            || matches!(other, Self::History | Self::HistoryCalendar);
        let calendar = self.predicted() || other.predicted();
        match (main, history, calendar) {
            (true, _, false) => Self::Api,
            (true, _, true) => Self::Both,
            (false, true, false) => Self::History,
            (false, true, true) => Self::HistoryCalendar,
            (false, false, _) => Self::Calendar,
        }
    }
}

/// What the exchange has for an instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataStatus {
    /// Not asked yet.
    Unknown,
    /// The exchange serves data for it.
    Available,
    /// The exchange does not know it, or has no data for it.
    Unavailable,
}

impl DataStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Available => "available",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "unknown" => Self::Unknown,
            "available" => Self::Available,
            "unavailable" => Self::Unavailable,
            _ => return None,
        })
    }
}

/// An `instruments` table row.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InstrumentRecord {
    pub instrument: String,
    pub kind: InstrumentKind,
    pub currency: String,
    pub settlement_period: Option<SettlementPeriod>,
    pub creation_ts: Option<i64>,
    pub expiration_ts: Option<i64>,
    pub is_active: bool,
    pub discovered_from: Discovery,
    pub data_status: DataStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Pipeline::ALL {
            assert_eq!(p.as_str().parse::<Pipeline>().unwrap(), p);
        }
        for s in JobState::ALL {
            assert_eq!(s.as_str().parse::<JobState>().unwrap(), s);
        }
        let e = "candles".parse::<Pipeline>().unwrap_err();
        assert!(e.contains("choose from"), "{e}");
    }

    #[test]
    fn state_classes() {
        assert!(JobState::Done.is_success() && JobState::Unavailable.is_success());
        assert!(!JobState::Failed.is_success() && JobState::Failed.is_terminal());
        assert!(!JobState::Paused.is_terminal());
        assert!(JobState::Pausing.is_active());
    }

    #[test]
    fn discovery_merges_to_both() {
        assert_eq!(Discovery::Api.merge(Discovery::Calendar), Discovery::Both);
        assert_eq!(Discovery::Api.merge(Discovery::Api), Discovery::Api);
        assert_eq!(Discovery::Both.merge(Discovery::Api), Discovery::Both);
        assert_eq!(
            Discovery::History.merge(Discovery::Calendar),
            Discovery::HistoryCalendar
        );
        assert_eq!(
            Discovery::Calendar.merge(Discovery::History),
            Discovery::HistoryCalendar
        );
        assert_eq!(Discovery::History.merge(Discovery::Api), Discovery::Api);
        assert_eq!(
            Discovery::HistoryCalendar.merge(Discovery::History),
            Discovery::HistoryCalendar
        );
        for d in [
            Discovery::Api,
            Discovery::Calendar,
            Discovery::Both,
            Discovery::History,
            Discovery::HistoryCalendar,
        ] {
            assert_eq!(Discovery::parse(d.as_str()), Some(d));
        }
    }

    #[test]
    fn checkpoint_completion() {
        let r = TimeRange::new(0, 100).unwrap();
        let mut c = Checkpoint::new(JobKey::new(Pipeline::Futures, "BTC-27DEC24"), r, 0);
        assert!(!c.is_complete());
        c.cursor = 100;
        assert!(c.is_complete());
        assert_eq!(c.key.to_string(), "futures/BTC-27DEC24");
    }
}
