//! The storage report: rows, bytes and bytes/row per table, growth per day and the days until
//! the database's volume is full.
//!
//! Growth per day is modelled, not sampled: once the backfill is complete, collectors keep the
//! live series current, so each table grows by its live series × rows per day (1,440 per
//! minute series, 24 per hourly one) × its measured bytes/row. Every figure is explained in
//! the report.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::domain::{InstrumentName, Pipeline};
use crate::human::thousands;
use crate::human::{bytes, days};
use crate::jobs::plan::bytes_per_row;
use crate::store::{Backend, DataTable, DiskSpace, Store, StoreError};
use crate::verify::Verification;

use super::{cell, preamble, verdict};

/// One table's size and growth.
#[derive(Debug, Clone, PartialEq)]
pub struct TableGrowth {
    pub table: DataTable,
    pub rows: i64,
    pub bytes: Option<i64>,
    pub bytes_exact: bool,
    /// Live series feeding it, and rows per day each adds.
    pub live_series: i64,
    pub rows_per_series_day: i64,
    /// Bytes per row used for the growth: measured when the table has rows, else the plan's
    /// estimate.
    pub bytes_per_row: f64,
    pub bytes_per_row_measured: bool,
}

impl TableGrowth {
    pub fn rows_per_day(&self) -> i64 {
        self.live_series * self.rows_per_series_day
    }

    pub fn bytes_per_day(&self) -> f64 {
        self.rows_per_day() as f64 * self.bytes_per_row
    }
}

/// Everything the storage report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageFacts {
    pub tables: Vec<TableGrowth>,
    pub disk: Option<DiskSpace>,
}

impl StorageFacts {
    pub fn bytes_per_day(&self) -> f64 {
        self.tables.iter().map(TableGrowth::bytes_per_day).sum()
    }

    pub fn total_bytes(&self) -> i64 {
        self.tables.iter().filter_map(|t| t.bytes).sum()
    }

    pub fn days_until_full(&self) -> Option<f64> {
        let free = self.disk.as_ref()?.available_bytes as f64;
        let rate = self.bytes_per_day();
        (rate > 0.0).then(|| free / rate)
    }
}

fn pipeline(t: DataTable) -> Pipeline {
    match t {
        DataTable::Futures => Pipeline::Futures,
        DataTable::Perpetuals => Pipeline::Perpetuals,
        DataTable::Funding => Pipeline::Funding,
        DataTable::Index => Pipeline::Index,
        DataTable::Basis => Pipeline::Basis,
    }
}

/// Reads table sizes and free space, and counts the live series of the verification.
pub async fn storage_facts(
    store: &Arc<dyn Store>,
    v: &Verification,
) -> Result<StorageFacts, StoreError> {
    let stats = store.table_stats().await?;
    let disk = store.free_space().await?;
    let postgres = store.backend() == Backend::Postgres;
    let live_futures = v
        .futures
        .iter()
        .filter(|f| {
            InstrumentName::parse(&f.instrument)
                .ok()
                .and_then(|n| n.expiration_ms())
                .is_some_and(|e| e > v.until)
        })
        .count() as i64;
    let live_basis = v
        .basis
        .iter()
        .filter(|b| {
            InstrumentName::parse(&b.future)
                .ok()
                .and_then(|n| n.expiration_ms())
                .is_some_and(|e| e > v.until)
        })
        .count() as i64;
    let currencies = v.index.iter().filter(|c| c.series == "index").count() as i64;
    let tables = DataTable::ALL
        .into_iter()
        .map(|t| {
            let s = stats.iter().find(|s| s.table == t);
            let rows = s.map_or(0, |s| s.rows);
            let bytes = s.and_then(|s| s.bytes);
            let measured = bytes.filter(|_| rows > 0).map(|b| b as f64 / rows as f64);
            let (live_series, per_day) = match t {
                DataTable::Futures => (live_futures, 1440),
                DataTable::Perpetuals => (v.perpetuals.len() as i64, 1440),
                DataTable::Funding => (v.funding.len() as i64, 24),
                DataTable::Index => (currencies, 1440),
                DataTable::Basis => (live_basis, 1440),
            };
            TableGrowth {
                table: t,
                rows,
                bytes,
                bytes_exact: s.is_some_and(|s| s.bytes_exact),
                live_series,
                rows_per_series_day: per_day,
                bytes_per_row: measured.unwrap_or_else(|| bytes_per_row(postgres, pipeline(t))),
                bytes_per_row_measured: measured.is_some(),
            }
        })
        .collect();
    Ok(StorageFacts { tables, disk })
}

pub fn storage(v: &Verification, f: &StorageFacts) -> String {
    let mut out = preamble("Storage report", v);
    if let Some(c) = v.checks.iter().find(|c| c.id == "AC-009") {
        let _ = writeln!(
            out,
            "AC-009 {}: {} {}\n",
            c.title,
            verdict(c.passed),
            cell(&c.figure)
        );
    }
    let _ = writeln!(out, "## Tables\n");
    let _ = writeln!(
        out,
        "| Table | Rows | Bytes | Bytes/row | Live series | Rows/day | Growth/day |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|");
    for t in &f.tables {
        let size = match t.bytes {
            Some(b) if t.bytes_exact => bytes(b),
            Some(b) => format!("~{}", bytes(b)),
            None => "-".into(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1}{} | {} | {} | {} |",
            t.table,
            thousands(t.rows),
            size,
            t.bytes_per_row,
            if t.bytes_per_row_measured {
                ""
            } else {
                " (est.)"
            },
            t.live_series,
            thousands(t.rows_per_day()),
            bytes(t.bytes_per_day().round() as i64)
        );
    }
    let _ = writeln!(
        out,
        "| **total** | {} | {} | | | {} | {} |\n",
        thousands(f.tables.iter().map(|t| t.rows).sum()),
        bytes(f.total_bytes()),
        thousands(f.tables.iter().map(TableGrowth::rows_per_day).sum()),
        bytes(f.bytes_per_day().round() as i64)
    );
    let _ = writeln!(
        out,
        "Growth per day is the steady state once the backfill is complete: collectors add, per \
         live series, 1,440 rows a day to minute tables (futures not expired at the end of the \
         checked range, perpetuals, index per currency, basis per live future) and 24 to funding, \
         at each table's measured bytes/row (the plan's estimate where a table is empty). `~` \
         marks sizes extrapolated from sampled pages.\n"
    );
    let _ = writeln!(out, "## Volume\n");
    match &f.disk {
        Some(d) => {
            let _ = writeln!(
                out,
                "- Volume of `{}`: {} free of {}",
                d.path.display(),
                bytes(d.available_bytes.min(i64::MAX as u64) as i64),
                bytes(d.total_bytes.min(i64::MAX as u64) as i64)
            );
            let _ = writeln!(
                out,
                "- Days until full at {}/day: {}",
                bytes(f.bytes_per_day().round() as i64),
                f.days_until_full().map_or("not growing".into(), days)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "- Free space not measurable (a remote server, or not allowed to read its data \
                 directory): days until full unknown."
            );
        }
    }
    out
}
