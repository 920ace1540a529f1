//! The `instruments` table, PostgreSQL flavour.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use super::time::{to_ms, to_ts};
use crate::domain::{DataStatus, Discovery, InstrumentRecord, SettlementPeriod};
use crate::store::error::StoreError;
use crate::store::merge::merge_instrument;
use crate::store::types::WriteStats;

fn corrupt(reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table: "instruments",
        reason: reason.into(),
    }
}

fn from_row(row: &PgRow) -> Result<InstrumentRecord, StoreError> {
    let get = |e: sqlx::Error| corrupt(e.to_string());
    let kind: String = row.try_get("kind").map_err(get)?;
    let period: Option<String> = row.try_get("settlement_period").map_err(get)?;
    let from: String = row.try_get("discovered_from").map_err(get)?;
    let status: String = row.try_get("data_status").map_err(get)?;
    let creation: Option<DateTime<Utc>> = row.try_get("creation_ts").map_err(get)?;
    let expiration: Option<DateTime<Utc>> = row.try_get("expiration_ts").map_err(get)?;
    Ok(InstrumentRecord {
        instrument: row.try_get("instrument").map_err(get)?,
        kind: kind.parse().map_err(corrupt)?,
        currency: row.try_get("currency").map_err(get)?,
        settlement_period: match period {
            Some(p) => Some(
                SettlementPeriod::parse(&p)
                    .ok_or_else(|| corrupt(format!("settlement_period {p:?}")))?,
            ),
            None => None,
        },
        creation_ts: creation.map(to_ms),
        expiration_ts: expiration.map(to_ms),
        is_active: row.try_get("is_active").map_err(get)?,
        discovered_from: Discovery::parse(&from)
            .ok_or_else(|| corrupt(format!("discovered_from {from:?}")))?,
        data_status: DataStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("data_status {status:?}")))?,
    })
}

const SELECT: &str = "SELECT instrument, kind, currency, settlement_period, creation_ts, \
                      expiration_ts, is_active, discovered_from, data_status FROM instruments";

pub(super) async fn list(pool: &PgPool) -> Result<Vec<InstrumentRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY instrument")))
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading instruments"))?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn upsert(
    pool: &PgPool,
    records: &[InstrumentRecord],
) -> Result<WriteStats, StoreError> {
    const W: &str = "instruments";
    for r in records {
        if r.instrument.trim().is_empty() {
            return Err(StoreError::InvalidInstrument {
                instrument: r.instrument.clone(),
                reason: "the instrument name is empty".into(),
            });
        }
    }
    let mut merged: Vec<InstrumentRecord> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in records {
        match index.get(&r.instrument) {
            Some(&i) => merged[i] = merge_instrument(&merged[i], r),
            None => {
                index.insert(r.instrument.clone(), merged.len());
                merged.push(r.clone());
            }
        }
    }
    let names: Vec<&str> = merged.iter().map(|r| r.instrument.as_str()).collect();
    let mut tx = pool
        .begin()
        .await
        .map_err(StoreError::db("writing instruments"))?;
    // Serializes concurrent discoveries (read-merge-write), never blocks readers.
    sqlx::query("LOCK TABLE instruments IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("writing instruments"))?;
    let existing: HashMap<String, InstrumentRecord> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE instrument = ANY($1)"
    )))
    .bind(&names)
    .fetch_all(&mut *tx)
    .await
    .map_err(StoreError::db("reading instruments"))?
    .iter()
    .map(|r| from_row(r).map(|rec| (rec.instrument.clone(), rec)))
    .collect::<Result<_, _>>()?;
    let (mut inserted, mut updated) = (0u64, 0u64);
    for r in &merged {
        let target = match existing.get(&r.instrument) {
            Some(old) => {
                let m = merge_instrument(old, r);
                if &m == old {
                    continue;
                }
                updated += 1;
                m
            }
            None => {
                inserted += 1;
                r.clone()
            }
        };
        sqlx::query(
            "INSERT INTO instruments (instrument, kind, currency, settlement_period, creation_ts, \
             expiration_ts, is_active, discovered_from, data_status, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) \
             ON CONFLICT (instrument) DO UPDATE SET kind = EXCLUDED.kind, \
             currency = EXCLUDED.currency, settlement_period = EXCLUDED.settlement_period, \
             creation_ts = EXCLUDED.creation_ts, expiration_ts = EXCLUDED.expiration_ts, \
             is_active = EXCLUDED.is_active, discovered_from = EXCLUDED.discovered_from, \
             data_status = EXCLUDED.data_status, updated_at = now()",
        )
        .bind(&target.instrument)
        .bind(target.kind.as_str())
        .bind(&target.currency)
        .bind(target.settlement_period.map(|p| p.as_str()))
        .bind(target.creation_ts.map(|t| to_ts(W, t)).transpose()?)
        .bind(target.expiration_ts.map(|t| to_ts(W, t)).transpose()?)
        .bind(target.is_active)
        .bind(target.discovered_from.as_str())
        .bind(target.data_status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("writing instruments"))?;
    }
    tx.commit()
        .await
        .map_err(StoreError::db("writing instruments"))?;
    Ok(WriteStats::new(
        records.len(),
        merged.len(),
        inserted,
        updated,
    ))
}

pub(super) async fn set_data_status(
    pool: &PgPool,
    instrument: &str,
    status: DataStatus,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE instruments SET data_status = $2, updated_at = now() \
         WHERE instrument = $1 AND data_status IS DISTINCT FROM $2",
    )
    .bind(instrument)
    .bind(status.as_str())
    .execute(pool)
    .await
    .map_err(StoreError::db("updating an instrument's data status"))?
    .rows_affected();
    if n > 0 {
        return Ok(true);
    }
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM instruments WHERE instrument = $1)")
            .bind(instrument)
            .fetch_one(pool)
            .await
            .map_err(StoreError::db("updating an instrument's data status"))?;
    Ok(exists)
}
