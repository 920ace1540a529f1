//! What the engine publishes: a snapshot of every job (via `watch`) and discrete events
//! (via a bounded channel). The dashboard and the headless printer render only these.

use std::sync::Arc;

use crate::domain::{JobKey, JobState, TimeRange};
use crate::exchange::RateLimitSnapshot;

/// One job as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobView {
    pub key: JobKey,
    pub state: JobState,
    pub range: TimeRange,
    /// Everything before the cursor is stored.
    pub cursor: i64,
    /// Rows received and stored for the range so far (across runs).
    pub rows_done: i64,
    /// Rows a complete job holds.
    pub rows_expected: i64,
    /// Rows this run inserted or changed (unchanged re-loads are not counted).
    pub rows_written: i64,
    pub requests: i64,
    pub retries: i64,
    pub last_error: Option<String>,
    pub rows_per_second: f64,
    /// Seconds left, once the rate is stable.
    pub eta_seconds: Option<f64>,
    /// Epoch ms of the last change.
    pub updated_at: i64,
}

impl JobView {
    /// Share of the range covered, 0..=1 (time-based, so holes do not hide progress).
    pub fn fraction(&self) -> f64 {
        if self.state == JobState::Done || self.state == JobState::Unavailable {
            return 1.0;
        }
        let span = self.range.duration_ms();
        if span <= 0 {
            return 0.0;
        }
        ((self.cursor - self.range.start) as f64 / span as f64).clamp(0.0, 1.0)
    }
}

/// Job counts per state and overall rows.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Totals {
    pub queued: usize,
    pub running: usize,
    pub pausing: usize,
    pub paused: usize,
    pub backoff: usize,
    pub failed: usize,
    pub done: usize,
    pub unavailable: usize,
    pub cancelled: usize,
    pub rows_done: i64,
    pub rows_expected: i64,
    pub rows_written: i64,
    pub requests: i64,
    pub retries: i64,
}

impl Totals {
    pub fn from_jobs(jobs: &[JobView]) -> Self {
        let mut t = Totals::default();
        for j in jobs {
            match j.state {
                JobState::Queued => t.queued += 1,
                JobState::Running => t.running += 1,
                JobState::Pausing => t.pausing += 1,
                JobState::Paused => t.paused += 1,
                JobState::Backoff => t.backoff += 1,
                JobState::Failed => t.failed += 1,
                JobState::Done => t.done += 1,
                JobState::Unavailable => t.unavailable += 1,
                JobState::Cancelled => t.cancelled += 1,
            }
            t.rows_done += j.rows_done;
            t.rows_expected += j.rows_expected;
            t.rows_written += j.rows_written;
            t.requests += j.requests;
            t.retries += j.retries;
        }
        t
    }

    pub fn jobs(&self) -> usize {
        self.queued
            + self.running
            + self.pausing
            + self.paused
            + self.backoff
            + self.failed
            + self.done
            + self.unavailable
            + self.cancelled
    }

    /// Every job ended well: done or unavailable.
    pub fn all_successful(&self) -> bool {
        self.done + self.unavailable == self.jobs()
    }
}

/// The whole engine at one moment.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EngineSnapshot {
    /// Increases with every published change.
    pub version: u64,
    pub jobs: Arc<Vec<JobView>>,
    pub totals: Totals,
    pub rate_limit: RateLimitSnapshot,
    /// Jobs worked on at once.
    pub parallel: usize,
    /// Epoch ms when the engine started.
    pub started_at: i64,
    /// Rows per second over all jobs.
    pub rows_per_second: f64,
    /// Seconds until every queued and running job is done, once stable.
    pub eta_seconds: Option<f64>,
    /// Nothing is running or queued (every job ended or is paused).
    pub idle: bool,
    /// The engine has stopped (shutdown finished).
    pub stopped: bool,
    /// Why the engine stopped on its own: a database failure no retry heals, with its fix.
    pub fatal: Option<String>,
}

/// How a job's last error starts while its writes wait for the database to come back.
pub const DATABASE_UNAVAILABLE: &str = "database unavailable, retrying";

impl EngineSnapshot {
    /// Jobs waiting for the database to come back (their writes are retried).
    pub fn waiting_for_database(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| {
                j.state == JobState::Backoff
                    && j.last_error
                        .as_deref()
                        .is_some_and(|e| e.starts_with(DATABASE_UNAVAILABLE))
            })
            .count()
    }
}

/// A discrete fact about a job, for the log pane and scripts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobEvent {
    pub at: i64,
    pub key: JobKey,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    Started,
    Retrying { error: String, wait_ms: u64 },
    Paused,
    Cancelled,
    Queued,
    Done { rows: i64 },
    Unavailable { reason: String },
    Failed { error: String },
}
