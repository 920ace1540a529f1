//! Crash safety: the real binary is killed with SIGKILL at random moments, several times, then
//! resumed to the end. The database must match the ground truth exactly (nothing missing,
//! nothing duplicated) and the row bookkeeping must agree with exact counts, on both backends.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use support::{
    Backend, assert_matches_truth, exact_counts, fresh_database, open, options, run_backfill,
    spawn_sim, unlimited,
};

const BIN: &str = env!("CARGO_BIN_EXE_deribit-backfill");

fn config_file(dir: &std::path::Path) -> std::path::PathBuf {
    // About 100 requests/s: slow enough that kills land mid-run.
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        "[rate_limit]\ncredits_per_request = 500\npool = 5000\nrefill_per_second = 50000\nget_instruments_cost = 5000\n\
         [backfill]\nbackoff_base_ms = 20\nbackoff_max_ms = 200\nparallel = 4\nprogress_interval_seconds = 1\n",
    )
    .unwrap();
    path
}

fn run_cmd(url: &str, exchange: &str, config: &std::path::Path, log: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(["--database-url", url, "--config"])
        .arg(config)
        .arg("--log-file")
        .arg(log)
        .args([
            "run",
            "--exchange-url",
            exchange,
            "--start",
            "2024-01-15",
            "--end",
            "2024-03-01",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Rows committed so far (the bookkeeping written with every batch), read without taking any
/// lock; 0 before the schema exists.
async fn committed_rows(backend: Backend, url: &str) -> i64 {
    use sqlx::Connection;
    const SQL: &str = "SELECT CAST(coalesce(sum(rows), 0) AS BIGINT) FROM row_counts";
    match backend {
        Backend::Sqlite => {
            let Ok(mut c) = sqlx::SqliteConnection::connect(&format!("{url}?mode=ro")).await else {
                return 0;
            };
            let n = sqlx::query_scalar::<_, i64>(SQL)
                .fetch_one(&mut c)
                .await
                .unwrap_or(0);
            let _ = c.close().await;
            n
        }
        Backend::Postgres => {
            let Ok(mut c) = sqlx::PgConnection::connect(url).await else {
                return 0;
            };
            let n = sqlx::query_scalar::<_, i64>(SQL)
                .fetch_one(&mut c)
                .await
                .unwrap_or(0);
            let _ = c.close().await;
            n
        }
    }
}

async fn killed_and_resumed(backend: Backend, seed: u64) {
    let Some((url, _db_dir)) = fresh_database(backend, "killed_and_resumed").await else {
        return;
    };
    let sim = spawn_sim(unlimited()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path());
    let log = dir.path().join("run.log");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut kills = 0;
    let mut committed = 0;
    for _ in 0..5 {
        let mut child = run_cmd(&url, &sim.base_url(), &config, &log)
            .spawn()
            .unwrap();
        // Kill once this run has committed rows of its own (mid-run by construction), after a
        // random extra moment so the kill lands anywhere in a batch.
        let ended = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            let now = committed_rows(backend, &url).await;
            if now > committed {
                committed = now;
                break false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        if ended {
            continue;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..300))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no chance to checkpoint.
            child.wait().unwrap();
            kills += 1;
        }
    }
    assert!(
        kills >= 3,
        "the run must have been killed mid-way several times ({kills})"
    );
    // Resume to the end.
    let mut child = run_cmd(&url, &sim.base_url(), &config, &log)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "resumed run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status.success(),
        "resumed run failed: {status}; log: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    let store = open(&url).await;
    // Everything is done: a library run over the same range writes nothing and gives the jobs.
    let mut config = support::config_for(&sim, &url);
    config.backfill.parallel = 4;
    let snap = run_backfill(&store, &config, &options("2024-01-15", "2024-03-01", 4)).await;
    assert_eq!(
        snap.totals.rows_written, 0,
        "the resumed run left work undone: {:?}",
        snap.totals
    );
    assert_matches_truth(&store, sim.market(), &snap).await;
    // The row bookkeeping written with every batch agrees with exact counts.
    let stats = store.table_stats().await.unwrap();
    for (table, exact) in exact_counts(&store).await {
        let kept = stats
            .iter()
            .find(|s| s.table == table)
            .map(|s| s.rows)
            .unwrap();
        assert_eq!(
            kept, exact,
            "{table}: bookkeeping {kept} vs count(*) {exact}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_then_resume_matches_ground_truth() {
    killed_and_resumed(Backend::Sqlite, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill_9_then_resume_matches_ground_truth() {
    killed_and_resumed(Backend::Postgres, 2).await;
}
