//! `futures_basis_spread`, PostgreSQL flavour: a materialized view (see the migration) with a
//! unique index, refreshed `CONCURRENTLY` so dashboard readers are never blocked. The
//! per-future row counts in `row_counts` are recomputed after each refresh (the refresh
//! itself reads both candle tables in full, so this adds little).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use super::read::bounds;
use super::time::to_ms;
use crate::domain::{BasisPoint, TimeRange};
use crate::store::basis_common::{future_legs, live_futures};
use crate::store::error::StoreError;
use crate::store::types::BasisRefresh;

pub(super) async fn refresh(
    pool: &PgPool,
    futures: Option<&[String]>,
) -> Result<BasisRefresh, StoreError> {
    // Validate the names even though the view is refreshed as a whole.
    for f in futures.unwrap_or_default() {
        future_legs(f)?;
    }
    let populated: bool = sqlx::query_scalar(
        "SELECT ispopulated FROM pg_matviews \
         WHERE schemaname = current_schema() AND matviewname = 'futures_basis_spread'",
    )
    .fetch_one(pool)
    .await
    .map_err(StoreError::db("refreshing the basis"))?;
    let mut tx = pool
        .begin()
        .await
        .map_err(StoreError::db("refreshing the basis"))?;
    let sql = if populated {
        "REFRESH MATERIALIZED VIEW CONCURRENTLY futures_basis_spread"
    } else {
        "REFRESH MATERIALIZED VIEW futures_basis_spread"
    };
    sqlx::query(sql)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("refreshing the basis"))?;
    sqlx::query("DELETE FROM row_counts WHERE table_name = 'futures_basis_spread'")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("refreshing the basis"))?;
    let (futures, rows): (i64, i64) = sqlx::query_as(
        "WITH ins AS ( \
           INSERT INTO row_counts (table_name, instrument, rows, updated) \
           SELECT 'futures_basis_spread', instrument, count(*), 0 \
           FROM futures_basis_spread GROUP BY instrument RETURNING rows) \
         SELECT count(*), coalesce(sum(rows), 0)::bigint FROM ins",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(StoreError::db("refreshing the basis"))?;
    tx.commit()
        .await
        .map_err(StoreError::db("refreshing the basis"))?;
    Ok(BasisRefresh {
        futures: futures as u64,
        rows: rows as u64,
    })
}

fn point(r: &PgRow) -> Result<BasisPoint, StoreError> {
    let bad = |e: sqlx::Error| StoreError::Corrupt {
        table: "futures_basis_spread",
        reason: e.to_string(),
    };
    Ok(BasisPoint {
        ts: to_ms(r.try_get::<DateTime<Utc>, _>("timestamp").map_err(bad)?),
        futures_price: r.try_get("futures_price").map_err(bad)?,
        perpetual_price: r.try_get("perpetual_price").map_err(bad)?,
        basis_spread: r.try_get("basis_spread").map_err(bad)?,
        basis_spread_pct: r.try_get("basis_spread_pct").map_err(bad)?,
        days_to_expiry: r.try_get("days_to_expiry").map_err(bad)?,
    })
}

const COLUMNS: &str =
    "timestamp, futures_price, perpetual_price, basis_spread, basis_spread_pct, days_to_expiry";

pub(super) async fn history(
    pool: &PgPool,
    future: &str,
    range: Option<TimeRange>,
) -> Result<Vec<BasisPoint>, StoreError> {
    let range = range.unwrap_or(TimeRange {
        start: i64::MIN,
        end: i64::MAX,
    });
    let (lo, hi) = bounds("futures_basis_spread", range)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM futures_basis_spread \
         WHERE instrument = $1 AND timestamp >= $2 AND timestamp < $3 ORDER BY timestamp"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(future)
        .bind(lo)
        .bind(hi)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading the basis"))?;
    rows.iter().map(point).collect()
}

pub(super) async fn latest(
    pool: &PgPool,
    now_ms: i64,
) -> Result<Vec<(String, BasisPoint)>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT instrument FROM row_counts WHERE table_name = 'futures_basis_spread' AND rows > 0",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading the basis"))?;
    let live = live_futures(names, now_ms);
    let wanted: Vec<&str> = live.iter().map(|(n, _)| n.as_str()).collect();
    // One probe per future, one round trip.
    let sql = format!(
        "SELECT f.name AS instrument, b.* FROM unnest($1::text[]) AS f(name) \
         CROSS JOIN LATERAL (SELECT {COLUMNS} FROM futures_basis_spread \
           WHERE instrument = f.name ORDER BY timestamp DESC LIMIT 1) b"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&wanted)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading the basis"))?;
    let mut by_name = std::collections::HashMap::new();
    for r in &rows {
        let name: String = r
            .try_get("instrument")
            .map_err(StoreError::db("reading the basis"))?;
        by_name.insert(name, point(r)?);
    }
    Ok(live
        .into_iter()
        .filter_map(|(n, _)| by_name.remove(&n).map(|p| (n, p)))
        .collect())
}
