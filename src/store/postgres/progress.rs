//! Checkpoints (`backfill_progress`), PostgreSQL flavour.

use chrono::{DateTime, Utc};
use sqlx::Postgres;
use sqlx::Row;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};

use super::time::{to_ms, to_ts};
use crate::domain::{Checkpoint, JobKey, TimeRange};
use crate::store::error::StoreError;

const COLUMNS: &str = "pipeline, instrument, range_start, range_end, cursor, state, rows, \
                       requests, retries, last_error, updated_at, data_start";

/// Inserts or replaces a checkpoint; its 12 parameters start at `$first` (bound by [`bind`]).
pub(crate) fn save_sql(first: usize) -> String {
    let p: Vec<String> = (first..first + 12).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO backfill_progress (pipeline, instrument, range_start, range_end, cursor, \
         state, rows, requests, retries, last_error, updated_at, data_start) VALUES ({}) \
         ON CONFLICT (pipeline, instrument) DO UPDATE SET range_start = EXCLUDED.range_start, \
         range_end = EXCLUDED.range_end, cursor = EXCLUDED.cursor, state = EXCLUDED.state, \
         rows = EXCLUDED.rows, requests = EXCLUDED.requests, retries = EXCLUDED.retries, \
         last_error = EXCLUDED.last_error, updated_at = EXCLUDED.updated_at, \
         data_start = COALESCE(EXCLUDED.data_start, backfill_progress.data_start)",
        p.join(", ")
    )
}

/// Binds a checkpoint's 12 fields, in [`save_sql`] order, after whatever `q` already has.
pub(crate) fn bind<'q>(
    q: sqlx::query::Query<'q, Postgres, PgArguments>,
    cp: &'q Checkpoint,
) -> Result<sqlx::query::Query<'q, Postgres, PgArguments>, StoreError> {
    const W: &str = "backfill_progress";
    Ok(q.bind(cp.key.pipeline.as_str())
        .bind(cp.key.instrument.as_str())
        .bind(to_ts(W, cp.range.start)?)
        .bind(to_ts(W, cp.range.end)?)
        .bind(to_ts(W, cp.cursor)?)
        .bind(cp.state.as_str())
        .bind(cp.rows)
        .bind(cp.requests)
        .bind(cp.retries)
        .bind(cp.last_error.as_deref())
        .bind(to_ts(W, cp.updated_at)?)
        .bind(cp.data_start.map(|t| to_ts(W, t)).transpose()?))
}

/// Inserts or replaces a checkpoint on the given connection (inside the caller's transaction).
pub(crate) async fn save(conn: &mut PgConnection, cp: &Checkpoint) -> Result<(), StoreError> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| save_sql(1));
    bind(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), cp)?
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

fn from_row(row: &PgRow) -> Result<Checkpoint, StoreError> {
    let get = |e: sqlx::Error| corrupt(e.to_string());
    let pipeline: String = row.try_get("pipeline").map_err(get)?;
    let state: String = row.try_get("state").map_err(get)?;
    let ts = |name: &str| -> Result<i64, StoreError> {
        Ok(to_ms(row.try_get::<DateTime<Utc>, _>(name).map_err(get)?))
    };
    Ok(Checkpoint {
        key: JobKey::new(
            pipeline.parse().map_err(corrupt)?,
            row.try_get::<String, _>("instrument").map_err(get)?,
        ),
        range: TimeRange::new(ts("range_start")?, ts("range_end")?)
            .map_err(|e| corrupt(e.to_string()))?,
        cursor: ts("cursor")?,
        state: state.parse().map_err(corrupt)?,
        rows: row.try_get("rows").map_err(get)?,
        requests: row.try_get("requests").map_err(get)?,
        retries: row.try_get("retries").map_err(get)?,
        last_error: row.try_get("last_error").map_err(get)?,
        updated_at: ts("updated_at")?,
        data_start: row
            .try_get::<Option<DateTime<Utc>>, _>("data_start")
            .map_err(get)?
            .map(to_ms),
    })
}

pub(super) async fn load(pool: &PgPool, key: &JobKey) -> Result<Option<Checkpoint>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM backfill_progress WHERE pipeline = $1 AND instrument = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key.pipeline.as_str())
        .bind(key.instrument.as_str())
        .fetch_optional(pool)
        .await
        .map_err(StoreError::db("reading a checkpoint"))?;
    row.as_ref().map(from_row).transpose()
}

pub(super) async fn load_all(pool: &PgPool) -> Result<Vec<Checkpoint>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM backfill_progress ORDER BY pipeline, instrument");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading checkpoints"))?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn delete(pool: &PgPool, keys: &[JobKey]) -> Result<u64, StoreError> {
    let pipelines: Vec<&str> = keys.iter().map(|k| k.pipeline.as_str()).collect();
    let instruments: Vec<&str> = keys.iter().map(|k| k.instrument.as_str()).collect();
    let n = sqlx::query(
        "DELETE FROM backfill_progress b USING unnest($1::text[], $2::text[]) AS k(p, i) \
         WHERE b.pipeline = k.p AND b.instrument = k.i",
    )
    .bind(pipelines)
    .bind(instruments)
    .execute(pool)
    .await
    .map_err(StoreError::db("deleting checkpoints"))?
    .rows_affected();
    Ok(n)
}
