//! The PostgreSQL store: a pool of connections; writers of different instruments run in
//! parallel.

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPool;

use crate::domain::{
    BasisPoint, Candle, Checkpoint, DataStatus, DeliveryPriceRow, FundingRate, Gap, GapScope,
    Heartbeat, IndexPrice, InstrumentRecord, JobKey, Pipeline, TimeRange, UnreadableRow,
};
use crate::store::audit::{BasisAudit, CandleQuality, QuarantinedCandle, SeriesAudit, SeriesQuery};
use crate::store::basis_common::expiry_date;
use crate::store::batch;
use crate::store::error::StoreError;
use crate::store::types::{
    BasisRefresh, CandleTable, Coverage, DataTable, DiskSpace, MigrationReport, QuarantinedFunding,
    TableStats, WriteActivity, WriteStats,
};
use crate::store::url::{Backend, DatabaseUrl};
use crate::store::{Store, check_key};

mod audit;
mod basis;
pub(crate) mod connect;
mod copy;
mod extras;
mod gaps;
mod heartbeats;
mod instruments;
mod progress;
mod read;
pub(crate) mod series;
pub(crate) mod stats;
pub(crate) mod time;

use series::PgSeriesSpec as SeriesSpec;

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

static FUTURES: SeriesSpec = SeriesSpec::new(
    "futures_ohlcv",
    "instrument",
    Some("expiry_date"),
    &batch::CANDLE_COLUMNS,
);
static PERPETUALS: SeriesSpec = SeriesSpec::new(
    "perpetuals_ohlcv",
    "instrument",
    None,
    &batch::CANDLE_COLUMNS,
);
static FUNDING: SeriesSpec =
    SeriesSpec::new("funding_rates", "instrument", None, &batch::FUNDING_COLUMNS);

/// A PostgreSQL database.
#[derive(Debug)]
pub struct PgStore {
    url: DatabaseUrl,
    pool: PgPool,
}

impl PgStore {
    /// Connects (failing fast with a clear error if the server is unreachable, the
    /// credentials are wrong or the database is missing). Does not migrate.
    pub async fn open(url: DatabaseUrl) -> Result<Self, StoreError> {
        let pool = connect::open_pool(&url).await?;
        tracing::debug!(url = %url, "connected to PostgreSQL");
        Ok(PgStore { url, pool })
    }

