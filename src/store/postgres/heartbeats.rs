//! Collector heartbeats (`collector_heartbeats`), PostgreSQL flavour.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use super::time::{to_ms, to_ts};
use crate::domain::Heartbeat;
use crate::store::error::StoreError;

const T: &str = "collector_heartbeats";

/// Inserts or replaces one collector's heartbeat.
pub(crate) async fn beat(pool: &PgPool, hb: &Heartbeat) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO collector_heartbeats (collector_id, host, pid, started_at, last_beat_at, \
         instruments, rows_written, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (collector_id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, \
         started_at = EXCLUDED.started_at, last_beat_at = EXCLUDED.last_beat_at, \
         instruments = EXCLUDED.instruments, rows_written = EXCLUDED.rows_written, \
         last_error = EXCLUDED.last_error",
    )
    .bind(&hb.collector_id)
    .bind(&hb.host)
    .bind(hb.pid as i32)
    .bind(to_ts(T, hb.started_at)?)
    .bind(to_ts(T, hb.last_beat_at)?)
    .bind(hb.instruments.join(","))
    .bind(hb.rows_written)
    .bind(hb.last_error.as_deref())
    .execute(pool)
    .await
    .map_err(StoreError::db("writing a collector heartbeat"))?;
    Ok(())
}

fn from_row(row: &PgRow) -> Result<Heartbeat, StoreError> {
    let get = |e: sqlx::Error| StoreError::Corrupt {
        table: T,
        reason: e.to_string(),
    };
    let instruments: String = row.try_get("instruments").map_err(get)?;
    Ok(Heartbeat {
        collector_id: row.try_get("collector_id").map_err(get)?,
        host: row.try_get("host").map_err(get)?,
        pid: row.try_get::<i32, _>("pid").map_err(get)? as i64,
        started_at: to_ms(row.try_get::<DateTime<Utc>, _>("started_at").map_err(get)?),
        last_beat_at: to_ms(
            row.try_get::<DateTime<Utc>, _>("last_beat_at")
                .map_err(get)?,
        ),
        instruments: crate::store::split_instruments(&instruments),
        rows_written: row.try_get("rows_written").map_err(get)?,
        last_error: row.try_get("last_error").map_err(get)?,
    })
}

/// Every heartbeat, by collector id.
pub(crate) async fn list(pool: &PgPool) -> Result<Vec<Heartbeat>, StoreError> {
    let rows = sqlx::query(
        "SELECT collector_id, host, pid, started_at, last_beat_at, instruments, rows_written, \
         last_error FROM collector_heartbeats ORDER BY collector_id",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading collector heartbeats"))?;
    rows.iter().map(from_row).collect()
}

/// Removes one collector's heartbeat; returns whether it existed.
pub(crate) async fn forget(pool: &PgPool, collector_id: &str) -> Result<bool, StoreError> {
    let r = sqlx::query("DELETE FROM collector_heartbeats WHERE collector_id = $1")
        .bind(collector_id)
        .execute(pool)
        .await
        .map_err(StoreError::db("deleting a collector heartbeat"))?;
    Ok(r.rows_affected() > 0)
}
