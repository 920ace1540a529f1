//! Checkpoints (`backfill_progress`), SQLite flavour.

use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};

use crate::domain::{Checkpoint, JobKey, TimeRange};
use crate::store::error::StoreError;

const COLUMNS: &str = "pipeline, instrument, range_start, range_end, cursor, state, rows, \
                       requests, retries, last_error, updated_at, data_start";

/// Inserts or replaces a checkpoint on the given connection (inside the caller's transaction).
pub(crate) async fn save(conn: &mut SqliteConnection, cp: &Checkpoint) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO backfill_progress (pipeline, instrument, range_start, range_end, cursor, \
         state, rows, requests, retries, last_error, updated_at, data_start) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT (pipeline, instrument) DO UPDATE SET range_start = excluded.range_start, \
         range_end = excluded.range_end, cursor = excluded.cursor, state = excluded.state, \
         rows = excluded.rows, requests = excluded.requests, retries = excluded.retries, \
         last_error = excluded.last_error, updated_at = excluded.updated_at, \
         data_start = COALESCE(excluded.data_start, backfill_progress.data_start)",
    )
    .bind(cp.key.pipeline.as_str())
    .bind(cp.key.instrument.as_str())
    .bind(cp.range.start)
    .bind(cp.range.end)
    .bind(cp.cursor)
    .bind(cp.state.as_str())
    .bind(cp.rows)
    .bind(cp.requests)
    .bind(cp.retries)
    .bind(cp.last_error.as_deref())
    .bind(cp.updated_at)
    .bind(cp.data_start)
    .execute(conn)
    .await
    .map_err(StoreError::db("writing a checkpoint"))?;
    Ok(())
}

fn corrupt(reason: String) -> StoreError {
    StoreError::Corrupt {
        table: "backfill_progress",
        reason,
    }
}

fn from_row(row: &SqliteRow) -> Result<Checkpoint, StoreError> {
    let get = |e: sqlx::Error| corrupt(e.to_string());
    let pipeline: String = row.try_get("pipeline").map_err(get)?;
    let state: String = row.try_get("state").map_err(get)?;
    Ok(Checkpoint {
        key: JobKey::new(
            pipeline.parse().map_err(corrupt)?,
            row.try_get::<String, _>("instrument").map_err(get)?,
        ),
        range: TimeRange::new(
            row.try_get("range_start").map_err(get)?,
            row.try_get("range_end").map_err(get)?,
        )
        .map_err(|e| corrupt(e.to_string()))?,
        cursor: row.try_get("cursor").map_err(get)?,
        state: state.parse().map_err(corrupt)?,
        rows: row.try_get("rows").map_err(get)?,
        requests: row.try_get("requests").map_err(get)?,
        retries: row.try_get("retries").map_err(get)?,
        last_error: row.try_get("last_error").map_err(get)?,
        updated_at: row.try_get("updated_at").map_err(get)?,
        data_start: row.try_get("data_start").map_err(get)?,
    })
}

pub(super) async fn load(
    pool: &SqlitePool,
    key: &JobKey,
) -> Result<Option<Checkpoint>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM backfill_progress WHERE pipeline = ?1 AND instrument = ?2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key.pipeline.as_str())
        .bind(key.instrument.as_str())
        .fetch_optional(pool)
        .await
        .map_err(StoreError::db("reading a checkpoint"))?;
    row.as_ref().map(from_row).transpose()
}

pub(super) async fn load_all(pool: &SqlitePool) -> Result<Vec<Checkpoint>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM backfill_progress ORDER BY pipeline, instrument");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading checkpoints"))?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn delete(pool: &SqlitePool, keys: &[JobKey]) -> Result<u64, StoreError> {
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(StoreError::db("deleting checkpoints"))?;
    let mut n = 0;
    for key in keys {
        n += sqlx::query("DELETE FROM backfill_progress WHERE pipeline = ?1 AND instrument = ?2")
            .bind(key.pipeline.as_str())
            .bind(key.instrument.as_str())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::db("deleting checkpoints"))?
            .rows_affected();
    }
    tx.commit()
        .await
        .map_err(StoreError::db("deleting checkpoints"))?;
    Ok(n)
}