    /// The connection pool (for tests and benchmarks that need raw SQL).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, StoreError> {
        self.pool
            .acquire()
            .await
            .map_err(StoreError::db("waiting for a connection"))
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
    fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let before: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
                .unwrap_or_default();
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migrate {
                reason: e.to_string(),
            })?;
        Ok(MigrationReport {
            applied: MIGRATOR
                .iter()
                .filter(|m| !before.contains(&m.version))
                .map(|m| format!("{} {}", m.version, m.description))
                .collect(),
            known: MIGRATOR.iter().count(),
        })
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn upsert_instruments(
        &self,
        records: &[InstrumentRecord],
    ) -> Result<WriteStats, StoreError> {
        instruments::upsert(&self.pool, records).await
    }

    async fn list_instruments(&self) -> Result<Vec<InstrumentRecord>, StoreError> {
        instruments::list(&self.pool).await
    }

    async fn set_instrument_data_status(
        &self,
        instrument: &str,
        status: DataStatus,
    ) -> Result<bool, StoreError> {
        instruments::set_data_status(&self.pool, instrument, status).await
    }

    #[tracing::instrument(level = "debug", skip(self, rows, checkpoint), fields(rows = rows.len()))]
    async fn upsert_candles(
        &self,
        table: CandleTable,
        instrument: &str,
        rows: &[Candle],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<WriteStats, StoreError> {
        check_key(instrument)?;
        let (spec, fixed) = match table {
            CandleTable::Futures => (&FUTURES, Some(expiry_date(instrument)?)),
            CandleTable::Perpetuals => (&PERPETUALS, None),
        };
        let batch = batch::candles(spec.table, instrument, rows)?;
        let mut conn = self.conn().await?;
        series::upsert(&mut conn, spec, instrument, fixed, &batch, checkpoint).await
    }

    #[tracing::instrument(level = "debug", skip(self, rows, checkpoint), fields(rows = rows.len()))]
    async fn upsert_funding(
        &self,
        instrument: &str,
        rows: &[FundingRate],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<WriteStats, StoreError> {
        check_key(instrument)?;
        let batch = batch::funding(instrument, rows)?;
        let mut conn = self.conn().await?;
        series::upsert(&mut conn, &FUNDING, instrument, None, &batch, checkpoint).await
    }

    async fn quarantine_funding(
        &self,
        instrument: &str,
        rows: &[UnreadableRow],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        check_key(instrument)?;
        extras::quarantine_funding(&self.pool, instrument, rows, now_ms).await
    }

    async fn quarantined_funding(&self) -> Result<Vec<QuarantinedFunding>, StoreError> {
        extras::quarantined_funding(&self.pool).await
    }

    async fn upsert_delivery_prices(
        &self,
        currency: &str,
        rows: &[DeliveryPriceRow],
    ) -> Result<WriteStats, StoreError> {
        check_key(currency)?;
        extras::upsert_delivery(&self.pool, currency, rows).await
    }

    async fn read_delivery_prices(
        &self,
        currency: &str,
    ) -> Result<Vec<DeliveryPriceRow>, StoreError> {
        extras::read_delivery(&self.pool, currency).await
    }

    #[tracing::instrument(level = "debug", skip(self, rows, checkpoint), fields(rows = rows.len()))]
    async fn upsert_index_prices(
        &self,
        currency: &str,
        rows: &[IndexPrice],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<WriteStats, StoreError> {
        check_key(currency)?;
        let batch = batch::index_prices(currency, rows)?;
        let mut conn = self.conn().await?;
        series::upsert_index(&mut conn, currency, &batch, checkpoint).await
    }

    async fn read_candles(
        &self,
        table: CandleTable,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<Candle>, StoreError> {
        read::candles(&self.pool, table, instrument, range).await
    }

    async fn read_funding(
        &self,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<FundingRate>, StoreError> {
        read::funding(&self.pool, instrument, range).await
    }

    async fn read_index_prices(
        &self,
        currency: &str,
        range: TimeRange,
    ) -> Result<Vec<IndexPrice>, StoreError> {
        read::index_prices(&self.pool, currency, range).await
    }

    async fn save_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        progress::save(&mut conn, checkpoint).await
    }

    async fn load_checkpoint(&self, key: &JobKey) -> Result<Option<Checkpoint>, StoreError> {
        progress::load(&self.pool, key).await
    }

    async fn load_checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        progress::load_all(&self.pool).await
    }

    async fn delete_checkpoints(&self, keys: &[JobKey]) -> Result<u64, StoreError> {
        progress::delete(&self.pool, keys).await
    }

    async fn refresh_basis(&self, futures: Option<&[String]>) -> Result<BasisRefresh, StoreError> {
        basis::refresh(&self.pool, futures).await
    }

    async fn basis_history(
        &self,
        future: &str,
        range: Option<TimeRange>,
    ) -> Result<Vec<BasisPoint>, StoreError> {
        basis::history(&self.pool, future, range).await
    }

    async fn latest_basis(&self, now_ms: i64) -> Result<Vec<(String, BasisPoint)>, StoreError> {
        basis::latest(&self.pool, now_ms).await
    }

    async fn table_stats(&self) -> Result<Vec<TableStats>, StoreError> {
        stats::table_stats(&self.pool).await
    }

    async fn instrument_rows(&self, table: DataTable) -> Result<Vec<(String, i64)>, StoreError> {
        stats::instrument_rows(&self.pool, table).await
    }

    async fn latest_timestamp(
        &self,
        table: DataTable,
        instrument: &str,
    ) -> Result<Option<i64>, StoreError> {
        stats::latest_timestamp(&self.pool, table, instrument).await
    }

    async fn coverage(&self, table: DataTable) -> Result<Vec<Coverage>, StoreError> {
        stats::coverage(&self.pool, table).await
    }

    async fn free_space(&self) -> Result<Option<DiskSpace>, StoreError> {
        stats::free_space(&self.pool, &self.url).await
    }

    async fn write_activity(&self) -> Result<Vec<WriteActivity>, StoreError> {
        stats::write_activity(&self.pool).await
    }

    async fn analyze(&self) -> Result<(), StoreError> {
        sqlx::query(
            "ANALYZE futures_ohlcv, perpetuals_ohlcv, funding_rates, index_prices, \
             futures_basis_spread, row_counts",
        )
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("analyzing"))?;
        Ok(())
    }

    async fn beat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        heartbeats::beat(&self.pool, heartbeat).await
    }

    async fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError> {
        heartbeats::list(&self.pool).await
    }

    async fn forget_collector(&self, collector_id: &str) -> Result<bool, StoreError> {
        heartbeats::forget(&self.pool, collector_id).await
    }

    async fn count_rows(
        &self,
        table: DataTable,
        instrument: Option<&str>,
    ) -> Result<i64, StoreError> {
        stats::count_rows(&self.pool, table, instrument).await
    }
    async fn audit_series(&self, query: &SeriesQuery) -> Result<SeriesAudit, StoreError> {
        audit::series(&self.pool, query).await
    }

    async fn candle_quality(
        &self,
        table: CandleTable,
        instrument: &str,
        range: TimeRange,
    ) -> Result<CandleQuality, StoreError> {
        audit::quality(&self.pool, table, instrument, range).await
    }

    async fn basis_audit(&self, future: &str) -> Result<BasisAudit, StoreError> {
        audit::basis(&self.pool, future).await
    }

    async fn quarantine_candles(
        &self,
        table: CandleTable,
        instrument: &str,
        rows: &[(i64, String)],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        audit::quarantine(&self.pool, table, instrument, rows, now_ms).await
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedCandle>, StoreError> {
        audit::quarantined(&self.pool).await
    }

    async fn record_gaps(
        &self,
        scopes: &[GapScope],
        gaps: &[Gap],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        gaps::record(&self.pool, scopes, gaps, now_ms).await
    }

    async fn gaps(&self) -> Result<Vec<Gap>, StoreError> {
        gaps::list(&self.pool).await
    }

    async fn settle_gaps(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        up_to: i64,
        now_ms: i64,
    ) -> Result<(u64, u64), StoreError> {
        gaps::settle(&self.pool, pipeline, instrument, up_to, now_ms).await
    }
}
