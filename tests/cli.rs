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
    // JSON lines on stdout, every one of them JSON; nothing of it on stderr.
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        !stderr(&o).lines().any(|l| l.starts_with('{')),
        "JSON lines belong on stdout: {}",
        stderr(&o)
    );
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

/// Whether a SQLite database holds a committed checkpoint, read without taking any lock.
async fn checkpoints_committed(path: &std::path::Path) -> bool {
    use sqlx::Connection;
    if !path.exists() {
        return false;
    }
    let url = format!("sqlite://{}?mode=ro", path.display());
    let Ok(mut c) = sqlx::SqliteConnection::connect(&url).await else {
        return false;
    };
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM backfill_progress")
        .fetch_one(&mut c)
        .await
        .unwrap_or(0);
    let _ = c.close().await;
    n > 0
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
    // Signal once the run has committed a checkpoint: mid-run by construction (nine months of
    // futures at 40 ms a request last minutes).
    let path = dir.path().join("sig.db");
    let waited = Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its first checkpoint"
        );
        if checkpoints_committed(&path).await {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "no checkpoint within a minute"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
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

/// A refused command: exit 2 (bad usage) and one `error: <problem> — <fix>` line naming `fix`.
fn assert_usage_error(o: &Output, fix: &str) {
    assert_clear_error(o, fix);
    assert_eq!(o.status.code(), Some(2), "bad usage exits 2: {}", stderr(o));
    let err = stderr(o);
    let line = err.lines().find(|l| l.starts_with("error:")).unwrap();
    assert!(line.contains(" — "), "problem — fix: {line}");
}

fn run_args<'a>(url: &'a str, exchange: &'a str) -> Vec<&'a str> {
    vec![
        "--database-url",
        url,
        "--log-file",
        "log.txt",
        "run",
        "--exchange-url",
        exchange,
    ]
}

/// Input with nothing in it, or with what the exchange does not have, is refused with exit 2
/// before the database is created (or, when it exists, touched).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn degenerate_input_is_refused_before_the_database_is_touched() {
    let sim = spawn_sim(unlimited()).await;
    let ex = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").join("x.db");
    std::fs::create_dir(dir.path().join("db")).unwrap();
    let url = format!("sqlite://{}", db.display());
    let cases: [(&[&str], &str); 10] = [
        (
            &["--start", "2024-02-01", "--end", "2024-02-01"],
            "pass an --end later than --start",
        ),
        (
            &["--start", "1970-01-01", "--end", "1970-02-01"],
            "before Deribit existed",
        ),
        (
            &["--start", "2100-01-01", "--end", "2100-02-01"],
            "pass a --start before now",
        ),
        (
            &[
                "--start",
                "2024-02-01",
                "--end",
                "2024-02-02",
                "--instruments",
                "XRP-*",
            ],
            "no BTC,ETH instrument matches --instruments XRP-*",
        ),
        (
            &[
                "--currencies",
                "DOGE",
                "--start",
                "2024-02-01",
                "--end",
                "2024-02-02",
            ],
            "unknown currency DOGE: the exchange lists BTC, ETH",
        ),
        (&["--pipelines", "foo"], "choose from futures"),
        (&["--start", "2026-13-10"], "YYYY-MM-DD"),
        (
            &["--start", "2024-02-10", "--end", "2024-02-01"],
            "--end later than --start",
        ),
        (&["--parallel", "0"], "use 1 to 64"),
        (&["--dry-run", "--gaps-only"], "verify"),
    ];
    for (extra, fix) in cases {
        let o = bin(dir.path())
            .args(run_args(&url, &ex))
            .args(extra)
            .output()
            .unwrap();
        assert_usage_error(&o, fix);
        assert!(
            !stderr(&o).contains("-32602"),
            "no raw exchange error: {}",
            stderr(&o)
        );
        assert!(!db.exists(), "{extra:?} created the database");
    }
    // The dry run refuses an empty plan too.
    let o = bin(dir.path())
        .args(run_args(&url, &ex))
        .args([
            "--dry-run",
            "--instruments",
            "XRP-*",
            "--start",
            "2024-02-01",
        ])
        .output()
        .unwrap();
    assert_usage_error(&o, "nothing to backfill");

    // With a database holding a backfill: the same refusals leave the file as it was.
    let o = bin(dir.path())
        .args(run_args(&url, &ex))
        .args(["--currencies", "BTC", "--pipelines", "perpetuals"])
        .args(["--start", "2024-02-27", "--end", "2024-02-28"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let before = file_fingerprint(&db);
    for (extra, fix) in cases {
        let o = bin(dir.path())
            .args(run_args(&url, &ex))
            .args(extra)
            .output()
            .unwrap();
        assert_usage_error(&o, fix);
        assert_eq!(
            file_fingerprint(&db),
            before,
            "{extra:?} changed the database"
        );
    }
    // An instrument glob that matches nothing in a database that knows instruments.
    let o = bin(dir.path())
        .args(run_args(&url, &ex))
        .args(["--instruments", "BTC-1JAN19*", "--start", "2024-02-01"])
        .output()
        .unwrap();
    assert_usage_error(
        &o,
        "no BTC,ETH instrument matches --instruments BTC-1JAN19*",
    );
    assert_eq!(file_fingerprint(&db), before);
    // `instruments` names unknown currencies the same way.
    let o = bin(dir.path())
        .args([
            "--log-file",
            "log.txt",
            "instruments",
            "--exchange-url",
            &ex,
        ])
        .args(["--currencies", "DOGE", "--start", "2024-02-01"])
        .output()
        .unwrap();
    assert_usage_error(&o, "unknown currency DOGE");
    sim.shutdown().await;
}

/// `run` on a SQLite file with a damaged page refuses with the fix before writing a byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_sqlite_file_is_refused_before_writing() {
    let sim = spawn_sim(unlimited()).await;
    let ex = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let url = format!("sqlite://{}", db.display());
    let o = bin(dir.path())
        .args(run_args(&url, &ex))
        .args(["--currencies", "BTC", "--pipelines", "perpetuals"])
        .args(["--start", "2024-02-27", "--end", "2024-02-28"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Garbage over three pages in the middle of the file (the candles' b-tree).
    let mut bytes = std::fs::read(&db).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    let pages = bytes.len() / page;
    assert!(pages > 10, "a real database: {pages} pages");
    for p in pages / 2..pages / 2 + 3 {
        bytes[p * page..(p + 1) * page].fill(0xA5);
    }
    std::fs::write(&db, &bytes).unwrap();
    let o = bin(dir.path())
        .args(run_args(&url, &ex))
        .args(["--currencies", "BTC", "--pipelines", "perpetuals"])
        .args(["--start", "2024-02-27", "--end", "2024-03-01"])
        .output()
        .unwrap();
    assert_clear_error(&o, ".recover");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("is damaged"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "nothing was written");
    sim.shutdown().await;
}

/// Commands that only read never create a database (nor its folder, nor their output folder).
#[test]
fn read_only_commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://typo/x.db";
    for args in [
        &["verify"][..],
        &["status"],
        &["report", "--kind", "completion"],
        &["plot", "basis", "--out", "basis.png"],
        &["run", "--gaps-only", "--exchange-url", "http://127.0.0.1:9"],
    ] {
        let o = bin(dir.path())
            .args(["--database-url", url, "--log-file", "log.txt"])
            .args(args)
            .output()
            .unwrap();
        assert_usage_error(&o, "check --database-url");
        assert!(!dir.path().join("typo").exists(), "{args:?} created it");
    }
    assert!(!dir.path().join("evidence").exists());
    assert!(!dir.path().join("reports").exists());
}

/// `status` only reads: a read-only file in a read-only folder is fine and stays unchanged.
/// Root ignores permissions, so as root the binary runs as `nobody`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reads_a_read_only_database() {
    use std::os::unix::fs::PermissionsExt;
    let sim = spawn_sim(unlimited()).await;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let db = ro.join("x.db");
    let url = format!("sqlite://{}", db.display());
    let o = bin(dir.path())
        .args(run_args(&url, &sim.base_url()))
        .args(["--currencies", "BTC", "--pipelines", "perpetuals"])
        .args(["--start", "2024-02-27", "--end", "2024-02-28"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    sim.shutdown().await;
    let before = std::fs::read(&db).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let mut status = if rustix::process::geteuid().is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    let o = status
        .current_dir(&ro)
        .env_remove("DATABASE_URL")
        .env_remove("DERIBIT_BACKFILL_CONFIG")
        .env("HOME", &ro)
        .args(["--database-url", &url, "status", "--json"])
        .output()
        .unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["jobs"]["done"], 1, "{v}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "status wrote nothing");
    let names: Vec<_> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("x.db")],
        "no -wal/-shm left"
    );
}

/// Passwords and tokens in the database and exchange URLs never reach `config`, the error
/// line or the on-finish command's environment.
#[test]
fn secrets_never_reach_the_screen_or_the_hook() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = ["hunter2", "s3cr%40t", "s3cr@t", "k3y", "t0k3n", "pa55"];
    let check = |o: &Output| {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        for s in secrets {
            assert!(!all.contains(s), "{s} shown: {all}");
        }
        all
    };
    for (url, shown) in [
        (
            "postgres://ops@db:5432/m?password=hunter2&sslmode=require",
            "postgres://ops@db:5432/m?password=***&sslmode=require",
        ),
        (
            "postgres://ops:s3cr%40t@db:5432/m",
            "postgres://ops:***@db:5432/m",
        ),
        (
            "postgres://ops@db/m?sslpassword=k3y&pass%77ord=hunter2",
            "postgres://ops@db/m?sslpassword=***&pass%77ord=***",
        ),
    ] {
        let cfg = dir.path().join("secret.toml");
        std::fs::write(
            &cfg,
            "exchange_url = \"http://me:pa55@127.0.0.1:9/?token=t0k3n\"\n",
        )
        .unwrap();
        let o = bin(dir.path())
            .arg("--config")
            .arg(&cfg)
            .args(["--database-url", url, "config"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let text = check(&o);
        assert!(text.contains(shown), "{text}");
        assert!(
            text.contains("http://me:***@127.0.0.1:9/?token=***"),
            "{text}"
        );
    }
    // A libpq key=value string is not accepted, and not shown either.
    let o = bin(dir.path())
        .args(["--database-url", "host=db password=hunter2", "config"])
        .output()
        .unwrap();
    assert_usage_error(&o, "sqlite://");
    check(&o);

    // The exchange unreachable: the error line and the hook's environment.
    let hook = dir.path().join("hook.txt");
    let o = bin(dir.path())
        .args([
            "--database-url",
            "postgres://ops@127.0.0.1:1/m?password=hunter2",
            "--log-file",
            "log.txt",
            "run",
        ])
        .args([
            "--exchange-url",
            "http://me:pa55@127.0.0.1:9/?token=t0k3n",
            "--on-finish",
            &format!("env | grep DERIBIT_BACKFILL_ > {}", hook.display()),
        ])
        .output()
        .unwrap();
    assert_clear_error(&o, "cannot reach the exchange at http://me:***@127.0.0.1:9");
    check(&o);
    let env = std::fs::read_to_string(&hook).unwrap();
    for s in secrets {
        assert!(!env.contains(s), "{s} in the hook's environment: {env}");
    }
    assert!(
        env.contains("DERIBIT_BACKFILL_DATABASE=postgres://ops@127.0.0.1:1/m?password=***"),
        "{env}"
    );
    assert!(env.contains("DERIBIT_BACKFILL_EXIT_CODE=1"), "{env}");
}

/// An unknown `[keys]` action is bad usage: `config` refuses it, and `run` refuses it before
/// contacting the exchange.
#[test]
fn unknown_key_actions_are_refused_before_the_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("keys.toml");
    std::fs::write(&cfg, "[keys]\npauze = \"p\"\n").unwrap();
    let o = bin(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("config")
        .output()
        .unwrap();
    assert_usage_error(&o, "did you mean \"pause\"");
    assert!(stderr(&o).contains("keys.toml"), "{}", stderr(&o));

    let exchange = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ex = format!("http://{}", exchange.local_addr().unwrap());
    let o = bin(dir.path())
        .arg("--config")
        .arg(&cfg)
        .args(["--database-url", "sqlite://x.db", "--log-file", "log.txt"])
        .args(["run", "--exchange-url", &ex])
        .output()
        .unwrap();
    assert_usage_error(&o, "pauze");
    exchange.set_nonblocking(true).unwrap();
    let contacted = exchange.accept();
    assert!(
        matches!(&contacted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the exchange was contacted: {contacted:?}"
    );
    assert!(!dir.path().join("x.db").exists());
}
