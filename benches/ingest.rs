//! Ingest benchmark: upserts of futures candles through the `Store` API into SQLite and
//! PostgreSQL, first load and repeat load (every row conflicts, nothing should be written),
//! against the engine's ceiling measured in the same run (PostgreSQL: plain binary `COPY` into
//! an empty table of the same shape; SQLite: plain multi-row `INSERT` in one transaction into
//! an empty table of the same shape), plus bytes on disk per candle.
//!
//! Run with `./scripts/bench` (starts a throwaway PostgreSQL), or `cargo bench --bench ingest`
//! with `BENCH_DATABASE_URL_PG` (or `TEST_DATABASE_URL_PG`) set to an admin URL; without one
//! only SQLite is measured. Knobs:
//!
//! - `INGEST_BENCH_ROWS` (default 2,000,000) candles in total,
//! - `INGEST_BENCH_INSTRUMENTS` (default 20) futures sharing them,
//! - `INGEST_BENCH_BATCH` (default 5,000 = one exchange page) rows per upsert call, each with
//!   its checkpoint,
//! - `INGEST_BENCH_WRITERS` (default 1) concurrent writers (one instrument each at a time),
//! - `INGEST_BENCH_DIR` where the SQLite files go (default: the temp dir).
//!
//! Without `--bench` (e.g. under `cargo test --all-targets`) it runs a tiny smoke version.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use deribit_backfill::domain::time::MINUTE_MS;
use deribit_backfill::domain::{Candle, Checkpoint, JobKey, JobState, Pipeline, TimeRange};
use deribit_backfill::store::{self, CandleTable, DataTable, Store, WriteStats};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::{Connection, Executor};

/// 2024-01-01T00:00:00Z
const START: i64 = 1_704_067_200_000;

struct Config {
    rows: usize,
    instruments: usize,
    batch: usize,
    writers: usize,
    dir: std::path::PathBuf,
    pg_admin: Option<String>,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .filter(|&v| v > 0)
        .unwrap_or(default)
}

impl Config {
    fn from_env() -> Config {
        let full = std::env::args().any(|a| a == "--bench");
        let (rows, instruments) = if full {
            (
                env_usize("INGEST_BENCH_ROWS", 2_000_000),
                env_usize("INGEST_BENCH_INSTRUMENTS", 20),
            )
        } else {
            (20_000, 4)
        };
        Config {
            rows,
            instruments: instruments.min(rows),
            batch: env_usize("INGEST_BENCH_BATCH", 5_000),
            writers: env_usize("INGEST_BENCH_WRITERS", 1),
            dir: std::env::var("INGEST_BENCH_DIR")
                .map(Into::into)
                .unwrap_or_else(|_| std::env::temp_dir()),
            pg_admin: std::env::var("BENCH_DATABASE_URL_PG")
                .or_else(|_| std::env::var("TEST_DATABASE_URL_PG"))
                .ok()
                .filter(|s| !s.is_empty()),
        }
    }
}

/// One instrument's candles.
struct Series {
    name: String,
    expiry: NaiveDate,
    candles: Vec<Candle>,
}

fn round_tick(x: f64) -> f64 {
    (x * 2.0).round() / 2.0
}

