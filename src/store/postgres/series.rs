//! Batched, idempotent upserts of per-instrument time series, PostgreSQL flavour.
//!
//! One statement per chunk of [`CHUNK_ROWS`] rows, all chunks and the checkpoint in one
//! transaction. The rows travel as binary arrays (`unnest($ts::timestamptz[], $open::float8[],
//! ...)`), which costs about what a binary COPY costs without the temp staging table. The
//! statement:
//!
//! 1. reads the stored rows of the batch's `[first, last]` range: one primary-key range scan
//!    (`cur`, materialized; empty on a first load);
//! 2. keeps only batch rows that are new or differ from the stored ones (`chg`): unchanged
//!    rows never reach `INSERT ... ON CONFLICT`, which would otherwise lock them (a page write
//!    and WAL per row) or, with a plain `DO UPDATE`, write a new version of every row (the
//!    table doubles until VACUUM);
//! 3. upserts those (`ON CONFLICT DO UPDATE ... WHERE` the row differs, in case a concurrent
//!    writer got there first), returning `xmax = 0` to tell inserts from updates;
//! 4. adds the inserted/updated counts to `row_counts` in the same statement.
//!
//! Fast path: when one index probe finds no stored row in the batch's `[first, last]` range
//! (a first load), the rows go in by binary `COPY` straight into the table, the engine's
//! fastest load path (heap multi-insert), followed by the `row_counts` bump. If a concurrent
//! writer inserted into the range meanwhile, COPY fails on the primary key, the transaction
//! rolls back and the batch is retried once through the upsert statement.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

use super::time::to_ts;
use super::{copy, progress};
use crate::domain::Checkpoint;
use crate::store::batch::{IndexBatch, SeriesBatch, source_priority_sql};
use crate::store::error::StoreError;
use crate::store::types::WriteStats;

/// Starts a row-batch transaction whose COMMIT does not wait for the WAL flush (same round
/// trip as BEGIN). A crash of the server or the machine may lose the last few hundred
/// milliseconds of batches, never half of one: rows and their checkpoint commit together, so
/// the next start resumes from the last surviving checkpoint and re-fetches the rest
/// (idempotently). Measured with fsync on: waiting for the flush of every 5,000-row batch
/// cost a third of the first-load throughput. Everything else (instruments, checkpoints saved
/// on their own, such as a pause) commits synchronously.
const BEGIN_BATCH: &str = "BEGIN";

/// Rows per statement: bounds the statement's memory; a 100k-row batch is two statements.
pub(crate) const CHUNK_ROWS: usize = 50_000;

/// The shape of a series table.
#[derive(Debug)]
pub(crate) struct PgSeriesSpec {
    pub table: &'static str,
    pub key_col: &'static str,
    /// A per-instrument constant (`expiry_date date` of futures), bound once as `$2`.
    pub fixed_col: Option<&'static str>,
    pub value_cols: &'static [&'static str],
    pub sql: OnceLock<String>,
}

