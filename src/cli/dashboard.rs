//! `deribit-backfill` / `deribit-backfill tui`: the backfill with the dashboard. Without a
//! terminal it runs headless instead (like `run`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use color_eyre::eyre::Result;
use tokio_util::sync::CancellationToken;

use super::args::{BackfillArgs, RunArgs};
use super::run as headless_run;
use crate::backfill::{self, sampler};
use crate::config::Config;
use crate::jobs::{Clock, EngineSnapshot, JobsHandle};
use crate::store::Store;
use crate::tui::{DashboardInputs, run_dashboard};

/// Whether the dashboard can run: stdin and stdout are terminals.
pub fn has_terminal() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

/// Runs the dashboard over a launched engine until the operator quits or a signal arrives,
/// then waits for the engine to checkpoint. Returns the final snapshot.
pub async fn dashboard_session(
    config: &Config,
    store: Arc<dyn Store>,
    handle: JobsHandle,
    stop: CancellationToken,
    clock: Clock,
) -> Result<EngineSnapshot> {
    let sampler_stop = CancellationToken::new();
    let metrics = sampler::spawn(
        store,
        config.health.clone(),
        clock.clone(),
        sampler_stop.clone(),
    );
    let exit = run_dashboard(DashboardInputs {
        handle: handle.clone(),
        snapshots: handle.subscribe(),
        metrics,
        config: config.clone(),
        stop,
        clock,
    })
    .await;
    sampler_stop.cancel();
    let exit = exit?;
    // The dashboard asked the engine to stop; wait for the checkpoints unless the operator
    // insisted on leaving (committed data is safe either way).
    Ok(if exit.forced {
        exit.snapshot
    } else {
        handle.wait_stopped().await
    })
}

/// Prints the summary after the terminal is back.
pub fn print_summary(snapshot: &EngineSnapshot, clock: &Clock) {
    let _ = write!(
        std::io::stderr(),
        "{}",
        crate::headless::format::summary_text(snapshot, clock())
    );
}

pub async fn run(config: &Config, args: &BackfillArgs) -> Result<ExitCode> {
    if !has_terminal() {
        let _ = writeln!(
            std::io::stderr(),
            "no terminal: running headless (as `deribit-backfill run`)"
        );
        let run_args = RunArgs {
            backfill: args.clone(),
            dry_run: false,
            json: false,
            gaps_only: false,
        };
        return headless_run::run(config, &run_args).await;
    }
    let result = dashboard_run(config, args).await;
    if let Err(e) = &result {
        headless_run::failed_to_run(config, args, e).await;
    }
    result
}

async fn dashboard_run(config: &Config, args: &BackfillArgs) -> Result<ExitCode> {
    let opts = headless_run::options(config, args)?;
    let client = backfill::client(config).map_err(crate::usage::usage)?;
    let stop = crate::signals::listen(|_| {});
    let _ = writeln!(
        std::io::stderr(),
        "discovering instruments at {} …",
        client.base_url()
    );
    let (prepared, store) = headless_run::open_and_prepare(config, &client, &opts, &stop).await?;
    let (handle, _events, task) = backfill::launch(prepared, store.clone(), client, opts.parallel);
    let clock = backfill::system_clock();
    let snapshot = dashboard_session(config, store.clone(), handle, stop, clock.clone()).await?;
    let _ = task.await;
    print_summary(&snapshot, &clock);
    store.close().await;
    let exit = headless_run::exit_status(&snapshot, false);
    headless_run::finished(config, args, &snapshot, exit, &clock).await;
    Ok(ExitCode::from(exit))
}
