//! Store conformance: ONE suite of test bodies, each run against a real SQLite file (in a
//! temp dir) and a real PostgreSQL database (a fresh database per test on the server
//! `scripts/test` starts; see `tests/common/pg.rs` for the skip/fail rule).
//!
//! PostgreSQL sessions run with a far-from-UTC `TimeZone` (Pacific/Chatham, UTC+13:45) so any
//! timestamp handling that leans on the session time zone shows up as a failure.

#[path = "common/pg.rs"]
mod pg;

use std::sync::Arc;
use std::time::Instant;

use deribit_backfill::domain::time::{DAY_MS, MINUTE_MS, format_ms, parse_instant};
use deribit_backfill::domain::{
    BasisPoint, Candle, Checkpoint, DataStatus, DeliveryPriceRow, Discovery, FundingRate,
    IndexPrice, IndexSource, InstrumentKind, InstrumentRecord, JobKey, JobState, Pipeline,
    SettlementPeriod, TimeRange, UnreadableRow,
};
use deribit_backfill::store::{
    self, Backend, CandleTable, DataTable, DatabaseUrl, Store, StoreError, WriteStats,
};
use sqlx::Connection;

// ---------------------------------------------------------------------------------------------
// Harness

struct Ctx {
    backend: Backend,
    store: Arc<dyn Store>,
    /// The URL with its secret (to reconnect and for raw checks).
    url: String,
    admin: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

/// A raw connection for checks the Store API does not expose.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

impl Raw {
    /// Runs a statement; the database's error as text.
    async fn exec(&mut self, sql: &str) -> Result<u64, String> {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Raw::Sqlite(c) => sqlx::query(q).execute(c).await.map(|r| r.rows_affected()),
            Raw::Pg(c) => sqlx::query(q).execute(c).await.map(|r| r.rows_affected()),
        }
        .map_err(|e| e.to_string())
    }

    async fn i64(&mut self, sql: &str) -> i64 {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Raw::Sqlite(c) => sqlx::query_scalar(q).fetch_one(c).await,
            Raw::Pg(c) => sqlx::query_scalar(q).fetch_one(c).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn strings(&mut self, sql: &str) -> Vec<String> {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Raw::Sqlite(c) => sqlx::query_scalar(q).fetch_all(c).await,
            Raw::Pg(c) => sqlx::query_scalar(q).fetch_all(c).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Changes whenever anything is written to `table`: SQLite's `data_version` (bumped by
    /// any commit that changed a page), PostgreSQL's relation size, row versions (xmin) and
    /// row locks (xmax).
    async fn write_fingerprint(&mut self, table: &str) -> String {
        match self {
            Raw::Sqlite(_) => format!("{}", self.i64("PRAGMA data_version").await),
            Raw::Pg(_) => {
                let size = self
                    .i64(&format!("SELECT pg_relation_size('{table}')"))
                    .await;
                let xmin = self
                    .i64(&format!(
                        "SELECT coalesce(sum(xmin::text::bigint), 0)::bigint FROM {table}"
                    ))
                    .await;
                let locked = self
                    .i64(&format!(
                        "SELECT count(*) FROM {table} WHERE xmax::text <> '0'"
                    ))
                    .await;
                assert_eq!(locked, 0, "rows of {table} were locked or deleted");
                format!("{size}:{xmin}")
            }
        }
    }
}

impl Ctx {
    async fn sqlite(test: &str) -> Ctx {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/{test}.db", dir.path().display());
        let store = store::connect(&url).await.expect("open SQLite store");
        Ctx {
            backend: Backend::Sqlite,
            store,
            url,
            admin: None,
            _dir: Some(dir),
        }
    }

    async fn postgres(test: &str) -> Option<Ctx> {
        let admin = pg::admin_url(test)?;
        let base = pg::fresh_database(&admin, test).await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20TimeZone%3DPacific%2FChatham");
        let store = store::connect(&url).await.expect("open PostgreSQL store");
        Some(Ctx {
            backend: Backend::Postgres,
            store,
            url,
            admin: Some(admin),
            _dir: None,
        })
    }

    async fn reopen(&self) -> Arc<dyn Store> {
        store::connect(&self.url).await.expect("reopen store")
    }

    async fn raw(&self) -> Raw {
        match self.backend {
            Backend::Sqlite => {
                let path = DatabaseUrl::parse(&self.url)
                    .unwrap()
                    .sqlite_path()
                    .unwrap()
                    .to_path_buf();
                let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
                Raw::Sqlite(sqlx::SqliteConnection::connect_with(&opts).await.unwrap())
            }
            Backend::Postgres => Raw::Pg(sqlx::PgConnection::connect(&self.url).await.unwrap()),
        }
    }

    async fn finish(self) {
        self.store.close().await;
        if let Some(admin) = &self.admin {
            pg::drop_database(admin, &self.url).await;
        }
    }
}

/// Generates one test per backend for each body: `sqlite::name` and `postgres::name`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let ctx = super::Ctx::sqlite(stringify!($name)).await;
                    super::$name(&ctx).await;
                    ctx.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(ctx) = super::Ctx::postgres(stringify!($name)).await else { return };
                    super::$name(&ctx).await;
                    ctx.finish().await;
                }
            )*
        }
    };
}

conformance!(
    upsert_twice_is_once,
    conflicting_rows_update,
    batches_are_deduplicated,
    failed_batch_leaves_neither_rows_nor_checkpoint,
    counts_sizes_and_coverage,
    utc_round_trip,
    large_batch,
    funding_round_trip,
    funding_quarantine_round_trip,
    delivery_prices_have_their_own_table,
    index_source_priority,
    basis_matches_compute,
    instruments_merge,
    checkpoints_round_trip,
    concurrent_writers,
    migrate_is_idempotent,
);

// ---------------------------------------------------------------------------------------------
// Data

const FUT: &str = "BTC-27DEC24";
const PERP: &str = "BTC-PERPETUAL";
/// 2024-10-01T00:00:00Z
const T0: i64 = 1_727_740_800_000;