impl PgSeriesSpec {
    pub const fn new(
        table: &'static str,
        key_col: &'static str,
        fixed_col: Option<&'static str>,
        value_cols: &'static [&'static str],
    ) -> Self {
        PgSeriesSpec {
            table,
            key_col,
            fixed_col,
            value_cols,
            sql: OnceLock::new(),
        }
    }

    /// The upsert statement (see the module docs).
    pub fn upsert_sql(&self) -> String {
        let t = self.table;
        let k = self.key_col;
        let n = self.value_cols.len();
        let first_array = if self.fixed_col.is_some() { 3 } else { 2 };
        let lo = first_array + n + 1;
        let hi = lo + 1;
        let vals = self.value_cols.join(", ");
        let arrays: Vec<String> = (0..n)
            .map(|i| format!("${}::float8[]", first_array + 1 + i))
            .collect();
        let (fixed_cur, fixed_ins, fixed_val) = match self.fixed_col {
            Some(f) => (format!("{f}, "), format!("{f}, "), "$2::date, ".to_string()),
            None => (String::new(), String::new(), String::new()),
        };
        let mut cmp_cols: Vec<&str> = Vec::new();
        if let Some(f) = self.fixed_col {
            cmp_cols.push(f);
        }
        cmp_cols.extend(self.value_cols.iter().copied());
        let cur_cmp: Vec<String> = cmp_cols.iter().map(|c| format!("c.{c}")).collect();
        let src_cmp: Vec<String> = cmp_cols
            .iter()
            .map(|c| {
                if Some(*c) == self.fixed_col {
                    "$2::date".to_string()
                } else {
                    format!("s.{c}")
                }
            })
            .collect();
        let set: Vec<String> = cmp_cols
            .iter()
            .map(|c| format!("{c} = EXCLUDED.{c}"))
            .collect();
        let old: Vec<String> = cmp_cols.iter().map(|c| format!("{t}.{c}")).collect();
        let new: Vec<String> = cmp_cols.iter().map(|c| format!("EXCLUDED.{c}")).collect();
        format!(
            "WITH src AS ( \
               SELECT * FROM unnest(${first_array}::timestamptz[], {arrays}) AS s(timestamp, {vals}) \
             ), cur AS MATERIALIZED ( \
               SELECT timestamp, {fixed_cur}{vals} FROM {t} \
               WHERE {k} = $1::text AND timestamp BETWEEN ${lo}::timestamptz AND ${hi}::timestamptz \
             ), chg AS ( \
               SELECT s.* FROM src s LEFT JOIN cur c ON c.timestamp = s.timestamp \
               WHERE c.timestamp IS NULL OR ({cur_cmp}) IS DISTINCT FROM ({src_cmp}) \
             ), w AS ( \
               INSERT INTO {t} ({k}, timestamp, {fixed_ins}{vals}) \
               SELECT $1::text, timestamp, {fixed_val}{vals} FROM chg \
               ON CONFLICT ({k}, timestamp) DO UPDATE SET {set} \
               WHERE ({old}) IS DISTINCT FROM ({new}) \
               RETURNING (xmax = 0) AS inserted \
             ), counted AS ( \
               SELECT count(*) FILTER (WHERE inserted) AS ins, \
                      count(*) FILTER (WHERE NOT inserted) AS upd FROM w \
             ), bump AS ( \
               INSERT INTO row_counts (table_name, instrument, rows, updated) \
               SELECT '{t}', $1::text, ins, upd FROM counted WHERE ins + upd > 0 \
               ON CONFLICT (table_name, instrument) DO UPDATE \
               SET rows = row_counts.rows + EXCLUDED.rows, updated = row_counts.updated + EXCLUDED.updated \
             ) \
             SELECT ins, upd FROM counted",
            arrays = arrays.join(", "),
            cur_cmp = cur_cmp.join(", "),
            src_cmp = src_cmp.join(", "),
            set = set.join(", "),
            old = old.join(", "),
            new = new.join(", "),
        )
    }
}

fn timestamps(table: &'static str, ts: &[i64]) -> Result<Vec<DateTime<Utc>>, StoreError> {
    ts.iter().map(|&ms| to_ts(table, ms)).collect()
}

fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Database { source: sqlx::Error::Database(db), .. }
        if db.code().as_deref() == Some("23505"))
}

/// Writes one batch with its checkpoint in one transaction.
pub(super) async fn upsert(
    conn: &mut PgConnection,
    spec: &PgSeriesSpec,
    key: &str,
    fixed: Option<NaiveDate>,
    batch: &SeriesBatch,
    checkpoint: Option<&Checkpoint>,
) -> Result<WriteStats, StoreError> {
    match attempt(conn, spec, key, fixed, batch, checkpoint, true).await {
        Err(e) if is_unique_violation(&e) => {
            tracing::debug!(
                table = spec.table,
                key,
                "COPY met a concurrent insert; retrying as upsert"
            );
            attempt(conn, spec, key, fixed, batch, checkpoint, false).await
        }
        other => other,
    }
}

