//! The realtime collector against a simulator whose clock runs fast: lag stays under two
//! polling intervals; a killed collector is reported stale and, restarted, fills the minutes
//! it missed; two collectors on one database neither clash nor double-count. The real binary
//! runs as child processes; data is compared with the simulator's ground truth.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deribit_backfill::domain::TimeRange;
use deribit_backfill::domain::time::parse_instant;
use deribit_backfill::sim::{self, SimClock, SimConfig, SimHandle};
use deribit_backfill::store::{CandleTable, DataTable, Store};
use support::{Backend, exact_counts, fresh_database, open};

const BIN: &str = env!("CARGO_BIN_EXE_deribit-backfill");
/// Simulated seconds per wall second.
const SPEED: f64 = 120.0;
const PERP: &str = "BTC-PERPETUAL";

async fn fast_sim() -> SimHandle {
    let mut settings = deribit_backfill::sim::SimSettings::default();
    settings.limits.enabled = false;
    sim::spawn(SimConfig {
        seed: 3,
        clock: SimClock::scaled(parse_instant("2024-03-01T00:00:00Z").unwrap(), SPEED),
        settings,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

struct Collector {
    child: Child,
}

impl Collector {
    fn start(url: &str, exchange: &str, id: &str, dir: &Path) -> Self {
        let child = Command::new(BIN)
            .args(["--database-url", url, "--log-file"])
            .arg(dir.join(format!("{id}.log")))
            .args([
                "collect",
                "--exchange-url",
                exchange,
                "--interval",
                "1",
                "--id",
                id,
            ])
            .args(["--currencies", "BTC,ETH", "--lookback-minutes", "30"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self { child }
    }

    /// SIGKILL: no chance to clean up.
    fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM and wait for the clean exit.
    fn terminate(&mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                assert!(s.success(), "collector exited with {s}");
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "collector ignored SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !f().await {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn latest(store: &Arc<dyn Store>) -> Option<i64> {
    store
        .latest_timestamp(DataTable::Perpetuals, PERP)
        .await
        .unwrap()
}

/// Every stored minute before the last (the last may still have been forming) equals the
/// ground truth, with no hole.
async fn assert_contiguous_truth(store: &Arc<dyn Store>, sim: &SimHandle) {
    let cov = store.coverage(DataTable::Perpetuals).await.unwrap();
    let c = cov
        .iter()
        .find(|c| c.instrument == PERP)
        .expect("perpetual stored");
    let range = TimeRange::new(c.first_ts, c.last_ts).unwrap();
    let stored = store
        .read_candles(CandleTable::Perpetuals, PERP, range)
        .await
        .unwrap();
    let truth = sim.market().at(sim.market().now_ms()).candles(PERP, range);
    assert_eq!(
        stored.len(),
        range.minutes() as usize,
        "a hole in the stored minutes"
    );
    assert_eq!(stored, truth, "stored minutes differ from the exchange's");
}

fn status(url: &str, config: &Path) -> (i32, String) {
    let out = Command::new(BIN)
        .args(["--database-url", url, "--config"])
        .arg(config)
        .arg("status")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn short_thresholds(dir: &Path) -> PathBuf {
    let p = dir.join("health.toml");
    std::fs::write(
        &p,
        "[health]\nheartbeat_warning_seconds = 1\nheartbeat_critical_seconds = 2\nlag_warning_seconds = 3600\nlag_critical_seconds = 7200\n",
    )
    .unwrap();
    p
}

async fn lag_kill_restart(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend, "collector_lag_kill_restart").await else {
        return;
    };
    let sim = fast_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let store = open(&url).await;
    let mut a = Collector::start(&url, &sim.base_url(), "a", dir.path());
    wait_for("a first heartbeat", || async {
        !store.heartbeats().await.unwrap().is_empty()
    })
    .await;

    // Lag, in simulated time, stays under two polling intervals (1 s of wall time each).
    let two_polls_ms = (2.0 * SPEED * 1000.0) as i64;
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let now = sim.market().now_ms();
        let last = latest(&store).await.expect("candles stored");
        let lag = now - (last + 60_000);
        assert!(
            lag < two_polls_ms,
            "lag {lag} ms of simulated time is over two polls"
        );
    }

    // Killed: its heartbeat stops and `status` reports it stale.
    a.kill_9();
    let before_hole = latest(&store).await.unwrap();
    let config = short_thresholds(dir.path());
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (code, text) = status(&url, &config);
    assert_eq!(code, 2, "a stopped heartbeat is critical: {text}");
    assert!(text.contains("a on") && text.contains("critical"), "{text}");

    // Meanwhile the market moved on by several minutes; a restart fills them.
    let restarted_at = sim.market().now_ms();
    assert!(
        restarted_at - before_hole > 5 * 60_000,
        "the hole should span minutes"
    );
    let mut b = Collector::start(&url, &sim.base_url(), "a", dir.path());
    wait_for("the hole to be filled", || async {
        latest(&store)
            .await
            .is_some_and(|l| l >= restarted_at - 60_000)
    })
    .await;
    b.terminate();
    assert!(
        store.heartbeats().await.unwrap().is_empty(),
        "a clean stop removes the heartbeat"
    );
    assert_contiguous_truth(&store, &sim).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_collector_keeps_up_is_reported_stale_and_fills_gaps() {
    lag_kill_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_collector_keeps_up_is_reported_stale_and_fills_gaps() {
    lag_kill_restart(Backend::Postgres).await;
}

async fn two_collectors(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend, "two_collectors").await else {
        return;
    };
    let sim = fast_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let store = open(&url).await;
    let mut one = Collector::start(&url, &sim.base_url(), "one", dir.path());
    let mut two = Collector::start(&url, &sim.base_url(), "two", dir.path());
    wait_for("both heartbeats", || async {
        store.heartbeats().await.unwrap().len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let beats = store.heartbeats().await.unwrap();
    assert_eq!(beats.len(), 2);
    for hb in &beats {
        assert!(
            hb.last_error.is_none(),
            "{} reported {:?}",
            hb.collector_id,
            hb.last_error
        );
        assert_eq!(hb.instruments, vec!["BTC-PERPETUAL", "ETH-PERPETUAL"]);
    }
    one.terminate();
    two.terminate();
    // No double counting: the bookkeeping equals exact counts, and the rows are the truth.
    let stats = store.table_stats().await.unwrap();
    for (table, exact) in exact_counts(&store).await {
        let kept = stats.iter().find(|s| s.table == table).unwrap().rows;
        assert_eq!(
            kept, exact,
            "{table}: bookkeeping {kept} vs count(*) {exact}"
        );
    }
    assert_contiguous_truth(&store, &sim).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_collectors_neither_clash_nor_double_count() {
    two_collectors(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_collectors_neither_clash_nor_double_count() {
    two_collectors(Backend::Postgres).await;
}
