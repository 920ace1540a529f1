//! `deribit-backfill demo`: the whole product in one command. A simulator on a loopback port
//! (realistic rate limits), a fresh SQLite file, a bounded but real backfill of BTC and ETH
//! over every pipeline, a realtime collector, and the dashboard. Without a terminal it runs
//! headless to the end and prints the summary.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use tokio_util::sync::CancellationToken;

use super::args::DemoArgs;
use super::dashboard;
use super::run::exit_code;
use crate::backfill::{self, BackfillOptions};
use crate::collector::{Collector, CollectorOptions};
use crate::config::Config;
use crate::domain::Pipeline;
use crate::domain::time::DAY_MS;
use crate::headless::{self, HeadlessOptions};
use crate::sim::{self, SimClock, SimConfig};
use crate::store;

/// A fresh database file for this demo under `data/`.
fn fresh_database_path() -> Result<std::path::PathBuf> {
    let dir = std::path::Path::new("data");
    std::fs::create_dir_all(dir)
        .wrap_err("cannot create the data/ folder for the demo database")?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    Ok(dir.join(format!("demo-{stamp}.db")))
}

pub async fn run(config: &Config, args: &DemoArgs) -> Result<ExitCode> {
    let mut err = std::io::stderr();
    let sim = sim::spawn(SimConfig {
        seed: args.seed,
        clock: SimClock::Real,
        ..SimConfig::default()
    })
    .await
    .wrap_err("cannot start the simulator on 127.0.0.1")?;
    let db = fresh_database_path()?;
    let mut config = config.clone();
    config.exchange_url = sim.base_url();
    config.database_url = format!("sqlite://{}", db.display());
    let _ = writeln!(
        err,
        "demo: simulator at {} (real Deribit rate limits), database {}",
        sim.base_url(),
        db.display()
    );

    let now = chrono::Utc::now().timestamp_millis();
    let opts = BackfillOptions {
        pipelines: Pipeline::SELECTABLE.to_vec(),
        currencies: vec!["BTC".into(), "ETH".into()],
        instruments: None,
        start: Some(now - args.days as i64 * DAY_MS),
        end: None,
        parallel: args.parallel,
        resume_paused: false,
    };
    let client = backfill::client(&config)?;
    let stop = if dashboard::has_terminal() {
        crate::signals::listen(|_| {})
    } else {
        crate::signals::listen(|name| {
            let _ = writeln!(
                std::io::stderr(),
                "{name}: stopping at the next checkpoint (again to exit at once)"
            );
        })
    };
    let store = store::connect(&config.database_url).await?;
    let prepared = backfill::prepare(&client, Some(&store), &opts, &stop).await?;
    let _ = writeln!(
        err,
        "demo: {} jobs over the last {} days; a collector keeps the perpetuals current",
        prepared.plan.jobs.len(),
        args.days
    );
    let (handle, _events, task) =
        backfill::launch(prepared, store.clone(), client.clone(), opts.parallel);

    // The collector shares the client, so it draws from the same rate budget. It starts once
    // the perpetuals' history is in, so the two do not fetch the same minutes.
    let collector_stop = CancellationToken::new();
    let mut perpetuals_done = handle.subscribe();
    let collector = (!args.no_collector).then(|| {
        let c = Collector::new(
            store.clone(),
            client.clone(),
            CollectorOptions {
                id: crate::collector::collector_id(Some("demo")),
                currencies: opts.currencies.clone(),
                include_futures: false,
                poll_every: Duration::from_secs(config.collector.poll_interval_seconds),
                initial_lookback: Duration::from_secs(3_600),
            },
            backfill::system_clock(),
        );
        let stop = collector_stop.clone();
        tokio::spawn(async move {
            let _ = perpetuals_done
                .wait_for(|s| {
                    s.stopped
                        || s.jobs
                            .iter()
                            .filter(|j| j.key.pipeline == Pipeline::Perpetuals)
                            .all(|j| j.state.is_terminal())
                })
                .await;
            c.run(stop).await
        })
    });

    let clock = backfill::system_clock();
    let (snapshot, interrupted) = if dashboard::has_terminal() {
        let s = dashboard::dashboard_session(&config, store.clone(), handle, stop, clock.clone())
            .await?;
        (s, false)
    } else {
        let o = headless::supervise(
            &handle,
            &HeadlessOptions {
                interval: Duration::from_secs(5),
                json: false,
            },
            &stop,
            &clock,
        )
        .await;
        (o.snapshot, o.interrupted)
    };
    let _ = task.await;
    collector_stop.cancel();
    if let Some(c) = collector
        && let Ok(stats) = c.await
    {
        let _ = writeln!(
            err,
            "demo: collector made {} polls and wrote {} rows",
            stats.polls, stats.rows_written
        );
    }
    if dashboard::has_terminal() {
        dashboard::print_summary(&snapshot, &clock);
    }
    store.close().await;
    sim.shutdown().await;
    let _ = writeln!(
        err,
        "demo: the data is in {} — look at it with `deribit-backfill --database-url sqlite://{} status`",
        db.display(),
        db.display()
    );
    Ok(exit_code(&snapshot, interrupted))
}
