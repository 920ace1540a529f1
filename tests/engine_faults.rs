//! The engine against a misbehaving exchange (HTTP 5xx, 10040 retry, connections reset
//! mid-body, truncated JSON, 10028 storms): the loaded data still matches the ground truth
//! exactly, on both backends.

mod support;

use deribit_backfill::sim::SimSettings;
use support::{
    Backend, assert_matches_truth, config_for, fresh_database, open, options, run_backfill,
    spawn_sim,
};

fn faulty() -> SimSettings {
    let mut s = SimSettings::default();
    s.limits.enabled = false;
    s.faults.seed = Some(11);
    s.faults.http_5xx_probability = 0.04;
    s.faults.retry_probability = 0.03;
    s.faults.reset_probability = 0.04;
    s.faults.truncate_probability = 0.04;
    s.faults.storm_every_secs = 3;
    s.faults.storm_secs = 1;
    s
}

async fn faults_do_not_change_the_data(backend: Backend) {
    let Some((url, _dir)) = fresh_database(backend, "faults_do_not_change_the_data").await else {
        return;
    };
    let sim = spawn_sim(faulty()).await;
    let mut config = config_for(&sim, &url);
    // A budget the storms can deplete: the client must wait, not fail.
    config.rate_limit.refill_per_second = 2_000_000;
    config.rate_limit.pool = 200_000;
    let store = open(&url).await;
    let opts = options("2024-02-01", "2024-02-15", 4);
    // A storm from the first request, besides the periodic ones.
    sim.set_storm(true);
    let calm = async {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        sim.set_storm(false);
    };
    let (snap, ()) = tokio::join!(run_backfill(&store, &config, &opts), calm);
    let stats = sim.stats();
    assert!(snap.totals.all_successful(), "{:?}", snap.totals);
    assert!(
        stats.faults_injected() > 10,
        "the run must have met faults: {stats:?}"
    );
    assert!(
        stats.too_many_requests() > 0,
        "the run must have met a 10028 storm: {stats:?}"
    );
    assert!(snap.totals.retries > 0);
    assert!(
        snap.rate_limit.rate_limited_total > 0,
        "the limiter saw the 10028s"
    );
    assert_matches_truth(&store, sim.market(), &snap).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_faults_do_not_change_the_data() {
    faults_do_not_change_the_data(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_faults_do_not_change_the_data() {
    faults_do_not_change_the_data(Backend::Postgres).await;
}
