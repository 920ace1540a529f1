//! `backfill_gaps`, SQLite flavour: gaps `verify` records and gap jobs settle.

use sqlx::sqlite::SqlitePool;

use crate::domain::{Gap, GapScope, Pipeline};
use crate::store::error::StoreError;
use crate::store::gaps_common::{LIST_SQL, gap_from_row, settled_state_sql};

pub(super) async fn record(
    write: &SqlitePool,
    scopes: &[GapScope],
    gaps: &[Gap],
    now_ms: i64,
) -> Result<(), StoreError> {
    let err = || StoreError::db("recording gaps");
    let mut tx = write.begin_with("BEGIN IMMEDIATE").await.map_err(err())?;
    for s in scopes {
        sqlx::query(
            "DELETE FROM backfill_gaps WHERE pipeline = ?1 AND instrument = ?2 \
             AND state IN ('open', 'fixed') AND gap_start >= ?3 AND gap_end <= ?4",
        )
        .bind(s.pipeline.as_str())
        .bind(&s.instrument)
        .bind(s.range.start)
        .bind(s.range.end)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    }
    for g in gaps {
        sqlx::query(
            "INSERT INTO backfill_gaps (pipeline, instrument, gap_start, gap_end, kind, state, \
             found_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
             ON CONFLICT (pipeline, instrument, gap_start) DO UPDATE SET \
             gap_end = excluded.gap_end, kind = excluded.kind, state = excluded.state, \
             updated_at = excluded.updated_at",
        )
        .bind(g.pipeline.as_str())
        .bind(&g.instrument)
        .bind(g.range.start)
        .bind(g.range.end)
        .bind(g.kind.as_str())
        .bind(g.state.as_str())
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    }
    tx.commit().await.map_err(err())?;
    Ok(())
}

pub(super) async fn list(pool: &SqlitePool) -> Result<Vec<Gap>, StoreError> {
    let rows = sqlx::query(LIST_SQL)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading gaps"))?;
    rows.iter().map(|r| gap_from_row(r, |ms: i64| ms)).collect()
}

pub(super) async fn settle(
    write: &SqlitePool,
    pipeline: Pipeline,
    instrument: &str,
    up_to: i64,
    now_ms: i64,
) -> Result<(u64, u64), StoreError> {
    let err = || StoreError::db("settling gaps");
    let state = settled_state_sql(pipeline);
    let states: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "UPDATE backfill_gaps SET state = {state}, updated_at = ?4 \
         WHERE pipeline = ?1 AND instrument = ?2 AND state = 'open' AND gap_end <= ?3 \
         RETURNING state"
    )))
    .bind(pipeline.as_str())
    .bind(instrument)
    .bind(up_to)
    .bind(now_ms)
    .fetch_all(write)
    .await
    .map_err(err())?;
    let fixed = states.iter().filter(|s| *s == "fixed").count() as u64;
    Ok((fixed, states.len() as u64 - fixed))
}
