//! Workers: one task per running job. A worker fetches a window, writes the rows and the
//! checkpoint in one transaction, reports progress, and checks between requests whether it
//! should stop. It never touches UI state.

mod basis;
mod candles;
mod funding;
mod index;
mod paging;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::lifecycle::WorkerExit;
use super::plan::JobSpec;
use super::sink::JobSink;
use crate::domain::{Checkpoint, JobState, Pipeline};
use crate::exchange::{DeribitClient, ExchangeError, FetchError, RetryObserver};

/// A clock in epoch ms (the real one, or a test's).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What every worker shares.
#[derive(Clone)]
pub struct WorkerCtx {
    pub sink: Arc<dyn JobSink>,
    pub client: DeribitClient,
    pub clock: Clock,
}

/// Messages from workers to the supervisor.
#[derive(Debug)]
pub enum WorkerMsg {
    Progress {
        idx: usize,
        checkpoint: Checkpoint,
        /// Rows inserted or changed by this step.
        written: u64,
        /// Rows received by this step.
        received: i64,
        elapsed: Duration,
    },
    Retrying {
        idx: usize,
        error: String,
        wait: Duration,
    },
    Exit {
        idx: usize,
        checkpoint: Checkpoint,
        exit: WorkerExit,
    },
}

/// A running job's view of itself: its spec, checkpoint, stop signal and reporting channel.
pub struct Job<'a> {
    pub idx: usize,
    pub spec: &'a JobSpec,
    pub checkpoint: Checkpoint,
    pub stop: CancellationToken,
    tx: mpsc::Sender<WorkerMsg>,
    last_report: Instant,
}

impl Job<'_> {
    /// Marks a committed step and tells the supervisor.
    async fn report(&mut self, written: u64, received: i64) {
        let now = Instant::now();
        let elapsed = now - self.last_report;
        self.last_report = now;
        let _ = self
            .tx
            .send(WorkerMsg::Progress {
                idx: self.idx,
                checkpoint: self.checkpoint.clone(),
                written,
                received,
                elapsed,
            })
            .await;
    }

    /// The checkpoint to commit with a step that advanced the cursor to `cursor`.
    fn advance(
        &mut self,
        ctx: &WorkerCtx,
        cursor: i64,
        rows: i64,
        requests: i64,
        retries: u32,
    ) -> &Checkpoint {
        let cp = &mut self.checkpoint;
        cp.cursor = cursor;
        cp.rows += rows;
        cp.requests += requests;
        cp.retries += retries as i64;
        cp.state = JobState::Running;
        cp.last_error = None;
        cp.updated_at = (ctx.clock)();
        &self.checkpoint
    }

    fn observer(&self) -> JobObserver {
        JobObserver {
            idx: self.idx,
            tx: self.tx.clone(),
        }
    }
}

/// Forwards retries to the supervisor (best effort: never blocks a request).
pub struct JobObserver {
    idx: usize,
    tx: mpsc::Sender<WorkerMsg>,
}

impl RetryObserver for JobObserver {
    fn on_retry(&self, error: &ExchangeError, wait: Duration) {
        let _ = self.tx.try_send(WorkerMsg::Retrying {
            idx: self.idx,
            error: error.to_string(),
            wait,
        });
    }
}

/// How a fetch failure ends a job.
fn exit_for(error: FetchError) -> WorkerExit {
    match error {
        FetchError::Interrupted => WorkerExit::Interrupted,
        FetchError::Exchange(e) if e.class == crate::exchange::ErrorClass::Unavailable => {
            WorkerExit::Unavailable(e.message)
        }
        FetchError::Exchange(e) => WorkerExit::Failed(e.to_string()),
    }
}

/// Runs one job to its end and reports the exit. Panics become a failed job.
pub async fn run(
    ctx: WorkerCtx,
    idx: usize,
    spec: JobSpec,
    checkpoint: Checkpoint,
    stop: CancellationToken,
    tx: mpsc::Sender<WorkerMsg>,
) {
    use futures::FutureExt;
    let mut job = Job {
        idx,
        spec: &spec,
        checkpoint,
        stop,
        tx: tx.clone(),
        last_report: Instant::now(),
    };
    let work = async {
        match spec.key.pipeline {
            Pipeline::Futures | Pipeline::Perpetuals => candles::run(&ctx, &mut job).await,
            Pipeline::Funding => funding::run(&ctx, &mut job).await,
            Pipeline::Index => index::run(&ctx, &mut job).await,
            Pipeline::Basis => basis::run(&ctx, &mut job).await,
            Pipeline::Instruments => WorkerExit::Done,
        }
    };
    let exit = match std::panic::AssertUnwindSafe(work).catch_unwind().await {
        Ok(exit) => exit,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(job = %spec.key, "worker panicked: {what}");
            WorkerExit::Failed(format!("internal error: {what}"))
        }
    };
    let _ = tx
        .send(WorkerMsg::Exit {
            idx,
            checkpoint: job.checkpoint,
            exit,
        })
        .await;
}
