//! Value types the store's API takes and returns.

use std::fmt;
use std::ops::AddAssign;
use std::path::PathBuf;

use crate::domain::Pipeline;

/// The two candle tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CandleTable {
    /// `futures_ohlcv`: dated futures; rows also get `expiry_date`.
    Futures,
    /// `perpetuals_ohlcv`.
    Perpetuals,
}

impl CandleTable {
    pub fn table(self) -> DataTable {
        match self {
            CandleTable::Futures => DataTable::Futures,
            CandleTable::Perpetuals => DataTable::Perpetuals,
        }
    }

    pub fn pipeline(self) -> Pipeline {
        match self {
            CandleTable::Futures => Pipeline::Futures,
            CandleTable::Perpetuals => Pipeline::Perpetuals,
        }
    }

    pub fn name(self) -> &'static str {
        self.table().name()
    }
}

/// The data tables the dashboard reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataTable {
    Futures,
    Perpetuals,
    Funding,
    Index,
    Basis,
}

impl DataTable {
    pub const ALL: [DataTable; 5] = [
        DataTable::Futures,
        DataTable::Perpetuals,
        DataTable::Funding,
        DataTable::Index,
        DataTable::Basis,
    ];

    /// The SQL table (or materialized view) name.
    pub fn name(self) -> &'static str {
        match self {
            DataTable::Futures => "futures_ohlcv",
            DataTable::Perpetuals => "perpetuals_ohlcv",
            DataTable::Funding => "funding_rates",
            DataTable::Index => "index_prices",
            DataTable::Basis => "futures_basis_spread",
        }
    }

    /// The first key column: the instrument, or the currency for index prices.
    pub fn key_column(self) -> &'static str {
        match self {
            DataTable::Index => "currency",
            _ => "instrument",
        }
    }

    pub fn from_name(name: &str) -> Option<DataTable> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for DataTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one write did. `distinct` rows remain after de-duplicating the batch by key (the last
/// occurrence wins; for index prices the highest-priority source wins); each of them was
/// either inserted, updated (it differed from the stored row) or left unchanged (identical, or
/// an index price outranked by the stored source).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub received: u64,
    pub distinct: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl WriteStats {
    /// Rows actually written (inserted or changed).
    pub fn written(&self) -> u64 {
        self.inserted + self.updated
    }

    pub(crate) fn new(received: usize, distinct: usize, inserted: u64, updated: u64) -> Self {
        let distinct = distinct as u64;
        WriteStats {
            received: received as u64,
            distinct,
            inserted,
            updated,
            unchanged: distinct.saturating_sub(inserted + updated),
        }
    }
}

impl AddAssign for WriteStats {
    fn add_assign(&mut self, o: WriteStats) {
        self.received += o.received;
        self.distinct += o.distinct;
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Size of one table, from cheap sources (see each backend's `stats` module).
#[derive(Debug, Clone, PartialEq)]
pub struct TableStats {
    pub table: DataTable,
    /// Rows, from the `row_counts` table the store maintains in the same transaction as every
    /// write (exact as long as only this store writes the table).
    pub rows: i64,
    /// The engine's own estimate (PostgreSQL `pg_class.reltuples`, fresh after ANALYZE);
    /// `None` when the engine has none.
    pub estimated_rows: Option<i64>,
    /// Bytes on disk including indexes; `None` when unknown.
    pub bytes: Option<i64>,
    /// Whether `bytes` is exact (PostgreSQL; small SQLite tables) or extrapolated from a sample
    /// of the table's pages (large SQLite tables).
    pub bytes_exact: bool,
}

/// First and last timestamp and row count of one instrument (or currency) in one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub instrument: String,
    pub first_ts: i64,
    pub last_ts: i64,
    pub rows: i64,
}

/// Free space on the volume holding the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskSpace {
    /// The folder that was measured.
    pub path: PathBuf,
    /// Bytes available to an unprivileged writer.
    pub available_bytes: u64,
    pub total_bytes: u64,
}

/// Cumulative write counters of one table, for a write-rate metric (sample twice, divide by
/// the elapsed time). PostgreSQL: `pg_stat_user_tables` (since the last stats reset);
/// SQLite: the store's `row_counts` bookkeeping (since the database was created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteActivity {
    pub table: DataTable,
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

/// What a basis refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BasisRefresh {
    /// Futures whose basis was rebuilt (PostgreSQL rebuilds all of them).
    pub futures: u64,
    /// Basis rows now stored for those futures.
    pub rows: u64,
}

/// What `migrate()` did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationReport {
    /// `version description` of each migration applied by this call.
    pub applied: Vec<String>,
    /// Migrations this build knows.
    pub known: usize,
}

/// A funding row the client could not read, as `quarantined_funding` keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuarantinedFunding {
    pub instrument: String,
    pub row: crate::domain::UnreadableRow,
    pub quarantined_at: i64,
}
