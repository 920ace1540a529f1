//! Issue 12 against the simulator, on both backends: a future known only from the expiry
//! calendar is loaded from its first real candle, however long its listing lead; the expired
//! list comes from the history host, and from the main host and the calendar when that host
//! is down; `verify` catches a calendar-only future's lost leading window (issue 11, item 3)
//! and `run --gaps-only` fetches it back.

mod verify_support;

use deribit_backfill::backfill::{self, BackfillOptions};
use deribit_backfill::domain::time::{DAY_MS, MINUTE_MS, parse_instant};
use deribit_backfill::domain::{Discovery, GapState, JobState, Pipeline, TimeRange};
use deribit_backfill::jobs::ExpiredSource;
use deribit_backfill::sim::SimSettings;
use deribit_backfill::store::CandleTable;
use tokio_util::sync::CancellationToken;
use verify_support::support::{
    self, Backend, config_for, fresh_database, open, run_backfill, spawn_sim,
};
use verify_support::{Backend as VBackend, filled_range};

/// A weekly expiring 2024-01-12, long expired at the simulator's now (2024-03-01): the main
/// host no longer lists it.
const WEEKLY: &str = "BTC-12JAN24";

fn futures_only(instruments: &[&str], start: &str, end: &str) -> BackfillOptions {
    BackfillOptions::parse(
        &["futures".to_string()],
        &["BTC".to_string()],
        &instruments
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        Some(start),
        Some(end),
        2,
    )
    .unwrap()
}

/// Weeklies listed 30 days ahead: longer than any lead the client could assume (the
/// calendar's typical 14 days, and the old search margin of a week before it).
fn long_leads() -> SimSettings {
    let mut s = support::unlimited();
    s.market.weekly_lead_days = 30;
    s
}

