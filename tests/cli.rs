//! The binary's command line: bad input gets one clear line naming the fix and a non-zero exit
//! without touching what is stored; `--dry-run` writes nothing; `--json` progress is JSON;
//! SIGTERM and SIGHUP checkpoint and exit cleanly; `status` exit codes.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use deribit_backfill::domain::JobState;
use support::{open, spawn_sim, unlimited};

const BIN: &str = env!("CARGO_BIN_EXE_deribit-backfill");

fn bin(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("DERIBIT_BACKFILL_CONFIG")
        .env("HOME", dir);
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failed command: non-zero exit and a single `error:` line naming `fix`.
fn assert_clear_error(o: &Output, fix: &str) {
    assert!(!o.status.success(), "should fail: {}", stderr(o));
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "exactly one error line: {err}");
    assert!(
        lines[0].contains(fix),
        "the error should name the fix ({fix}): {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn file_fingerprint(p: &Path) -> (u64, Vec<u8>) {
    let bytes = std::fs::read(p).unwrap();
    (bytes.len() as u64, bytes)
}

#[test]
fn bad_database_urls_and_config_files() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin(dir.path())
        .args(["--database-url", "mysql://u:secret@h/db", "migrate"])
        .output()
        .unwrap();
    assert_clear_error(&o, "sqlite://");
    assert!(
        !stderr(&o).contains("secret"),
        "passwords never reach the screen"
    );

    let o = bin(dir.path())
        .args([
            "--database-url",
            "sqlite:///nonexistent-top/deeper/x.db",
            "migrate",
        ])
        .output()
        .unwrap();
    assert_clear_error(&o, "--database-url");

    let o = bin(dir.path())
        .args([
            "--database-url",
            "postgres://me:hunter2@127.0.0.1:1/db",
            "migrate",
        ])
        .output()
        .unwrap();
    assert_clear_error(&o, "127.0.0.1:1");
    assert!(!stderr(&o).contains("hunter2"));

    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[backfill]\nparallel = \"lots\"\n").unwrap();
    let o = bin(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("config")
        .output()
        .unwrap();
    assert_clear_error(&o, "bad.toml");

    let o = bin(dir.path())
        .args(["--config", "missing.toml", "config"])
        .output()
        .unwrap();
    assert_clear_error(&o, "--config");

    let o = bin(dir.path())
        .args(["--database-url", "postgres://ops:pw@db:5432/m", "config"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("postgres://ops:***@db:5432/m") && !text.contains(":pw@"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_run_arguments_touch_nothing_stored() {
    let sim = spawn_sim(unlimited()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let url = format!("sqlite://{}", db.display());
    let ex = sim.base_url();
    // A small real backfill first, so there is something to protect.
    let o = bin(dir.path())
        .args([
            "--database-url",
            &url,
            "run",
            "--exchange-url",
            &ex,
            "--currencies",
            "BTC",
        ])
        .args([
            "--pipelines",
            "perpetuals",
            "--start",
            "2024-02-27",
            "--end",
            "2024-02-28",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let before = file_fingerprint(&db);

    let cases: [(&[&str], &str); 6] = [
        (
            &["--start", "2024-02-10", "--end", "2024-02-01"],
            "--end later than --start",
        ),
        (&["--start", "10/02/2024"], "YYYY-MM-DD"),
        (&["--instruments", "BTC-31FEB24"], "not a real date"),
        (&["--instruments", "BTC-30FEB24"], "not a real date"),
        (
            &["--instruments", "BTC-5JAN18"],
            "unknown instrument BTC-5JAN18",
        ),
        (&["--pipelines", "candles"], "choose from futures"),
    ];
    for (extra, fix) in cases {
        let o = bin(dir.path())
            .args([
                "--database-url",
                &url,
                "run",
                "--exchange-url",
                &ex,
                "--currencies",
                "BTC",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert_clear_error(&o, fix);
        assert_eq!(
            file_fingerprint(&db).0,
            before.0,
            "{extra:?} changed the database"
        );
    }
    let o = bin(dir.path())
        .args([
            "--database-url",
            &url,
            "run",
            "--exchange-url",
            "http://127.0.0.1:1",
        ])
        .output()
        .unwrap();
    assert_clear_error(&o, "--exchange-url");
    assert!(
        stderr(&o).contains("deribit-backfill sim"),
        "suggests the simulator: {}",
        stderr(&o)
    );
    let o = bin(dir.path())
        .args(["--database-url", &url, "run", "--exchange-url", "ftp://x"])
        .output()
        .unwrap();
    assert_clear_error(&o, "http(s)");
    // Stored data untouched (WAL checkpoints may rewrite pages, so compare logical content).
    let store = open(&url).await;
    let cps = store.load_checkpoints().await.unwrap();
    assert!(!cps.is_empty() && cps.iter().all(|c| c.state == JobState::Done));

    // `status` on it: healthy, machine-readable.
    let o = bin(dir.path())
        .args(["--database-url", &url, "status", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["level"], "ok");
    assert_eq!(v["jobs"]["done"].as_u64(), Some(cps.len() as u64));
    let perps = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "perpetuals_ohlcv")
        .unwrap();
    assert_eq!(perps["rows"], 1440, "one day of one perpetual");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing_and_json_progress_is_json() {
    let sim = spawn_sim(unlimited()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data").join("dry.db");
    let url = format!("sqlite://{}", db.display());
    let o = bin(dir.path())
        .args([
            "--database-url",
            &url,
            "--log-file",
            "log.txt",
            "run",
            "--dry-run",
            "--exchange-url",
            &sim.base_url(),
        ])
        .args(["--start", "2024-02-01", "--end", "2024-02-15"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for word in [
        "plan:",
        "candles",
        "requests",
        "req/s",
        "disk",
        "nothing was written",
    ] {
        assert!(text.contains(word), "{word}: {text}");
    }
    assert!(
        !db.exists() && !db.parent().unwrap().exists(),
        "dry run created the database"
    );

    let o = bin(dir.path())
        .args([
            "--database-url",
            &url,
            "--log-file",
            "log.txt",
            "run",
            "--json",
            "--exchange-url",
            &sim.base_url(),
        ])
        .args([
            "--currencies",
            "ETH",
            "--start",
            "2024-02-20",
            "--end",
            "2024-02-22",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let summary = lines
        .iter()
        .find(|v| v["type"] == "summary")
        .expect("a JSON summary");
    assert_eq!(summary["success"], true);
    assert!(summary["totals"]["done"].as_u64().unwrap() > 0);
    assert!(
        dir.path().join("log.txt").exists(),
        "the log file is written"
    );
    sim.shutdown().await;
}

/// Rows in `backfill_progress` of a SQLite file another process writes (0 until it exists).
async fn checkpoints_stored(path: &Path) -> i64 {
    if !path.exists() {
        return 0;
    }
    let Ok(pool) = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display())).await
    else {
        return 0;
    };
    let n = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM backfill_progress")
        .fetch_one(&pool)
        .await
        .unwrap_or(0);
    pool.close().await;
    n
}

async fn stops_cleanly_on(signal: &str) {
    let mut settings = unlimited();
    settings.faults.latency_ms = 40;
    let sim = spawn_sim(settings).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sig.db", dir.path().display());
    let mut child = bin(dir.path())
        .args([
            "--database-url",
            &url,
            "run",
            "--exchange-url",
            &sim.base_url(),
            "--parallel",
            "2",
        ])
        .args([
            "--start",
            "2023-06-01",
            "--end",
            "2024-03-01",
            "--pipelines",
            "futures",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Signal once the jobs run (a checkpoint is stored): discovery waits for credits first,
    // as the client starts with an empty pool.
    let path = dir.path().join("sig.db");
    let started = Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too early for the test"
        );
        if checkpoints_stored(&path).await > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no checkpoint after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{signal} did not stop the run"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(3), "stopped early = incomplete: {err}");
    assert!(err.contains(signal) && err.contains("summary"), "{err}");
    let store = open(&url).await;
    let cps = store.load_checkpoints().await.unwrap();
    assert!(!cps.is_empty(), "progress was checkpointed");
    assert!(
        cps.iter().all(|c| !matches!(
            c.state,
            JobState::Running | JobState::Pausing | JobState::Backoff
        )),
        "a clean stop leaves no job marked running: {:?}",
        cps.iter()
            .map(|c| (c.key.to_string(), c.state))
            .collect::<Vec<_>>()
    );
    assert!(
        cps.iter()
            .any(|c| c.state == JobState::Queued && c.cursor > c.range.start),
        "a job stopped mid-way, resumable"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_checkpoints_and_exits_cleanly() {
    stops_cleanly_on("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_checkpoints_and_exits_cleanly() {
    stops_cleanly_on("HUP").await;
}

#[test]
fn status_on_a_missing_database_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin(dir.path())
        .args(["--database-url", "sqlite://nothing/here.db", "status"])
        .output()
        .unwrap();
    assert_clear_error(&o, "run a backfill first");
    assert!(!dir.path().join("nothing").exists());
}

/// `--on-finish` runs once the backfill has ended, with the outcome in its environment; a
/// failing command is reported but does not change the exit code; a backfill that cannot
/// start at all still calls it, with `error`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_finish_command_hears_the_outcome() {
    let sim = spawn_sim(unlimited()).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hook.db").display());
    let report = dir.path().join("outcome.txt");
    let hook = format!(
        "printf '%s %s %s %s\\n' \"$DERIBIT_BACKFILL_RESULT\" \"$DERIBIT_BACKFILL_EXIT_CODE\" \
         \"$DERIBIT_BACKFILL_JOBS_DONE\" \"$DERIBIT_BACKFILL_ROWS_WRITTEN\" >> {}; \
         printf '%s' \"$DERIBIT_BACKFILL_SUMMARY\" > {}.summary; exit 7",
        report.display(),
        report.display()
    );
    let o = bin(dir.path())
        .args(["--database-url", &url, "--log-file", "log.txt", "run"])
        .args(["--exchange-url", &sim.base_url(), "--currencies", "ETH"])
        .args(["--start", "2024-02-20", "--end", "2024-02-21"])
        .args(["--on-finish", &hook])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "a failing hook leaves the exit code alone: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("on-finish command failed (exit status: 7)"),
        "{}",
        stderr(&o)
    );
    let line = std::fs::read_to_string(&report).unwrap();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&words[..2], ["done", "0"], "{line}");
    let store = open(&url).await;
    let done = store
        .load_checkpoints()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.state == JobState::Done)
        .count();
    assert_eq!(words[2], done.to_string(), "jobs done: {line}");
    let rows: i64 = words[3].parse().unwrap();
    assert!(
        rows > 1_440,
        "ETH perpetual alone has a day of candles: {line}"
    );
    let summary = std::fs::read_to_string(format!("{}.summary", report.display())).unwrap();
    assert!(summary.contains("result: every job is done"), "{summary}");

    // The exchange unreachable: exit 1, and the hook still hears of it.
    let o = bin(dir.path())
        .args(["--database-url", &url, "--log-file", "log.txt", "run"])
        .args([
            "--exchange-url",
            "http://127.0.0.1:9",
            "--currencies",
            "ETH",
        ])
        .args(["--on-finish", &hook])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines = std::fs::read_to_string(&report).unwrap();
    let last = lines.lines().last().unwrap();
    assert!(last.starts_with("error 1"), "{lines}");
    let summary = std::fs::read_to_string(format!("{}.summary", report.display())).unwrap();
    assert!(summary.contains("cannot reach the exchange"), "{summary}");
    sim.shutdown().await;
}
