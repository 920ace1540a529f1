//! Verification queries, PostgreSQL flavour (see `store::audit`). Gaps come from `lag()` over
//! the primary key's order: an index range scan per instrument, no sort, only the rows after
//! a hole leave the server.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use super::read::bounds;
use super::time::{to_ms, to_ts};
use crate::domain::gap::RangeBuilder;
use crate::domain::time::MINUTE_MS;
use crate::domain::{Candle, TimeRange};
use crate::store::audit::{
    BasisAudit, CandleQuality, FILLER_SQL, MAX_VIOLATORS, QUARANTINE_SQL, QuarantinedCandle,
    SANE_CANDLE_SQL, SeriesAudit, SeriesQuery, quarantined_from_row,
};
use crate::store::basis_common::future_legs;
use crate::store::error::StoreError;
use crate::store::types::{CandleTable, DataTable};

fn source_filter(q: &SeriesQuery) -> String {
    match &q.sources {
        Some(list) => {
            let names: Vec<String> = list.iter().map(|s| format!("'{}'", s.as_str())).collect();
            format!(" AND source IN ({})", names.join(","))
        }
        None => String::new(),
    }
}

fn quarantine_table(table: DataTable) -> Option<&'static str> {
    match table {
        DataTable::Futures | DataTable::Perpetuals => Some(table.name()),
        _ => None,
    }
}

const EPOCH_MS: &str = "(extract(epoch FROM timestamp) * 1000)::bigint";

pub(super) async fn series(pool: &PgPool, q: &SeriesQuery) -> Result<SeriesAudit, StoreError> {
    let err = || StoreError::db("auditing a series");
    let (t, k) = (q.table.name(), q.table.key_column());
    let g = q.grid;
    let (lo, hi) = bounds(t, g.range)?;
    let grid = format!("({EPOCH_MS} - {}) % {} = 0", g.offset, g.step);
    let filter = source_filter(q);
    let quarantined: i64 = match quarantine_table(q.table) {
        Some(qt) => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM quarantined_candles WHERE table_name = '{qt}' \
             AND instrument = $1 AND timestamp >= $2 AND timestamp < $3 AND {grid}"
        )))
        .bind(&q.key)
        .bind(lo)
        .bind(hi)
        .fetch_one(pool)
        .await
        .map_err(err())?,
        None => 0,
    };
    let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {t} WHERE {k} = $1 AND timestamp >= $2 AND timestamp < $3 \
         AND {grid}{filter}"
    )))
    .bind(&q.key)
    .bind(lo)
    .bind(hi)
    .fetch_one(pool)
    .await
    .map_err(err())?;
    let present = if quarantined > 0 {
        let qt = quarantine_table(q.table).unwrap_or_default();
        format!(
            "SELECT timestamp FROM {t} WHERE {k} = $1 AND timestamp >= $2 AND timestamp < $3 \
             AND {grid}{filter} \
             UNION SELECT timestamp FROM quarantined_candles WHERE table_name = '{qt}' \
             AND instrument = $1 AND timestamp >= $2 AND timestamp < $3 AND {grid}"
        )
    } else {
        format!(
            "SELECT timestamp FROM {t} WHERE {k} = $1 AND timestamp >= $2 AND timestamp < $3 \
             AND {grid}{filter}"
        )
    };
    let sql = format!(
        "SELECT prev, ts FROM (SELECT timestamp AS ts, lag(timestamp) OVER (ORDER BY timestamp) \
         AS prev FROM ({present}) p) x \
         WHERE prev IS NULL OR extract(epoch FROM ts - prev) * 1000 > $4"
    );
    let mut pairs: Vec<(Option<i64>, Option<i64>)> =
        sqlx::query_as::<_, (Option<DateTime<Utc>>, DateTime<Utc>)>(sqlx::AssertSqlSafe(sql))
            .bind(&q.key)
            .bind(lo)
            .bind(hi)
            .bind(g.step as f64)
            .fetch_all(pool)
            .await
            .map_err(err())?
            .into_iter()
            .map(|(p, t)| (p.map(to_ms), Some(to_ms(t))))
            .collect();
    let last: Option<DateTime<Utc>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        // The newest present point: a backward index probe that stops at the first match.
        "SELECT timestamp FROM ({present}) p ORDER BY timestamp DESC LIMIT 1"
    )))
    .bind(&q.key)
    .bind(lo)
    .bind(hi)
    .fetch_optional(pool)
    .await
    .map_err(err())?;
    pairs.push((last.map(to_ms), None));
    Ok(SeriesAudit {
        rows,
        quarantined,
        gaps: g.gaps_from(&pairs),
    })
}

