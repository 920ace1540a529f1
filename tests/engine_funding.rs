//! Funding and index prices as the real exchange serves them (issue 12, deribit-api.md §8), on
//! both backends, against the simulator's ground truth:
//! - funding starts late (BTC-PERPETUAL 2019-04-30T10:00Z) with a null `prev_index_price`, and
//!   has multi-hour gaps: it loads, the empty hours are settled as empty at the source, and
//!   verify passes AC-010 and AC-011 without re-opening them;
//! - a row the client cannot read is quarantined with its reason, and the rest of its page and
//!   the later pages load;
//! - delivery prices land in `delivery_prices`, never in `index_prices`.

mod support;

use deribit_backfill::backfill::BackfillOptions;
use deribit_backfill::domain::time::{HOUR_MS, expiry_instant_ms, parse_instant};
use deribit_backfill::domain::{GapState, IndexSource, JobState, Pipeline, TimeRange};
use deribit_backfill::sim::settings::BTC_FIRST_FUNDING_MS;
use deribit_backfill::verify::{self, VerifyOptions};
use support::{
    Backend, assert_matches_truth, config_for, expected_delivery, fresh_database, now_ms, open,
    run_backfill, spawn_sim, unlimited,
};

const PERP: &str = "BTC-PERPETUAL";

fn btc_options(pipelines: &[&str], start: &str, end: &str) -> BackfillOptions {
    BackfillOptions::parse(
        &pipelines.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        &["BTC".to_string()],
        &[],
        Some(start),
        Some(end),
        2,
    )
    .unwrap()
}

fn verify_options(start: &str) -> VerifyOptions {
    VerifyOptions {
        currencies: vec!["BTC".into()],
        start: Some(parse_instant(start).unwrap()),
        end: None,
        storage_budget_bytes: 1.5e9,
        now: now_ms(),
    }
}

fn check<'a>(v: &'a verify::Verification, id: &str) -> &'a verify::CheckResult {
    v.checks.iter().find(|c| c.id == id).unwrap()
}

