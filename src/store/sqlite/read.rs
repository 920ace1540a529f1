//! Reading rows back, SQLite flavour: one primary-key range scan each.

use sqlx::Row;
use sqlx::sqlite::SqlitePool;

use crate::domain::{Candle, FundingRate, IndexPrice, IndexSource, TimeRange};
use crate::store::error::StoreError;
use crate::store::types::CandleTable;

fn corrupt(table: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::Corrupt {
        table,
        reason: e.to_string(),
    }
}

pub(super) async fn candles(
    pool: &SqlitePool,
    table: CandleTable,
    instrument: &str,
    range: TimeRange,
) -> Result<Vec<Candle>, StoreError> {
    let name = table.name();
    let sql = format!(
        "SELECT timestamp, open, high, low, close, volume, cost FROM {name} \
         WHERE instrument = ?1 AND timestamp >= ?2 AND timestamp < ?3 ORDER BY timestamp"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(instrument)
        .bind(range.start)
        .bind(range.end)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading candles"))?;
    let bad = corrupt(name);
    rows.iter()
        .map(|r| {
            Ok(Candle {
                ts: r.try_get(0).map_err(&bad)?,
                open: r.try_get(1).map_err(&bad)?,
                high: r.try_get(2).map_err(&bad)?,
                low: r.try_get(3).map_err(&bad)?,
                close: r.try_get(4).map_err(&bad)?,
                volume: r.try_get(5).map_err(&bad)?,
                cost: r.try_get(6).map_err(&bad)?,
            })
        })
        .collect()
}

pub(super) async fn funding(
    pool: &SqlitePool,
    instrument: &str,
    range: TimeRange,
) -> Result<Vec<FundingRate>, StoreError> {
    let rows = sqlx::query(
        "SELECT timestamp, funding_rate, interest_1h, index_price, prev_index_price \
         FROM funding_rates WHERE instrument = ?1 AND timestamp >= ?2 AND timestamp < ?3 \
         ORDER BY timestamp",
    )
    .bind(instrument)
    .bind(range.start)
    .bind(range.end)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading funding rates"))?;
    let bad = corrupt("funding_rates");
    rows.iter()
        .map(|r| {
            Ok(FundingRate {
                ts: r.try_get(0).map_err(&bad)?,
                interest_8h: r.try_get(1).map_err(&bad)?,
                interest_1h: r.try_get(2).map_err(&bad)?,
                index_price: r.try_get(3).map_err(&bad)?,
                prev_index_price: r.try_get(4).map_err(&bad)?,
            })
        })
        .collect()
}

pub(super) async fn index_prices(
    pool: &SqlitePool,
    currency: &str,
    range: TimeRange,
) -> Result<Vec<IndexPrice>, StoreError> {
    let rows = sqlx::query(
        "SELECT timestamp, price, source FROM index_prices \
         WHERE currency = ?1 AND timestamp >= ?2 AND timestamp < ?3 ORDER BY timestamp",
    )
    .bind(currency)
    .bind(range.start)
    .bind(range.end)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading index prices"))?;
    let bad = corrupt("index_prices");
    rows.iter()
        .map(|r| {
            let source: String = r.try_get(2).map_err(&bad)?;
            Ok(IndexPrice {
                ts: r.try_get(0).map_err(&bad)?,
                price: r.try_get(1).map_err(&bad)?,
                source: IndexSource::parse(&source).ok_or_else(|| StoreError::Corrupt {
                    table: "index_prices",
                    reason: format!("unknown source {source:?}"),
                })?,
            })
        })
        .collect()
}