fn candle(r: &PgRow) -> Result<Candle, sqlx::Error> {
    Ok(Candle {
        ts: to_ms(r.try_get("timestamp")?),
        open: r.try_get("open")?,
        high: r.try_get("high")?,
        low: r.try_get("low")?,
        close: r.try_get("close")?,
        volume: r.try_get("volume")?,
        cost: r.try_get("cost")?,
    })
}

pub(super) async fn quality(
    pool: &PgPool,
    table: CandleTable,
    instrument: &str,
    range: TimeRange,
) -> Result<CandleQuality, StoreError> {
    let t = table.name();
    let (lo, hi) = bounds(t, range)?;
    let err = || StoreError::db("checking candles");
    let (rows, fillers, off_grid, violations): (i64, i64, i64, i64) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT count(*), count(*) FILTER (WHERE {FILLER_SQL}), \
             count(*) FILTER (WHERE date_trunc('minute', timestamp) <> timestamp), \
             count(*) FILTER (WHERE NOT {SANE_CANDLE_SQL}) \
             FROM {t} WHERE instrument = $1 AND timestamp >= $2 AND timestamp < $3"
        )))
        .bind(instrument)
        .bind(lo)
        .bind(hi)
        .fetch_one(pool)
        .await
        .map_err(err())?;
    let mut violators = Vec::new();
    if violations > 0 {
        let found = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT timestamp, open, high, low, close, volume, cost FROM {t} \
             WHERE instrument = $1 AND timestamp >= $2 AND timestamp < $3 \
             AND NOT {SANE_CANDLE_SQL} ORDER BY timestamp LIMIT {MAX_VIOLATORS}"
        )))
        .bind(instrument)
        .bind(lo)
        .bind(hi)
        .fetch_all(pool)
        .await
        .map_err(err())?;
        for r in &found {
            violators.push(candle(r).map_err(|e| StoreError::Corrupt {
                table: t,
                reason: e.to_string(),
            })?);
        }
    }
    Ok(CandleQuality {
        rows,
        fillers,
        off_grid,
        violators,
        violations,
    })
}

