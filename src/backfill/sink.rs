//! The engine's database port, implemented by the store.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    Candle, Checkpoint, DataStatus, DeliveryPriceRow, FundingRate, Gap, GapKind, GapState,
    IndexPrice, JobState, Pipeline, TimeRange, UnreadableRow,
};
use crate::jobs::{JobSink, SinkError, SinkFailure};
use crate::store::error::Failure;
use crate::store::{CandleTable, Store, StoreError};

/// Adapts an `Arc<dyn Store>` to what the workers need.
#[derive(Debug, Clone)]
pub struct StoreSink(pub Arc<dyn Store>);

/// Where the space must be freed when the database's disk is full.
fn disk_of(store: &dyn Store) -> String {
    match store.url().sqlite_path() {
        Some(path) => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            format!("the disk holding {}", dir.display())
        }
        None => format!(
            "the PostgreSQL server at {} (its data directory)",
            store.url().endpoint()
        ),
    }
}

/// Classifies a store error for the engine; a full disk names where to free space.
fn classify(store: &dyn Store, e: StoreError) -> SinkError {
    match e.failure() {
        Failure::Transient => SinkError {
            class: SinkFailure::Transient,
            message: e.to_string(),
        },
        Failure::DiskFull => SinkError {
            class: SinkFailure::Fatal,
            message: format!(
                "the database's disk is full ({e}) — free space on {} and run again: every job resumes from its last checkpoint",
                disk_of(store)
            ),
        },
        Failure::Fatal => SinkError {
            class: SinkFailure::Fatal,
            message: e.to_string(),
        },
        Failure::Other => SinkError::job(e.to_string()),
    }
}

fn candle_table(pipeline: Pipeline) -> Result<CandleTable, SinkError> {
    match pipeline {
        Pipeline::Futures => Ok(CandleTable::Futures),
        Pipeline::Perpetuals => Ok(CandleTable::Perpetuals),
        other => Err(SinkError::job(format!("{other} jobs have no candle table"))),
    }
}

impl StoreSink {
    fn err(&self, e: StoreError) -> SinkError {
        classify(self.0.as_ref(), e)
    }

    /// A gap job's rows never carry a checkpoint (its progress is the gaps' state).
    fn checkpoint_of(cp: &Checkpoint) -> Option<&Checkpoint> {
        (!cp.key.gaps).then_some(cp)
    }

    /// Settles a gap job's gaps up to `up_to` (see `Store::settle_gaps`).
    async fn settle(&self, cp: &Checkpoint, up_to: i64) -> Result<(), SinkError> {
        let now = chrono::Utc::now().timestamp_millis();
        let (fixed, empty) = self
            .0
            .settle_gaps(cp.key.pipeline, &cp.key.instrument, up_to, now)
            .await
            .map_err(|e| self.err(e))?;
        if fixed + empty > 0 {
            tracing::info!(job = %cp.key, fixed, empty, "gaps settled");
        }
        Ok(())
    }

    async fn after_write(&self, cp: &Checkpoint) -> Result<(), SinkError> {
        if cp.key.gaps {
            self.settle(cp, cp.cursor).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl JobSink for StoreSink {
    async fn write_candles(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        rows: &[Candle],
        checkpoint: &Checkpoint,
    ) -> Result<u64, SinkError> {
        let stats = self
            .0
            .upsert_candles(
                candle_table(pipeline)?,
                instrument,
                rows,
                Self::checkpoint_of(checkpoint),
            )
            .await
            .map_err(|e| self.err(e))?;
        self.after_write(checkpoint).await?;
        Ok(stats.written())
    }

    async fn write_funding(
        &self,
        instrument: &str,
        rows: &[FundingRate],
        unreadable: &[UnreadableRow],
        checkpoint: &Checkpoint,
    ) -> Result<u64, SinkError> {
        if !unreadable.is_empty() {
            let now = chrono::Utc::now().timestamp_millis();
            let new = self
                .0
                .quarantine_funding(instrument, unreadable, now)
                .await
                .map_err(|e| self.err(e))?;
            for r in unreadable {
                tracing::warn!(
                    instrument,
                    ts = ?r.ts,
                    reason = %r.reason,
                    raw = %r.raw,
                    "quarantined an unreadable funding row"
                );
            }
            if new > 0 {
                tracing::info!(instrument, new, "funding rows quarantined");
            }
        }
        let stats = self
            .0
            .upsert_funding(instrument, rows, Self::checkpoint_of(checkpoint))
            .await
            .map_err(|e| self.err(e))?;
        self.after_write(checkpoint).await?;
        Ok(stats.written())
    }

    async fn write_index(
        &self,
        currency: &str,
        rows: &[IndexPrice],
        checkpoint: &Checkpoint,
    ) -> Result<u64, SinkError> {
        let stats = self
            .0
            .upsert_index_prices(currency, rows, Self::checkpoint_of(checkpoint))
            .await
            .map_err(|e| self.err(e))?;
        self.after_write(checkpoint).await?;
        Ok(stats.written())
    }

    async fn write_delivery(
        &self,
        currency: &str,
        rows: &[DeliveryPriceRow],
    ) -> Result<u64, SinkError> {
        let stats = self
            .0
            .upsert_delivery_prices(currency, rows)
            .await
            .map_err(|e| self.err(e))?;
        Ok(stats.written())
    }

    async fn record_empty(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        ranges: &[TimeRange],
    ) -> Result<(), SinkError> {
        if ranges.is_empty() {
            return Ok(());
        }
        let gaps: Vec<Gap> = ranges
            .iter()
            .map(|r| Gap {
                pipeline,
                instrument: instrument.to_string(),
                range: *r,
                kind: GapKind::Missing,
                state: GapState::Empty,
            })
            .collect();
        let now = chrono::Utc::now().timestamp_millis();
        self.0
            .record_gaps(&[], &gaps, now)
            .await
            .map_err(|e| self.err(e))
    }

    async fn save_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), SinkError> {
        if checkpoint.key.gaps {
            // Pause and cancel of a gap job are not persisted: the gaps stay open and the
            // next gap run plans them again.
            let up_to = if checkpoint.state == JobState::Done {
                checkpoint.range.end
            } else {
                checkpoint.cursor
            };
            return self.settle(checkpoint, up_to).await;
        }
        self.0
            .save_checkpoint(checkpoint)
            .await
            .map_err(|e| self.err(e))
    }

    async fn read_funding(
        &self,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<FundingRate>, SinkError> {
        self.0
            .read_funding(instrument, range)
            .await
            .map_err(|e| self.err(e))
    }

    async fn read_candles(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<Candle>, SinkError> {
        self.0
            .read_candles(candle_table(pipeline)?, instrument, range)
            .await
            .map_err(|e| self.err(e))
    }

    async fn mark_instrument(&self, instrument: &str, status: DataStatus) -> Result<(), SinkError> {
        self.0
            .set_instrument_data_status(instrument, status)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn refresh_basis(&self, _currency: &str, futures: &[String]) -> Result<u64, SinkError> {
        let only = (!futures.is_empty()).then_some(futures);
        let refresh = self.0.refresh_basis(only).await.map_err(|e| self.err(e))?;
        Ok(refresh.rows as u64)
    }

    async fn gaps(&self) -> Result<Vec<Gap>, SinkError> {
        self.0.gaps().await.map_err(|e| self.err(e))
    }
}
