//! Engine benchmarks (issue 4), each printed as a ratio against a figure measured in the same
//! run:
//!
//! 1. **Rate-budget use**: the simulator at Deribit's real limits with 50 ms added latency;
//!    60 s of futures backfill; requests/s achieved ÷ 20, with the count of 10028 answers.
//!    Beside it the old scripts' method (one request at a time, then sleep 0.05 s).
//! 2. **Pipeline overhead**: limits off; candles/s end to end (simulator → HTTP → parse →
//!    SQLite) ÷ the store-only upsert rate of the same candles into SQLite.
//! 3. **Memory**: peak RSS of the real binary backfilling ~2.5M and ~10M candles (limits off):
//!    must stay ≤ 200 MB and not grow with size.
//!
//! `cargo bench --bench engine` runs all three (about four minutes); `ENGINE_BENCH=rate`,
//! `overhead` or `memory` picks one. Without `--bench` (under `cargo test --all-targets`) it
//! runs a few-second smoke version of each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deribit_backfill::backfill::{self, BackfillOptions};
use deribit_backfill::config::Config;
use deribit_backfill::domain::time::parse_instant;
use deribit_backfill::domain::{Checkpoint, JobKey, Pipeline, TimeRange};
use deribit_backfill::exchange::{NoObserver, RateLimiter};
use deribit_backfill::jobs::EngineSnapshot;
use deribit_backfill::sim::{self, SimClock, SimConfig, SimHandle, SimSettings};
use deribit_backfill::store::{self, CandleTable, Store};
use tokio_util::sync::CancellationToken;

const BIN: &str = env!("CARGO_BIN_EXE_deribit-backfill");
const NOW: &str = "2024-06-01T00:00:00Z";

fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn wanted(name: &str) -> bool {
    std::env::var("ENGINE_BENCH")
        .map(|v| v == name)
        .unwrap_or(true)
}

