//! Deterministic sample data: a fixed clock, a mixed set of jobs and a metrics sample. Used by
//! the snapshot tests, the render benchmark and the docs; nothing here reads the wall clock.

use std::sync::Arc;

use crate::config::HealthConfig;
use crate::domain::{JobKey, JobState, Pipeline, TimeRange};
use crate::exchange::RateLimitSnapshot;
use crate::jobs::{EngineSnapshot, JobView, Totals};

use super::metrics::{Metrics, Storage};
use crate::domain::Heartbeat;
use crate::health::assess;
use crate::store::{DataTable, DiskSpace, TableStats};

/// The fixed "now": 2025-11-24 16:00:00 UTC.
pub const NOW_MS: i64 = 1_764_000_000_000;
/// The engine started 1h02m03s before [`NOW_MS`].
pub const STARTED_AT: i64 = NOW_MS - 3_723_000;

const MINUTE: i64 = 60_000;

/// A job with a 100-day minute range, `fraction` of it covered.
fn view(pipeline: Pipeline, instrument: &str, state: JobState, fraction: f64) -> JobView {
    let start = NOW_MS - 100 * 1440 * MINUTE;
    let range = TimeRange::new(start, NOW_MS).expect("valid range");
    let expected = range.duration_ms() / MINUTE;
    let done = (expected as f64 * fraction) as i64;
    JobView {
        key: JobKey::new(pipeline, instrument),
        state,
        range,
        cursor: start + done * MINUTE,
        rows_done: done,
        rows_expected: expected,
        rows_written: done,
        requests: done / 5_000 + 1,
        retries: 0,
        last_error: None,
        rows_per_second: 0.0,
        eta_seconds: None,
        updated_at: NOW_MS,
    }
}

/// A bare job in a state, for unit tests.
pub fn job(pipeline: &str, instrument: &str, state: JobState, error: Option<&str>) -> JobView {
    let pipeline = pipeline.parse().expect("pipeline name");
    let mut j = view(pipeline, instrument, state, 0.5);
    j.last_error = error.map(String::from);
    j
}

/// The sample job table: every state, errors, retries, stable and unstable ETAs.
pub fn jobs() -> Vec<JobView> {
    use JobState::*;
    use Pipeline::*;
    let mut v = Vec::new();
    let mut add =
        |p, i: &str, s, f: f64, rate: f64, eta: Option<f64>, retries: i64, err: Option<&str>| {
            let mut j = view(p, i, s, f);
            j.rows_per_second = rate;
            j.eta_seconds = eta;
            j.retries = retries;
            j.last_error = err.map(String::from);
            v.push(j);
        };
    add(
        Futures,
        "BTC-27DEC24",
        Running,
        0.62,
        812.46,
        Some(412.0),
        0,
        None,
    );
    add(Futures, "BTC-28MAR25", Running, 0.12, 790.2, None, 0, None);
    add(Futures, "BTC-29NOV24", Done, 1.0, 0.0, None, 0, None);
    add(
        Futures,
        "BTC-25OCT24",
        Failed,
        0.33,
        0.0,
        None,
        8,
        Some("HTTP 502 Bad Gateway after 8 retries"),
    );
    add(
        Futures,
        "ETH-27DEC24",
        Backoff,
        0.45,
        0.0,
        None,
        2,
        Some("timeout after 30s"),
    );
    add(Futures, "ETH-28MAR25", Paused, 0.40, 0.0, None, 0, None);
    add(
        Futures,
        "ETH-29NOV24",
        Pausing,
        0.71,
        655.0,
        Some(1810.0),
        0,
        None,
    );
    add(Futures, "ETH-25OCT24", Queued, 0.0, 0.0, None, 0, None);
    add(
        Futures,
        "BTC-3JAN25",
        Unavailable,
        1.0,
        0.0,
        None,
        0,
        Some("instrument not found"),
    );
    add(Futures, "ETH-3JAN25", Cancelled, 0.08, 0.0, None, 0, None);
    add(Futures, "BTC-26SEP25", Done, 1.0, 0.0, None, 1, None);
    add(Futures, "ETH-26SEP25", Queued, 0.0, 0.0, None, 0, None);
    add(
        Perpetuals,
        "BTC-PERPETUAL",
        Running,
        0.4,
        1520.7,
        Some(7380.0),
        0,
        None,
    );
    add(Perpetuals, "ETH-PERPETUAL", Queued, 0.0, 0.0, None, 0, None);
    add(Funding, "BTC-PERPETUAL", Done, 1.0, 0.0, None, 0, None);
    add(
        Funding,
        "ETH-PERPETUAL",
        Running,
        0.91,
        12.34,
        Some(95.0),
        0,
        None,
    );
    add(Index, "BTC", Done, 1.0, 0.0, None, 0, None);
    add(Index, "ETH", Queued, 0.0, 0.0, None, 0, None);
    add(Basis, "BTC", Queued, 0.0, 0.0, None, 0, None);
    add(
        Basis,
        "ETH",
        Failed,
        0.0,
        0.0,
        None,
        3,
        Some("no perpetual candles for ETH yet"),
    );
    v
}

