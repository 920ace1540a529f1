//! Dashboard queries, SQLite flavour. Each costs the same at 100M rows as at 1M:
//!
//! - rows per table and per instrument: the `row_counts` bookkeeping table (one row per
//!   table and instrument), maintained in the same transaction as every write from the
//!   inserted count, so it is exact; reading it touches a few pages. (An exact `count(*)`
//!   walks the whole B-tree: ~75 ms per 2M rows here, seconds at 100M.)
//! - latest / first timestamp per instrument: one primary-key probe each
//!   (`ORDER BY timestamp DESC LIMIT 1` on the `(instrument, timestamp)` key).
//! - bytes per table: the `dbstat` virtual table, read lazily: the first [`SAMPLE_PAGES`]
//!   pages of the table's B-tree give the rows per leaf page and the interior overhead,
//!   scaled by the bookkeeping row count. Exact when the table has fewer pages than the
//!   sample; within a few percent otherwise (a full `dbstat` walk costs ~110 ms per 2M rows).
//! - free space: `statvfs` on the database file's folder.

use std::collections::HashMap;
use std::path::Path;

use sqlx::Row;
use sqlx::sqlite::SqlitePool;

use crate::store::disk;
use crate::store::error::StoreError;
use crate::store::types::{Coverage, DataTable, DiskSpace, TableStats, WriteActivity};

/// Pages of a table's B-tree read to estimate its size.
pub(crate) const SAMPLE_PAGES: i64 = 256;

async fn counts(pool: &SqlitePool) -> Result<HashMap<String, (i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT table_name, coalesce(sum(rows), 0), coalesce(sum(updated), 0) \
         FROM row_counts GROUP BY table_name",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading row counts"))?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>(0)
                    .map_err(StoreError::db("reading row counts"))?,
                (
                    r.try_get(1).map_err(StoreError::db("reading row counts"))?,
                    r.try_get(2).map_err(StoreError::db("reading row counts"))?,
                ),
            ))
        })
        .collect()
}

/// Bytes of one table's B-tree (see the module docs); `(bytes, exact)`.
pub(crate) async fn table_bytes(
    pool: &SqlitePool,
    table: &str,
    rows: i64,
) -> Result<(i64, bool), StoreError> {
    let sample = sqlx::query(
        "SELECT pagetype, ncell, pgsize FROM dbstat WHERE name = ?1 AND aggregate = FALSE LIMIT ?2",
    )
    .bind(table)
    .bind(SAMPLE_PAGES)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("measuring table size"))?;
    let (mut pages, mut leaves, mut leaf_cells, mut bytes) = (0i64, 0i64, 0i64, 0i64);
    for r in &sample {
        let kind: String = r
            .try_get(0)
            .map_err(StoreError::db("measuring table size"))?;
        let ncell: i64 = r
            .try_get(1)
            .map_err(StoreError::db("measuring table size"))?;
        let size: i64 = r
            .try_get(2)
            .map_err(StoreError::db("measuring table size"))?;
        pages += 1;
        bytes += size;
        if kind == "leaf" {
            leaves += 1;
            leaf_cells += ncell;
        }
    }
    if pages < SAMPLE_PAGES || leaf_cells == 0 {
        return Ok((bytes, true));
    }
    let page_size = bytes as f64 / pages as f64;
    let rows_per_leaf = leaf_cells as f64 / leaves as f64;
    let pages_per_leaf = pages as f64 / leaves as f64;
    let estimate = rows as f64 / rows_per_leaf * pages_per_leaf * page_size;
    Ok((estimate.round() as i64, false))
}

pub(super) async fn table_stats(pool: &SqlitePool) -> Result<Vec<TableStats>, StoreError> {
    let counts = counts(pool).await?;
    let mut out = Vec::new();
    for t in DataTable::ALL {
        let rows = counts.get(t.name()).map(|c| c.0).unwrap_or(0);
        let (bytes, exact) = table_bytes(pool, t.name(), rows).await?;
        out.push(TableStats {
            table: t,
            rows,
            estimated_rows: None,
            bytes: Some(bytes),
            bytes_exact: exact,
        });
    }
    Ok(out)
}

pub(super) async fn instrument_rows(
    pool: &SqlitePool,
    table: DataTable,
) -> Result<Vec<(String, i64)>, StoreError> {
    sqlx::query_as(
        "SELECT instrument, rows FROM row_counts WHERE table_name = ?1 AND rows > 0 \
         ORDER BY instrument",
    )
    .bind(table.name())
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading row counts"))
}

pub(super) async fn latest_timestamp(
    pool: &SqlitePool,
    table: DataTable,
    key: &str,
) -> Result<Option<i64>, StoreError> {
    let sql = format!(
        "SELECT timestamp FROM {} WHERE {} = ?1 ORDER BY timestamp DESC LIMIT 1",
        table.name(),
        table.key_column()
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .fetch_optional(pool)
        .await
        .map_err(StoreError::db("reading the latest timestamp"))
}

pub(super) async fn coverage(
    pool: &SqlitePool,
    table: DataTable,
) -> Result<Vec<Coverage>, StoreError> {
    let (t, k) = (table.name(), table.key_column());
    let sql = format!(
        "SELECT c.instrument, c.rows, \
         (SELECT x.timestamp FROM {t} x WHERE x.{k} = c.instrument ORDER BY x.timestamp ASC LIMIT 1), \
         (SELECT x.timestamp FROM {t} x WHERE x.{k} = c.instrument ORDER BY x.timestamp DESC LIMIT 1) \
         FROM row_counts c WHERE c.table_name = ?1 AND c.rows > 0 ORDER BY c.instrument"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(t)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading coverage"))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let first: Option<i64> = r.try_get(2).map_err(StoreError::db("reading coverage"))?;
        let last: Option<i64> = r.try_get(3).map_err(StoreError::db("reading coverage"))?;
        if let (Some(first_ts), Some(last_ts)) = (first, last) {
            out.push(Coverage {
                instrument: r.try_get(0).map_err(StoreError::db("reading coverage"))?,
                rows: r.try_get(1).map_err(StoreError::db("reading coverage"))?,
                first_ts,
                last_ts,
            });
        }
    }
    Ok(out)
}

pub(super) fn free_space(path: &Path) -> Option<DiskSpace> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    disk::free_space(dir)
}

pub(super) async fn write_activity(pool: &SqlitePool) -> Result<Vec<WriteActivity>, StoreError> {
    let counts = counts(pool).await?;
    Ok(DataTable::ALL
        .into_iter()
        .map(|t| {
            let (rows, updated) = counts.get(t.name()).copied().unwrap_or((0, 0));
            WriteActivity {
                table: t,
                inserted: rows,
                updated,
                deleted: 0,
            }
        })
        .collect())
}

pub(super) async fn count_rows(
    pool: &SqlitePool,
    table: DataTable,
    key: Option<&str>,
) -> Result<i64, StoreError> {
    let mut sql = format!("SELECT count(*) FROM {}", table.name());
    if key.is_some() {
        sql.push_str(&format!(" WHERE {} = ?1", table.key_column()));
    }
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    if let Some(k) = key {
        q = q.bind(k);
    }
    q.fetch_one(pool)
        .await
        .map_err(StoreError::db("counting rows"))
}
