//! `backfill_gaps`, PostgreSQL flavour: gaps `verify` records and gap jobs settle.

use sqlx::postgres::PgPool;

use super::time::{to_ms, to_ts};
use crate::domain::{Gap, GapScope, Pipeline};
use crate::store::error::StoreError;
use crate::store::gaps_common::{LIST_SQL, gap_from_row, settled_state_sql};

const T: &str = "backfill_gaps";

pub(super) async fn record(
    pool: &PgPool,
    scopes: &[GapScope],
    gaps: &[Gap],
    now_ms: i64,
) -> Result<(), StoreError> {
    let err = || StoreError::db("recording gaps");
    let now = to_ts(T, now_ms)?;
    let mut tx = pool.begin().await.map_err(err())?;
    for s in scopes {
        let (lo, hi) = super::read::bounds(T, s.range)?;
        sqlx::query(
            "DELETE FROM backfill_gaps WHERE pipeline = $1 AND instrument = $2 \
             AND state IN ('open', 'fixed') AND gap_start >= $3 AND gap_end <= $4",
        )
        .bind(s.pipeline.as_str())
        .bind(&s.instrument)
        .bind(lo)
        .bind(hi)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    }
    for g in gaps {
        sqlx::query(
            "INSERT INTO backfill_gaps (pipeline, instrument, gap_start, gap_end, kind, state, \
             found_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (pipeline, instrument, gap_start) DO UPDATE SET \
             gap_end = EXCLUDED.gap_end, kind = EXCLUDED.kind, state = EXCLUDED.state, \
             updated_at = EXCLUDED.updated_at",
        )
        .bind(g.pipeline.as_str())
        .bind(&g.instrument)
        .bind(to_ts(T, g.range.start)?)
        .bind(to_ts(T, g.range.end)?)
        .bind(g.kind.as_str())
        .bind(g.state.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    }
    tx.commit().await.map_err(err())?;
    Ok(())
}

pub(super) async fn list(pool: &PgPool) -> Result<Vec<Gap>, StoreError> {
    let rows = sqlx::query(LIST_SQL)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading gaps"))?;
    rows.iter().map(|r| gap_from_row(r, to_ms)).collect()
}

pub(super) async fn settle(
    pool: &PgPool,
    pipeline: Pipeline,
    instrument: &str,
    up_to: i64,
    now_ms: i64,
) -> Result<(u64, u64), StoreError> {
    let err = || StoreError::db("settling gaps");
    let state = settled_state_sql(pipeline);
    let up_to = to_ts(
        T,
        up_to.clamp(crate::store::batch::MIN_TS, crate::store::batch::MAX_TS),
    )?;
    let states: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "UPDATE backfill_gaps SET state = {state}, updated_at = $4 \
         WHERE pipeline = $1 AND instrument = $2 AND state = 'open' AND gap_end <= $3 \
         RETURNING state"
    )))
    .bind(pipeline.as_str())
    .bind(instrument)
    .bind(up_to)
    .bind(to_ts(T, now_ms)?)
    .fetch_all(pool)
    .await
    .map_err(err())?;
    let fixed = states.iter().filter(|s| *s == "fixed").count() as u64;
    Ok((fixed, states.len() as u64 - fixed))
}