/// `n` jobs cycling through states, for the benchmark.
pub fn many_jobs(n: usize) -> Vec<JobView> {
    let states = JobState::ALL;
    (0..n)
        .map(|i| {
            let state = states[i % states.len()];
            let inst = format!(
                "{}-{}JAN{:02}",
                if i % 2 == 0 { "BTC" } else { "ETH" },
                i % 28 + 1,
                i % 90 + 10
            );
            let mut j = view(Pipeline::Futures, &inst, state, (i % 97) as f64 / 97.0);
            j.key.instrument = format!("{inst}-{i}");
            j.rows_per_second = if state == JobState::Running {
                100.0 + i as f64
            } else {
                0.0
            };
            j.eta_seconds = (state == JobState::Running).then_some(60.0 * (i % 200) as f64);
            j.retries = (i % 4) as i64;
            j.last_error = (state == JobState::Failed).then(|| format!("HTTP 503 on page {i}"));
            j
        })
        .collect()
}

/// An engine snapshot over `jobs`.
pub fn snapshot_of(jobs: Vec<JobView>, version: u64) -> EngineSnapshot {
    let totals = Totals::from_jobs(&jobs);
    let idle = totals.running + totals.queued + totals.pausing + totals.backoff == 0;
    let rows_per_second = jobs.iter().map(|j| j.rows_per_second).sum();
    EngineSnapshot {
        version,
        jobs: Arc::new(jobs),
        totals,
        rate_limit: rate_limit(),
        parallel: 6,
        started_at: STARTED_AT,
        rows_per_second,
        eta_seconds: Some(7_425.0),
        idle,
        stopped: false,
        fatal: None,
    }
}

/// The sample engine snapshot.
pub fn snapshot() -> EngineSnapshot {
    snapshot_of(jobs(), 1)
}

pub fn rate_limit() -> RateLimitSnapshot {
    RateLimitSnapshot {
        credits_left: 31_500.0,
        pool: 50_000.0,
        requests_per_second: 19.4,
        budget_per_second: 19.6,
        total_requests: 73_112,
        rate_limited_total: 1,
        rate_limited_recent: 1,
        penalty_seconds: 0.0,
        slowdown: 0.75,
    }
}

/// Requests per second over the last minute, one value per second.
pub fn rate_series() -> Vec<f64> {
    (0..60)
        .map(|i| match i % 12 {
            0..=5 => 19.6,
            6 => 0.0,
            n => 4.0 + 2.5 * n as f64,
        })
        .collect()
}

