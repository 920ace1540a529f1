//! `verify` on simulator-filled databases, SQLite and PostgreSQL: a clean database passes
//! every check; a damaged one (an hour of funding deleted, a hole in a future, an OHLC
//! violation, a stale basis row) fails the right checks, and the evidence names the exact
//! instrument and range; the gaps become work that `run --gaps-only` fetches, after which
//! verify passes again.

mod verify_support;

use deribit_backfill::domain::time::{HOUR_MS, MINUTE_MS, format_ms, parse_instant};
use deribit_backfill::domain::{GapKind, GapState, Pipeline};
use deribit_backfill::store::CandleTable;
use deribit_backfill::verify::evidence;
use verify_support::{Backend, filled};

/// `deribit-backfill status` on `url`: (the JSON, the text).
fn status(url: &str) -> (serde_json::Value, String) {
    let run = |json: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_deribit-backfill"));
        c.env_remove("DATABASE_URL").args([
            "--database-url",
            url,
            "--log-file",
            "/dev/null",
            "status",
        ]);
        if json {
            c.arg("--json");
        }
        let o = c.output().unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 2),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    (serde_json::from_str(&run(true)).unwrap(), run(false))
}

fn check<'a>(
    v: &'a deribit_backfill::verify::Verification,
    id: &str,
) -> &'a deribit_backfill::verify::CheckResult {
    v.checks.iter().find(|c| c.id == id).unwrap()
}

