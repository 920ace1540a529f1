//! Reports, the basis image and gap jobs from the dashboard's command, on a simulator-filled
//! database with a little damage: the Markdown reports are snapshot-tested (identical on
//! SQLite and PostgreSQL), `plot basis` writes a valid PNG and SVG, the sampler's basis curve
//! is the live futures' by expiry, and `g` (JobsHandle::queue_gaps) fetches a future's gaps
//! in a running engine.

mod verify_support;

use deribit_backfill::backfill::{self, sampler};
use deribit_backfill::domain::time::{HOUR_MS, MINUTE_MS, parse_instant};
use deribit_backfill::domain::{GapState, JobKey, JobState, Pipeline};
use deribit_backfill::jobs::Selector;
use deribit_backfill::plot::{self, ImageFormat};
use deribit_backfill::report;
use deribit_backfill::store::DiskSpace;
use tokio_util::sync::CancellationToken;
use verify_support::{Backend, Filled, filled, support};

/// The reports of a damaged database, with the backend-specific figures (URL, bytes, disk)
/// replaced so both backends must produce the same text.
async fn reports(db: &Filled) -> [String; 3] {
    let day = parse_instant("2024-02-22").unwrap();
    db.exec(&format!(
        "DELETE FROM funding_rates WHERE instrument = 'ETH-PERPETUAL' AND timestamp = {}",
        db.ts(day + 3 * HOUR_MS)
    ))
    .await;
    db.exec(&format!(
        "UPDATE perpetuals_ohlcv SET volume = -1 WHERE instrument = 'BTC-PERPETUAL' AND timestamp = {}",
        db.ts(day + 7 * HOUR_MS + 5 * MINUTE_MS)
    ))
    .await;
    let mut v = db.verify().await;
    v.database = "<database>".into();
    let storage_fig = v.checks.iter().position(|c| c.id == "AC-009").unwrap();
    assert!(v.checks[storage_fig].passed);
    v.checks[storage_fig].figure = "<storage figure: bytes differ by backend>".into();
    let gaps = db.store.gaps().await.unwrap();
    let mut facts = report::storage_facts(&db.store, &v).await.unwrap();
    for t in &mut facts.tables {
        assert!(t.bytes.unwrap_or(0) > 0 || t.rows == 0, "{:?}", t.table);
        t.bytes = Some(t.rows * 100);
        t.bytes_exact = true;
        t.bytes_per_row = 100.0;
        t.bytes_per_row_measured = true;
    }
    facts.disk = Some(DiskSpace {
        path: "/data".into(),
        available_bytes: 50_000_000_000,
        total_bytes: 100_000_000_000,
    });
    [
        report::completion(&v),
        report::quality(&v, &gaps),
        report::storage(&v, &facts),
    ]
}

async fn plots(db: &Filled, dir: &std::path::Path) {
    let future = db
        .futures()
        .await
        .into_iter()
        .find(|f| f.starts_with("BTC-"))
        .unwrap();
    let data = plot::basis_data(&db.store, Some(&future), None)
        .await
        .unwrap();
    assert!(!data.curve.is_empty());
    let expiries: Vec<f64> = data.curve.iter().map(|(_, p)| p.days_to_expiry).collect();
    assert!(
        expiries.windows(2).all(|w| w[0] <= w[1]),
        "by expiry: {expiries:?}"
    );
    let png = dir.join("basis.png");
    plot::draw_basis(&data, &png, ImageFormat::Png, (1200, 800)).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (1200, 800));
    assert!(
        bytes.len() > 20_000,
        "a drawn chart, not a blank image: {} bytes",
        bytes.len()
    );
    let svg = dir.join("basis.svg");
    plot::draw_basis(&data, &svg, ImageFormat::Svg, (1000, 700)).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
    assert!(text.contains("Basis term structure"), "title drawn");
    assert!(text.contains(&future), "the future's history is labelled");
    assert!(
        text.contains("<polyline") || text.contains("<path"),
        "lines drawn"
    );
    assert!(text.len() > 5_000);
    // Unknown future: the error lists the known ones.
    let e = plot::basis_data(&db.store, Some("BTC-1JAN99"), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("pass one of") && e.contains(&future), "{e}");
}