/// Realistic BTC-like futures: a random walk from ~42,000 USD in 0.5 USD ticks with ~0.05%
/// per-minute volatility, a premium growing with time to expiry, about a third of the minutes
/// without trades (flat filler candles, volume 0), otherwise log-normal volumes in BTC and
/// the USD cost in 10 USD contracts.
fn generate(cfg: &Config) -> Vec<Series> {
    let per = cfg.rows / cfg.instruments;
    let mut rng = StdRng::seed_from_u64(20240229);
    let mut out = Vec::new();
    for i in 0..cfg.instruments {
        // Fridays from 2024-03-29 on, one week apart: BTC-29MAR24, BTC-5APR24, ...
        let expiry =
            NaiveDate::from_ymd_opt(2024, 3, 29).unwrap() + chrono::Duration::weeks(i as i64);
        let name = format!(
            "BTC-{}",
            deribit_backfill::domain::instrument::format_expiry_code(expiry)
        );
        let mut price = 42_000.0 * (1.0 + 0.002 * i as f64);
        let mut candles = Vec::with_capacity(per);
        for m in 0..per {
            let open = round_tick(price);
            let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            let traded = rng.random::<f64>() > 0.33;
            let c = if traded {
                let close = round_tick(open * (1.0 + 0.0005 * z));
                let high = round_tick(open.max(close) + rng.random::<f64>() * 15.0);
                let low = round_tick(open.min(close) - rng.random::<f64>() * 15.0);
                let volume = (rng.random::<f64>() * 3.0 - 2.0).exp() * 2.0;
                let volume = (volume * 1e4).round() / 1e4;
                let cost = (volume * close / 10.0).round().max(1.0) * 10.0;
                price = close;
                Candle {
                    ts: START + m as i64 * MINUTE_MS,
                    open,
                    high,
                    low,
                    close,
                    volume,
                    cost,
                }
            } else {
                Candle {
                    ts: START + m as i64 * MINUTE_MS,
                    open,
                    high: open,
                    low: open,
                    close: open,
                    volume: 0.0,
                    cost: 0.0,
                }
            };
            candles.push(c);
        }
        out.push(Series {
            name,
            expiry,
            candles,
        });
    }
    out
}

/// Loads every series through the Store API, `batch` rows per call with a checkpoint each,
/// with `writers` concurrent writers. Returns the summed stats and the elapsed time.
async fn load(
    store: &Arc<dyn Store>,
    data: &Arc<Vec<Series>>,
    cfg: &Config,
) -> (WriteStats, Duration) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cfg.writers {
        let (store, data, next) = (store.clone(), data.clone(), next.clone());
        let batch = cfg.batch;
        tasks.push(tokio::spawn(async move {
            let mut total = WriteStats::default();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(s) = data.get(i) else { break };
                let first = s.candles[0].ts;
                let end = s.candles.last().unwrap().ts + MINUTE_MS;
                let range = TimeRange::new(first, end).unwrap();
                let mut cp = Checkpoint::new(JobKey::new(Pipeline::Futures, &s.name), range, first);
                cp.state = JobState::Running;
                for chunk in s.candles.chunks(batch) {
                    cp.cursor = chunk.last().unwrap().ts + MINUTE_MS;
                    cp.rows += chunk.len() as i64;
                    cp.requests += 1;
                    total += store
                        .upsert_candles(CandleTable::Futures, &s.name, chunk, Some(&cp))
                        .await
                        .expect("upsert");
                }
            }
            total
        }));
    }
    let mut total = WriteStats::default();
    for t in tasks {
        total += t.await.unwrap();
    }
    (total, t.elapsed())
}

fn rate(rows: usize, d: Duration) -> f64 {
    rows as f64 / d.as_secs_f64()
}

fn line(backend: &str, what: &str, rows: usize, d: Duration, ceiling: f64) {
    let r = rate(rows, d);
    let ratio = r / ceiling;
    println!(
        "{backend:<10} {what:<34} {:>10.0} rows/s  {:>5.2} x ceiling  ({} rows in {:.2} s) {}",
        r,
        ratio,
        rows,
        d.as_secs_f64(),
        if ratio >= 0.5 {
            "ok (>= 0.5)"
        } else {
            "MISSED target 0.5"
        }
    );
}

// ---- SQLite --------------------------------------------------------------------------------