fn candles(start: i64, n: usize, base: f64) -> Vec<Candle> {
    (0..n)
        .map(|i| {
            let open = base + (i % 97) as f64 * 0.5;
            let close = open + ((i % 7) as f64 - 3.0) * 0.5;
            let volume = (i % 13) as f64 * 0.25;
            Candle {
                ts: start + i as i64 * MINUTE_MS,
                open,
                high: open.max(close) + 1.0,
                low: open.min(close) - 1.0,
                close,
                volume,
                cost: volume * close,
            }
        })
        .collect()
}

fn checkpoint(pipeline: Pipeline, instrument: &str, cursor: i64, rows: i64) -> Checkpoint {
    let range = TimeRange::new(T0, T0 + 30 * DAY_MS).unwrap();
    let mut cp = Checkpoint::new(JobKey::new(pipeline, instrument), range, T0);
    cp.cursor = cursor;
    cp.rows = rows;
    cp.requests = rows / 5000 + 1;
    cp.state = JobState::Running;
    cp
}

fn full_range() -> TimeRange {
    TimeRange::new(-100 * 365 * DAY_MS, 300 * 365 * DAY_MS).unwrap()
}

fn stats(received: u64, distinct: u64, inserted: u64, updated: u64) -> WriteStats {
    WriteStats {
        received,
        distinct,
        inserted,
        updated,
        unchanged: distinct - inserted - updated,
    }
}

async fn rows_of(s: &dyn Store, table: DataTable, key: &str) -> i64 {
    s.instrument_rows(table)
        .await
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == key)
        .map_or(0, |(_, n)| n)
}

// ---------------------------------------------------------------------------------------------
// Bodies

async fn upsert_twice_is_once(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let rows = candles(T0, 5_000, 60_000.0);
    let first = s
        .upsert_candles(CandleTable::Futures, FUT, &rows, None)
        .await
        .unwrap();
    assert_eq!(first, stats(5_000, 5_000, 5_000, 0));

    let mut raw = ctx.raw().await;
    let before = raw.write_fingerprint("futures_ohlcv").await;
    let again = s
        .upsert_candles(CandleTable::Futures, FUT, &rows, None)
        .await
        .unwrap();
    assert_eq!(again, stats(5_000, 5_000, 0, 0), "a repeat writes nothing");
    assert_eq!(again.written(), 0);
    assert_eq!(
        raw.write_fingerprint("futures_ohlcv").await,
        before,
        "a repeat must not touch the table"
    );

    assert_eq!(
        s.count_rows(DataTable::Futures, Some(FUT)).await.unwrap(),
        5_000
    );
    assert_eq!(s.count_rows(DataTable::Futures, None).await.unwrap(), 5_000);
    assert_eq!(rows_of(s, DataTable::Futures, FUT).await, 5_000);
    let back = s
        .read_candles(CandleTable::Futures, FUT, full_range())
        .await
        .unwrap();
    assert_eq!(back, rows, "rows read back exactly");
    // Futures rows carry the expiry date from the name.
    let expiry = raw
        .strings(&match ctx.backend {
            Backend::Sqlite => "SELECT DISTINCT expiry_date FROM futures_ohlcv".to_string(),
            Backend::Postgres => "SELECT DISTINCT expiry_date::text FROM futures_ohlcv".to_string(),
        })
        .await;
    assert_eq!(expiry, vec!["2024-12-27".to_string()]);

    // Perpetuals: same contract.
    let p = s
        .upsert_candles(CandleTable::Perpetuals, PERP, &rows, None)
        .await
        .unwrap();
    assert_eq!(p.inserted, 5_000);
    let p2 = s
        .upsert_candles(CandleTable::Perpetuals, PERP, &rows, None)
        .await
        .unwrap();
    assert_eq!(p2.written(), 0);
    assert_eq!(rows_of(s, DataTable::Perpetuals, PERP).await, 5_000);
    // An empty batch is fine and writes nothing.
    let e = s
        .upsert_candles(CandleTable::Perpetuals, PERP, &[], None)
        .await
        .unwrap();
    assert_eq!(e, WriteStats::default());
}

async fn conflicting_rows_update(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let rows = candles(T0, 1_000, 60_000.0);
    s.upsert_candles(CandleTable::Futures, FUT, &rows, None)
        .await
        .unwrap();
    let mut next = rows.clone();
    for c in next.iter_mut().skip(100).take(10) {
        c.close += 0.5;
        c.high += 0.5;
    }
    next[500].volume += 1.0; // a single field differs
    next.extend(candles(T0 + 1_000 * MINUTE_MS, 5, 61_000.0));
    let st = s
        .upsert_candles(CandleTable::Futures, FUT, &next, None)
        .await
        .unwrap();
    assert_eq!(st, stats(1_005, 1_005, 5, 11));
    let back = s
        .read_candles(CandleTable::Futures, FUT, full_range())
        .await
        .unwrap();
    assert_eq!(back, next, "the newer values win");
    assert_eq!(rows_of(s, DataTable::Futures, FUT).await, 1_005);
    assert_eq!(
        s.count_rows(DataTable::Futures, Some(FUT)).await.unwrap(),
        1_005
    );
    let activity = s.write_activity().await.unwrap();
    let fut = activity
        .iter()
        .find(|a| a.table == DataTable::Futures)
        .expect("futures write activity");
    if ctx.backend == Backend::Sqlite {
        // Bookkeeping is immediate; pg_stat counters are flushed asynchronously.
        assert_eq!((fut.inserted, fut.updated), (1_005, 11));
    }
    assert!(fut.inserted >= 0 && fut.updated >= 0);
}

async fn batches_are_deduplicated(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let mut rows = candles(T0, 10, 100.0);
    let mut dup = rows[3];
    dup.close = 101.25;
    dup.high = 200.0;
    rows.push(dup); // same minute again, later in the batch: wins
    rows.reverse(); // and out of order
    let st = s
        .upsert_candles(CandleTable::Perpetuals, PERP, &rows, None)
        .await
        .unwrap();
    assert_eq!(st, stats(11, 10, 10, 0));
    let back = s
        .read_candles(CandleTable::Perpetuals, PERP, full_range())
        .await
        .unwrap();
    assert_eq!(back.len(), 10);
    assert!(back.windows(2).all(|w| w[0].ts < w[1].ts));
    // reversed: the original row 3 now comes after its duplicate, so the original wins.
    assert_eq!(back[3], candles(T0, 10, 100.0)[3]);
}

