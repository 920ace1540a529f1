//! Delivery prices and quarantined funding rows, SQLite flavour (small tables, row by row in
//! one transaction).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sqlx::Row;
use sqlx::sqlite::SqlitePool;

use crate::domain::{DeliveryPriceRow, UnreadableRow};
use crate::store::delivery_common::changes;
use crate::store::error::StoreError;
use crate::store::types::{QuarantinedFunding, WriteStats};

pub(super) async fn read_delivery(
    pool: &SqlitePool,
    currency: &str,
) -> Result<Vec<DeliveryPriceRow>, StoreError> {
    let rows =
        sqlx::query("SELECT date, price FROM delivery_prices WHERE currency = ?1 ORDER BY date")
            .bind(currency)
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("reading delivery prices"))?;
    rows.iter()
        .map(|r| {
            let date: String = r
                .try_get(0)
                .map_err(StoreError::db("reading delivery prices"))?;
            Ok(DeliveryPriceRow {
                date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|e| {
                    StoreError::Corrupt {
                        table: "delivery_prices",
                        reason: format!("date {date:?}: {e}"),
                    }
                })?,
                price: r
                    .try_get(1)
                    .map_err(StoreError::db("reading delivery prices"))?,
            })
        })
        .collect()
}

pub(super) async fn upsert_delivery(
    write: &SqlitePool,
    currency: &str,
    rows: &[DeliveryPriceRow],
) -> Result<WriteStats, StoreError> {
    let err = || StoreError::db("writing delivery prices");
    let mut tx = write.begin_with("BEGIN IMMEDIATE").await.map_err(err())?;
    let stored: BTreeMap<NaiveDate, f64> = read_delivery_in(&mut tx, currency).await?;
    let (write_rows, stats) = changes(currency, &stored, rows)?;
    for r in &write_rows {
        sqlx::query(
            "INSERT INTO delivery_prices (currency, date, price) VALUES (?1, ?2, ?3) \
             ON CONFLICT (currency, date) DO UPDATE SET price = excluded.price",
        )
        .bind(currency)
        .bind(r.date.format("%Y-%m-%d").to_string())
        .bind(r.price)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    }
    tx.commit().await.map_err(err())?;
    Ok(stats)
}

async fn read_delivery_in(
    conn: &mut sqlx::SqliteConnection,
    currency: &str,
) -> Result<BTreeMap<NaiveDate, f64>, StoreError> {
    let rows: Vec<(String, f64)> =
        sqlx::query_as("SELECT date, price FROM delivery_prices WHERE currency = ?1")
            .bind(currency)
            .fetch_all(conn)
            .await
            .map_err(StoreError::db("reading delivery prices"))?;
    Ok(rows
        .into_iter()
        .filter_map(|(d, p)| Some((NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()?, p)))
        .collect())
}

pub(super) async fn quarantine_funding(
    write: &SqlitePool,
    instrument: &str,
    rows: &[UnreadableRow],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let err = || StoreError::db("quarantining funding rows");
    let mut tx = write.begin_with("BEGIN IMMEDIATE").await.map_err(err())?;
    let mut new = 0;
    for r in rows {
        new += sqlx::query(
            "INSERT INTO quarantined_funding (instrument, raw, timestamp, reason, quarantined_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (instrument, raw) DO NOTHING",
        )
        .bind(instrument)
        .bind(&r.raw)
        .bind(r.ts)
        .bind(&r.reason)
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(err())?
        .rows_affected();
    }
    tx.commit().await.map_err(err())?;
    Ok(new)
}

pub(super) async fn quarantined_funding(
    pool: &SqlitePool,
) -> Result<Vec<QuarantinedFunding>, StoreError> {
    let rows: Vec<(String, String, Option<i64>, String, i64)> = sqlx::query_as(
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
            row: UnreadableRow { ts, raw, reason },
            quarantined_at: at,
        })
        .collect())
}
