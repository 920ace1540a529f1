//! Bad input to `verify`, `report` and `plot` gets one clear line naming the fix and a
//! non-zero exit, before anything is read or written.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_deribit-backfill"));
    c.env_remove("DATABASE_URL").env("NO_COLOR", "1"); // any value turns colour off
    c
}

/// A SQLite database holding only the instrument list (enough for the currency check).
fn database(dir: &std::path::Path) -> String {
    let url = format!("sqlite://{}/db.sqlite", dir.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = deribit_backfill::store::connect(&url).await.unwrap();
        let name = deribit_backfill::domain::InstrumentName::parse("BTC-PERPETUAL").unwrap();
        let rec = deribit_backfill::domain::InstrumentRecord {
            instrument: "BTC-PERPETUAL".into(),
            kind: name.kind,
            currency: "BTC".into(),
            settlement_period: None,
            creation_ts: Some(0),
            expiration_ts: None,
            is_active: true,
            discovered_from: deribit_backfill::domain::Discovery::Api,
            data_status: deribit_backfill::domain::DataStatus::Unknown,
        };
        store.upsert_instruments(&[rec]).await.unwrap();
        store.close().await;
    });
    url
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn run(args: &[&str], url: &str, cwd: &std::path::Path) -> (i32, String, String) {
    let out = bin()
        .args(["--database-url", url, "--log-file"])
        .arg(cwd.join("log.txt"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one_clear_line(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
}

#[test]
fn bad_verify_input_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(dir.path());
    let p = dir.path();

    let (code, _, err) = run(&["verify", "--out", "/nonexistent/deep/evidence"], &url, p);
    assert_ne!(code, 0);
    one_clear_line(&err, "pass --out with a writable folder");
    assert!(err.contains("/nonexistent/deep"), "{err}");

    std::fs::write(p.join("afile"), "x").unwrap();
    let (code, _, err) = run(&["verify", "--out", "afile"], &url, p);
    assert_ne!(code, 0);
    one_clear_line(&err, "is not a folder");

    let (code, _, err) = run(
        &["verify", "--start", "2024-02-01", "--end", "2024-01-01"],
        &url,
        p,
    );
    assert_ne!(code, 0);
    one_clear_line(&err, "--end later than --start");

    let (code, _, err) = run(&["verify", "--currencies", "XRP"], &url, p);
    assert_ne!(code, 0);
    one_clear_line(&err, "unknown currency XRP");
    assert!(err.contains("--currencies BTC"), "{err}");

    let (code, _, err) = run(&["verify", "--storage-budget-gb", "0"], &url, p);
    assert_ne!(code, 0);
    one_clear_line(&err, "positive number of gigabytes");

    let (code, _, err) = run(
        &["report", "--kind", "completion", "--currencies", "DOGE"],
        &url,
        p,
    );
    assert_ne!(code, 0);
    one_clear_line(&err, "unknown currency DOGE");
    // Nothing was written by the refused runs.
    assert!(
        !p.join("evidence").exists()
            || std::fs::read_dir(p.join("evidence"))
                .unwrap()
                .next()
                .is_none()
    );
}

#[test]
fn bad_plot_input_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(dir.path());
    let p = dir.path();
    let (code, _, err) = run(&["plot", "basis", "--out", "basis.jpg"], &url, p);
    assert_ne!(code, 0);
    one_clear_line(&err, "use a file name ending in .png or .svg");
    let (code, _, err) = run(&["plot", "basis", "--out", "basis"], &url, p);
    assert_ne!(code, 0);
    one_clear_line(&err, "(none)");
    let (code, _, err) = run(
        &["plot", "basis", "--out", "/nonexistent/dir/basis.png"],
        &url,
        p,
    );
    assert_ne!(code, 0);
    one_clear_line(&err, "does not exist");
    // A database without basis rows says what to run.
    let (code, _, err) = run(&["plot", "basis", "--out", "basis.svg"], &url, p);
    assert_ne!(code, 0);
    one_clear_line(&err, "run the basis pipeline first");
    assert!(!p.join("basis.svg").exists());
}