async fn failed_batch_leaves_neither_rows_nor_checkpoint(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let first = candles(T0, 2_000, 60_000.0);
    let cp1 = checkpoint(Pipeline::Futures, FUT, T0 + 2_000 * MINUTE_MS, 2_000);
    s.upsert_candles(CandleTable::Futures, FUT, &first, Some(&cp1))
        .await
        .unwrap();
    assert_eq!(
        s.load_checkpoint(&cp1.key).await.unwrap(),
        Some(cp1.clone())
    );

    // 1. The database refuses the checkpoint (rows < 0 violates a CHECK) AFTER the rows were
    //    written in the same transaction: everything rolls back.
    let mut second = candles(T0 + 2_000 * MINUTE_MS, 3_000, 61_000.0);
    let mut changed = first[10];
    changed.close += 1.0;
    changed.high += 1.0;
    second.push(changed);
    let mut bad_cp = checkpoint(Pipeline::Futures, FUT, T0 + 5_000 * MINUTE_MS, 5_000);
    bad_cp.rows = -1;
    let err = s
        .upsert_candles(CandleTable::Futures, FUT, &second, Some(&bad_cp))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Database { .. }),
        "unexpected error {err}"
    );
    assert!(err.to_string().contains("checkpoint"), "{err}");
    assert_eq!(
        s.count_rows(DataTable::Futures, Some(FUT)).await.unwrap(),
        2_000
    );
    assert_eq!(rows_of(s, DataTable::Futures, FUT).await, 2_000);
    assert_eq!(
        s.read_candles(CandleTable::Futures, FUT, full_range())
            .await
            .unwrap(),
        first,
        "the changed row was rolled back too"
    );
    assert_eq!(
        s.load_checkpoint(&cp1.key).await.unwrap(),
        Some(cp1.clone())
    );

    // 1b. The same on a first load of a fresh range (PostgreSQL loads those with COPY).
    let fresh = candles(T0 + 10_000 * MINUTE_MS, 3_000, 62_000.0);
    let err = s
        .upsert_candles(CandleTable::Futures, FUT, &fresh, Some(&bad_cp))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("checkpoint"), "{err}");
    assert_eq!(
        s.count_rows(DataTable::Futures, Some(FUT)).await.unwrap(),
        2_000
    );
    assert_eq!(rows_of(s, DataTable::Futures, FUT).await, 2_000);
    assert_eq!(
        s.load_checkpoint(&cp1.key).await.unwrap(),
        Some(cp1.clone())
    );

    // 2. A non-finite value anywhere refuses the whole batch before anything is written.
    let mut nan = candles(T0 + 2_000 * MINUTE_MS, 100, 61_000.0);
    nan[50].low = f64::NAN;
    let err = s
        .upsert_candles(CandleTable::Futures, FUT, &nan, Some(&cp1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidRow { .. }), "{err}");
    assert!(
        err.to_string().contains("low is not a finite number"),
        "{err}"
    );
    assert_eq!(
        s.count_rows(DataTable::Futures, Some(FUT)).await.unwrap(),
        2_000
    );

    // 3. Rows for a name that is not a dated future cannot go to futures_ohlcv.
    let err = s
        .upsert_candles(CandleTable::Futures, PERP, &first, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInstrument { .. }), "{err}");
    let err = s
        .upsert_candles(CandleTable::Perpetuals, "", &first, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInstrument { .. }), "{err}");
    assert_eq!(s.count_rows(DataTable::Perpetuals, None).await.unwrap(), 0);

    // 4. A closed store refuses writes; reopening shows the data intact.
    s.close().await;
    let err = s
        .upsert_candles(CandleTable::Futures, FUT, &second, Some(&cp1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Closed), "{err}");
    let s2 = ctx.reopen().await;
    assert_eq!(
        s2.count_rows(DataTable::Futures, Some(FUT)).await.unwrap(),
        2_000
    );
    assert_eq!(s2.load_checkpoint(&cp1.key).await.unwrap(), Some(cp1));
    s2.close().await;
}

async fn counts_sizes_and_coverage(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let table = |v: &[deribit_backfill::store::TableStats], t: DataTable| {
        v.iter().find(|x| x.table == t).cloned().expect("table")
    };
    let empty = s.table_stats().await.unwrap();
    assert_eq!(empty.len(), DataTable::ALL.len());
    assert_eq!(table(&empty, DataTable::Futures).rows, 0);
    assert!(s.coverage(DataTable::Futures).await.unwrap().is_empty());
    assert_eq!(
        s.latest_timestamp(DataTable::Futures, FUT).await.unwrap(),
        None
    );

    let names = ["BTC-27DEC24", "BTC-28MAR25", "ETH-27DEC24"];
    for (i, name) in names.iter().enumerate() {
        let n = 3_000 * (i + 1);
        let start = T0 + i as i64 * 7 * MINUTE_MS;
        s.upsert_candles(
            CandleTable::Futures,
            name,
            &candles(start, n, 60_000.0),
            None,
        )
        .await
        .unwrap();
    }
    s.analyze().await.unwrap();
    let after = s.table_stats().await.unwrap();
    let fut = table(&after, DataTable::Futures);
    assert_eq!(fut.rows, 18_000);
    let bytes = fut.bytes.expect("bytes");
    let e0 = table(&empty, DataTable::Futures).bytes.expect("bytes");
    assert!(bytes > e0, "{bytes} > {e0}");
    // 18k candles: somewhere between 30 and 400 bytes each, indexes included.
    assert!(
        (30 * 18_000..400 * 18_000).contains(&bytes),
        "futures bytes {bytes}"
    );
    if ctx.backend == Backend::Postgres {
        let est = fut.estimated_rows.expect("reltuples after ANALYZE");
        assert!((17_000..=19_000).contains(&est), "estimate {est}");
    }

    let per = s.instrument_rows(DataTable::Futures).await.unwrap();
    assert_eq!(
        per,
        vec![
            ("BTC-27DEC24".to_string(), 3_000),
            ("BTC-28MAR25".to_string(), 6_000),
            ("ETH-27DEC24".to_string(), 9_000),
        ]
    );
    let cov = s.coverage(DataTable::Futures).await.unwrap();
    assert_eq!(cov.len(), 3);
    for (i, c) in cov.iter().enumerate() {
        let n = 3_000 * (i as i64 + 1);
        let start = T0 + i as i64 * 7 * MINUTE_MS;
        assert_eq!(c.instrument, names[i]);
        assert_eq!(c.rows, n);
        assert_eq!(c.first_ts, start);
        assert_eq!(c.last_ts, start + (n - 1) * MINUTE_MS);
        assert_eq!(
            s.latest_timestamp(DataTable::Futures, names[i])
                .await
                .unwrap(),
            Some(c.last_ts)
        );
        assert_eq!(
            s.count_rows(DataTable::Futures, Some(names[i]))
                .await
                .unwrap(),
            n
        );
    }
    // Growing again grows the numbers.
    s.upsert_candles(
        CandleTable::Futures,
        names[0],
        &candles(T0 + 3_000 * MINUTE_MS, 1_000, 60_000.0),
        None,
    )
    .await
    .unwrap();
    let grown = s.table_stats().await.unwrap();
    assert_eq!(table(&grown, DataTable::Futures).rows, 19_000);
    assert!(table(&grown, DataTable::Futures).bytes.unwrap() >= bytes);

    match (ctx.backend, s.free_space().await.unwrap()) {
        (Backend::Sqlite, Some(d)) => {
            assert!(d.total_bytes > 0 && d.available_bytes <= d.total_bytes);
        }
        (Backend::Sqlite, None) => panic!("free space of a local SQLite file must be known"),
        // scripts/test's server is local and we connect as superuser: measurable.
        (Backend::Postgres, Some(d)) => assert!(d.total_bytes > 0),
        (Backend::Postgres, None) => assert!(
            !DatabaseUrl::parse(&ctx.url).unwrap().is_local(),
            "free space of a local server (as superuser) must be known"
        ),
    }
}

