//! Storage: one [`Store`] trait, a SQLite and a PostgreSQL implementation, one migrations
//! folder per backend (`migrations/sqlite`, `migrations/postgres`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), deribit_backfill::store::StoreError> {
//! let store = deribit_backfill::store::connect("sqlite://data/deribit.db").await?;
//! let stats = store.table_stats().await?;
//! # Ok(()) }
//! ```
//!
//! Guarantees shared by both backends (and checked by `tests/store_conformance.rs`):
//! - every write is one transaction; a checkpoint passed with rows commits with them or not at
//!   all, and a failed call leaves what was stored before untouched;
//! - writes are idempotent: rows identical to the stored ones are not written again (no dead
//!   tuples in PostgreSQL, no page writes in SQLite), and a batch is de-duplicated by key first;
//! - dashboard queries cost the same at 100M rows as at 1M (see `stats` in each backend).

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    BasisPoint, Candle, Checkpoint, DataStatus, DeliveryPriceRow, FundingRate, Gap, GapScope,
    Heartbeat, IndexPrice, InstrumentRecord, JobKey, Pipeline, TimeRange, UnreadableRow,
};

pub mod audit;
mod basis_common;
pub mod batch;
mod delivery_common;
pub mod disk;
pub mod error;
mod gaps_common;
pub mod merge;
pub mod postgres;
pub mod sqlite;
pub mod types;
pub mod url;

pub use audit::{BasisAudit, CandleQuality, Grid, QuarantinedCandle, SeriesAudit, SeriesQuery};
pub use error::StoreError;
pub use types::{
    BasisRefresh, CandleTable, Coverage, DataTable, DiskSpace, MigrationReport, QuarantinedFunding,
    TableStats, WriteActivity, WriteStats,
};
pub use url::{Backend, DatabaseUrl};

