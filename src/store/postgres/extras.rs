//! Delivery prices and quarantined funding rows, PostgreSQL flavour (small tables, row by row
//! in one transaction).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgPool;

use super::time::{to_ms, to_ts};
use crate::domain::{DeliveryPriceRow, UnreadableRow};
use crate::store::delivery_common::changes;
use crate::store::error::StoreError;
use crate::store::types::{QuarantinedFunding, WriteStats};

pub(super) async fn read_delivery(
    pool: &PgPool,
    currency: &str,
) -> Result<Vec<DeliveryPriceRow>, StoreError> {
    let rows: Vec<(NaiveDate, f64)> =
        sqlx::query_as("SELECT date, price FROM delivery_prices WHERE currency = $1 ORDER BY date")
            .bind(currency)
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("reading delivery prices"))?;
    Ok(rows
        .into_iter()
        .map(|(date, price)| DeliveryPriceRow { date, price })
        .collect())
}

pub(super) async fn upsert_delivery(
    pool: &PgPool,
    currency: &str,
    rows: &[DeliveryPriceRow],
) -> Result<WriteStats, StoreError> {
    let err = || StoreError::db("writing delivery prices");
    let mut tx = pool.begin().await.map_err(err())?;
    let stored: Vec<(NaiveDate, f64)> =
        sqlx::query_as("SELECT date, price FROM delivery_prices WHERE currency = $1 FOR UPDATE")
            .bind(currency)
            .fetch_all(&mut *tx)
            .await
            .map_err(StoreError::db("reading delivery prices"))?;
    let stored: BTreeMap<NaiveDate, f64> = stored.into_iter().collect();
    let (write_rows, stats) = changes(currency, &stored, rows)?;
    if !write_rows.is_empty() {
        let dates: Vec<NaiveDate> = write_rows.iter().map(|r| r.date).collect();
        let prices: Vec<f64> = write_rows.iter().map(|r| r.price).collect();
        sqlx::query(
            "INSERT INTO delivery_prices (currency, date, price) \
             SELECT $1, d, p FROM unnest($2::date[], $3::float8[]) AS s(d, p) \
             ON CONFLICT (currency, date) DO UPDATE SET price = EXCLUDED.price",
        )
        .bind(currency)
        .bind(&dates)
        .bind(&prices)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    }
    tx.commit().await.map_err(err())?;
    Ok(stats)
}

pub(super) async fn quarantine_funding(
    pool: &PgPool,
    instrument: &str,
    rows: &[UnreadableRow],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let err = || StoreError::db("quarantining funding rows");
    let now = to_ts("quarantined_funding", now_ms)?;
    let mut tx = pool.begin().await.map_err(err())?;
    let mut new = 0;
    for r in rows {
        let ts =
            r.ts.map(|ms| to_ts("quarantined_funding", ms))
                .transpose()
                .ok()
                .flatten();
        new += sqlx::query(
            "INSERT INTO quarantined_funding (instrument, raw, timestamp, reason, quarantined_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instrument, raw) DO NOTHING",
        )
        .bind(instrument)
        .bind(&r.raw)
        .bind(ts)
        .bind(&r.reason)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err())?
        .rows_affected();
    }
    tx.commit().await.map_err(err())?;
    Ok(new)
}

pub(super) async fn quarantined_funding(
    pool: &PgPool,
) -> Result<Vec<QuarantinedFunding>, StoreError> {
    type Row = (String, String, Option<DateTime<Utc>>, String, DateTime<Utc>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT instrument, raw, timestamp, reason, quarantined_at FROM quarantined_funding \
         ORDER BY instrument, timestamp, raw",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading quarantined funding rows"))?;
    Ok(rows
        .into_iter()
        .map(|(instrument, raw, ts, reason, at)| QuarantinedFunding {
            instrument,
            row: UnreadableRow {
                ts: ts.map(to_ms),
                raw,
                reason,
            },
            quarantined_at: to_ms(at),
        })
        .collect())
}