async fn sampler_curve(db: &Filled) {
    let b = sampler::sample_basis(&db.store, support::now_ms())
        .await
        .unwrap();
    assert!(!b.futures.is_empty());
    assert!(
        b.futures
            .windows(2)
            .all(|w| w[0].latest.days_to_expiry <= w[1].latest.days_to_expiry)
    );
    for f in &b.futures {
        assert!(f.latest.days_to_expiry > 0.0, "{} is live", f.name);
        assert!(!f.history.is_empty() && f.history.len() <= sampler::BASIS_HISTORY_POINTS);
        assert_eq!(f.history.last().unwrap().0, f.latest.ts);
    }
}

/// `g` on a job: gap jobs for its instrument join a running engine and fetch the gaps.
async fn gaps_from_the_dashboard(db: &Filled) {
    let future = db
        .futures()
        .await
        .into_iter()
        .find(|f| f.starts_with("ETH-"))
        .unwrap();
    let day = parse_instant("2024-02-23").unwrap();
    db.exec(&format!(
        "DELETE FROM futures_ohlcv WHERE instrument = '{future}' AND timestamp >= {} AND timestamp < {}",
        db.ts(day),
        db.ts(day + 90 * MINUTE_MS)
    ))
    .await;
    let v = db.verify().await;
    assert!(!v.checks.iter().find(|c| c.id == "AC-007").unwrap().passed);
    let opts = support::options(verify_support::START, verify_support::END, 2);
    let client = backfill::client(&db.config).unwrap();
    let stop = CancellationToken::new();
    let prepared = backfill::prepare(&client, Some(&db.store), &opts, &stop)
        .await
        .unwrap();
    let (handle, _events, task) = backfill::launch(prepared, db.store.clone(), client, 2);
    handle.wait_idle().await;
    let before = handle.snapshot();
    assert!(before.jobs.iter().all(|j| !j.key.gaps));
    let n = handle
        .queue_gaps(Selector::one(JobKey::new(Pipeline::Futures, &future)))
        .await
        .unwrap();
    assert_eq!(n, 2, "the future's candles and its basis");
    // Asking again while they are queued or running adds nothing.
    let again = handle
        .queue_gaps(Selector::one(JobKey::new(Pipeline::Futures, &future)))
        .await
        .unwrap();
    assert!(again <= 2);
    // The engine publishes the queued jobs before it replies: this wait cannot see the idle
    // snapshot from before the command.
    let snap = handle.wait_idle().await;
    let gap_job = snap
        .jobs
        .iter()
        .find(|j| j.key == JobKey::gaps(Pipeline::Futures, &future))
        .expect("the gap job is in the table");
    assert_eq!(gap_job.state, JobState::Done, "{:?}", gap_job.last_error);
    assert_eq!(gap_job.rows_done, 90);
    assert!(
        snap.jobs
            .iter()
            .any(|j| j.key == JobKey::gaps(Pipeline::Basis, &future))
    );
    handle.shutdown().await;
    handle.wait_stopped().await;
    task.await.unwrap();
    let gaps = db.store.gaps().await.unwrap();
    assert!(
        gaps.iter()
            .filter(|g| g.instrument == future)
            .all(|g| g.state == GapState::Fixed),
        "{gaps:?}"
    );
    // The series' own checkpoint was not touched by the gap job.
    let cp = db
        .store
        .load_checkpoint(&JobKey::new(Pipeline::Futures, &future))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cp.state, JobState::Done);
    let v = db.verify().await;
    assert!(v.checks.iter().find(|c| c.id == "AC-007").unwrap().passed);
    // Its basis was rebuilt too (other futures still have the reports' damage).
    assert!(
        v.basis
            .iter()
            .find(|b| b.future == future)
            .unwrap()
            .passed()
    );
}

async fn everything(backend: Backend) -> Option<[String; 3]> {
    let db = filled(backend, "verify_reports").await?;
    let dir = tempfile::tempdir().unwrap();
    plots(&db, dir.path()).await;
    sampler_curve(&db).await;
    let reports = reports(&db).await;
    gaps_from_the_dashboard(&db).await;
    db.sim.shutdown().await;
    Some(reports)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reports_plots_and_dashboard_gaps_on_both_backends() {
    let sqlite = everything(Backend::Sqlite).await.unwrap();
    insta::assert_snapshot!("completion_report", sqlite[0]);
    insta::assert_snapshot!("quality_report", sqlite[1]);
    insta::assert_snapshot!("storage_report", sqlite[2]);
    if let Some(pg) = everything(Backend::Postgres).await {
        for (s, p) in sqlite.iter().zip(&pg) {
            assert_eq!(s, p, "the reports must not depend on the backend");
        }
    }
}