pub(super) async fn basis(pool: &PgPool, future: &str) -> Result<BasisAudit, StoreError> {
    let (perp, _) = future_legs(future)?;
    let err = || StoreError::db("auditing the basis");
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM futures_ohlcv f JOIN perpetuals_ohlcv p \
         ON p.instrument = $2 AND p.timestamp = f.timestamp WHERE f.instrument = $1",
    )
    .bind(future)
    .bind(&perp)
    .fetch_one(pool)
    .await
    .map_err(err())?;
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM futures_basis_spread WHERE instrument = $1")
            .bind(future)
            .fetch_one(pool)
            .await
            .map_err(err())?;
    let mut missing = RangeBuilder::new(MINUTE_MS);
    {
        let mut s = sqlx::query_scalar::<_, DateTime<Utc>>(
            "SELECT f.timestamp FROM futures_ohlcv f JOIN perpetuals_ohlcv p \
             ON p.instrument = $2 AND p.timestamp = f.timestamp WHERE f.instrument = $1 \
             AND NOT EXISTS (SELECT 1 FROM futures_basis_spread b \
               WHERE b.instrument = $1 AND b.timestamp = f.timestamp) ORDER BY f.timestamp",
        )
        .bind(future)
        .bind(&perp)
        .fetch(pool);
        while let Some(ts) = s.try_next().await.map_err(err())? {
            missing.push(to_ms(ts));
        }
    }
    let mut stale = RangeBuilder::new(MINUTE_MS);
    {
        let mut s = sqlx::query_scalar::<_, DateTime<Utc>>(
            "SELECT b.timestamp FROM futures_basis_spread b \
             LEFT JOIN futures_ohlcv f ON f.instrument = $1 AND f.timestamp = b.timestamp \
             LEFT JOIN perpetuals_ohlcv p ON p.instrument = $2 AND p.timestamp = b.timestamp \
             WHERE b.instrument = $1 AND (f.timestamp IS NULL OR p.timestamp IS NULL \
               OR b.futures_price IS DISTINCT FROM f.close \
               OR b.perpetual_price IS DISTINCT FROM p.close) \
             ORDER BY b.timestamp",
        )
        .bind(future)
        .bind(&perp)
        .fetch(pool);
        while let Some(ts) = s.try_next().await.map_err(err())? {
            stale.push(to_ms(ts));
        }
    }
    let (missing, missing_count) = missing.finish();
    let (stale, stale_count) = stale.finish();
    Ok(BasisAudit {
        expected,
        rows,
        missing,
        missing_count,
        stale,
        stale_count,
    })
}

pub(super) async fn quarantine(
    pool: &PgPool,
    table: CandleTable,
    instrument: &str,
    rows: &[(i64, String)],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let t = table.name();
    let expiry = match table {
        CandleTable::Futures => "expiry_date",
        CandleTable::Perpetuals => "NULL::date",
    };
    let err = || StoreError::db("quarantining candles");
    let now = to_ts("quarantined_candles", now_ms)?;
    let mut tx = pool.begin().await.map_err(err())?;
    let mut moved = 0u64;
    for (ts, reason) in rows {
        let ts = to_ts(t, *ts)?;
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "WITH moved AS (DELETE FROM {t} WHERE instrument = $1 AND timestamp = $2 \
               RETURNING instrument, timestamp, {expiry} AS expiry_date, open, high, low, close, \
               volume, cost), \
             ins AS (INSERT INTO quarantined_candles (table_name, instrument, timestamp, \
               expiry_date, open, high, low, close, volume, cost, reason, quarantined_at) \
               SELECT '{t}', instrument, timestamp, expiry_date, open, high, low, close, volume, \
               cost, $3, $4 FROM moved \
               ON CONFLICT (table_name, instrument, timestamp) DO UPDATE SET \
               expiry_date = EXCLUDED.expiry_date, open = EXCLUDED.open, high = EXCLUDED.high, \
               low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, \
               cost = EXCLUDED.cost, reason = EXCLUDED.reason, \
               quarantined_at = EXCLUDED.quarantined_at RETURNING 1) \
             SELECT count(*) FROM ins"
        )))
        .bind(instrument)
        .bind(ts)
        .bind(reason)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(err())?;
        moved += n as u64;
    }
    if moved > 0 {
        sqlx::query(
            "UPDATE row_counts SET rows = greatest(rows - $3, 0) \
             WHERE table_name = $1 AND instrument = $2",
        )
        .bind(t)
        .bind(instrument)
        .bind(moved as i64)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    }
    tx.commit().await.map_err(err())?;
    Ok(moved)
}

pub(super) async fn quarantined(pool: &PgPool) -> Result<Vec<QuarantinedCandle>, StoreError> {
    let rows = sqlx::query(QUARANTINE_SQL)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading the quarantine"))?;
    rows.iter()
        .map(|r| quarantined_from_row(r, to_ms))
        .collect()
}
