//! Shared by the engine, collector and end-to-end tests: a simulator, both backends, a
//! library-level backfill, and comparison of a loaded database with the simulator's ground
//! truth, row for row.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use deribit_backfill::backfill::{self, BackfillOptions};
use deribit_backfill::config::Config;
use deribit_backfill::domain::time::{expiry_instant_ms, parse_instant};
use deribit_backfill::domain::{
    BasisPoint, DeliveryPriceRow, IndexPrice, IndexSource, InstrumentName, JobState, Pipeline,
    TimeRange,
};
use deribit_backfill::jobs::EngineSnapshot;
use deribit_backfill::sim::{self, IndexName, Market, SimClock, SimConfig, SimHandle, SimSettings};
use deribit_backfill::store::{self, CandleTable, DataTable, Store};
use tokio_util::sync::CancellationToken;

#[path = "../common/pg.rs"]
pub mod pg;
pub mod tmux;

/// The simulator's frozen "now" in these tests.
pub const NOW: &str = "2024-03-01T00:00:00Z";

pub fn now_ms() -> i64 {
    parse_instant(NOW).unwrap()
}

/// A simulator frozen at [`NOW`], rate limits off unless the settings say otherwise.
pub async fn spawn_sim(mut settings: SimSettings) -> SimHandle {
    settings.limits.enabled = settings.limits.enabled && settings.limits.cost > 0;
    sim::spawn(SimConfig {
        seed: 7,
        clock: SimClock::fixed(now_ms()),
        settings,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// Simulator settings with the rate limit off.
pub fn unlimited() -> SimSettings {
    let mut s = SimSettings::default();
    s.limits.enabled = false;
    s
}

/// A configuration pointing at the simulator, with a generous client budget and quick
/// retries (tests that measure rate limiting set their own).
pub fn config_for(sim: &SimHandle, database_url: &str) -> Config {
    let mut c = Config {
        database_url: database_url.to_string(),
        exchange_url: sim.base_url(),
        ..Config::default()
    };
    c.rate_limit.refill_per_second = 50_000_000;
    c.rate_limit.pool = 5_000_000;
    c.backfill.backoff_base_ms = 20;
    c.backfill.backoff_max_ms = 200;
    c.backfill.max_retries = 10;
    c.backfill.request_timeout_seconds = 10;
    c
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database of the given backend; `None` when PostgreSQL tests are skipped locally.
/// The temp dir (SQLite) lives as long as the returned guard.
pub async fn fresh_database(
    backend: Backend,
    test: &str,
) -> Option<(String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/backfill.db", dir.path().display());
            Some((url, Some(dir)))
        }
        Backend::Postgres => {
            let admin = pg::admin_url(test)?;
            Some((pg::fresh_database(&admin, test).await, None))
        }
    }
}

/// The default test range: 60 days before the frozen now.
pub fn sixty_days() -> (String, String) {
    ("2024-01-01".to_string(), "2024-03-01".to_string())
}

/// Options for a backfill of BTC and ETH over `[start, end)`, every pipeline.
pub fn options(start: &str, end: &str, parallel: usize) -> BackfillOptions {
    BackfillOptions::parse(
        &["futures", "perpetuals", "funding", "index", "basis"].map(String::from),
        &["BTC".to_string(), "ETH".to_string()],
        &[],
        Some(start),
        Some(end),
        parallel,
    )
    .unwrap()
}

/// Runs a backfill to the end through the library and returns the final snapshot.
pub async fn run_backfill(
    store: &Arc<dyn Store>,
    config: &Config,
    opts: &BackfillOptions,
) -> EngineSnapshot {
    let client = backfill::client(config).unwrap();
    let stop = CancellationToken::new();
    let prepared = backfill::prepare(&client, Some(store), opts, &stop)
        .await
        .unwrap();
    let (handle, _events, task) = backfill::launch(prepared, store.clone(), client, opts.parallel);
    handle.wait_idle().await;
    handle.shutdown().await;
    let snap = handle.wait_stopped().await;
    task.await.unwrap();
    snap
}

/// Opens a database.
pub async fn open(url: &str) -> Arc<dyn Store> {
    store::connect(url).await.expect("database opens")
}

/// Compares every job's stored rows with the simulator's ground truth.
pub async fn assert_matches_truth(store: &Arc<dyn Store>, market: &Market, snap: &EngineSnapshot) {
    let mut checked_candles = 0usize;
    for job in snap.jobs.iter() {
        let name = job.key.instrument.as_str();
        let range = job.range;
        match job.key.pipeline {
            Pipeline::Futures | Pipeline::Perpetuals => {
                let table = if job.key.pipeline == Pipeline::Futures {
                    CandleTable::Futures
                } else {
                    CandleTable::Perpetuals
                };
                let stored = store.read_candles(table, name, range).await.unwrap();
                let truth = market.candles(name, range);
                if job.state == JobState::Unavailable {
                    assert!(
                        truth.is_empty(),
                        "{name} is unavailable but the exchange has {} candles",
                        truth.len()
                    );
                    assert!(stored.is_empty());
                    continue;
                }
                assert_eq!(
                    job.state,
                    JobState::Done,
                    "{}: {:?}",
                    job.key,
                    job.last_error
                );
                assert_eq!(stored.len(), truth.len(), "{name}: candle count in {range}");
                for (s, t) in stored.iter().zip(&truth) {
                    assert_eq!(s, t, "{name}: candle differs");
                }
                let exact = store.count_rows(table.table(), Some(name)).await.unwrap();
                assert!(
                    exact as usize >= truth.len(),
                    "{name}: rows outside the range are not expected here"
                );
                checked_candles += truth.len();
            }
            Pipeline::Funding => {
                assert_eq!(
                    job.state,
                    JobState::Done,
                    "{}: {:?}",
                    job.key,
                    job.last_error
                );
                let stored = store.read_funding(name, range).await.unwrap();
                let truth = market.funding(name, range);
                assert!(!truth.is_empty());
                assert_eq!(stored, truth, "{name}: funding differs");
            }
            Pipeline::Index => {
                assert_eq!(
                    job.state,
                    JobState::Done,
                    "{}: {:?}",
                    job.key,
                    job.last_error
                );
                let stored = store.read_index_prices(name, range).await.unwrap();
                let expected = expected_index(market, name, range);
                assert_eq!(stored.len(), expected.len(), "index {name}: rows");
                for (s, e) in stored.iter().zip(&expected) {
                    assert_eq!(s, e, "index {name} differs");
                }
                let delivery: Vec<DeliveryPriceRow> = store
                    .read_delivery_prices(name)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|d| range.contains(expiry_instant_ms(d.date)))
                    .collect();
                assert!(!delivery.is_empty(), "no delivery prices for {name}");
                assert_eq!(
                    delivery,
                    expected_delivery(market, name, range),
                    "delivery prices of {name}"
                );
            }
            Pipeline::Basis => {
                assert_eq!(
                    job.state,
                    JobState::Done,
                    "{}: {:?}",
                    job.key,
                    job.last_error
                );
                assert_basis(store, market, snap, name).await;
            }
            Pipeline::Instruments => {}
        }
    }
    assert!(checked_candles > 0, "the test compared no candles");
}

/// The index the pipeline should have built: one row per minute, the perpetual's close,
/// overridden by the hourly funding index where the funding row has one. Delivery prices are
/// never a minute of the index (they have their own table: see [`expected_delivery`]).
pub fn expected_index(market: &Market, currency: &str, range: TimeRange) -> Vec<IndexPrice> {
    let perp = InstrumentName::perpetual(currency).to_string();
    let mut rows: BTreeMap<i64, IndexPrice> = BTreeMap::new();
    for c in market.candles(&perp, range) {
        rows.insert(
            c.ts,
            IndexPrice {
                ts: c.ts,
                price: c.close,
                source: IndexSource::PerpetualClose,
            },
        );
    }
    for f in market.funding(&perp, range) {
        if let Some(price) = f.index_price {
            rows.insert(
                f.ts,
                IndexPrice {
                    ts: f.ts,
                    price,
                    source: IndexSource::FundingHistory,
                },
            );
        }
    }
    rows.into_values().collect()
}

/// The delivery prices an index job over `range` stores: every date whose 08:00 UTC lies in it.
pub fn expected_delivery(
    market: &Market,
    currency: &str,
    range: TimeRange,
) -> Vec<DeliveryPriceRow> {
    let index = IndexName::parse(&format!("{}_usd", currency.to_lowercase())).unwrap();
    market
        .delivery_prices(index)
        .into_iter()
        .filter(|d| range.contains(d.ts))
        .map(|d| DeliveryPriceRow {
            date: d.date,
            price: d.price,
        })
        .collect()
}

async fn assert_basis(
    store: &Arc<dyn Store>,
    market: &Market,
    snap: &EngineSnapshot,
    currency: &str,
) {
    let perp = InstrumentName::perpetual(currency).to_string();
    let mut checked = 0;
    for job in snap
        .jobs
        .iter()
        .filter(|j| j.key.pipeline == Pipeline::Futures && j.state == JobState::Done)
    {
        let name = InstrumentName::parse(&job.key.instrument).unwrap();
        if name.base != currency {
            continue;
        }
        let fut = market.candles(&job.key.instrument, job.range);
        let perp_closes: BTreeMap<i64, f64> = market
            .candles(&perp, job.range)
            .into_iter()
            .map(|c| (c.ts, c.close))
            .collect();
        let expiry = name.expiration_ms().unwrap();
        let expected: Vec<BasisPoint> = fut
            .iter()
            .filter_map(|c| {
                perp_closes
                    .get(&c.ts)
                    .map(|p| BasisPoint::compute(c.ts, c.close, *p, expiry))
            })
            .collect();
        let stored = store
            .basis_history(&job.key.instrument, Some(job.range))
            .await
            .unwrap();
        assert_eq!(
            stored.len(),
            expected.len(),
            "basis of {}: one row per shared minute",
            job.key.instrument
        );
        for (s, e) in stored.iter().zip(&expected) {
            assert_eq!(s.ts, e.ts);
            assert_eq!(s.futures_price, e.futures_price);
            assert_eq!(s.perpetual_price, e.perpetual_price);
            assert!((s.basis_spread - e.basis_spread).abs() < 1e-9);
            assert!((s.basis_spread_pct - e.basis_spread_pct).abs() < 1e-9);
            assert!((s.days_to_expiry - e.days_to_expiry).abs() < 1e-6);
        }
        checked += expected.len();
    }
    assert!(checked > 0, "no basis compared for {currency}");
}

/// Total rows per data table, from exact counts.
pub async fn exact_counts(store: &Arc<dyn Store>) -> Vec<(DataTable, i64)> {
    let mut out = Vec::new();
    for t in DataTable::ALL {
        out.push((t, store.count_rows(t, None).await.unwrap()));
    }
    out
}