async fn sqlite_ceiling(path: &std::path::Path, data: &[Series]) -> (usize, Duration, i64) {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous,
    };
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("cache_size", "-65536");
    let mut conn = SqliteConnection::connect_with(&opts).await.unwrap();
    conn.execute(
        "CREATE TABLE futures_ohlcv (instrument TEXT NOT NULL, timestamp INTEGER NOT NULL, \
         expiry_date TEXT NOT NULL, open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, \
         close REAL NOT NULL, volume REAL NOT NULL, cost REAL NOT NULL, \
         PRIMARY KEY (instrument, timestamp)) WITHOUT ROWID",
    )
    .await
    .unwrap();
    const CHUNK: usize = 512;
    let sql_for = |n: usize| {
        let mut sql = String::from(
            "INSERT INTO futures_ohlcv (instrument, timestamp, expiry_date, open, high, low, close, volume, cost) VALUES ",
        );
        for r in 0..n {
            if r > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?,?,?,?,?,?,?)");
        }
        sql
    };
    let full = sql_for(CHUNK);
    let t = Instant::now();
    let mut tx = conn.begin().await.unwrap();
    let mut rows = 0;
    for s in data {
        let name: Arc<str> = Arc::from(s.name.as_str());
        let expiry: Arc<str> = Arc::from(s.expiry.to_string());
        for chunk in s.candles.chunks(CHUNK) {
            let sql = if chunk.len() == CHUNK {
                full.clone()
            } else {
                sql_for(chunk.len())
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for c in chunk {
                q = q
                    .bind(name.clone())
                    .bind(c.ts)
                    .bind(expiry.clone())
                    .bind(c.open)
                    .bind(c.high)
                    .bind(c.low)
                    .bind(c.close)
                    .bind(c.volume)
                    .bind(c.cost);
            }
            rows += q.execute(&mut *tx).await.unwrap().rows_affected() as usize;
        }
    }
    tx.commit().await.unwrap();
    let d = t.elapsed();
    let bytes: i64 = sqlx::query_scalar(
        "SELECT sum(pgsize) FROM dbstat WHERE name = 'futures_ohlcv' AND aggregate = TRUE",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    (rows, d, bytes)
}

async fn sqlite_exact_bytes(path: &std::path::Path) -> i64 {
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    let b = sqlx::query_scalar(
        "SELECT sum(pgsize) FROM dbstat WHERE name = 'futures_ohlcv' AND aggregate = TRUE",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    b
}

async fn bench_sqlite(cfg: &Config, data: &Arc<Vec<Series>>) {
    let dir = tempfile::Builder::new()
        .prefix("ingest-bench-")
        .tempdir_in(&cfg.dir)
        .expect("bench dir");
    let total = data.iter().map(|s| s.candles.len()).sum::<usize>();

    // Best of two runs: the ceiling must not be flattered by a slow run.
    let (rows, d1, ceiling_bytes) = sqlite_ceiling(&dir.path().join("ceiling1.db"), data).await;
    let (_, d2, _) = sqlite_ceiling(&dir.path().join("ceiling2.db"), data).await;
    assert_eq!(rows, total);
    let d = d1.min(d2);
    let ceiling = rate(rows, d);
    println!(
        "{:<10} {:<34} {:>10.0} rows/s  (plain multi-row INSERT, one transaction, best of 2: {} rows in {:.2} s)",
        "sqlite",
        "ceiling",
        ceiling,
        rows,
        d.as_secs_f64()
    );

    let path = dir.path().join("store.db");
    let store = store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open SQLite store");
    let (st, d) = load(&store, data, cfg).await;
    assert_eq!(st.inserted as usize, total, "first load inserts every row");
    line("sqlite", "upsert, first load", total, d, ceiling);
    let (st, d) = load(&store, data, cfg).await;
    assert_eq!(st.written(), 0, "repeat load writes nothing");
    line(
        "sqlite",
        "upsert, repeat load (all conflict)",
        total,
        d,
        ceiling,
    );

    let stats_t = Instant::now();
    let stats = store.table_stats().await.unwrap();
    let stats_d = stats_t.elapsed();
    let fut = stats
        .iter()
        .find(|t| t.table == DataTable::Futures)
        .unwrap();
    assert_eq!(fut.rows as usize, total);
    let exact = sqlite_exact_bytes(&path).await;
    println!(
        "{:<10} {:<34} {:>10.1} bytes/candle (store table, exact dbstat; ceiling table {:.1}; \
         dashboard estimate {:.1} in {:.1} ms)",
        "sqlite",
        "bytes on disk",
        exact as f64 / total as f64,
        ceiling_bytes as f64 / total as f64,
        fut.bytes.unwrap_or(0) as f64 / total as f64,
        stats_d.as_secs_f64() * 1e3
    );
    store.close().await;
}

// ---- PostgreSQL ----------------------------------------------------------------------------

/// Binary COPY encoding of one row of `futures_ohlcv`.
fn copy_row(buf: &mut Vec<u8>, name: &str, expiry_days: i32, c: &Candle) {
    const PG_EPOCH_MS: i64 = 946_684_800_000;
    buf.extend_from_slice(&9i16.to_be_bytes());
    buf.extend_from_slice(&(name.len() as i32).to_be_bytes());
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(&8i32.to_be_bytes());
    buf.extend_from_slice(&((c.ts - PG_EPOCH_MS) * 1000).to_be_bytes());
    buf.extend_from_slice(&4i32.to_be_bytes());
    buf.extend_from_slice(&expiry_days.to_be_bytes());
    for v in [c.open, c.high, c.low, c.close, c.volume, c.cost] {
        buf.extend_from_slice(&8i32.to_be_bytes());
        buf.extend_from_slice(&v.to_be_bytes());
    }
}

async fn pg_ceiling(url: &str, data: &[Series]) -> (usize, Duration, i64) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute("CREATE TABLE ceiling_ohlcv (LIKE futures_ohlcv INCLUDING ALL)")
        .await
        .unwrap();
    // Start from a clean buffer pool: no dirty pages of an earlier phase to write out.
    conn.execute("CHECKPOINT").await.ok();
    let pg_epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let t = Instant::now();
    let mut copy = conn
        .copy_in_raw("COPY ceiling_ohlcv FROM STDIN (FORMAT binary)")
        .await
        .unwrap();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes());
    buf.extend_from_slice(&0i32.to_be_bytes());
    for s in data {
        let days = (s.expiry - pg_epoch).num_days() as i32;
        for c in &s.candles {
            copy_row(&mut buf, &s.name, days, c);
            if buf.len() >= 1 << 20 {
                copy.send(std::mem::take(&mut buf)).await.unwrap();
                buf.reserve(1 << 20);
            }
        }
    }
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(buf).await.unwrap();
    let rows = copy.finish().await.unwrap() as usize;
    let d = t.elapsed();
    let bytes: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('ceiling_ohlcv')")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.execute("DROP TABLE ceiling_ohlcv").await.unwrap();
    conn.execute("CHECKPOINT").await.ok();
    conn.close().await.unwrap();
    (rows, d, bytes)
}