async fn funding_with_a_null_and_gaps_loads_and_verifies(backend: Backend) {
    let Some((url, _dir)) = fresh_database(backend, "funding_null_and_gaps").await else {
        return;
    };
    let mut settings = unlimited();
    // More gaps than the default, so two weeks surely hold some (seeded: the same every run).
    settings.funding.gap_day_share = 0.3;
    let sim = spawn_sim(settings).await;
    let market = sim.market().clone();
    let config = config_for(&sim, &url);
    let store = open(&url).await;
    let (start, end) = ("2019-04-28", "2019-05-12");
    let opts = btc_options(&["perpetuals", "funding", "index"], start, end);
    let snap = run_backfill(&store, &config, &opts).await;
    assert!(snap.totals.all_successful(), "{:?}", snap.totals);
    let funding_job = snap
        .jobs
        .iter()
        .find(|j| j.key.pipeline == Pipeline::Funding && j.key.instrument == PERP)
        .expect("a funding job");
    assert_eq!(
        funding_job.state,
        JobState::Done,
        "{:?}",
        funding_job.last_error
    );
    assert_matches_truth(&store, &market, &snap).await;

    // The truth starts at the recorded first hour, with a null, and has gaps.
    let range = funding_job.range;
    let truth = market.funding(PERP, range);
    assert_eq!(truth[0].ts, BTC_FIRST_FUNDING_MS);
    assert_eq!(truth[0].prev_index_price, None);
    let gaps = truth
        .windows(2)
        .filter(|w| w[1].ts - w[0].ts > HOUR_MS)
        .count();
    assert!(gaps > 0, "the range should hold a funding gap");
    let stored = store.read_funding(PERP, range).await.unwrap();
    assert_eq!(stored, truth);
    assert_eq!(stored[0].prev_index_price, None, "stored as NULL");

    // What the exchange answered empty for is recorded as empty at the source.
    let empty: Vec<TimeRange> = store
        .gaps()
        .await
        .unwrap()
        .into_iter()
        .filter(|g| g.pipeline == Pipeline::Funding && g.state == GapState::Empty)
        .map(|g| g.range)
        .collect();
    assert_eq!(
        empty.first().map(|r| (r.start, r.end)),
        Some((range.start, BTC_FIRST_FUNDING_MS)),
        "before the first row: {empty:?}"
    );
    assert_eq!(empty.len(), 1 + gaps, "one range per gap: {empty:?}");
    for w in truth.windows(2).filter(|w| w[1].ts - w[0].ts > HOUR_MS) {
        let hole = TimeRange {
            start: w[0].ts + HOUR_MS,
            end: w[1].ts,
        };
        assert!(empty.contains(&hole), "{hole} not settled empty: {empty:?}");
    }

    // verify counts only what the exchange has, and passes.
    let v = verify::verify(&store, &verify_options(start))
        .await
        .unwrap();
    for id in ["AC-010", "AC-011"] {
        let c = check(&v, id);
        assert!(c.passed, "{id}: {}", c.figure);
    }
    let f = v.funding.iter().find(|c| c.instrument == PERP).unwrap();
    assert_eq!(f.missing_open(), 0);
    assert_eq!(f.rows as usize, truth.len());
    assert_eq!(f.expected_at_source(), f.rows, "{f:?}");
    assert!(f.missing_empty() > 0);
    assert!(
        check(&v, "AC-010").figure.contains("empty at the source"),
        "{}",
        check(&v, "AC-010").figure
    );
    // A second verify re-opens nothing.
    let again = verify::verify(&store, &verify_options(start))
        .await
        .unwrap();
    assert!(check(&again, "AC-010").passed && check(&again, "AC-011").passed);
    let open_gaps: Vec<_> = store
        .gaps()
        .await
        .unwrap()
        .into_iter()
        .filter(|g| g.state == GapState::Open && g.pipeline != Pipeline::Futures)
        .filter(|g| g.pipeline != Pipeline::Basis)
        .collect();
    assert!(open_gaps.is_empty(), "{open_gaps:?}");

    // Delivery prices: their own table, never a minute of the index.
    let index_job = snap
        .jobs
        .iter()
        .find(|j| j.key.pipeline == Pipeline::Index)
        .unwrap();
    let delivery = store.read_delivery_prices("BTC").await.unwrap();
    assert_eq!(delivery, expected_delivery(&market, "BTC", index_job.range));
    assert!(delivery.len() >= 13, "{}", delivery.len());
    let index = store
        .read_index_prices("BTC", index_job.range)
        .await
        .unwrap();
    for d in &delivery {
        let at = expiry_instant_ms(d.date);
        let row = index.iter().find(|p| p.ts == at).expect("an 08:00 minute");
        assert_ne!(
            row.price, d.price,
            "{}: the delivery price is not the index",
            d.date
        );
        assert!(matches!(
            row.source,
            IndexSource::FundingHistory | IndexSource::PerpetualClose
        ));
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_funding_with_a_null_and_gaps_loads_and_verifies() {
    funding_with_a_null_and_gaps_loads_and_verifies(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_funding_with_a_null_and_gaps_loads_and_verifies() {
    funding_with_a_null_and_gaps_loads_and_verifies(Backend::Postgres).await;
}

async fn unreadable_rows_are_quarantined_and_the_rest_loads(backend: Backend) {
    let Some((url, _dir)) = fresh_database(backend, "funding_unreadable").await else {
        return;
    };
    let mut settings = unlimited();
    settings.funding.unreadable_share = 0.01;
    let sim = spawn_sim(settings).await;
    let market = sim.market().clone();
    let config = config_for(&sim, &url);
    let store = open(&url).await;
    // 45 days: two pages of at most 744 hours.
    let (start, end) = ("2024-01-01", "2024-02-15");
    let snap = run_backfill(&store, &config, &btc_options(&["funding"], start, end)).await;
    let job = snap
        .jobs
        .iter()
        .find(|j| j.key.pipeline == Pipeline::Funding && j.key.instrument == PERP)
        .unwrap();
    assert_eq!(job.state, JobState::Done, "{:?}", job.last_error);

    let truth = market.funding(PERP, job.range);
    let stored = store.read_funding(PERP, job.range).await.unwrap();
    let quarantined = store.quarantined_funding().await.unwrap();
    assert!(
        !quarantined.is_empty(),
        "the fault should have hit some rows"
    );
    let spec = market.instrument(PERP).unwrap();
    let mut held: Vec<i64> = Vec::new();
    for q in &quarantined {
        assert_eq!(q.instrument, PERP);
        let ts = q.row.ts.expect("the timestamp was readable");
        assert!(market.is_funding_unreadable(&spec, ts), "{q:?}");
        assert!(
            q.row.reason.contains("index_price is not a number"),
            "{q:?}"
        );
        assert!(q.row.raw.contains("\"unreadable\""), "{q:?}");
        held.push(ts);
    }
    // Every other row of the truth is stored, exactly.
    let want: Vec<_> = truth
        .iter()
        .filter(|r| !held.contains(&r.ts))
        .copied()
        .collect();
    assert_eq!(stored, want);
    assert_eq!(stored.len() + held.len(), truth.len());
    // A bad row in the first page did not stop the later pages.
    let first_page_end = job.range.start + 744 * HOUR_MS;
    assert!(held.iter().any(|ts| *ts < first_page_end), "{held:?}");
    assert!(stored.last().unwrap().ts >= first_page_end + 24 * HOUR_MS);

    // verify accounts for the quarantined hours (not missing, not empty at the source).
    let v = verify::verify(&store, &verify_options(start))
        .await
        .unwrap();
    let c = check(&v, "AC-010");
    assert!(c.passed, "{}", c.figure);
    let f = v.funding.iter().find(|c| c.instrument == PERP).unwrap();
    assert_eq!(f.quarantined as usize, held.len());
    assert!(c.figure.contains("quarantined"), "{}", c.figure);
    // A second run changes nothing: each bad row is kept once.
    let again = run_backfill(&store, &config, &btc_options(&["funding"], start, end)).await;
    assert!(again.totals.all_successful());
    assert_eq!(store.quarantined_funding().await.unwrap().len(), held.len());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_unreadable_funding_rows_are_quarantined_and_the_rest_loads() {
    unreadable_rows_are_quarantined_and_the_rest_loads(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_unreadable_funding_rows_are_quarantined_and_the_rest_loads() {
    unreadable_rows_are_quarantined_and_the_rest_loads(Backend::Postgres).await;
}