async fn utc_round_trip(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let instants = [
        "1969-12-31T23:59:00Z",
        "1970-01-01T00:00:00Z",
        "1970-01-01T00:01:00Z",
        "2023-12-31T23:59:00Z",
        "2024-01-01T00:00:00Z",
        "2024-02-28T23:59:00Z",
        "2024-02-29T00:00:00Z",
        "2024-02-29T23:59:00Z",
        "2024-03-01T00:00:00Z",
        "2024-03-31T01:00:00Z", // a European DST switch: irrelevant in UTC
        "2100-02-28T23:59:00Z",
    ];
    let ts: Vec<i64> = instants.iter().map(|i| parse_instant(i).unwrap()).collect();
    let rows: Vec<Candle> = ts
        .iter()
        .map(|&t| Candle {
            ts: t,
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: 0.0,
            cost: 0.0,
        })
        .collect();
    s.upsert_candles(CandleTable::Perpetuals, PERP, &rows, None)
        .await
        .unwrap();
    let back = s
        .read_candles(CandleTable::Perpetuals, PERP, full_range())
        .await
        .unwrap();
    assert_eq!(back.iter().map(|c| c.ts).collect::<Vec<_>>(), ts);
    // The database itself sees the same UTC instants (operators query it directly).
    let mut raw = ctx.raw().await;
    let shown = raw
        .strings(match ctx.backend {
            Backend::Sqlite => {
                "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', timestamp / 1000, 'unixepoch') \
                 FROM perpetuals_ohlcv ORDER BY timestamp"
            }
            Backend::Postgres => {
                "SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
                 FROM perpetuals_ohlcv ORDER BY timestamp"
            }
        })
        .await;
    assert_eq!(
        shown,
        instants.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    // Milliseconds survive too.
    let ms = 1_709_193_600_123;
    let c = Candle { ts: ms, ..rows[0] };
    s.upsert_candles(CandleTable::Perpetuals, "ETH-PERPETUAL", &[c], None)
        .await
        .unwrap();
    let back = s
        .read_candles(
            CandleTable::Perpetuals,
            "ETH-PERPETUAL",
            TimeRange::new(ms, ms + 1).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(back, vec![c], "{}", format_ms(ms));
    // Checkpoints and instruments keep their instants as well.
    let mut cp = checkpoint(Pipeline::Perpetuals, PERP, ts[4], 1);
    cp.range = TimeRange::new(ts[0], ts[10]).unwrap();
    cp.updated_at = ts[7];
    s.save_checkpoint(&cp).await.unwrap();
    assert_eq!(s.load_checkpoint(&cp.key).await.unwrap(), Some(cp));
}

async fn large_batch(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let rows = candles(T0, 120_000, 60_000.0);
    let cp = checkpoint(Pipeline::Futures, FUT, T0 + 120_000 * MINUTE_MS, 120_000);
    let t = Instant::now();
    let st = s
        .upsert_candles(CandleTable::Futures, FUT, &rows, Some(&cp))
        .await
        .unwrap();
    let first = t.elapsed();
    assert_eq!(st, stats(120_000, 120_000, 120_000, 0));
    let t = Instant::now();
    let st = s
        .upsert_candles(CandleTable::Futures, FUT, &rows, Some(&cp))
        .await
        .unwrap();
    let second = t.elapsed();
    assert_eq!(st, stats(120_000, 120_000, 0, 0));
    eprintln!(
        "{:?}: 120k rows first {first:?}, repeat {second:?}",
        ctx.backend
    );
    assert_eq!(
        s.count_rows(DataTable::Futures, None).await.unwrap(),
        120_000
    );
    assert_eq!(rows_of(s, DataTable::Futures, FUT).await, 120_000);
    let back = s
        .read_candles(
            CandleTable::Futures,
            FUT,
            TimeRange::new(T0 + 60_000 * MINUTE_MS, T0 + 60_010 * MINUTE_MS).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(back, rows[60_000..60_010].to_vec());

    // Size estimate vs the exact size (SQLite extrapolates from a sample of pages).
    let stat = s
        .table_stats()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.table == DataTable::Futures)
        .unwrap();
    let mut raw = ctx.raw().await;
    let exact = raw
        .i64(match ctx.backend {
            Backend::Sqlite => {
                "SELECT sum(pgsize) FROM dbstat WHERE name = 'futures_ohlcv' AND aggregate = TRUE"
            }
            Backend::Postgres => "SELECT pg_total_relation_size('futures_ohlcv')",
        })
        .await;
    let est = stat.bytes.unwrap();
    let err = (est - exact).abs() as f64 / exact as f64;
    assert!(err < 0.10, "size estimate {est} vs exact {exact}");
    if ctx.backend == Backend::Sqlite {
        assert!(!stat.bytes_exact, "120k rows is past the sample");
    }
}

async fn funding_round_trip(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let rows: Vec<FundingRate> = (0..2_000)
        .map(|i| FundingRate {
            ts: T0 + i * 3_600_000,
            interest_8h: Some((i as f64 - 1_000.0) * 1e-7),
            interest_1h: Some((i as f64 - 1_000.0) * 1e-8),
            index_price: Some(60_000.0 + i as f64),
            // The real first row has no previous index; any number may be null.
            prev_index_price: (i > 0).then_some(59_999.0 + i as f64),
        })
        .collect();
    let cp = checkpoint(Pipeline::Funding, PERP, T0 + 2_000 * 3_600_000, 2_000);
    let st = s.upsert_funding(PERP, &rows, Some(&cp)).await.unwrap();
    assert_eq!(st, stats(2_000, 2_000, 2_000, 0));
    assert_eq!(
        s.upsert_funding(PERP, &rows, Some(&cp))
            .await
            .unwrap()
            .written(),
        0
    );
    let mut changed = rows.clone();
    changed[7].interest_8h = Some(0.5);
    // A value that becomes null is a change; so is a null that becomes a value.
    changed[9].index_price = None;
    changed[0].prev_index_price = Some(1.0);
    assert_eq!(
        s.upsert_funding(PERP, &changed, None).await.unwrap(),
        stats(2_000, 2_000, 0, 3)
    );
    assert_eq!(
        s.upsert_funding(PERP, &changed, None)
            .await
            .unwrap()
            .written(),
        0,
        "nulls compare equal to nulls: a re-run writes nothing"
    );
    assert_eq!(s.read_funding(PERP, full_range()).await.unwrap(), changed);
    assert_eq!(s.load_checkpoint(&cp.key).await.unwrap(), Some(cp));
    assert_eq!(rows_of(s, DataTable::Funding, PERP).await, 2_000);
    // The column operators query: funding_rate = interest_8h.
    let mut raw = ctx.raw().await;
    let n = raw
        .i64("SELECT count(*) FROM funding_rates WHERE funding_rate = 0.5")
        .await;
    assert_eq!(n, 1);
    let nulls = raw
        .i64("SELECT count(*) FROM funding_rates WHERE index_price IS NULL")
        .await;
    assert_eq!(nulls, 1, "None is stored as NULL");
    // A page that starts with a null everywhere still loads (first load: COPY on PostgreSQL).
    let empty_row = FundingRate {
        ts: T0 - 3_600_000,
        interest_8h: None,
        interest_1h: None,
        index_price: None,
        prev_index_price: None,
    };
    assert_eq!(
        s.upsert_funding("ETH-PERPETUAL", &[empty_row], None)
            .await
            .unwrap(),
        stats(1, 1, 1, 0)
    );
    assert_eq!(
        s.read_funding("ETH-PERPETUAL", full_range()).await.unwrap(),
        vec![empty_row]
    );
}

async fn funding_quarantine_round_trip(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let bad = |ts: Option<i64>, raw: &str, reason: &str| UnreadableRow {
        ts,
        raw: raw.to_string(),
        reason: reason.to_string(),
    };
    let rows = vec![
        bad(
            Some(T0),
            r#"{"timestamp":1727740800000,"index_price":"abc"}"#,
            "index_price is not a number: \"abc\"",
        ),
        bad(None, r#"{"index_price":1.0}"#, "timestamp is missing"),
    ];
    assert_eq!(s.quarantine_funding(PERP, &rows, T0 + 5).await.unwrap(), 2);
    assert_eq!(
        s.quarantine_funding(PERP, &rows, T0 + 9).await.unwrap(),
        0,
        "the same raw row is kept once"
    );
    let back = s.quarantined_funding().await.unwrap();
    assert_eq!(back.len(), 2);
    let mut got: Vec<UnreadableRow> = back.iter().map(|q| q.row.clone()).collect();
    got.sort_by(|a, b| a.raw.cmp(&b.raw));
    let mut want = rows.clone();
    want.sort_by(|a, b| a.raw.cmp(&b.raw));
    assert_eq!(got, want);
    assert!(
        back.iter()
            .all(|q| q.instrument == PERP && q.quarantined_at == T0 + 5)
    );
}

async fn delivery_prices_have_their_own_table(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let d = |y, m, day, price| DeliveryPriceRow {
        date: chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap(),
        price,
    };
    let rows = vec![d(2024, 10, 2, 61_000.5), d(2024, 10, 1, 60_000.25)];
    assert_eq!(
        s.upsert_delivery_prices("BTC", &rows).await.unwrap(),
        stats(2, 2, 2, 0)
    );
    assert_eq!(
        s.upsert_delivery_prices("BTC", &rows)
            .await
            .unwrap()
            .written(),
        0
    );
    assert_eq!(
        s.upsert_delivery_prices("BTC", &[d(2024, 10, 2, 61_001.0)])
            .await
            .unwrap(),
        stats(1, 1, 0, 1)
    );
    assert_eq!(
        s.read_delivery_prices("BTC").await.unwrap(),
        vec![d(2024, 10, 1, 60_000.25), d(2024, 10, 2, 61_001.0)]
    );
    assert!(s.read_delivery_prices("ETH").await.unwrap().is_empty());
    assert!(
        s.upsert_delivery_prices("BTC", &[d(2024, 10, 3, f64::NAN)])
            .await
            .is_err()
    );
    // Never a minute of the index.
    assert!(
        s.read_index_prices("BTC", full_range())
            .await
            .unwrap()
            .is_empty()
    );
    let mut raw = ctx.raw().await;
    assert_eq!(
        raw.i64("SELECT count(*) FROM delivery_prices WHERE currency = 'BTC'")
            .await,
        2
    );
    // The schema itself refuses a delivery price as a minute of the index.
    let ts = match ctx.backend {
        Backend::Sqlite => T0.to_string(),
        Backend::Postgres => "'2024-10-01T00:00:00Z'".to_string(),
    };
    let refused = raw
        .exec(&format!(
            "INSERT INTO index_prices (currency, timestamp, price, source) \
             VALUES ('BTC', {ts}, 60000.25, 'delivery')"
        ))
        .await;
    assert!(refused.is_err(), "{refused:?}");
    let allowed = raw
        .exec(&format!(
            "INSERT INTO index_prices (currency, timestamp, price, source) \
             VALUES ('BTC', {ts}, 60000.25, 'perpetual_close')"
        ))
        .await;
    assert_eq!(allowed, Ok(1));
}

async fn index_source_priority(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let p = |ts, price, source| IndexPrice { ts, price, source };
    use IndexSource::*;
    let (t1, t2, t3) = (T0, T0 + 60_000, T0 + 120_000);
    let st = s
        .upsert_index_prices(
            "BTC",
            &[
                p(t1, 100.0, PerpetualClose),
                p(t2, 101.0, PerpetualClose),
                p(t3, 102.0, IndexChart),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(st.inserted, 3);
    // Official beats the proxy.
    let st = s
        .upsert_index_prices("BTC", &[p(t1, 99.5, FundingHistory)], None)
        .await
        .unwrap();
    assert_eq!(st, stats(1, 1, 0, 1));
    // The proxy never replaces an official price...
    let st = s
        .upsert_index_prices("BTC", &[p(t1, 98.0, PerpetualClose)], None)
        .await
        .unwrap();
    assert_eq!(st, stats(1, 1, 0, 0));
    // ...nor does a lower official source replace a higher one...
    let st = s
        .upsert_index_prices("BTC", &[p(t1, 97.0, IndexChart)], None)
        .await
        .unwrap();
    assert_eq!(st.written(), 0);
    // ...while the same source with a new value, or a higher one, does.
    let st = s
        .upsert_index_prices(
            "BTC",
            &[
                p(t1, 99.75, FundingHistory),
                p(t2, 100.5, FundingHistory),
                p(t3, 102.0, IndexChart),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, stats(3, 3, 0, 2));
    let back = s.read_index_prices("BTC", full_range()).await.unwrap();
    assert_eq!(
        back,
        vec![
            p(t1, 99.75, FundingHistory),
            p(t2, 100.5, FundingHistory),
            p(t3, 102.0, IndexChart)
        ]
    );
    // Within one batch the best source wins too.
    let st = s
        .upsert_index_prices(
            "ETH",
            &[p(t1, 1.0, FundingHistory), p(t1, 2.0, PerpetualClose)],
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, stats(2, 1, 1, 0));
    assert_eq!(
        s.read_index_prices("ETH", full_range()).await.unwrap(),
        vec![p(t1, 1.0, FundingHistory)]
    );
    assert_eq!(rows_of(s, DataTable::Index, "BTC").await, 3);
    assert_eq!(
        s.latest_timestamp(DataTable::Index, "BTC").await.unwrap(),
        Some(t3)
    );
}

async fn basis_matches_compute(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    // Future: minutes 0..600; perpetual: minutes 100..700 minus every 7th: overlap 100..600.
    let fut = candles(T0, 600, 60_500.0);
    let perp: Vec<Candle> = candles(T0 + 100 * MINUTE_MS, 600, 60_000.0)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 7 != 3)
        .map(|(_, c)| c)
        .collect();
    s.upsert_candles(CandleTable::Futures, FUT, &fut, None)
        .await
        .unwrap();
    s.upsert_candles(CandleTable::Perpetuals, PERP, &perp, None)
        .await
        .unwrap();
    // A linear future whose perpetual has no data, and an expired future.
    s.upsert_candles(CandleTable::Futures, "BTC_USDC-27DEC24", &fut, None)
        .await
        .unwrap();
    s.upsert_candles(
        CandleTable::Futures,
        "BTC-27SEP24",
        &candles(T0 - 30 * DAY_MS, 50, 59_000.0),
        None,
    )
    .await
    .unwrap();
    s.upsert_candles(
        CandleTable::Perpetuals,
        PERP,
        &candles(T0 - 30 * DAY_MS, 50, 58_000.0),
        None,
    )
    .await
    .unwrap();

    let r = s.refresh_basis(None).await.unwrap();
    let expiry = parse_instant("2024-12-27T08:00:00Z").unwrap();
    let expected: Vec<BasisPoint> = fut
        .iter()
        .filter_map(|f| {
            let p = perp.iter().find(|p| p.ts == f.ts)?;
            Some(BasisPoint::compute(f.ts, f.close, p.close, expiry))
        })
        .collect();
    assert!(expected.len() > 400);
    let got = s.basis_history(FUT, None).await.unwrap();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e, "basis at {}", format_ms(e.ts));
    }
    assert_eq!(r.rows as usize, expected.len() + 50);
    assert!(
        s.basis_history("BTC_USDC-27DEC24", None)
            .await
            .unwrap()
            .is_empty()
    );
    let old = s.basis_history("BTC-27SEP24", None).await.unwrap();
    assert_eq!(old.len(), 50);
    assert!(old[0].days_to_expiry > 0.0);
    // A window of the history.
    let w = TimeRange::new(T0 + 200 * MINUTE_MS, T0 + 210 * MINUTE_MS).unwrap();
    let part = s.basis_history(FUT, Some(w)).await.unwrap();
    assert!(!part.is_empty() && part.iter().all(|b| w.contains(b.ts)));
    // Term structure at T0: only the live future, with its newest point.
    let latest = s.latest_basis(T0).await.unwrap();
    assert_eq!(latest, vec![(FUT.to_string(), *expected.last().unwrap())]);
    assert_eq!(
        rows_of(s, DataTable::Basis, FUT).await,
        expected.len() as i64
    );

    // New candles show up after the next refresh; refreshing again changes nothing.
    let more_fut = candles(T0 + 600 * MINUTE_MS, 50, 61_000.0);
    s.upsert_candles(CandleTable::Futures, FUT, &more_fut, None)
        .await
        .unwrap();
    let list = [FUT.to_string()];
    s.refresh_basis(Some(&list)).await.unwrap();
    let got2 = s.basis_history(FUT, None).await.unwrap();
    assert!(got2.len() > got.len());
    s.refresh_basis(Some(&list)).await.unwrap();
    assert_eq!(s.basis_history(FUT, None).await.unwrap(), got2);
    // Not a future: a clear error, nothing refreshed.
    let err = s
        .refresh_basis(Some(&[PERP.to_string()]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInstrument { .. }), "{err}");
}

fn record(name: &str, from: Discovery) -> InstrumentRecord {
    InstrumentRecord {
        instrument: name.to_string(),
        kind: InstrumentKind::Future,
        currency: "BTC".into(),
        settlement_period: None,
        creation_ts: None,
        expiration_ts: Some(parse_instant("2024-12-27T08:00:00Z").unwrap()),
        is_active: true,
        discovered_from: from,
        data_status: DataStatus::Unknown,
    }
}

async fn instruments_merge(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let mut cal = record(FUT, Discovery::Calendar);
    cal.settlement_period = Some(SettlementPeriod::Month);
    let mut perp = record(PERP, Discovery::Api);
    perp.kind = InstrumentKind::Perpetual;
    perp.expiration_ts = Some(deribit_backfill::domain::time::PERPETUAL_EXPIRATION_MS);
    let st = s
        .upsert_instruments(&[cal.clone(), perp.clone()])
        .await
        .unwrap();
    assert_eq!((st.inserted, st.updated), (2, 0));
    assert_eq!(
        s.upsert_instruments(&[cal.clone()])
            .await
            .unwrap()
            .written(),
        0
    );

    let mut api = record(FUT, Discovery::Api);
    api.creation_ts = Some(parse_instant("2024-06-28T08:00:00Z").unwrap());
    api.is_active = false;
    let st = s.upsert_instruments(&[api.clone()]).await.unwrap();
    assert_eq!((st.inserted, st.updated), (0, 1));
    assert!(
        s.set_instrument_data_status(FUT, DataStatus::Available)
            .await
            .unwrap()
    );
    assert!(
        !s.set_instrument_data_status("BTC-1JAN99", DataStatus::Available)
            .await
            .unwrap()
    );
    // A later calendar prediction neither loses the API's facts nor the data status.
    s.upsert_instruments(&[cal.clone()]).await.unwrap();
    let list = s.list_instruments().await.unwrap();
    assert_eq!(list.len(), 2);
    let f = list.iter().find(|r| r.instrument == FUT).unwrap();
    assert_eq!(f.discovered_from, Discovery::Both);
    assert_eq!(f.creation_ts, api.creation_ts);
    assert_eq!(f.settlement_period, Some(SettlementPeriod::Month));
    assert!(!f.is_active);
    assert_eq!(f.data_status, DataStatus::Available);
    let p = list.iter().find(|r| r.instrument == PERP).unwrap();
    assert_eq!(p, &perp, "year-3000 expiry round-trips");
}

async fn checkpoints_round_trip(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let a = checkpoint(Pipeline::Futures, FUT, T0, 0);
    let mut b = checkpoint(Pipeline::Index, "BTC", T0 + 5, 10);
    b.state = JobState::Failed;
    b.last_error = Some("HTTP 502 from the exchange".into());
    b.retries = 3;
    s.save_checkpoint(&a).await.unwrap();
    s.save_checkpoint(&b).await.unwrap();
    let mut a2 = a.clone();
    a2.cursor += MINUTE_MS;
    a2.state = JobState::Paused;
    s.save_checkpoint(&a2).await.unwrap();
    assert_eq!(
        s.load_checkpoints().await.unwrap(),
        vec![a2.clone(), b.clone()]
    );
    assert_eq!(s.load_checkpoint(&b.key).await.unwrap(), Some(b.clone()));
    assert_eq!(
        s.load_checkpoint(&JobKey::new(Pipeline::Basis, FUT))
            .await
            .unwrap(),
        None
    );
    let n = s
        .delete_checkpoints(&[a.key.clone(), JobKey::new(Pipeline::Basis, "nope")])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(s.load_checkpoints().await.unwrap(), vec![b]);
}

async fn concurrent_writers(ctx: &Ctx) {
    let mut tasks = Vec::new();
    for i in 0..4 {
        let s = ctx.store.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("BTC-{}DEC24", 20 + i);
            let mut total = 0;
            for b in 0..5 {
                let start = T0 + b * 2_000 * MINUTE_MS;
                let cp = checkpoint(
                    Pipeline::Futures,
                    &name,
                    start + 2_000 * MINUTE_MS,
                    (b + 1) * 2_000,
                );
                total += s
                    .upsert_candles(
                        CandleTable::Futures,
                        &name,
                        &candles(start, 2_000, 60_000.0),
                        Some(&cp),
                    )
                    .await
                    .unwrap()
                    .inserted;
            }
            total
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 10_000);
    }
    let s = ctx.store.as_ref();
    assert_eq!(
        s.count_rows(DataTable::Futures, None).await.unwrap(),
        40_000
    );
    let per = s.instrument_rows(DataTable::Futures).await.unwrap();
    assert_eq!(per.len(), 4);
    assert!(per.iter().all(|(_, n)| *n == 10_000));
    let cps = s.load_checkpoints().await.unwrap();
    assert_eq!(cps.len(), 4);
    assert!(cps.iter().all(|c| c.rows == 10_000));

    // Two writers racing on the same fresh range of one instrument: both succeed, every row
    // is inserted exactly once (PostgreSQL: the loser's COPY hits the primary key and the
    // batch is retried as an upsert).
    for round in 0..4 {
        let rows = candles(T0 + (100_000 + round * 10_000) * MINUTE_MS, 5_000, 60_000.0);
        let (a, b) = tokio::join!(
            ctx.store
                .upsert_candles(CandleTable::Futures, "BTC-20DEC24", &rows, None),
            ctx.store
                .upsert_candles(CandleTable::Futures, "BTC-20DEC24", &rows, None),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.inserted + b.inserted, 5_000, "{a:?} {b:?}");
        assert_eq!(a.updated + b.updated, 0, "{a:?} {b:?}");
    }
    assert_eq!(
        s.count_rows(DataTable::Futures, Some("BTC-20DEC24"))
            .await
            .unwrap(),
        30_000
    );
    assert_eq!(rows_of(s, DataTable::Futures, "BTC-20DEC24").await, 30_000);
}

async fn migrate_is_idempotent(ctx: &Ctx) {
    let s = ctx.store.as_ref();
    let r = s.migrate().await.unwrap();
    assert!(r.applied.is_empty(), "{r:?}");
    assert!(r.known >= 1);
    // A second store on the same database finds the schema in place.
    let s2 = ctx.reopen().await;
    assert!(s2.migrate().await.unwrap().applied.is_empty());
    assert_eq!(s2.backend(), ctx.backend);
    s2.close().await;
}

// ---------------------------------------------------------------------------------------------
// Bad input: each gets one clear error naming the fix, and touches nothing.

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn bad_urls_name_the_fix() {
    for (url, want) in [
        ("", "sqlite://path/to/file.db"),
        ("data.db", "has no scheme"),
        (
            "mysql://root:hunter2@db/x",
            "unknown database URL scheme \"mysql\"",
        ),
        ("sqlite://", "the file path is missing"),
        (
            "postgres://u:hunter2@[::1/x",
            "cannot read the database URL",
        ),
    ] {
        let err = store::connect(url).await.unwrap_err().to_string();
        assert!(err.contains(want), "{url:?}: {err}");
        assert!(!err.contains("hunter2"), "password leaked: {err}");
    }
}

#[tokio::test]
async fn unreachable_postgres_is_reported() {
    let port = free_port();
    let url = format!("postgres://bob:hunter2@127.0.0.1:{port}/market");
    let err = store::connect(&url).await.unwrap_err();
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("is PostgreSQL running at 127.0.0.1:{port}?")),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_auth_and_missing_database() {
    let Some(admin) = pg::admin_url("postgres_auth_and_missing_database") else {
        return;
    };
    let mut u = url::Url::parse(&admin).unwrap();
    u.set_password(Some("definitely-wrong")).unwrap();
    let err = store::connect(u.as_str()).await.unwrap_err();
    assert!(matches!(err, StoreError::AuthFailed { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("check the user name and password"), "{msg}");
    assert!(!msg.contains("definitely-wrong"), "{msg}");

    let missing = pg::with_database(&admin, "no_such_db_xyz");
    let err = store::connect(&missing).await.unwrap_err();
    assert!(matches!(err, StoreError::DatabaseMissing { .. }), "{err}");
    assert!(err.to_string().contains("createdb no_such_db_xyz"), "{err}");

    // A working store shows its URL redacted.
    let url = pg::fresh_database(&admin, "redacted_url").await;
    let s = store::connect(&url).await.unwrap();
    let password = url::Url::parse(&url)
        .unwrap()
        .password()
        .unwrap()
        .to_string();
    assert!(!s.url().to_string().contains(&password));
    assert!(!format!("{:?}", s).contains(&password));
    s.close().await;
    pg::drop_database(&admin, &url).await;
}

#[tokio::test]
async fn sqlite_folders() {
    let dir = tempfile::tempdir().unwrap();
    // The immediate parent is created...
    let url = format!("sqlite://{}/data/x.db", dir.path().display());
    let s = store::connect(&url).await.unwrap();
    assert!(dir.path().join("data/x.db").exists());
    s.close().await;
    // ...but not a whole missing tree.
    let url = format!("sqlite://{}/a/b/x.db", dir.path().display());
    let err = store::connect(&url).await.unwrap_err();
    assert!(matches!(err, StoreError::SqliteDirectory { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("create the directory or pass --database-url"),
        "{msg}"
    );
    assert!(msg.contains("/a/b"), "{msg}");
    assert!(!dir.path().join("a").exists(), "nothing created");
    // A file that is not a database is reported and left alone.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 8192]).unwrap();
    let err = store::connect(&format!("sqlite://{}", junk.display()))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not a SQLite database")
            || err.to_string().contains("not a database"),
        "{err}"
    );
    assert_eq!(std::fs::read(&junk).unwrap(), vec![b'x'; 8192]);
}

/// Read-only files and folders. Root ignores permissions, so when run as root the check
/// runs in a child process (this same test binary) under the `nobody` user.
#[test]
fn sqlite_read_only_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    const CHILD: &str = "STORE_TEST_READ_ONLY_DIR";
    let rt = tokio::runtime::Runtime::new().unwrap();
    if let Ok(dir) = std::env::var(CHILD) {
        rt.block_on(check_read_only(std::path::Path::new(&dir)));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let db = ro.join("x.db");
    rt.block_on(async {
        let s = store::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        s.upsert_candles(CandleTable::Perpetuals, PERP, &candles(T0, 10, 1.0), None)
            .await
            .unwrap();
        s.close().await;
    });
    let before = std::fs::read(&db).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if rustix::process::geteuid().is_root() {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe)
            .args(["--exact", "sqlite_read_only_is_reported", "--nocapture"])
            .env(CHILD, &ro)
            .output()
            .expect("setpriv (util-linux) runs the check as nobody");
        assert!(
            out.status.success(),
            "child failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "the child ran the test: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    } else {
        rt.block_on(check_read_only(&ro));
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn check_read_only(ro: &std::path::Path) {
    // An existing read-only file in a read-only folder.
    let err = store::connect(&format!("sqlite://{}/x.db", ro.display()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("make the file and its directory writable"),
        "{err}"
    );
    // A new file in a read-only folder.
    let err = store::connect(&format!("sqlite://{}/new.db", ro.display()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
    assert!(!ro.join("new.db").exists());
    // A missing folder under a read-only one cannot be created.
    let err = store::connect(&format!("sqlite://{}/sub/new.db", ro.display()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::SqliteDirectory { .. }), "{err}");
    assert!(
        err.to_string().contains("Permission denied")
            || err.to_string().contains("permission denied"),
        "{err}"
    );
}