async fn bench_pg(cfg: &Config, admin: &str, data: &Arc<Vec<Series>>) {
    let db = format!("ingest_bench_{}", std::process::id());
    let mut a = sqlx::PgConnection::connect(admin)
        .await
        .expect("connect to the benchmark PostgreSQL server");
    a.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}")))
        .await
        .unwrap();
    a.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .await
        .unwrap();
    let mut u = url::Url::parse(admin).unwrap();
    u.set_path(&format!("/{db}"));
    let url = u.to_string();
    let total = data.iter().map(|s| s.candles.len()).sum::<usize>();

    let store = store::connect(&url).await.expect("open PostgreSQL store");
    // Best of two runs: the ceiling must not be flattered by a slow run.
    let (rows, d1, ceiling_bytes) = pg_ceiling(&url, data).await;
    let (_, d2, _) = pg_ceiling(&url, data).await;
    assert_eq!(rows, total);
    let d = d1.min(d2);
    let ceiling = rate(rows, d);
    println!(
        "{:<10} {:<34} {:>10.0} rows/s  (plain binary COPY into an empty table with the primary key, best of 2: {} rows in {:.2} s)",
        "postgres",
        "ceiling",
        ceiling,
        rows,
        d.as_secs_f64()
    );
    let (st, first_load) = load(&store, data, cfg).await;
    assert_eq!(st.inserted as usize, total, "first load inserts every row");
    line("postgres", "upsert, first load", total, first_load, ceiling);
    let mut raw = sqlx::PgConnection::connect(&url).await.unwrap();
    // Main forks of the table and its index (autovacuum may add visibility-map and free-space
    // forks at any time, which pg_total_relation_size would count).
    const MAIN_FORKS: &str =
        "SELECT pg_relation_size('futures_ohlcv') + pg_relation_size('futures_ohlcv_pkey')";
    let size_before: i64 = sqlx::query_scalar(MAIN_FORKS)
        .fetch_one(&mut raw)
        .await
        .unwrap();
    let (st, d) = load(&store, data, cfg).await;
    assert_eq!(st.written(), 0, "repeat load writes nothing");
    line(
        "postgres",
        "upsert, repeat load (all conflict)",
        total,
        d,
        ceiling,
    );
    let size_after: i64 = sqlx::query_scalar(MAIN_FORKS)
        .fetch_one(&mut raw)
        .await
        .unwrap();
    // Rows updated, deleted or locked since the first load carry an xmax.
    let touched: i64 =
        sqlx::query_scalar("SELECT count(*) FROM futures_ohlcv WHERE xmax::text <> '0'")
            .fetch_one(&mut raw)
            .await
            .unwrap();
    let total_bytes: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('futures_ohlcv')")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    store.analyze().await.unwrap();
    let stats_t = Instant::now();
    let stats = store.table_stats().await.unwrap();
    let stats_d = stats_t.elapsed();
    let fut = stats
        .iter()
        .find(|t| t.table == DataTable::Futures)
        .unwrap();
    assert_eq!(fut.rows as usize, total);
    println!(
        "{:<10} {:<34} {:>10.1} bytes/candle (table + primary key; ceiling table {:.1}; \
         repeat load grew the table by {} bytes and touched {} rows; table_stats in {:.1} ms)",
        "postgres",
        "bytes on disk",
        total_bytes as f64 / total as f64,
        ceiling_bytes as f64 / total as f64,
        size_after - size_before,
        touched,
        stats_d.as_secs_f64() * 1e3
    );
    store.close().await;

    // Issue 11: batches now commit synchronously (a server crash cannot lose a batch the
    // engine counted as written). The cost against the old asynchronous commit
    // (`synchronous_commit = off` for the session): first loads on an emptied table,
    // alternating sync and async, best of two each, so a noisy moment hits both alike.
    let mut async_url = url::Url::parse(&url).unwrap();
    async_url
        .query_pairs_mut()
        .append_pair("options", "-c synchronous_commit=off");
    let async_store = store::connect(async_url.as_str())
        .await
        .expect("open PostgreSQL store (async commit)");
    let sync_store = store::connect(&url).await.expect("open PostgreSQL store");
    let (mut best_sync, mut best_async) = (first_load, Duration::MAX);
    for round in 0..3 {
        raw.execute("TRUNCATE futures_ohlcv, row_counts, backfill_progress")
            .await
            .unwrap();
        let s = if round % 2 == 0 {
            &async_store
        } else {
            &sync_store
        };
        let (st, d) = load(s, data, cfg).await;
        assert_eq!(st.inserted as usize, total, "first load inserts every row");
        if round % 2 == 0 {
            best_async = best_async.min(d);
        } else {
            best_sync = best_sync.min(d);
        }
    }
    println!(
        "{:<10} {:<34} {:>10.0} rows/s sync, {:.0} rows/s async: sync runs at {:.2}x the async rate (best of 2 each, alternated)",
        "postgres",
        "first load, sync vs async commit",
        rate(total, best_sync),
        rate(total, best_async),
        rate(total, best_sync) / rate(total, best_async)
    );
    sync_store.close().await;
    async_store.close().await;
    raw.close().await.ok();
    a.execute(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
    )))
    .await
    .ok();
}

#[tokio::main]
async fn main() {
    let cfg = Config::from_env();
    println!(
        "ingest benchmark: {} futures candles ({} instruments x {}), {} rows per upsert with a checkpoint, {} writer(s)",
        cfg.rows,
        cfg.instruments,
        cfg.rows / cfg.instruments,
        cfg.batch,
        cfg.writers
    );
    let data = Arc::new(generate(&cfg));
    bench_sqlite(&cfg, &data).await;
    match &cfg.pg_admin {
        Some(admin) => bench_pg(&cfg, admin, &data).await,
        None => println!(
            "postgres   skipped: set BENCH_DATABASE_URL_PG (./scripts/bench does) to measure PostgreSQL"
        ),
    }
}
