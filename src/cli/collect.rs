//! `deribit-backfill collect`: the realtime collector, until SIGTERM/SIGINT/SIGHUP.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::Result;

use super::args::CollectArgs;
use crate::backfill;
use crate::collector::{Collector, CollectorOptions, collector_id};
use crate::config::Config;
use crate::store;
use crate::usage::{UsageError, usage};

pub async fn run(config: &Config, args: &CollectArgs) -> Result<ExitCode> {
    let currencies = super::parse_currencies(if args.currencies.is_empty() {
        &config.backfill.currencies
    } else {
        &args.currencies
    })
    .map_err(usage)?;
    let interval = args
        .interval
        .unwrap_or(config.collector.poll_interval_seconds);
    if interval == 0 {
        return Err(UsageError::new("--interval 0 is not allowed — use at least 1 second").into());
    }
    let client = backfill::client(config).map_err(usage)?;
    let stop = crate::signals::listen(|name| {
        let _ = writeln!(std::io::stderr(), "{name}: stopping the collector");
    });
    backfill::reach(&client, &stop).await?;
    let store = store::connect(&config.database_url).await?;
    let options = CollectorOptions {
        id: collector_id(args.id.as_deref()),
        currencies,
        include_futures: args.futures || config.collector.include_futures,
        poll_every: Duration::from_secs(interval),
        initial_lookback: Duration::from_secs(args.lookback_minutes * 60),
    };
    let _ = writeln!(
        std::io::stderr(),
        "collector {} polling every {interval}s ({}{}) into {}",
        options.id,
        options.currencies.join(","),
        if options.include_futures {
            ", with live futures"
        } else {
            ""
        },
        store.url()
    );
    let collector = Collector::new(store.clone(), client, options, backfill::system_clock());
    let stats = collector.run(stop).await;
    let _ = writeln!(
        std::io::stderr(),
        "collector stopped after {} polls: {} rows written, {} requests, {} errors",
        stats.polls,
        stats.rows_written,
        stats.requests,
        stats.errors
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
