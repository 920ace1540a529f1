//! The engine against the simulator, compared with its ground truth, on both backends:
//! a bounded backfill of every pipeline, a second run that writes nothing, and calendar names
//! the exchange never had ending unavailable.

mod support;

use deribit_backfill::domain::{JobState, Pipeline};
use deribit_backfill::sim::Coin;
use support::{
    Backend, assert_matches_truth, config_for, exact_counts, fresh_database, open, options,
    run_backfill, sixty_days, spawn_sim, unlimited,
};

async fn sixty_days_every_pipeline(backend: Backend) {
    let Some((url, _dir)) = fresh_database(backend, "sixty_days_every_pipeline").await else {
        return;
    };
    let sim = spawn_sim(unlimited()).await;
    let config = config_for(&sim, &url);
    let store = open(&url).await;
    let (start, end) = sixty_days();
    let opts = options(&start, &end, 4);

    let snap = run_backfill(&store, &config, &opts).await;
    assert!(snap.totals.all_successful(), "{:?}", snap.totals);
    assert_eq!(snap.totals.failed, 0);
    for p in [
        Pipeline::Futures,
        Pipeline::Perpetuals,
        Pipeline::Funding,
        Pipeline::Index,
        Pipeline::Basis,
    ] {
        assert!(
            snap.jobs
                .iter()
                .any(|j| j.key.pipeline == p && j.state == JobState::Done),
            "no {p} job done"
        );
    }
    let market = sim.market().clone();
    assert_matches_truth(&store, &market, &snap).await;

    // Calendar expiries the exchange never listed end unavailable, never failed.
    let missing: Vec<String> = Coin::ALL
        .iter()
        .flat_map(|c| {
            market
                .nonexistent_expiries(*c)
                .into_iter()
                .map(move |(d, _)| (c.as_str(), d))
        })
        .map(|(c, d)| deribit_backfill::domain::InstrumentName::future(c, d).to_string())
        .collect();
    let unavailable: Vec<_> = snap
        .jobs
        .iter()
        .filter(|j| missing.contains(&j.key.instrument))
        .collect();
    assert!(
        !unavailable.is_empty(),
        "the range should include at least one expiry that never existed"
    );
    for j in &unavailable {
        assert_eq!(
            j.state,
            JobState::Unavailable,
            "{} should be unavailable",
            j.key
        );
    }

    // A second run writes nothing new.
    let before = exact_counts(&store).await;
    let again = run_backfill(&store, &config, &opts).await;
    assert!(again.totals.all_successful());
    assert_eq!(
        again.totals.rows_written, 0,
        "a second run must not write: {:?}",
        again.totals
    );
    assert_eq!(exact_counts(&store).await, before);
    assert_matches_truth(&store, &market, &again).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_sixty_days_every_pipeline_matches_ground_truth() {
    sixty_days_every_pipeline(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_sixty_days_every_pipeline_matches_ground_truth() {
    sixty_days_every_pipeline(Backend::Postgres).await;
}
