//! Workers: one task per running job. A worker fetches a window, writes the rows and the
//! checkpoint in one transaction, reports progress, and checks between requests whether it
//! should stop. It never touches UI state.

mod basis;
mod candles;
mod funding;
mod index;
mod paging;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::lifecycle::WorkerExit;
use super::plan::JobSpec;
use super::sink::{JobSink, SinkError, SinkFailure};
use super::snapshot::DATABASE_UNAVAILABLE;
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
    pub db_retry: DbRetry,
}

/// Backoff between attempts of a write while the database is unavailable.
#[derive(Debug, Clone, Copy)]
pub struct DbRetry {
    pub first: Duration,
    pub max: Duration,
}

impl Default for DbRetry {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(250),
            max: Duration::from_secs(10),
        }
    }
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

    /// The checkpoint a step that moves the cursor to `cursor` commits with its rows. The
    /// job's own checkpoint does not move until that write has committed ([`Job::commit`]):
    /// a failed write must never advance what the supervisor persists.
    fn next(
        &self,
        ctx: &WorkerCtx,
        cursor: i64,
        rows: i64,
        requests: i64,
        retries: u32,
    ) -> Checkpoint {
        let mut cp = self.checkpoint.clone();
        cp.cursor = cursor;
        cp.rows += rows;
        cp.requests += requests;
        cp.retries += retries as i64;
        cp.state = JobState::Running;
        cp.last_error = None;
        cp.updated_at = (ctx.clock)();
        cp
    }

    /// Writes a step's rows with `next`, its checkpoint, and only then makes `next` the job's
    /// checkpoint and reports the step. A transient database failure is retried with backoff
    /// until the write lands or the job is stopped; any other failure ends the job with the
    /// checkpoint of the last committed step.
    async fn commit<F, Fut>(
        &mut self,
        ctx: &WorkerCtx,
        next: Checkpoint,
        received: i64,
        mut write: F,
    ) -> Result<(), WorkerExit>
    where
        F: FnMut(Checkpoint) -> Fut,
        Fut: Future<Output = Result<u64, SinkError>>,
    {
        let written = self.with_database(ctx, || write(next.clone())).await?;
        self.checkpoint = next;
        self.report(written, received).await;
        Ok(())
    }

    /// Runs a database operation, retrying transient failures ("database unavailable") with
    /// backoff while the job is not stopped.
    async fn with_database<T, F, Fut>(
        &mut self,
        ctx: &WorkerCtx,
        mut op: F,
    ) -> Result<T, WorkerExit>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SinkError>>,
    {
        let mut wait = ctx.db_retry.first;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if e.is_transient() => {
                    let error = format!("{DATABASE_UNAVAILABLE}: {}", e.message);
                    let _ = self.tx.try_send(WorkerMsg::Retrying {
                        idx: self.idx,
                        error,
                        wait,
                    });
                    tokio::select! {
                        _ = self.stop.cancelled() => return Err(WorkerExit::Interrupted),
                        _ = tokio::time::sleep(wait) => {}
                    }
                    wait = (wait * 2).min(ctx.db_retry.max);
                }
                Err(e) => return Err(exit_for_database(e)),
            }
        }
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

/// How a database failure that retrying cannot heal ends a job.
fn exit_for_database(e: SinkError) -> WorkerExit {
    match e.class {
        SinkFailure::Fatal => WorkerExit::Fatal(e.to_string()),
        _ => WorkerExit::Failed(e.to_string()),
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
