//! The `instruments` table, SQLite flavour.

use std::collections::HashMap;

use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Connection, Row};

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

fn from_row(row: &SqliteRow) -> Result<InstrumentRecord, StoreError> {
    let get = |e: sqlx::Error| corrupt(e.to_string());
    let kind: String = row.try_get("kind").map_err(get)?;
    let period: Option<String> = row.try_get("settlement_period").map_err(get)?;
    let from: String = row.try_get("discovered_from").map_err(get)?;
    let status: String = row.try_get("data_status").map_err(get)?;
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
        creation_ts: row.try_get("creation_ts").map_err(get)?,
        expiration_ts: row.try_get("expiration_ts").map_err(get)?,
        is_active: row.try_get("is_active").map_err(get)?,
        discovered_from: Discovery::parse(&from)
            .ok_or_else(|| corrupt(format!("discovered_from {from:?}")))?,
        data_status: DataStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("data_status {status:?}")))?,
    })
}

const SELECT: &str = "SELECT instrument, kind, currency, settlement_period, creation_ts, \
                      expiration_ts, is_active, discovered_from, data_status FROM instruments";

pub(super) async fn list(pool: &SqlitePool) -> Result<Vec<InstrumentRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY instrument")))
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading instruments"))?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn upsert(
    pool: &SqlitePool,
    records: &[InstrumentRecord],
    now_ms: i64,
) -> Result<WriteStats, StoreError> {
    for r in records {
        if r.instrument.trim().is_empty() {
            return Err(StoreError::InvalidInstrument {
                instrument: r.instrument.clone(),
                reason: "the instrument name is empty".into(),
            });
        }
    }
    let mut conn = pool
        .acquire()
        .await
        .map_err(StoreError::db("writing instruments"))?;
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(StoreError::db("writing instruments"))?;
    let existing: HashMap<String, InstrumentRecord> = sqlx::query(SELECT)
        .fetch_all(&mut *tx)
        .await
        .map_err(StoreError::db("reading instruments"))?
        .iter()
        .map(|r| from_row(r).map(|rec| (rec.instrument.clone(), rec)))
        .collect::<Result<_, _>>()?;
    // Merge the batch into itself first (the same name may come twice).
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT (instrument) DO UPDATE SET kind = excluded.kind, \
             currency = excluded.currency, settlement_period = excluded.settlement_period, \
             creation_ts = excluded.creation_ts, expiration_ts = excluded.expiration_ts, \
             is_active = excluded.is_active, discovered_from = excluded.discovered_from, \
             data_status = excluded.data_status, updated_at = excluded.updated_at",
        )
        .bind(&target.instrument)
        .bind(target.kind.as_str())
        .bind(&target.currency)
        .bind(target.settlement_period.map(|p| p.as_str()))
        .bind(target.creation_ts)
        .bind(target.expiration_ts)
        .bind(target.is_active)
        .bind(target.discovered_from.as_str())
        .bind(target.data_status.as_str())
        .bind(now_ms)
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
    pool: &SqlitePool,
    instrument: &str,
    status: DataStatus,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE instruments SET data_status = ?2, updated_at = ?3 WHERE instrument = ?1",
    )
    .bind(instrument)
    .bind(status.as_str())
    .bind(now_ms)
    .execute(pool)
    .await
    .map_err(StoreError::db("updating an instrument's data status"))?
    .rows_affected();
    Ok(n > 0)
}
