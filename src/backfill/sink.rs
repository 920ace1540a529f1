//! The engine's database port, implemented by the store.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{Candle, Checkpoint, DataStatus, FundingRate, IndexPrice, Pipeline, TimeRange};
use crate::jobs::{JobSink, SinkError};
use crate::store::{CandleTable, Store, StoreError};

/// Adapts an `Arc<dyn Store>` to what the workers need.
#[derive(Debug, Clone)]
pub struct StoreSink(pub Arc<dyn Store>);

fn err(e: StoreError) -> SinkError {
    SinkError(e.to_string())
}

fn candle_table(pipeline: Pipeline) -> Result<CandleTable, SinkError> {
    match pipeline {
        Pipeline::Futures => Ok(CandleTable::Futures),
        Pipeline::Perpetuals => Ok(CandleTable::Perpetuals),
        other => Err(SinkError(format!("{other} jobs have no candle table"))),
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
            .upsert_candles(candle_table(pipeline)?, instrument, rows, Some(checkpoint))
            .await
            .map_err(err)?;
        Ok(stats.written())
    }

    async fn write_funding(
        &self,
        instrument: &str,
        rows: &[FundingRate],
        checkpoint: &Checkpoint,
    ) -> Result<u64, SinkError> {
        let stats = self
            .0
            .upsert_funding(instrument, rows, Some(checkpoint))
            .await
            .map_err(err)?;
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
            .upsert_index_prices(currency, rows, Some(checkpoint))
            .await
            .map_err(err)?;
        Ok(stats.written())
    }

    async fn save_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), SinkError> {
        self.0.save_checkpoint(checkpoint).await.map_err(err)
    }

    async fn read_funding(
        &self,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<FundingRate>, SinkError> {
        self.0.read_funding(instrument, range).await.map_err(err)
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
            .map_err(err)
    }

    async fn mark_instrument(&self, instrument: &str, status: DataStatus) -> Result<(), SinkError> {
        self.0
            .set_instrument_data_status(instrument, status)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn refresh_basis(&self, _currency: &str, futures: &[String]) -> Result<u64, SinkError> {
        let only = (!futures.is_empty()).then_some(futures);
        let refresh = self.0.refresh_basis(only).await.map_err(err)?;
        Ok(refresh.rows as u64)
    }
}
