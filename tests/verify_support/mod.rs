//! Simulator-filled databases for the verification tests: a bounded backfill of BTC and ETH
//! (every pipeline) through the library, on SQLite or PostgreSQL, and raw SQL to damage it.
#![allow(dead_code)]

use std::sync::Arc;

use deribit_backfill::backfill;
use deribit_backfill::config::Config;
use deribit_backfill::domain::time::parse_instant;
use deribit_backfill::sim::SimHandle;
use deribit_backfill::store::{DataTable, Store};
use deribit_backfill::verify::{self, Verification, VerifyOptions};
use tokio_util::sync::CancellationToken;

#[path = "../support/mod.rs"]
pub mod support;

pub use support::Backend;

/// The backfilled range: a week before the simulator's frozen now (2024-03-01).
pub const START: &str = "2024-02-20";
pub const END: &str = "2024-02-27";

/// The clock verify runs at (after the range).
pub fn now() -> i64 {
    support::now_ms()
}

/// A database filled by a real backfill from the simulator.
pub struct Filled {
    pub url: String,
    pub backend: Backend,
    pub store: Arc<dyn Store>,
    pub sim: SimHandle,
    pub config: Config,
    pub start: &'static str,
    pub end: &'static str,
    _dir: Option<tempfile::TempDir>,
}

impl Filled {
    pub fn options(&self) -> VerifyOptions {
        VerifyOptions {
            currencies: vec!["BTC".into(), "ETH".into()],
            start: Some(parse_instant(self.start).unwrap()),
            end: None,
            storage_budget_bytes: 1.5e9,
            now: now(),
        }
    }

    pub async fn verify(&self) -> Verification {
        verify::verify(&self.store, &self.options()).await.unwrap()
    }

    /// [`Self::verify`], with the progress lines it reported, in order.
    pub async fn verify_with_progress(&self) -> (Verification, Vec<String>) {
        let lines = std::sync::Mutex::new(Vec::new());
        let progress = |step: &str| lines.lock().unwrap().push(step.to_string());
        let v = verify::verify_reporting(&self.store, &self.options(), &progress)
            .await
            .unwrap();
        (v, lines.into_inner().unwrap())
    }

    /// Runs the recorded gaps through the engine (`run --gaps-only`, as a library call).
    pub async fn fetch_gaps(&self) -> deribit_backfill::jobs::EngineSnapshot {
        let opts = support::options(self.start, self.end, 4);
        let client = backfill::client(&self.config).unwrap();
        let stop = CancellationToken::new();
        let prepared = backfill::prepare_gaps(&client, &self.store, &opts, &stop)
            .await
            .unwrap();
        let (handle, _events, task) =
            backfill::launch(prepared, self.store.clone(), client, opts.parallel);
        handle.wait_idle().await;
        handle.shutdown().await;
        let snap = handle.wait_stopped().await;
        task.await.unwrap();
        snap
    }

    /// Runs raw SQL: `sqlite` on SQLite, `pg` on PostgreSQL (timestamps via [`ts`]).
    pub async fn exec(&self, sql: &str) -> u64 {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
                    .await
                    .unwrap();
                let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&pool)
                    .await
                    .unwrap()
                    .rows_affected();
                pool.close().await;
                n
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
                let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&pool)
                    .await
                    .unwrap()
                    .rows_affected();
                pool.close().await;
                n
            }
        }
    }

    /// A timestamp literal of this backend.
    pub fn ts(&self, ms: i64) -> String {
        match self.backend {
            Backend::Sqlite => ms.to_string(),
            Backend::Postgres => format!("to_timestamp({ms}::double precision / 1000)"),
        }
    }

    /// Futures with rows, most rows first (ties by name).
    pub async fn futures(&self) -> Vec<String> {
        let mut rows = self
            .store
            .instrument_rows(DataTable::Futures)
            .await
            .unwrap();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        rows.into_iter().map(|(n, _)| n).collect()
    }
}

/// Backfills BTC and ETH over [`START`, `END`) from a fresh simulator; `None` when
/// PostgreSQL tests are skipped locally.
pub async fn filled(backend: Backend, test: &str) -> Option<Filled> {
    filled_range(backend, test, START, END).await
}

/// Like [`filled`] over another range.
pub async fn filled_range(
    backend: Backend,
    test: &str,
    start: &'static str,
    end: &'static str,
) -> Option<Filled> {
    let (url, dir) = support::fresh_database(backend, test).await?;
    let sim = support::spawn_sim(support::unlimited()).await;
    let config = support::config_for(&sim, &url);
    let store = support::open(&url).await;
    let opts = support::options(start, end, 4);
    let snap = support::run_backfill(&store, &config, &opts).await;
    assert!(snap.totals.all_successful(), "{:?}", snap.totals);
    Some(Filled {
        url,
        backend,
        store,
        sim,
        config,
        start,
        end,
        _dir: dir,
    })
}