/// The storage layer the engine and the dashboard use, as `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Which engine this is.
    fn backend(&self) -> Backend;

    /// The URL it was opened with (its `Display` redacts the password).
    fn url(&self) -> &DatabaseUrl;

    /// Applies pending migrations (already done by [`connect`]); reports what it applied.
    async fn migrate(&self) -> Result<MigrationReport, StoreError>;

    /// Closes the connections; later calls fail with [`StoreError::Closed`].
    async fn close(&self);

    // ---- instruments ----------------------------------------------------------------------

    /// Inserts new instruments and merges known ones ([`merge::merge_instrument`]).
    async fn upsert_instruments(
        &self,
        records: &[InstrumentRecord],
    ) -> Result<WriteStats, StoreError>;

    /// Every stored instrument, by name.
    async fn list_instruments(&self) -> Result<Vec<InstrumentRecord>, StoreError>;

    /// Records what the exchange has for an instrument; `false` if the instrument is unknown.
    async fn set_instrument_data_status(
        &self,
        instrument: &str,
        status: DataStatus,
    ) -> Result<bool, StoreError>;

    // ---- rows -----------------------------------------------------------------------------

    /// Upserts one instrument's candles (and its checkpoint, in the same transaction).
    /// Futures rows get `expiry_date` from the instrument name, which must be a dated future.
    async fn upsert_candles(
        &self,
        table: CandleTable,
        instrument: &str,
        rows: &[Candle],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<WriteStats, StoreError>;

    /// Upserts one perpetual's funding history (and its checkpoint, in the same transaction).
    async fn upsert_funding(
        &self,
        instrument: &str,
        rows: &[FundingRate],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<WriteStats, StoreError>;

    /// Keeps funding rows the client could not read, with their reason
    /// (`quarantined_funding`); the same raw row stored twice is kept once. Returns how many
    /// were new.
    async fn quarantine_funding(
        &self,
        instrument: &str,
        rows: &[UnreadableRow],
        now_ms: i64,
    ) -> Result<u64, StoreError>;

    /// Every quarantined funding row, by instrument, time and raw text.
    async fn quarantined_funding(&self) -> Result<Vec<QuarantinedFunding>, StoreError>;

    /// Upserts one currency's daily delivery prices (`delivery_prices`, never `index_prices`).
    async fn upsert_delivery_prices(
        &self,
        currency: &str,
        rows: &[DeliveryPriceRow],
    ) -> Result<WriteStats, StoreError>;

    /// One currency's delivery prices, by date.
    async fn read_delivery_prices(
        &self,
        currency: &str,
    ) -> Result<Vec<DeliveryPriceRow>, StoreError>;

    /// Upserts one currency's index prices (and its checkpoint, in the same transaction).
    /// At an existing (currency, timestamp) a row replaces the stored one only if its source's
    /// [`priority`](crate::domain::IndexSource::priority) is at least the stored one's.
    async fn upsert_index_prices(
        &self,
        currency: &str,
        rows: &[IndexPrice],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<WriteStats, StoreError>;

    /// Candles of one instrument in `range`, by timestamp.
    async fn read_candles(
        &self,
        table: CandleTable,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<Candle>, StoreError>;

    /// Funding rows of one perpetual in `range`, by timestamp.
    async fn read_funding(
        &self,
        instrument: &str,
        range: TimeRange,
    ) -> Result<Vec<FundingRate>, StoreError>;

    /// Index prices of one currency in `range`, by timestamp.
    async fn read_index_prices(
        &self,
        currency: &str,
        range: TimeRange,
    ) -> Result<Vec<IndexPrice>, StoreError>;

    // ---- checkpoints ------------------------------------------------------------------------

    /// Writes (inserts or replaces) one checkpoint on its own.
    async fn save_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError>;

    async fn load_checkpoint(&self, key: &JobKey) -> Result<Option<Checkpoint>, StoreError>;

    /// Every checkpoint, ordered by pipeline then instrument.
    async fn load_checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;

    /// Deletes the given checkpoints; returns how many existed.
    async fn delete_checkpoints(&self, keys: &[JobKey]) -> Result<u64, StoreError>;

    // ---- basis ------------------------------------------------------------------------------

    /// Recomputes `futures_basis_spread`. SQLite rebuilds the given futures (all futures with
    /// candles when `None`); PostgreSQL refreshes the whole materialized view concurrently
    /// (readers are never blocked) whatever the list.
    async fn refresh_basis(&self, futures: Option<&[String]>) -> Result<BasisRefresh, StoreError>;

    /// One future's basis history (within `range` if given), by timestamp.
    async fn basis_history(
        &self,
        future: &str,
        range: Option<TimeRange>,
    ) -> Result<Vec<BasisPoint>, StoreError>;

    /// The latest basis point of every future not yet expired at `now_ms`, by expiry: the
    /// term-structure curve.
    async fn latest_basis(&self, now_ms: i64) -> Result<Vec<(String, BasisPoint)>, StoreError>;

    // ---- dashboard --------------------------------------------------------------------------

    /// Rows, estimated rows and bytes on disk of every data table.
    async fn table_stats(&self) -> Result<Vec<TableStats>, StoreError>;

    /// Rows per instrument (per currency for index prices), from the `row_counts` bookkeeping.
    async fn instrument_rows(&self, table: DataTable) -> Result<Vec<(String, i64)>, StoreError>;

    /// The newest timestamp of one instrument: one index probe.
    async fn latest_timestamp(
        &self,
        table: DataTable,
        instrument: &str,
    ) -> Result<Option<i64>, StoreError>;

    /// First, last timestamp and rows of every instrument with rows in `table`: two index
    /// probes per instrument plus the bookkeeping count.
    async fn coverage(&self, table: DataTable) -> Result<Vec<Coverage>, StoreError>;

    /// Free space on the database volume when it is local and measurable.
    async fn free_space(&self) -> Result<Option<DiskSpace>, StoreError>;

    /// Cumulative write counters per table (for a write-rate metric).
    async fn write_activity(&self) -> Result<Vec<WriteActivity>, StoreError>;

    /// Refreshes the planner statistics (PostgreSQL `ANALYZE`, SQLite `ANALYZE` with a
    /// sampling limit); run after large loads.
    async fn analyze(&self) -> Result<(), StoreError>;

    // ---- collectors ---------------------------------------------------------------------------

    /// Inserts or replaces a collector's heartbeat (one row per collector).
    async fn beat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError>;

    /// Every collector's latest heartbeat, by id.
    async fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError>;

    /// Removes a collector's heartbeat (it stopped on purpose); whether it existed.
    async fn forget_collector(&self, collector_id: &str) -> Result<bool, StoreError>;

    /// Exact `count(*)` of a table, or of one instrument in it. Costs a scan: for verification,
    /// not for the dashboard.
    async fn count_rows(
        &self,
        table: DataTable,
        instrument: Option<&str>,
    ) -> Result<i64, StoreError>;

    // ---- verification (`verify`, gap jobs) ------------------------------------------------
    // Set-based: each call streams one instrument's rows once inside the database and returns
    // counts and gap ranges, never the rows.

    /// Rows of one series on its grid and the grid points missing, as ranges (quarantined
    /// candles count as present).
    async fn audit_series(&self, query: &SeriesQuery) -> Result<SeriesAudit, StoreError>;

    /// Fillers, off-grid rows and OHLC violators of one instrument's candles in `range`.
    async fn candle_quality(
        &self,
        table: CandleTable,
        instrument: &str,
        range: TimeRange,
    ) -> Result<CandleQuality, StoreError>;

    /// One future's basis against the minutes where it and its perpetual both have a candle.
    async fn basis_audit(&self, future: &str) -> Result<BasisAudit, StoreError>;

    /// Moves candles (by timestamp, each with its reason) to `quarantined_candles`, in one
    /// transaction with the `row_counts` bookkeeping; returns how many moved.
    async fn quarantine_candles(
        &self,
        table: CandleTable,
        instrument: &str,
        rows: &[(i64, String)],
        now_ms: i64,
    ) -> Result<u64, StoreError>;

    /// Every quarantined candle, by table, instrument and time.
    async fn quarantined(&self) -> Result<Vec<QuarantinedCandle>, StoreError>;

    /// Replaces the open and fixed gaps recorded inside each scope with `gaps`, in one
    /// transaction (`empty` gaps, confirmed by a re-fetch, are kept).
    async fn record_gaps(
        &self,
        scopes: &[GapScope],
        gaps: &[Gap],
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Every recorded gap, by pipeline, instrument and start.
    async fn gaps(&self) -> Result<Vec<Gap>, StoreError>;

    /// Settles the open gaps of one series that end at or before `up_to` after a gap job
    /// fetched them: `fixed` where rows now exist (always, for the rebuilt basis), `empty`
    /// where the exchange had nothing. Returns (fixed, empty).
    async fn settle_gaps(
        &self,
        pipeline: Pipeline,
        instrument: &str,
        up_to: i64,
        now_ms: i64,
    ) -> Result<(u64, u64), StoreError>;
}

/// Opens the database `url` names (`sqlite://path` or `postgres://...`) and applies pending
/// migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let url = DatabaseUrl::parse(url)?;
    connect_url(&url, true).await
}

/// Opens a parsed URL; `migrate` says whether to apply pending migrations now.
pub async fn connect_url(url: &DatabaseUrl, migrate: bool) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match url {
        DatabaseUrl::Sqlite { .. } => Arc::new(sqlite::SqliteStore::open(url.clone()).await?),
        DatabaseUrl::Postgres { .. } => Arc::new(postgres::PgStore::open(url.clone()).await?),
    };
    if migrate {
        let report = store.migrate().await?;
        if !report.applied.is_empty() {
            tracing::info!(url = %store.url(), applied = ?report.applied, "applied database migrations");
        }
    }
    Ok(store)
}

/// Opens an existing database for reading only (`status`): a SQLite file is neither created
/// nor migrated nor written, and may be read-only; PostgreSQL is opened without migrating.
pub async fn connect_read_only(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match url {
        DatabaseUrl::Sqlite { .. } => {
            Arc::new(sqlite::SqliteStore::open_read_only(url.clone()).await?)
        }
        DatabaseUrl::Postgres { .. } => Arc::new(postgres::PgStore::open(url.clone()).await?),
    })
}

/// Rejects instrument (or currency) keys no exchange name can have.
pub(crate) fn check_key(key: &str) -> Result<(), StoreError> {
    let reason = if key.is_empty() {
        "the name is empty"
    } else if key.len() > 64 {
        "the name is longer than 64 characters"
    } else if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "the name contains whitespace or control characters"
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidInstrument {
        instrument: key.to_string(),
        reason: reason.to_string(),
    })
}

/// The `instruments` column of `collector_heartbeats`: names joined by commas.
pub(crate) fn split_instruments(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