/// Adds to the `row_counts` bookkeeping and saves the checkpoint, in one statement (one
/// round trip fewer per batch: under CPU contention each one costs milliseconds).
async fn bump_counts_and_save(
    conn: &mut PgConnection,
    table: &str,
    key: &str,
    inserted: i64,
    checkpoint: Option<&Checkpoint>,
) -> Result<(), StoreError> {
    const BUMP: &str = "INSERT INTO row_counts (table_name, instrument, rows, updated) \
        VALUES ($1, $2, $3, 0) ON CONFLICT (table_name, instrument) \
        DO UPDATE SET rows = row_counts.rows + EXCLUDED.rows";
    let Some(cp) = checkpoint else {
        sqlx::query(BUMP)
            .bind(table)
            .bind(key)
            .bind(inserted)
            .execute(conn)
            .await
            .map_err(StoreError::db("updating row counts"))?;
        return Ok(());
    };
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| format!("WITH bump AS ({BUMP}) {}", progress::save_sql(4)));
    let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(table)
        .bind(key)
        .bind(inserted);
    progress::bind(q, cp)?
        .execute(conn)
        .await
        .map_err(StoreError::db("writing a checkpoint"))?;
    Ok(())
}

/// Binary COPY of the whole batch into the table.
async fn copy_batch(
    conn: &mut PgConnection,
    spec: &PgSeriesSpec,
    key: &str,
    fixed: Option<NaiveDate>,
    batch: &SeriesBatch,
) -> Result<u64, StoreError> {
    let mut cols = vec![spec.key_col, "timestamp"];
    cols.extend(spec.fixed_col);
    cols.extend(spec.value_cols.iter().copied());
    let statement = format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        spec.table,
        cols.join(", ")
    );
    let err = StoreError::db("copying rows");
    let mut copy = conn
        .copy_in_raw(&statement)
        .await
        .map_err(StoreError::db("copying rows"))?;
    let mut buf = copy::header();
    for i in 0..batch.len() {
        copy::row(&mut buf, key, fixed, batch, i);
        if buf.len() >= copy::FLUSH_BYTES {
            if let Err(e) = copy.send(std::mem::take(&mut buf)).await {
                let _ = copy.abort("send failed").await;
                return Err(StoreError::db("copying rows")(e));
            }
            buf.reserve(copy::FLUSH_BYTES + 4096);
        }
    }
    copy::trailer(&mut buf);
    if let Err(e) = copy.send(buf).await {
        let _ = copy.abort("send failed").await;
        return Err(StoreError::db("copying rows")(e));
    }
    copy.finish().await.map_err(err)
}

#[allow(clippy::too_many_arguments)]
async fn attempt(
    conn: &mut PgConnection,
    spec: &PgSeriesSpec,
    key: &str,
    fixed: Option<NaiveDate>,
    batch: &SeriesBatch,
    checkpoint: Option<&Checkpoint>,
    allow_copy: bool,
) -> Result<WriteStats, StoreError> {
    let sql = spec.sql.get_or_init(|| spec.upsert_sql());
    let mut tx = conn
        .begin_with(BEGIN_BATCH)
        .await
        .map_err(StoreError::db("starting a write"))?;
    if allow_copy && let Some((lo, hi)) = batch.span() {
        let (lo, hi) = (to_ts(spec.table, lo)?, to_ts(spec.table, hi)?);
        let probe = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE {} = $1 AND timestamp BETWEEN $2 AND $3)",
            spec.table, spec.key_col
        );
        let any: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(probe))
            .bind(key)
            .bind(lo)
            .bind(hi)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::db("probing for stored rows"))?;
        if !any {
            let inserted = copy_batch(&mut tx, spec, key, fixed, batch).await? as i64;
            bump_counts_and_save(&mut tx, spec.table, key, inserted, checkpoint).await?;
            tx.commit()
                .await
                .map_err(StoreError::db("committing a write"))?;
            return Ok(WriteStats::new(
                batch.received,
                batch.len(),
                inserted as u64,
                0,
            ));
        }
    }
    let ts = timestamps(spec.table, &batch.ts)?;
    let (mut inserted, mut updated) = (0i64, 0i64);
    let mut start = 0;
    while start < batch.len() {
        let end = (start + CHUNK_ROWS).min(batch.len());
        let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql.as_str())).bind(key);
        if spec.fixed_col.is_some() {
            q = q.bind(fixed);
        }
        q = q.bind(&ts[start..end]);
        for col in &batch.cols {
            q = q.bind(&col[start..end]);
        }
        q = q.bind(ts[start]).bind(ts[end - 1]);
        let (ins, upd) = q
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::db("writing rows"))?;
        inserted += ins;
        updated += upd;
        start = end;
    }
    if let Some(cp) = checkpoint {
        progress::save(&mut tx, cp).await?;
    }
    tx.commit()
        .await
        .map_err(StoreError::db("committing a write"))?;
    Ok(WriteStats::new(
        batch.received,
        batch.len(),
        inserted as u64,
        updated as u64,
    ))
}