async fn clean_database_passes(backend: Backend) {
    // Early January 2024: BTC-19JAN24 and ETH-19JAN24 are known only from the expiry
    // calendar (long expired at the simulator's now) and were listed on 5 January.
    let Some(db) =
        verify_support::filled_range(backend, "verify_clean", "2024-01-01", "2024-01-10").await
    else {
        return;
    };
    let started = std::time::Instant::now();
    let (v, steps) = db.verify_with_progress().await;
    // The operator is told which check runs, with how many series it scans.
    let step = |prefix: &str| {
        steps
            .iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} step in {steps:?}"))
    };
    assert!(step("OHLC sanity") < step("AC-007") && step("AC-007") < step("recording gaps"));
    assert_eq!(
        steps[step("AC-007")],
        format!("AC-007 futures coverage: {} series", v.futures.len())
    );
    eprintln!(
        "{backend:?}: verify of {} futures, {} candles took {:.2} s",
        v.futures.len(),
        v.futures.iter().map(|f| f.rows).sum::<i64>(),
        started.elapsed().as_secs_f64()
    );
    for c in &v.checks {
        assert!(c.passed, "{backend:?} {} failed: {}", c.id, c.figure);
    }
    assert!(v.passed);
    assert!(v.futures.len() >= 4, "futures checked: {}", v.futures.len());
    assert!(
        v.futures
            .iter()
            .all(|f| f.expected > 0 && f.rows == f.expected)
    );
    assert!(v.funding.len() >= 2 && v.perpetuals.len() == v.funding.len());
    assert!(
        v.basis
            .iter()
            .all(|b| b.expected > 0 && b.rows == b.expected)
    );
    assert_eq!(v.gaps_recorded, 0);
    // The only recorded ranges are those the exchange answered empty for (funding gaps, a
    // future before its first trade), and the exchange really has nothing there.
    let market = db.sim.market();
    for g in db.store.gaps().await.unwrap() {
        assert_eq!(g.state, GapState::Empty, "{g}");
        let rows = match g.pipeline {
            Pipeline::Funding => market.funding(&g.instrument, g.range).len(),
            Pipeline::Futures | Pipeline::Perpetuals => {
                market.candles(&g.instrument, g.range).len()
            }
            _ => panic!("unexpected {g}"),
        };
        assert_eq!(rows, 0, "{g}: the exchange has rows there");
    }
    assert!(v.quality.quarantine.is_empty());
    // Every filler counted is a real filler: the simulator writes them for quiet minutes.
    assert!(
        v.quality
            .fillers
            .iter()
            .all(|f| f.rows > 0 && f.fillers < f.rows)
    );
    // Instruments the exchange has no data for are excluded, by name, and only those.
    let instruments = db.store.list_instruments().await.unwrap();
    for e in &v.excluded {
        let r = instruments
            .iter()
            .find(|r| r.instrument == e.instrument)
            .unwrap();
        assert_eq!(
            r.data_status,
            deribit_backfill::domain::DataStatus::Unavailable
        );
        assert!(v.futures.iter().all(|f| f.instrument != e.instrument));
    }
    // Evidence files.
    let dir = tempfile::tempdir().unwrap();
    evidence::write_all(dir.path(), &v).unwrap();
    for f in evidence::FILES {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    let futures = std::fs::read_to_string(dir.path().join(evidence::FUTURES)).unwrap();
    assert!(!futures.contains("\nGAP "), "{futures}");
    // Calendar-only futures count from their first candle, and the evidence says so.
    let noted: Vec<&str> = v
        .futures
        .iter()
        .filter(|f| f.note.is_some())
        .map(|f| f.instrument.as_str())
        .collect();
    assert!(noted.contains(&"BTC-19JAN24"), "{noted:?}");
    let note = futures
        .lines()
        .find(|l| l.starts_with("NOTE BTC-19JAN24 "))
        .unwrap_or_else(|| panic!("{futures}"));
    assert!(
        note.contains("expiry calendar only") && note.contains("2024-01-05T08:"),
        "{note}"
    );
    assert!(futures.contains("# result: AC-007 PASS"), "{futures}");
    for f in &v.futures {
        assert!(futures.contains(&f.instrument));
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(evidence::SUMMARY)).unwrap())
            .unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["checks"].as_array().unwrap().len(), v.checks.len());
    // Verifying again changes nothing.
    let again = db.verify().await;
    assert!(again.passed && again.gaps_recorded == 0);
    db.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_clean_database_passes() {
    clean_database_passes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_clean_database_passes() {
    clean_database_passes(Backend::Postgres).await;
}

async fn damage_is_caught_named_and_fixed(backend: Backend) {
    let Some(db) = filled(backend, "verify_damage").await else {
        return;
    };
    let futures = db.futures().await;
    let btc: Vec<&String> = futures.iter().filter(|f| f.starts_with("BTC-")).collect();
    assert!(btc.len() >= 3, "{futures:?}");
    let (hole_f, bad_f, stale_f) = (btc[0].clone(), btc[1].clone(), btc[2].clone());
    let day = parse_instant("2024-02-22").unwrap();

    // 1. An hour of funding deleted.
    let funding_hour = day + 5 * HOUR_MS;
    let n = db
        .exec(&format!(
            "DELETE FROM funding_rates WHERE instrument = 'BTC-PERPETUAL' AND timestamp = {}",
            db.ts(funding_hour)
        ))
        .await;
    assert_eq!(n, 1);
    // 2. A 30-minute hole in a future.
    let hole = (day + 10 * HOUR_MS, day + 10 * HOUR_MS + 30 * MINUTE_MS);
    let n = db
        .exec(&format!(
            "DELETE FROM futures_ohlcv WHERE instrument = '{hole_f}' AND timestamp >= {} AND timestamp < {}",
            db.ts(hole.0),
            db.ts(hole.1)
        ))
        .await;
    assert_eq!(n, 30);
    // 3. An OHLC violation: low above high.
    let bad_ts = day + 12 * HOUR_MS;
    let n = db
        .exec(&format!(
            "UPDATE futures_ohlcv SET low = high + 100 WHERE instrument = '{bad_f}' AND timestamp = {}",
            db.ts(bad_ts)
        ))
        .await;
    assert_eq!(n, 1);
    // 4. A stale basis row: the future's candle moved after the basis was computed.
    let stale_ts = day + 14 * HOUR_MS;
    let n = db
        .exec(&format!(
            "UPDATE futures_ohlcv SET open = open + 1, high = high + 1, low = low + 1, close = close + 1 \
             WHERE instrument = '{stale_f}' AND timestamp = {}",
            db.ts(stale_ts)
        ))
        .await;
    assert_eq!(n, 1);

    let v = db.verify().await;
    assert!(!v.passed);
    let failed = v.failed();
    for id in ["AC-007", "AC-008", "AC-010", "OHLC"] {
        assert!(failed.contains(&id), "{id} should fail: {failed:?}");
    }
    for id in ["AC-009", "AC-011", "PERP", "DUP", "FILL"] {
        assert!(
            check(&v, id).passed,
            "{id} should pass: {}",
            check(&v, id).figure
        );
    }
    let dir = tempfile::tempdir().unwrap();
    evidence::write_all(dir.path(), &v).unwrap();
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();

    // The funding hour, exactly.
    let funding = read(evidence::FUNDING);
    let line = format!(
        "GAP BTC-PERPETUAL funding {} {} 1 hours open",
        format_ms(funding_hour),
        format_ms(funding_hour + HOUR_MS)
    );
    assert!(funding.contains(&line), "{line}\n{funding}");
    assert_eq!(funding.matches("\nGAP ").count(), 1, "{funding}");
    // The hole, exactly; the quarantined minute is not a gap.
    let fut = read(evidence::FUTURES);
    let line = format!(
        "GAP {hole_f} futures {} {} 30 minutes open",
        format_ms(hole.0),
        format_ms(hole.1)
    );
    assert!(fut.contains(&line), "{line}\n{fut}");
    assert_eq!(fut.matches("\nGAP ").count(), 1, "{fut}");
    assert!(fut.contains("SHORT"));
    // The violator, moved with its reason.
    let quality = read(evidence::QUALITY);
    let line = format!("QUARANTINED futures_ohlcv {bad_f} {} ", format_ms(bad_ts));
    let q = quality
        .lines()
        .find(|l| l.starts_with(&line))
        .unwrap_or_else(|| panic!("{line}\n{quality}"));
    assert!(
        q.contains(" now ") && q.contains("is above open/close"),
        "{q}"
    );
    let stored = db
        .store
        .read_candles(
            CandleTable::Futures,
            &bad_f,
            deribit_backfill::domain::TimeRange {
                start: bad_ts,
                end: bad_ts + MINUTE_MS,
            },
        )
        .await
        .unwrap();
    assert!(stored.is_empty(), "the violator left the table");
    let quarantined = db.store.quarantined().await.unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(
        (quarantined[0].instrument.as_str(), quarantined[0].candle.ts),
        (bad_f.as_str(), bad_ts)
    );
    // Stale basis rows: the moved candle, the hole's minutes and the quarantined minute.
    let basis = read(evidence::BASIS);
    for (f, s, e) in [
        (&stale_f, stale_ts, stale_ts + MINUTE_MS),
        (&hole_f, hole.0, hole.1),
        (&bad_f, bad_ts, bad_ts + MINUTE_MS),
    ] {
        let line = format!("STALE {f} {} {} ", format_ms(s), format_ms(e));
        assert!(basis.contains(&line), "{line}\n{basis}");
    }
    // The gaps are work.
    let gaps = db.store.gaps().await.unwrap();
    let open = |p: Pipeline, i: &str| {
        gaps.iter()
            .filter(|g| g.pipeline == p && g.instrument == i && g.state == GapState::Open)
            .count()
    };
    assert_eq!(open(Pipeline::Funding, "BTC-PERPETUAL"), 1);
    assert_eq!(open(Pipeline::Futures, &hole_f), 1);
    assert_eq!(
        open(Pipeline::Futures, &bad_f),
        0,
        "quarantined minutes are not re-fetched"
    );
    assert!(
        gaps.iter()
            .filter(|g| g.pipeline == Pipeline::Basis)
            .all(|g| g.kind == GapKind::Stale)
    );
    assert_eq!(
        gaps.iter()
            .filter(|g| g.pipeline == Pipeline::Basis)
            .count(),
        3
    );

    // `status` tells the operator about them, and how to fetch them.
    let open_before = gaps.iter().filter(|g| g.state == GapState::Open).count();
    let (json, text) = status(&db.url);
    assert_eq!(json["gaps"]["open"], open_before, "{json}");
    assert!(text.contains("run --gaps-only"), "{text}");

    // `run --gaps-only`: fetch exactly those, then verify passes.
    let snap = db.fetch_gaps().await;
    assert!(snap.totals.all_successful(), "{:?}", snap.totals);
    assert!(snap.jobs.iter().all(|j| j.key.gaps));
    let futures_job = snap
        .jobs
        .iter()
        .find(|j| j.key.pipeline == Pipeline::Futures)
        .unwrap();
    assert_eq!(futures_job.rows_done, 30, "exactly the hole was fetched");
    let gaps = db.store.gaps().await.unwrap();
    assert!(gaps.iter().all(|g| g.state == GapState::Fixed), "{gaps:?}");
    let (json, text) = status(&db.url);
    assert_eq!(json["gaps"]["fixed"], gaps.len(), "{json}");
    assert!(json["gaps"].get("open").is_none(), "{json}");
    assert!(!text.contains("run --gaps-only"), "{text}");
    // The refetched rows are the exchange's.
    let market = db.sim.market();
    let range = deribit_backfill::domain::TimeRange {
        start: hole.0,
        end: hole.1,
    };
    assert_eq!(
        db.store
            .read_candles(CandleTable::Futures, &hole_f, range)
            .await
            .unwrap(),
        market.candles(&hole_f, range)
    );
    let hour = deribit_backfill::domain::TimeRange {
        start: funding_hour,
        end: funding_hour + 1,
    };
    assert_eq!(
        db.store.read_funding("BTC-PERPETUAL", hour).await.unwrap(),
        market.funding("BTC-PERPETUAL", hour)
    );
    let v = db.verify().await;
    for c in &v.checks {
        assert!(
            c.passed,
            "{backend:?} after the gap run, {} failed: {}",
            c.id, c.figure
        );
    }
    assert_eq!(
        v.quality.quarantine.len(),
        1,
        "the quarantine keeps the violator"
    );
    assert!(!v.quality.quarantine[0].new);
    assert!(
        db.store.gaps().await.unwrap().is_empty(),
        "fixed gaps confirmed and cleared"
    );
    db.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_damage_is_caught_named_and_fixed() {
    damage_is_caught_named_and_fixed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_damage_is_caught_named_and_fixed() {
    damage_is_caught_named_and_fixed(Backend::Postgres).await;
}

/// Verify's runtime on a larger database (60 days of BTC and ETH, every pipeline), both
/// backends: `cargo test --release --test verify_checks timing -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a timing run, not a check"]
async fn timing_sixty_days() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) =
            verify_support::filled_range(backend, "verify_timing", "2024-01-01", "2024-03-01")
                .await
        else {
            continue;
        };
        db.store.analyze().await.unwrap();
        let started = std::time::Instant::now();
        let v = db.verify().await;
        let secs = started.elapsed().as_secs_f64();
        let candles: i64 = v.futures.iter().chain(&v.perpetuals).map(|f| f.rows).sum();
        let basis: i64 = v.basis.iter().map(|b| b.rows).sum();
        eprintln!(
            "{backend:?}: verify {:.2} s for {} futures + {} perpetuals ({candles} candles, \
             {basis} basis rows): {:.0} candles/s; passed {}",
            secs,
            v.futures.len(),
            v.perpetuals.len(),
            candles as f64 / secs,
            v.passed
        );
        for f in v.futures.iter().filter(|f| !f.passed()) {
            eprintln!(
                "  SHORT {} {} expected {} rows {} gaps {:?}",
                f.instrument,
                f.range,
                f.expected,
                f.rows,
                f.gaps
                    .iter()
                    .take(3)
                    .map(|g| g.range.to_string())
                    .collect::<Vec<_>>()
            );
        }
        assert!(v.passed, "{:?}", v.failed());
        db.sim.shutdown().await;
    }
}