async fn sim_with(settings: SimSettings) -> SimHandle {
    sim::spawn(SimConfig {
        seed: 5,
        clock: SimClock::fixed(parse_instant(NOW).unwrap()),
        settings,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn futures_only(start: &str) -> BackfillOptions {
    BackfillOptions::parse(
        &["futures".to_string()],
        &["BTC".to_string(), "ETH".to_string()],
        &[],
        Some(start),
        Some(NOW),
        8,
    )
    .unwrap()
}

fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}/{name}.db", dir.path().display())
}

/// Runs a backfill until `deadline` (or the end), then stops it at its checkpoints.
async fn backfill_for(
    store: &Arc<dyn Store>,
    config: &Config,
    opts: &BackfillOptions,
    deadline: Option<Duration>,
) -> (EngineSnapshot, Duration) {
    let client = backfill::client(config).unwrap();
    let stop = CancellationToken::new();
    let prepared = backfill::prepare(&client, Some(store), opts, &stop)
        .await
        .unwrap();
    let started = Instant::now();
    let (handle, _events, task) = backfill::launch(prepared, store.clone(), client, opts.parallel);
    match deadline {
        Some(d) => {
            let _ = tokio::time::timeout(d, handle.wait_idle()).await;
        }
        None => {
            handle.wait_idle().await;
        }
    }
    let elapsed = started.elapsed();
    handle.shutdown().await;
    let snap = handle.wait_stopped().await;
    task.await.unwrap();
    (snap, elapsed)
}

// ---- 1. rate-budget use ------------------------------------------------------------------

async fn rate_budget() {
    let seconds = if full() { 60 } else { 5 };
    let mut settings = SimSettings::default();
    settings.faults.latency_ms = 50;
    let sim = sim_with(settings).await;
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir, "rate");
    let store = store::connect(&url).await.unwrap();
    let config = Config {
        database_url: url,
        exchange_url: sim.base_url(),
        ..Config::default()
    };
    // Enough futures history for far more than `seconds` at 20 requests/s.
    let (snap, elapsed) = backfill_for(
        &store,
        &config,
        &futures_only("2022-01-01"),
        Some(Duration::from_secs(seconds)),
    )
    .await;
    let stats = sim.stats();
    let served = stats.requests - stats.too_many_requests();
    let rps = served as f64 / elapsed.as_secs_f64();
    println!(
        "rate budget: engine {:.2} requests/s over {:.1} s = {:.3} x 20 req/s budget; 10028 answers: {} (client saw {})",
        rps,
        elapsed.as_secs_f64(),
        rps / 20.0,
        stats.too_many_requests(),
        snap.rate_limit.rate_limited_total
    );
    sim.shutdown().await;

    // Baseline: the old scripts' method against a fresh simulator (fresh credit pool).
    let mut settings = SimSettings::default();
    settings.faults.latency_ms = 50;
    let sim = sim_with(settings).await;
    let client = deribit_backfill::exchange::DeribitClient::new(
        &deribit_backfill::exchange::ClientConfig {
            base_url: sim.base_url(),
            history_url: None,
            timeout: Duration::from_secs(10),
            retry: Default::default(),
        },
        Arc::new(RateLimiter::new(
            &deribit_backfill::config::RateLimitConfig {
                refill_per_second: 100_000_000,
                pool: 100_000_000,
                ..Default::default()
            },
        )),
    )
    .unwrap();
    let stop = CancellationToken::new();
    let started = Instant::now();
    let mut n = 0u64;
    let mut t = parse_instant("2024-01-01").unwrap();
    while started.elapsed() < Duration::from_secs(seconds) {
        let _ = client
            .candles_1m("BTC-PERPETUAL", t, t + 4_999 * 60_000, &NoObserver, &stop)
            .await;
        n += 1;
        t += 5_000 * 60_000;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let base = n as f64 / started.elapsed().as_secs_f64();
    println!(
        "rate budget: baseline (one request at a time, sleep 0.05 s) {:.2} requests/s = {:.3} x budget; engine / baseline = {:.2}x",
        base,
        base / 20.0,
        rps / base
    );
    sim.shutdown().await;
}

// ---- 2. pipeline overhead ----------------------------------------------------------------

async fn overhead() {
    let start = if full() { "2023-11-01" } else { "2024-05-20" };
    let mut settings = SimSettings::default();
    settings.limits.enabled = false;
    let sim = sim_with(settings).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        database_url: sqlite_url(&dir, "e2e"),
        exchange_url: sim.base_url(),
        ..Config::default()
    };
    config.rate_limit.refill_per_second = 1_000_000_000;
    config.rate_limit.pool = 1_000_000_000;
    let store = store::connect(&config.database_url).await.unwrap();
    let opts = futures_only(start);
    let (snap, elapsed) = backfill_for(&store, &config, &opts, None).await;
    let candles = snap.totals.rows_done;
    let e2e = candles as f64 / elapsed.as_secs_f64();

    // Store-only: the same candles (ground truth), same batches and checkpoints, one writer.
    let market = sim.market().clone();
    let batches: Vec<(String, Vec<deribit_backfill::domain::Candle>)> = snap
        .jobs
        .iter()
        .filter(|j| j.rows_done > 0)
        .flat_map(|j| {
            j.range
                .candle_windows()
                .map(|w| {
                    (
                        j.key.instrument.clone(),
                        market.candles(&j.key.instrument, w.range()),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let direct = store::connect(&sqlite_url(&dir, "direct")).await.unwrap();
    let started = Instant::now();
    let mut rows = 0;
    for (name, candles) in &batches {
        let mut cp = Checkpoint::new(
            JobKey::new(Pipeline::Futures, name),
            TimeRange::new(0, 1).unwrap(),
            0,
        );
        cp.cursor = candles.last().map(|c| c.ts).unwrap_or(0);
        direct
            .upsert_candles(CandleTable::Futures, name, candles, Some(&cp))
            .await
            .unwrap();
        rows += candles.len();
    }
    let store_only = rows as f64 / started.elapsed().as_secs_f64();
    println!(
        "pipeline overhead: end to end {:.0} candles/s ({} candles in {:.1} s, limits off) = {:.3} x store-only upsert {:.0} candles/s (target >= 0.6)",
        e2e,
        candles,
        elapsed.as_secs_f64(),
        e2e / store_only,
        store_only
    );
    sim.shutdown().await;
}

// ---- 3. memory ---------------------------------------------------------------------------

/// Peak RSS (VmHWM) of a finished child, read just before it exits via a wrapper: we poll
/// /proc while it runs and keep the maximum of VmHWM.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

async fn peak_rss_of_backfill(
    sim: &SimHandle,
    start: &str,
    dir: &tempfile::TempDir,
    tag: &str,
) -> (u64, i64, Duration) {
    let cfg = dir.path().join(format!("{tag}.toml"));
    std::fs::write(
        &cfg,
        "[rate_limit]\ncredits_per_request = 1\npool = 100000000\nrefill_per_second = 100000000\nget_instruments_cost = 1\n[backfill]\nparallel = 4\nprogress_interval_seconds = 60\n",
    )
    .unwrap();
    let db = sqlite_url(dir, tag);
    let started = Instant::now();
    let mut child = std::process::Command::new(BIN)
        .args(["--database-url", &db, "--config"])
        .arg(&cfg)
        .arg("--log-file")
        .arg(dir.path().join(format!("{tag}.log")))
        .args([
            "run",
            "--exchange-url",
            &sim.base_url(),
            "--pipelines",
            "futures,perpetuals",
            "--start",
            start,
            "--end",
            NOW,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut peak = 0;
    loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "backfill failed: {status}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let store = store::connect(&db).await.unwrap();
    let stats = store.table_stats().await.unwrap();
    let candles: i64 = stats
        .iter()
        .filter(|s| matches!(s.table.name(), "futures_ohlcv" | "perpetuals_ohlcv"))
        .map(|s| s.rows)
        .sum();
    (peak, candles, started.elapsed())
}

async fn memory() {
    let (small, large) = if full() {
        ("2024-01-01", "2022-09-01")
    } else {
        ("2024-05-25", "2024-05-15")
    };
    let mut settings = SimSettings::default();
    settings.limits.enabled = false;
    let sim = sim_with(settings).await;
    let dir = tempfile::tempdir().unwrap();
    let (p1, c1, t1) = peak_rss_of_backfill(&sim, small, &dir, "small").await;
    let (p2, c2, t2) = peak_rss_of_backfill(&sim, large, &dir, "large").await;
    println!(
        "memory: peak RSS {:.1} MB backfilling {} candles ({:.0} s); {:.1} MB backfilling {} candles ({:.0} s); large / 200 MB limit = {:.3}; growth large/small = {:.2}x for {:.1}x the candles",
        p1 as f64 / 1024.0,
        c1,
        t1.as_secs_f64(),
        p2 as f64 / 1024.0,
        c2,
        t2.as_secs_f64(),
        p2 as f64 / 1024.0 / 200.0,
        p2 as f64 / p1.max(1) as f64,
        c2 as f64 / c1.max(1) as f64
    );
    sim.shutdown().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if wanted("rate") {
            rate_budget().await;
        }
        if wanted("overhead") {
            overhead().await;
        }
        if wanted("memory") {
            memory().await;
        }
    });
}