fn index_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let new_prio = source_priority_sql("s.source");
        let cur_prio = source_priority_sql("c.source");
        let excl_prio = source_priority_sql("EXCLUDED.source");
        let old_prio = source_priority_sql("index_prices.source");
        format!(
            "WITH src AS ( \
               SELECT * FROM unnest($2::timestamptz[], $3::float8[], $4::text[]) AS s(timestamp, price, source) \
             ), cur AS MATERIALIZED ( \
               SELECT timestamp, price, source FROM index_prices \
               WHERE currency = $1::text AND timestamp BETWEEN $5::timestamptz AND $6::timestamptz \
             ), chg AS ( \
               SELECT s.* FROM src s LEFT JOIN cur c ON c.timestamp = s.timestamp \
               WHERE c.timestamp IS NULL \
                  OR ((c.price, c.source) IS DISTINCT FROM (s.price, s.source) AND {new_prio} >= {cur_prio}) \
             ), w AS ( \
               INSERT INTO index_prices (currency, timestamp, price, source) \
               SELECT $1::text, timestamp, price, source FROM chg \
               ON CONFLICT (currency, timestamp) DO UPDATE SET price = EXCLUDED.price, source = EXCLUDED.source \
               WHERE {excl_prio} >= {old_prio} \
                 AND (index_prices.price, index_prices.source) IS DISTINCT FROM (EXCLUDED.price, EXCLUDED.source) \
               RETURNING (xmax = 0) AS inserted \
             ), counted AS ( \
               SELECT count(*) FILTER (WHERE inserted) AS ins, \
                      count(*) FILTER (WHERE NOT inserted) AS upd FROM w \
             ), bump AS ( \
               INSERT INTO row_counts (table_name, instrument, rows, updated) \
               SELECT 'index_prices', $1::text, ins, upd FROM counted WHERE ins + upd > 0 \
               ON CONFLICT (table_name, instrument) DO UPDATE \
               SET rows = row_counts.rows + EXCLUDED.rows, updated = row_counts.updated + EXCLUDED.updated \
             ) \
             SELECT ins, upd FROM counted"
        )
    })
}

/// Index prices: a conflicting row replaces the stored one only when its source's priority is
/// at least the stored one's.
pub(super) async fn upsert_index(
    conn: &mut PgConnection,
    currency: &str,
    batch: &IndexBatch,
    checkpoint: Option<&Checkpoint>,
) -> Result<WriteStats, StoreError> {
    let ts = timestamps("index_prices", &batch.ts)?;
    let sources: Vec<&str> = batch.source.iter().map(|s| s.as_str()).collect();
    let mut tx = conn
        .begin_with(BEGIN_BATCH)
        .await
        .map_err(StoreError::db("starting a write"))?;
    let (mut inserted, mut updated) = (0i64, 0i64);
    let mut start = 0;
    while start < batch.len() {
        let end = (start + CHUNK_ROWS).min(batch.len());
        let (ins, upd) = sqlx::query_as::<_, (i64, i64)>(index_sql())
            .bind(currency)
            .bind(&ts[start..end])
            .bind(&batch.price[start..end])
            .bind(&sources[start..end])
            .bind(ts[start])
            .bind(ts[end - 1])
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::db("writing index prices"))?;
        inserted += ins;
        updated += upd;
        start = end;
    }
    if let Some(cp) = checkpoint {
        progress::save(&mut tx, cp).await?;
    }
    tx.commit()
        .await
        .map_err(StoreError::db("committing a write"))?;
    Ok(WriteStats::new(
        batch.received,
        batch.len(),
        inserted as u64,
        updated as u64,
    ))
}