/// The sample metrics.
pub fn metrics() -> Metrics {
    let t = |table, rows, bytes, bytes_exact| TableStats {
        table,
        rows,
        estimated_rows: None,
        bytes,
        bytes_exact,
    };
    let beat = |id: &str, host: &str, pid, age_ms: i64, rows, err: Option<&str>| Heartbeat {
        collector_id: id.into(),
        host: host.into(),
        pid,
        started_at: NOW_MS - 86_400_000,
        last_beat_at: NOW_MS - age_ms,
        instruments: vec!["BTC-PERPETUAL".into(), "ETH-PERPETUAL".into()],
        rows_written: rows,
        last_error: err.map(String::from),
    };
    let minute_end = |lag_s: i64| Some(NOW_MS - 60_000 - lag_s * 1000);
    let latest = [
        ("BTC-PERPETUAL".to_string(), minute_end(35)),
        ("ETH-PERPETUAL".to_string(), minute_end(1_045)),
        ("BTC-27DEC24".to_string(), minute_end(200)),
        ("ETH-27DEC24".to_string(), None),
    ];
    let beats = [
        beat("c-7f3a", "ingest-1", 4242, 4_000, 1_234_567, None),
        beat(
            "c-9b1c",
            "ingest-2",
            977,
            1_500_000,
            88_000,
            Some("connection reset by peer"),
        ),
    ];
    Metrics {
        version: 1,
        sampled_at: Some(NOW_MS),
        storage: Storage {
            tables: vec![
                t(DataTable::Futures, 12_345_678, Some(728_000_000), true),
                t(DataTable::Perpetuals, 4_321_000, Some(255_100_000), true),
                t(DataTable::Funding, 52_011, Some(4_100_000), true),
                t(DataTable::Index, 1_000_450, Some(60_200_000), false),
                t(DataTable::Basis, 903_000, None, false),
            ],
            disk: Some(DiskSpace {
                path: "data".into(),
                available_bytes: 40_200_000_000,
                total_bytes: 100_000_000_000,
            }),
            write_rate_bytes_per_day: Some(1_500_000_000.0),
        },
        health: Some(assess(NOW_MS, &latest, &beats, &HealthConfig::default())),
        basis: Some(basis()),
    }
}

/// A sample basis curve: four live BTC futures in contango, each with two days of history.
pub fn basis() -> super::BasisMetrics {
    use crate::domain::BasisPoint;
    let futures = [
        ("BTC-28NOV25", 4.0 * 86_400_000.0, 0.08),
        ("BTC-26DEC25", 32.0 * 86_400_000.0, 0.61),
        ("BTC-27MAR26", 123.0 * 86_400_000.0, 2.05),
        ("BTC-26JUN26", 214.0 * 86_400_000.0, 3.48),
    ];
    let perp = 87_000.0;
    super::BasisMetrics {
        at: NOW_MS,
        futures: futures
            .iter()
            .enumerate()
            .map(|(k, (name, to_expiry, pct))| {
                let expiry = NOW_MS + *to_expiry as i64;
                let fut = perp * (1.0 + pct / 100.0);
                let history = (0..=96)
                    .map(|i| {
                        let ts = NOW_MS - (96 - i) * 30 * MINUTE;
                        let wave = ((i as f64 / 8.0) + k as f64).sin() * 0.15;
                        (ts, pct + wave - 0.002 * (96 - i) as f64)
                    })
                    .collect();
                super::BasisFuture {
                    name: name.to_string(),
                    latest: BasisPoint::compute(NOW_MS, fut, perp, expiry),
                    history,
                }
            })
            .collect(),
    }
}

/// An app loaded with the sample snapshot, metrics and a minute of requests/s history, at
/// [`NOW_MS`], laid out for `viewport`.
pub fn app(viewport: super::Viewport, no_color: bool) -> super::App {
    app_with(snapshot(), viewport, no_color)
}

/// Like [`app`] with another engine snapshot (its version must be above 61).
pub fn app_with(snap: EngineSnapshot, viewport: super::Viewport, no_color: bool) -> super::App {
    use super::{App, AppConfig, Msg};
    let config = AppConfig {
        no_color,
        ..AppConfig::default()
    };
    let mut app = App::new(config, NOW_MS - 60_000);
    app.update(Msg::Resize(viewport));
    let series = rate_series();
    for (i, rps) in series.iter().enumerate() {
        let mut s = snapshot();
        s.version = i as u64 + 1;
        s.rate_limit.requests_per_second = *rps;
        app.update(Msg::Snapshot(s));
        let t = NOW_MS - (series.len() - 1 - i) as i64 * 1000;
        app.update(Msg::Tick { now_ms: t });
    }
    app.update(Msg::Snapshot(snap));
    app.update(Msg::Metrics(metrics()));
    app
}
