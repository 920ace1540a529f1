//! `futures_basis_spread`, SQLite flavour: a table rebuilt per future from the closes of the
//! future and its perpetual, with the same float arithmetic as `BasisPoint::compute`.
//! The rebuild is an idempotent upsert (unchanged rows are not rewritten) plus a delete of
//! rows whose candles vanished, so refreshing twice writes nothing the second time.

use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use crate::domain::{BasisPoint, TimeRange};
use crate::store::basis_common::{future_legs, live_futures};
use crate::store::error::StoreError;
use crate::store::types::BasisRefresh;

pub(super) async fn refresh(
    write: &SqlitePool,
    futures: Option<&[String]>,
) -> Result<BasisRefresh, StoreError> {
    let names: Vec<String> = match futures {
        Some(list) => list.to_vec(),
        None => sqlx::query_scalar(
            "SELECT instrument FROM row_counts WHERE table_name = 'futures_ohlcv' AND rows > 0 \
             ORDER BY instrument",
        )
        .fetch_all(write)
        .await
        .map_err(StoreError::db("listing futures"))?,
    };
    // Validate every name before writing anything.
    let legs = names
        .iter()
        .map(|n| future_legs(n).map(|(perp, exp)| (n.as_str(), perp, exp)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = BasisRefresh::default();
    for (future, perp, expiry) in legs {
        let mut tx = write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::db("refreshing the basis"))?;
        sqlx::query(
            "INSERT INTO futures_basis_spread (instrument, timestamp, futures_price, \
             perpetual_price, basis_spread, basis_spread_pct, days_to_expiry) \
             SELECT f.instrument, f.timestamp, f.close, p.close, f.close - p.close, \
                    (f.close - p.close) / p.close * 100.0, (?3 - f.timestamp) / 86400000.0 \
             FROM futures_ohlcv f JOIN perpetuals_ohlcv p \
               ON p.instrument = ?2 AND p.timestamp = f.timestamp \
             WHERE f.instrument = ?1 \
             ON CONFLICT (instrument, timestamp) DO UPDATE SET \
               futures_price = excluded.futures_price, perpetual_price = excluded.perpetual_price, \
               basis_spread = excluded.basis_spread, basis_spread_pct = excluded.basis_spread_pct, \
               days_to_expiry = excluded.days_to_expiry \
             WHERE (futures_price, perpetual_price, days_to_expiry) \
                   IS NOT (excluded.futures_price, excluded.perpetual_price, excluded.days_to_expiry)",
        )
        .bind(future)
        .bind(&perp)
        .bind(expiry)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("refreshing the basis"))?;
        sqlx::query(
            "DELETE FROM futures_basis_spread WHERE instrument = ?1 AND NOT EXISTS ( \
               SELECT 1 FROM futures_ohlcv f JOIN perpetuals_ohlcv p \
                 ON p.instrument = ?2 AND p.timestamp = f.timestamp \
               WHERE f.instrument = ?1 AND f.timestamp = futures_basis_spread.timestamp)",
        )
        .bind(future)
        .bind(&perp)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("refreshing the basis"))?;
        let rows: i64 =
            sqlx::query_scalar("SELECT count(*) FROM futures_basis_spread WHERE instrument = ?1")
                .bind(future)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::db("refreshing the basis"))?;
        sqlx::query(
            "INSERT INTO row_counts (table_name, instrument, rows, updated) \
             VALUES ('futures_basis_spread', ?1, ?2, 0) \
             ON CONFLICT (table_name, instrument) DO UPDATE SET rows = excluded.rows \
             WHERE rows IS NOT excluded.rows",
        )
        .bind(future)
        .bind(rows)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("refreshing the basis"))?;
        tx.commit()
            .await
            .map_err(StoreError::db("refreshing the basis"))?;
        out.futures += 1;
        out.rows += rows as u64;
    }
    Ok(out)
}

fn point(r: &SqliteRow) -> Result<BasisPoint, StoreError> {
    let bad = |e: sqlx::Error| StoreError::Corrupt {
        table: "futures_basis_spread",
        reason: e.to_string(),
    };
    Ok(BasisPoint {
        ts: r.try_get("timestamp").map_err(bad)?,
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
    read: &SqlitePool,
    future: &str,
    range: Option<TimeRange>,
) -> Result<Vec<BasisPoint>, StoreError> {
    let (lo, hi) = range.map_or((i64::MIN, i64::MAX), |r| (r.start, r.end));
    let sql = format!(
        "SELECT {COLUMNS} FROM futures_basis_spread \
         WHERE instrument = ?1 AND timestamp >= ?2 AND timestamp < ?3 ORDER BY timestamp"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(future)
        .bind(lo)
        .bind(hi)
        .fetch_all(read)
        .await
        .map_err(StoreError::db("reading the basis"))?;
    rows.iter().map(point).collect()
}

pub(super) async fn latest(
    read: &SqlitePool,
    now_ms: i64,
) -> Result<Vec<(String, BasisPoint)>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT instrument FROM row_counts WHERE table_name = 'futures_basis_spread' AND rows > 0",
    )
    .fetch_all(read)
    .await
    .map_err(StoreError::db("reading the basis"))?;
    let sql = format!(
        "SELECT {COLUMNS} FROM futures_basis_spread WHERE instrument = ?1 \
         ORDER BY timestamp DESC LIMIT 1"
    );
    let mut out = Vec::new();
    for (name, _) in live_futures(names, now_ms) {
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&name)
            .fetch_optional(read)
            .await
            .map_err(StoreError::db("reading the basis"))?;
        if let Some(r) = row {
            out.push((name, point(&r)?));
        }
    }
    Ok(out)
}
