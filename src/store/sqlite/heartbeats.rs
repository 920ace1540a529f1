//! Collector heartbeats (`collector_heartbeats`), SQLite flavour.

use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use crate::domain::Heartbeat;
use crate::store::error::StoreError;

/// Inserts or replaces one collector's heartbeat.
pub(crate) async fn beat(pool: &SqlitePool, hb: &Heartbeat) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO collector_heartbeats (collector_id, host, pid, started_at, last_beat_at, \
         instruments, rows_written, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (collector_id) DO UPDATE SET host = excluded.host, pid = excluded.pid, \
         started_at = excluded.started_at, last_beat_at = excluded.last_beat_at, \
         instruments = excluded.instruments, rows_written = excluded.rows_written, \
         last_error = excluded.last_error",
    )
    .bind(&hb.collector_id)
    .bind(&hb.host)
    .bind(hb.pid)
    .bind(hb.started_at)
    .bind(hb.last_beat_at)
    .bind(hb.instruments.join(","))
    .bind(hb.rows_written)
    .bind(hb.last_error.as_deref())
    .execute(pool)
    .await
    .map_err(StoreError::db("writing a collector heartbeat"))?;
    Ok(())
}

fn from_row(row: &SqliteRow) -> Result<Heartbeat, StoreError> {
    let get = |e: sqlx::Error| StoreError::Corrupt {
        table: "collector_heartbeats",
        reason: e.to_string(),
    };
    let instruments: String = row.try_get("instruments").map_err(get)?;
    Ok(Heartbeat {
        collector_id: row.try_get("collector_id").map_err(get)?,
        host: row.try_get("host").map_err(get)?,
        pid: row.try_get("pid").map_err(get)?,
        started_at: row.try_get("started_at").map_err(get)?,
        last_beat_at: row.try_get("last_beat_at").map_err(get)?,
        instruments: crate::store::split_instruments(&instruments),
        rows_written: row.try_get("rows_written").map_err(get)?,
        last_error: row.try_get("last_error").map_err(get)?,
    })
}

/// Every heartbeat, by collector id.
pub(crate) async fn list(pool: &SqlitePool) -> Result<Vec<Heartbeat>, StoreError> {
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
pub(crate) async fn forget(pool: &SqlitePool, collector_id: &str) -> Result<bool, StoreError> {
    let r = sqlx::query("DELETE FROM collector_heartbeats WHERE collector_id = ?")
        .bind(collector_id)
        .execute(pool)
        .await
        .map_err(StoreError::db("deleting a collector heartbeat"))?;
    Ok(r.rows_affected() > 0)
}