async fn calendar_only_future_from_its_first_candle(backend: Backend) {
    let Some((url, _dir)) = fresh_database(backend, "first_candle_long_lead").await else {
        return;
    };
    let sim = spawn_sim(long_leads()).await;
    let market = sim.market().clone();
    let spec = market
        .lookup(WEEKLY, support::now_ms())
        .expect("the simulator lists it");
    let expiry = spec.expiration_timestamp;
    assert!(
        spec.creation_timestamp < expiry - 21 * DAY_MS,
        "the lead must be longer than the old assumption"
    );
    let config = config_for(&sim, &url);
    let store = open(&url).await;
    let opts = futures_only(&[WEEKLY], "2023-06-01", "2024-02-01");
    let snap = run_backfill(&store, &config, &opts).await;
    let job = snap
        .jobs
        .iter()
        .find(|j| j.key.instrument == WEEKLY)
        .unwrap();
    assert_eq!(job.state, JobState::Done, "{:?}", job.last_error);
    let instrument = store
        .list_instruments()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.instrument == WEEKLY)
        .unwrap();
    assert_eq!(instrument.discovered_from, Discovery::Calendar);
    // Every candle of its life, from the first real one.
    let life = TimeRange::new(spec.first_minute_ms(), expiry).unwrap();
    let truth = market.candles(WEEKLY, life);
    let stored = store
        .read_candles(CandleTable::Futures, WEEKLY, job.range)
        .await
        .unwrap();
    assert_eq!(stored.first().map(|c| c.ts), Some(spec.first_minute_ms()));
    assert_eq!(stored.len(), truth.len());
    assert_eq!(stored, truth);
    // The first candle is kept with the job.
    let cp = store
        .load_checkpoints()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.key.pipeline == Pipeline::Futures && c.key.instrument == WEEKLY)
        .unwrap();
    assert_eq!(cp.data_start, Some(spec.first_minute_ms()));
    // The search is one daily request, plus the minute pages of a 30-day life (~9) and
    // at most one empty page before the first candle.
    let minute_pages = (truth.len() as i64 + 4_999) / 5_000;
    assert!(
        (minute_pages + 1..=minute_pages + 3).contains(&cp.requests),
        "{} requests for {minute_pages} pages",
        cp.requests
    );
    // A calendar name the exchange never had stays unavailable.
    let never = market
        .nonexistent_expiries(deribit_backfill::sim::Coin::Btc)
        .into_iter()
        .map(|(d, _)| deribit_backfill::domain::InstrumentName::future("BTC", d).to_string())
        .find(|n| n.ends_with("23") || n.ends_with("24"))
        .expect("a skipped expiry in 2023-24");
    let opts = futures_only(&[&never], "2023-01-01", "2024-02-01");
    let snap = run_backfill(&store, &config, &opts).await;
    let j = snap
        .jobs
        .iter()
        .find(|j| j.key.instrument == never)
        .unwrap_or_else(|| panic!("no job for {never}"));
    assert_eq!(
        j.state,
        JobState::Unavailable,
        "{never}: {:?}",
        j.last_error
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_calendar_only_future_from_its_first_candle() {
    calendar_only_future_from_its_first_candle(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_calendar_only_future_from_its_first_candle() {
    calendar_only_future_from_its_first_candle(Backend::Postgres).await;
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn expired_list_from_the_history_host(backend: Backend) {
    let Some((url, _dir)) = fresh_database(backend, "history_host").await else {
        return;
    };
    let sim = spawn_sim(long_leads()).await;
    let spec = sim.market().lookup(WEEKLY, support::now_ms()).unwrap();
    let store = open(&url).await;
    let opts = futures_only(&[WEEKLY], "2023-12-01", "2024-02-01");

    // The history host answers: the name comes with its real creation, no search needed.
    let mut config = config_for(&sim, &url);
    config.exchange.history_url = format!("{}/history", sim.base_url());
    let client = backfill::client(&config).unwrap();
    let stop = CancellationToken::new();
    let prepared = backfill::prepare(&client, Some(&store), &opts, &stop)
        .await
        .unwrap();
    assert_eq!(prepared.discovered.expired_source, ExpiredSource::History);
    assert!(prepared.discovered.from_history > 20);
    let rec = prepared
        .discovered
        .instruments
        .iter()
        .find(|r| r.instrument == WEEKLY)
        .unwrap();
    assert_eq!(rec.discovered_from, Discovery::HistoryCalendar);
    assert_eq!(rec.creation_ts, Some(spec.creation_timestamp));
    let job = prepared
        .plan
        .jobs
        .iter()
        .find(|j| j.key.instrument == WEEKLY)
        .unwrap();
    assert!(!job.start_estimated);
    let snap = run_backfill(&store, &config, &opts).await;
    assert!(snap.totals.all_successful(), "{:?}", snap.totals);
    let stored = store.list_instruments().await.unwrap();
    let rec = stored.iter().find(|r| r.instrument == WEEKLY).unwrap();
    assert_eq!(
        rec.discovered_from,
        Discovery::HistoryCalendar,
        "stored as such"
    );
    let life = TimeRange::new(spec.first_minute_ms(), spec.expiration_timestamp).unwrap();
    let candles = store
        .read_candles(CandleTable::Futures, WEEKLY, life)
        .await
        .unwrap();
    assert_eq!(candles, sim.market().candles(WEEKLY, life));

    // The history host is down: the main host's recent list and the calendar stand in.
    let mut down = config_for(&sim, &url);
    down.exchange.history_url = format!("http://127.0.0.1:{}/history", closed_port());
    let client = backfill::client(&down).unwrap();
    let prepared = backfill::prepare(&client, Some(&store), &opts, &stop)
        .await
        .unwrap();
    assert!(
        matches!(
            prepared.discovered.expired_source,
            ExpiredSource::Fallback(_)
        ),
        "{:?}",
        prepared.discovered.expired_source
    );
    assert_eq!(prepared.discovered.from_history, 0);
    let rec = prepared
        .discovered
        .instruments
        .iter()
        .find(|r| r.instrument == WEEKLY)
        .unwrap();
    assert_eq!(rec.discovered_from, Discovery::Calendar);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_expired_list_from_the_history_host() {
    expired_list_from_the_history_host(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_expired_list_from_the_history_host() {
    expired_list_from_the_history_host(Backend::Postgres).await;
}

async fn lost_leading_window_is_caught_and_fixed(backend: VBackend) {
    // BTC-19JAN24 is known only from the calendar (long expired at the simulator's now),
    // listed on 2024-01-05.
    let Some(db) = filled_range(backend, "lost_leading_window", "2024-01-01", "2024-01-10").await
    else {
        return;
    };
    let name = "BTC-19JAN24";
    let v = db.verify().await;
    assert!(v.passed, "{:?}", v.failed());
    let cp = db
        .store
        .load_checkpoints()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.key.pipeline == Pipeline::Futures && c.key.instrument == name)
        .unwrap();
    let first = cp.data_start.expect("the job kept its first candle");
    let listed = db.sim.market().lookup(name, support::now_ms()).unwrap();
    assert_eq!(first, listed.first_minute_ms());
    assert!(first >= parse_instant("2024-01-05T08:00:00Z").unwrap());

    // Lose the first 5,000 minutes, as a failed write would.
    let cut = first + 5_000 * MINUTE_MS;
    let sql = format!(
        "DELETE FROM futures_ohlcv WHERE instrument = '{name}' AND timestamp < {}",
        db.ts(cut)
    );
    assert_eq!(db.exec(&sql).await, 5_000);
    let v = db.verify().await;
    assert!(v.failed().contains(&"AC-007"), "{:?}", v.failed());
    let gaps = db.store.gaps().await.unwrap();
    // The minutes of the first day before the first candle are recorded as empty at the
    // source; the lost window is the open gap.
    let gap = gaps
        .iter()
        .find(|g| {
            g.instrument == name && g.pipeline == Pipeline::Futures && g.state == GapState::Open
        })
        .unwrap_or_else(|| panic!("no open gap recorded: {gaps:?}"));
    assert!(
        gaps.iter()
            .filter(|g| g.instrument == name && g.state == GapState::Empty)
            .all(|g| g.range.end <= first),
        "only minutes before the first candle are empty at the source: {gaps:?}"
    );
    assert_eq!(gap.range, TimeRange::new(first, cut).unwrap());
    assert_eq!(gap.state, GapState::Open);

    // `run --gaps-only` fetches it back; verify passes again.
    let snap = db.fetch_gaps().await;
    assert!(snap.totals.all_successful(), "{:?}", snap.totals);
    let v = db.verify().await;
    assert!(v.passed, "{:?}", v.failed());
    let window = TimeRange::new(first, parse_instant(db.end).unwrap()).unwrap();
    let stored = db
        .store
        .read_candles(CandleTable::Futures, name, window)
        .await
        .unwrap();
    assert_eq!(stored, db.sim.market().candles(name, window));
    db.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_lost_leading_window_is_caught_and_fixed() {
    lost_leading_window_is_caught_and_fixed(VBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_lost_leading_window_is_caught_and_fixed() {
    lost_leading_window_is_caught_and_fixed(VBackend::Postgres).await;
}

async fn truncated_errors_are_retried_not_settled(backend: Backend) {
    let Some((url, _dir)) = fresh_database(backend, "truncated_errors").await else {
        return;
    };
    // Only truncated bodies: the -32602 of a name the exchange never had is cut short too.
    let mut settings = long_leads();
    settings.faults.truncate_probability = 0.6;
    settings.faults.seed = Some(3);
    let sim = spawn_sim(settings).await;
    let market = sim.market().clone();
    let never = market
        .nonexistent_expiries(deribit_backfill::sim::Coin::Btc)
        .into_iter()
        .map(|(d, _)| deribit_backfill::domain::InstrumentName::future("BTC", d).to_string())
        .find(|n| n.ends_with("23") || n.ends_with("24"))
        .expect("a skipped expiry in 2023-24");
    let mut config = config_for(&sim, &url);
    config.backfill.max_retries = 30;
    let store = open(&url).await;
    let mut opts = futures_only(&[WEEKLY, &never], "2023-01-01", "2024-02-01");
    opts.parallel = 1;
    let snap = run_backfill(&store, &config, &opts).await;
    assert!(sim.stats().truncated > 0);
    let job = |n: &str| snap.jobs.iter().find(|j| j.key.instrument == n).unwrap();
    // Only the complete error settles the name as unavailable, after retries of the cut ones.
    let j = job(&never);
    assert_eq!(j.state, JobState::Unavailable, "{:?}", j.last_error);
    assert!(j.retries > 0, "its answers were cut short and retried");
    let j = job(WEEKLY);
    assert_eq!(j.state, JobState::Done, "{:?}", j.last_error);
    let spec = market.lookup(WEEKLY, support::now_ms()).unwrap();
    let life = TimeRange::new(spec.first_minute_ms(), spec.expiration_timestamp).unwrap();
    let stored = store
        .read_candles(CandleTable::Futures, WEEKLY, life)
        .await
        .unwrap();
    assert_eq!(stored, market.candles(WEEKLY, life));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_truncated_errors_are_retried_not_settled() {
    truncated_errors_are_retried_not_settled(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_truncated_errors_are_retried_not_settled() {
    truncated_errors_are_retried_not_settled(Backend::Postgres).await;
}
