//! Verification queries, SQLite flavour (see `store::audit`). Gaps come from `lag()` over the
//! primary key's order: SQLite walks one instrument's B-tree range once, without sorting, and
//! returns only the rows after a hole.

use futures::TryStreamExt;
use sqlx::Row;
use sqlx::sqlite::SqlitePool;

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

pub(super) async fn series(pool: &SqlitePool, q: &SeriesQuery) -> Result<SeriesAudit, StoreError> {
    let err = StoreError::db("auditing a series");
    let (t, k) = (q.table.name(), q.table.key_column());
    let g = q.grid;
    let grid = format!("(timestamp - {}) % {} = 0", g.offset, g.step);
    let filter = source_filter(q);
    let quarantined: i64 = match quarantine_table(q.table) {
        Some(qt) => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM quarantined_candles WHERE table_name = '{qt}' \
             AND instrument = ?1 AND timestamp >= ?2 AND timestamp < ?3 AND {grid}"
        )))
        .bind(&q.key)
        .bind(g.range.start)
        .bind(g.range.end)
        .fetch_one(pool)
        .await
        .map_err(StoreError::db("auditing a series"))?,
        None => 0,
    };
    let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {t} WHERE {k} = ?1 AND timestamp >= ?2 AND timestamp < ?3 \
         AND {grid}{filter}"
    )))
    .bind(&q.key)
    .bind(g.range.start)
    .bind(g.range.end)
    .fetch_one(pool)
    .await
    .map_err(StoreError::db("auditing a series"))?;
    // The present timestamps: the table's, plus quarantined candles' when there are any (the
    // union costs a sort, so only then).
    let present = if quarantined > 0 {
        let qt = quarantine_table(q.table).unwrap_or_default();
        format!(
            "SELECT timestamp FROM {t} WHERE {k} = ?1 AND timestamp >= ?2 AND timestamp < ?3 \
             AND {grid}{filter} \
             UNION SELECT timestamp FROM quarantined_candles WHERE table_name = '{qt}' \
             AND instrument = ?1 AND timestamp >= ?2 AND timestamp < ?3 AND {grid}"
        )
    } else {
        format!(
            "SELECT timestamp FROM {t} WHERE {k} = ?1 AND timestamp >= ?2 AND timestamp < ?3 \
             AND {grid}{filter}"
        )
    };
    let sql = format!(
        "SELECT prev, ts FROM (SELECT timestamp AS ts, lag(timestamp) OVER (ORDER BY timestamp) \
         AS prev FROM ({present})) WHERE prev IS NULL OR ts - prev > ?4"
    );
    let mut pairs: Vec<(Option<i64>, Option<i64>)> =
        sqlx::query_as::<_, (Option<i64>, i64)>(sqlx::AssertSqlSafe(sql))
            .bind(&q.key)
            .bind(g.range.start)
            .bind(g.range.end)
            .bind(g.step)
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("auditing a series"))?
            .into_iter()
            .map(|(p, t)| (p, Some(t)))
            .collect();
    let last: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        // The newest present point: a backward index probe that stops at the first match.
        "SELECT timestamp FROM ({present}) ORDER BY timestamp DESC LIMIT 1"
    )))
    .bind(&q.key)
    .bind(g.range.start)
    .bind(g.range.end)
    .fetch_optional(pool)
    .await
    .map_err(err)?;
    pairs.push((last, None));
    Ok(SeriesAudit {
        rows,
        quarantined,
        gaps: g.gaps_from(&pairs),
    })
}

fn candle(r: &sqlx::sqlite::SqliteRow) -> Result<Candle, sqlx::Error> {
    Ok(Candle {
        ts: r.try_get("timestamp")?,
        open: r.try_get("open")?,
        high: r.try_get("high")?,
        low: r.try_get("low")?,
        close: r.try_get("close")?,
        volume: r.try_get("volume")?,
        cost: r.try_get("cost")?,
    })
}

pub(super) async fn quality(
    pool: &SqlitePool,
    table: CandleTable,
    instrument: &str,
    range: TimeRange,
) -> Result<CandleQuality, StoreError> {
    let t = table.name();
    let (rows, fillers, off_grid, violations): (i64, i64, i64, i64) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT count(*), coalesce(sum({FILLER_SQL}), 0), \
             coalesce(sum(timestamp % {MINUTE_MS} != 0), 0), \
             coalesce(sum(NOT {SANE_CANDLE_SQL}), 0) \
             FROM {t} WHERE instrument = ?1 AND timestamp >= ?2 AND timestamp < ?3"
        )))
        .bind(instrument)
        .bind(range.start)
        .bind(range.end)
        .fetch_one(pool)
        .await
        .map_err(StoreError::db("checking candles"))?;
    let mut violators = Vec::new();
    if violations > 0 {
        let found = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT timestamp, open, high, low, close, volume, cost FROM {t} \
             WHERE instrument = ?1 AND timestamp >= ?2 AND timestamp < ?3 \
             AND NOT {SANE_CANDLE_SQL} ORDER BY timestamp LIMIT {MAX_VIOLATORS}"
        )))
        .bind(instrument)
        .bind(range.start)
        .bind(range.end)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("checking candles"))?;
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

