//! What the workers need from the database: the narrow port between the jobs layer and the
//! store, so the engine never depends on a backend's details.

use async_trait::async_trait;

use crate::domain::{
    Candle, Checkpoint, DataStatus, DeliveryPriceRow, FundingRate, Gap, IndexPrice, Pipeline,
    TimeRange, UnreadableRow,
};

/// What a database failure means for the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkFailure {
    /// The database is unreachable for now (connection lost, server restarting, lock held
    /// elsewhere): the write is retried with backoff until it lands or the job is stopped.
    Transient,
    /// Nothing will heal by waiting (disk full, permission, schema): the engine stops, with
    /// the cause and the fix in one line.
    Fatal,
    /// This job's write cannot be done (a row refused, ...): the job fails, the others go on.
    Job,
}

/// A database failure as the engine reports it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("database: {message}")]
pub struct SinkError {
    pub class: SinkFailure,
    pub message: String,
}

impl SinkError {
    /// A failure of this job only.
    pub fn job(message: impl Into<String>) -> Self {
        Self {
            class: SinkFailure::Job,
            message: message.into(),
        }
    }

    pub fn is_transient(&self) -> bool {
        self.class == SinkFailure::Transient
    }
}

/// Rows and checkpoints, each write in one transaction with the checkpoint it advances.
///
/// Gap jobs (`checkpoint.key.gaps`) have no checkpoint row: a write stores the rows, then
/// settles the gaps the cursor has passed; `save_checkpoint` settles them when the job is done.
/// A crash between the two leaves a gap open, and the next gap run fetches it again
/// (idempotently).
#[async_trait]
pub trait JobSink: Send + Sync {
    /// Upserts candles of a futures or perpetuals job with its checkpoint; returns rows
    /// inserted or changed.
    async fn write_candles(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        rows: &[Candle],
        checkpoint: &Checkpoint,
    ) -> Result<u64, SinkError>;

    /// Funding rows with their checkpoint; rows the client could not read are quarantined
    /// first (kept with their reason), so a crash between the two re-fetches, never loses them.
    async fn write_funding(
        &self,
        instrument: &str,
        rows: &[FundingRate],
        unreadable: &[UnreadableRow],
        checkpoint: &Checkpoint,
    ) -> Result<u64, SinkError>;

    /// Daily delivery prices of a currency (their own table, never `index_prices`).
    async fn write_delivery(
        &self,
        currency: &str,
        rows: &[DeliveryPriceRow],
    ) -> Result<u64, SinkError>;

    /// Records ranges the exchange answered empty for (no row at any grid point), so `verify`
    /// reports them as empty at the source and never asks for them again.
    async fn record_empty(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        ranges: &[TimeRange],
    ) -> Result<(), SinkError>;

    async fn write_index(
        &self,
        currency: &str,
        rows: &[IndexPrice],
        checkpoint: &Checkpoint,
    ) -> Result<u64, SinkError>;

    async fn save_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), SinkError>;

    /// Stored funding rows of a perpetual in `[range.start, range.end)`, ascending.
    async fn read_funding(
        &self,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<FundingRate>, SinkError>;

    /// Stored candles in `[range.start, range.end)`, ascending.
    async fn read_candles(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<Candle>, SinkError>;

    /// Records what the exchange has for an instrument (`unavailable` after "instrument not
    /// found" or no data at all, `available` once data arrived).
    async fn mark_instrument(&self, instrument: &str, status: DataStatus) -> Result<(), SinkError>;

    /// Rebuilds the basis of a currency's futures against its perpetual (only `futures` when
    /// not empty); returns rows written.
    async fn refresh_basis(&self, currency: &str, futures: &[String]) -> Result<u64, SinkError>;

    /// The gaps `verify` recorded (every state), for planning gap jobs.
    async fn gaps(&self) -> Result<Vec<Gap>, SinkError>;
}