pub(super) async fn basis(pool: &SqlitePool, future: &str) -> Result<BasisAudit, StoreError> {
    let (perp, _) = future_legs(future)?;
    let err = || StoreError::db("auditing the basis");
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM futures_ohlcv f JOIN perpetuals_ohlcv p \
         ON p.instrument = ?2 AND p.timestamp = f.timestamp WHERE f.instrument = ?1",
    )
    .bind(future)
    .bind(&perp)
    .fetch_one(pool)
    .await
    .map_err(err())?;
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM futures_basis_spread WHERE instrument = ?1")
            .bind(future)
            .fetch_one(pool)
            .await
            .map_err(err())?;
    let mut missing = RangeBuilder::new(MINUTE_MS);
    {
        let mut s = sqlx::query_scalar::<_, i64>(
            "SELECT f.timestamp FROM futures_ohlcv f JOIN perpetuals_ohlcv p \
             ON p.instrument = ?2 AND p.timestamp = f.timestamp WHERE f.instrument = ?1 \
             AND NOT EXISTS (SELECT 1 FROM futures_basis_spread b \
               WHERE b.instrument = ?1 AND b.timestamp = f.timestamp) ORDER BY f.timestamp",
        )
        .bind(future)
        .bind(&perp)
        .fetch(pool);
        while let Some(ts) = s.try_next().await.map_err(err())? {
            missing.push(ts);
        }
    }
    let mut stale = RangeBuilder::new(MINUTE_MS);
    {
        let mut s = sqlx::query_scalar::<_, i64>(
            "SELECT b.timestamp FROM futures_basis_spread b \
             LEFT JOIN futures_ohlcv f ON f.instrument = ?1 AND f.timestamp = b.timestamp \
             LEFT JOIN perpetuals_ohlcv p ON p.instrument = ?2 AND p.timestamp = b.timestamp \
             WHERE b.instrument = ?1 AND (f.timestamp IS NULL OR p.timestamp IS NULL \
               OR b.futures_price IS NOT f.close OR b.perpetual_price IS NOT p.close) \
             ORDER BY b.timestamp",
        )
        .bind(future)
        .bind(&perp)
        .fetch(pool);
        while let Some(ts) = s.try_next().await.map_err(err())? {
            stale.push(ts);
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
    write: &SqlitePool,
    table: CandleTable,
    instrument: &str,
    rows: &[(i64, String)],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let t = table.name();
    let expiry = match table {
        CandleTable::Futures => "expiry_date",
        CandleTable::Perpetuals => "NULL",
    };
    let err = || StoreError::db("quarantining candles");
    let mut tx = write.begin_with("BEGIN IMMEDIATE").await.map_err(err())?;
    let mut moved = 0u64;
    for (ts, reason) in rows {
        let copied = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO quarantined_candles (table_name, instrument, timestamp, expiry_date, \
             open, high, low, close, volume, cost, reason, quarantined_at) \
             SELECT '{t}', instrument, timestamp, {expiry}, open, high, low, close, volume, cost, \
             ?3, ?4 FROM {t} WHERE instrument = ?1 AND timestamp = ?2 \
             ON CONFLICT (table_name, instrument, timestamp) DO UPDATE SET \
             expiry_date = excluded.expiry_date, open = excluded.open, high = excluded.high, \
             low = excluded.low, close = excluded.close, volume = excluded.volume, \
             cost = excluded.cost, reason = excluded.reason, quarantined_at = excluded.quarantined_at"
        )))
        .bind(instrument)
        .bind(ts)
        .bind(reason)
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(err())?
        .rows_affected();
        if copied == 0 {
            continue;
        }
        moved += sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {t} WHERE instrument = ?1 AND timestamp = ?2"
        )))
        .bind(instrument)
        .bind(ts)
        .execute(&mut *tx)
        .await
        .map_err(err())?
        .rows_affected();
    }
    if moved > 0 {
        sqlx::query(
            "UPDATE row_counts SET rows = max(rows - ?3, 0) \
             WHERE table_name = ?1 AND instrument = ?2",
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

pub(super) async fn quarantined(pool: &SqlitePool) -> Result<Vec<QuarantinedCandle>, StoreError> {
    let rows = sqlx::query(QUARANTINE_SQL)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading the quarantine"))?;
    rows.iter()
        .map(|r| quarantined_from_row(r, |ms: i64| ms))
        .collect()
}
