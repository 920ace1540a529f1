//! `deribit-backfill run`: the backfill, headless.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::Result;

use super::args::{BackfillArgs, RunArgs};
use crate::backfill::{self, BackfillOptions, Prepared};
use crate::config::Config;
use crate::headless::{self, HeadlessOptions, format::thousands};
use crate::store::{self, DatabaseUrl, Store};
use crate::usage::{UsageError, usage};

/// Exit status when the run stopped before every job ended (interrupted, or jobs paused).
pub const EXIT_INCOMPLETE: u8 = 3;

/// The options of a backfill from flags over the configuration.
pub fn options(config: &Config, args: &BackfillArgs) -> Result<BackfillOptions> {
    let b = &config.backfill;
    let pick = |flag: &Vec<String>, conf: &Vec<String>| {
        if flag.is_empty() {
            conf.clone()
        } else {
            flag.clone()
        }
    };
    let mut o = BackfillOptions::parse(
        &pick(&args.pipelines, &b.pipelines),
        &pick(&args.currencies, &b.currencies),
        &args.instruments,
        args.start.as_deref(),
        args.end.as_deref(),
        args.parallel.unwrap_or(b.parallel),
    )
    .map_err(usage)?;
    o.resume_paused = args.resume_paused;
    Ok(o)
}

/// Asks the exchange, then opens (creating if needed) the database and plans against it.
/// Everything the exchange or the plan can refuse is refused before the database is
/// opened, so bad input never creates or changes it.
pub async fn open_and_prepare(
    config: &Config,
    client: &crate::exchange::DeribitClient,
    opts: &BackfillOptions,
    stop: &tokio_util::sync::CancellationToken,
) -> Result<(Prepared, Arc<dyn Store>)> {
    let explored = backfill::explore(client, opts, stop).await?;
    if !database_exists(&config.database_url) {
        // An empty database would plan the same: refuse before creating it.
        backfill::check_plan(&explored, &[], opts)?;
    }
    let store = store::connect(&config.database_url).await?;
    match backfill::plan_against(explored, Some(&store), opts).await {
        Ok(p) => Ok((p, store)),
        Err(e) => {
            store.close().await;
            Err(e)
        }
    }
}

/// Whether the URL names an existing database (a PostgreSQL server is assumed to hold one).
fn database_exists(url: &str) -> bool {
    match DatabaseUrl::parse(url) {
        Ok(u) => u.sqlite_path().is_none_or(|p| p.exists()),
        Err(_) => true,
    }
}

/// A SQLite file that is not there, for a command that needs an existing database.
pub fn no_database(url: &str, why: &str) -> UsageError {
    let shown = DatabaseUrl::parse(url)
        .ok()
        .and_then(|u| u.sqlite_path().map(|p| p.display().to_string()))
        .unwrap_or_else(|| crate::redact::redact(url));
    UsageError::new(format!(
        "no database at {shown} ({why}) — check --database-url (or DATABASE_URL), or run a backfill first (`deribit-backfill run`)"
    ))
}

/// Opens the database only if it already exists, without migrating (for `--dry-run`).
async fn open_existing(url: &str) -> Option<Arc<dyn Store>> {
    let url = DatabaseUrl::parse(url).ok()?;
    if let Some(path) = url.sqlite_path()
        && !path.exists()
    {
        return None;
    }
    store::connect_url(&url, false).await.ok()
}

fn print_plan(prepared: &Prepared, config: &Config, postgres: bool, json: bool) -> Result<()> {
    let rps = config.rate_limit.requests_per_second() * crate::exchange::SAFETY_FACTOR;
    let full = prepared.plan.summary(rps, postgres);
    let left = prepared.remaining().summary(rps, postgres);
    let mut out = std::io::stdout().lock();
    if json {
        let v = serde_json::json!({"type": "plan", "plan": full, "remaining": left,
            "instruments_discovered": prepared.discovered.instruments.len(),
            "instruments_from_exchange": prepared.discovered.from_api,
            "instruments_from_history": prepared.discovered.from_history,
            "expired_list_from": expired_from(&prepared.discovered.expired_source)});
        writeln!(out, "{v}")?;
        return Ok(());
    }
    let per: Vec<String> = full
        .jobs_per_pipeline
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    writeln!(
        out,
        "plan: {} jobs ({}) over {} instruments ({} listed by the exchange, the rest from the expiry calendar)",
        full.jobs,
        per.join(", "),
        prepared.discovered.instruments.len(),
        prepared.discovered.from_api
    )?;
    writeln!(
        out,
        "  expired futures listed by {}",
        expired_from(&prepared.discovered.expired_source)
    )?;
    writeln!(
        out,
        "  first-candle search: {} extra requests (one daily-candle request per future known only from the calendar)",
        thousands(full.first_candle_searches)
    )?;
    for (label, s) in [("whole range", &full), ("still to do", &left)] {
        writeln!(
            out,
            "  {label:<12} candles {}, rows {}, requests {}, {} at {:.1} req/s, disk ~{:.2} GB ({})",
            thousands(s.expected_candles),
            thousands(s.expected_rows),
            thousands(s.expected_requests),
            headless::format::duration(s.seconds_at_budget),
            rps,
            s.disk_bytes_estimate / 1e9,
            if postgres { "postgres" } else { "sqlite" },
        )?;
    }
    writeln!(out, "dry run: nothing was written")?;
    Ok(())
}

/// Where the expired listing came from, in words.
fn expired_from(source: &crate::jobs::ExpiredSource) -> String {
    match source {
        crate::jobs::ExpiredSource::History => "the history host".into(),
        crate::jobs::ExpiredSource::MainHost => {
            "the main host (recent ones only) and the calendar: no history host (pass --history-url)".into()
        }
        crate::jobs::ExpiredSource::Fallback(why) => {
            format!(
                "the main host (recent ones only) and the calendar: the history host failed ({why})"
            )
        }
    }
}

pub async fn run(config: &Config, args: &RunArgs) -> Result<ExitCode> {
    let result = backfill_run(config, args).await;
    if let Err(e) = &result
        && !args.dry_run
    {
        failed_to_run(config, &args.backfill, e).await;
    }
    result
}

async fn backfill_run(config: &Config, args: &RunArgs) -> Result<ExitCode> {
    let opts = options(config, &args.backfill)?;
    if args.dry_run && args.gaps_only {
        return Err(UsageError::new(
            "--dry-run and --gaps-only together are not supported — run `deribit-backfill verify` to see the gaps",
        )
        .into());
    }
    let client = backfill::client(config).map_err(usage)?;
    let stop = crate::signals::listen(|name| {
        let _ = writeln!(
            std::io::stderr(),
            "{name}: stopping at the next checkpoint (again to exit at once)"
        );
    });
    let postgres = config.database_url.starts_with("postgres");
    if args.dry_run {
        let existing = open_existing(&config.database_url).await;
        let mut prepared = backfill::prepare(&client, None, &opts, &stop).await?;
        if let Some(store) = &existing
            && let Ok(cps) = store.load_checkpoints().await
        {
            prepared.checkpoints = cps.into_iter().map(|c| (c.key.clone(), c)).collect();
        }
        print_plan(&prepared, config, postgres, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let prepared = if args.gaps_only {
        if !database_exists(&config.database_url) {
            return Err(no_database(
                &config.database_url,
                "--gaps-only fetches the gaps `verify` recorded in it",
            )
            .into());
        }
        let store = store::connect(&config.database_url).await?;
        let p = backfill::prepare_gaps(&client, &store, &opts, &stop).await?;
        if p.plan.jobs.is_empty() {
            writeln!(
                std::io::stdout().lock(),
                "no open gaps recorded: nothing to fetch (run `deribit-backfill verify` to find gaps)"
            )?;
            store.close().await;
            return Ok(ExitCode::SUCCESS);
        }
        (p, store)
    } else {
        open_and_prepare(config, &client, &opts, &stop).await?
    };
    let (prepared, store) = prepared;
    let total_jobs = prepared.plan.jobs.len();
    tracing::info!(jobs = total_jobs, "backfill starting");
    let (handle, events, task) = backfill::launch(prepared, store.clone(), client, opts.parallel);
    drop(events);
    let clock = backfill::system_clock();
    let headless_opts = HeadlessOptions {
        interval: Duration::from_secs(config.backfill.progress_interval_seconds.max(1)),
        json: args.json,
    };
    let outcome = headless::supervise(&handle, &headless_opts, &stop, &clock).await;
    let _ = task.await;
    if outcome.snapshot.totals.rows_written > 100_000
        && let Err(e) = store.analyze().await
    {
        tracing::warn!("ANALYZE after the load failed: {e}");
    }
    store.close().await;
    let exit = exit_status(&outcome.snapshot, outcome.interrupted);
    finished(config, &args.backfill, &outcome.snapshot, exit, &clock).await;
    Ok(ExitCode::from(exit))
}

/// 0 when every job is done or unavailable; 1 when one failed; 3 when work is left (stopped
/// early, or jobs paused).
pub fn exit_status(snapshot: &crate::jobs::EngineSnapshot, interrupted: bool) -> u8 {
    let t = &snapshot.totals;
    if t.all_successful() && !interrupted {
        0
    } else if t.failed > 0 {
        1
    } else {
        EXIT_INCOMPLETE
    }
}

/// [`exit_status`] as the process's exit code.
pub fn exit_code(snapshot: &crate::jobs::EngineSnapshot, interrupted: bool) -> ExitCode {
    ExitCode::from(exit_status(snapshot, interrupted))
}

fn on_finish_command<'a>(config: &'a Config, args: &'a BackfillArgs) -> &'a str {
    args.on_finish
        .as_deref()
        .unwrap_or(&config.backfill.on_finish)
}

/// Runs the on-finish command for a backfill that could not run at all (the exchange or the
/// database unreachable, bad flags): `DERIBIT_BACKFILL_RESULT=error`, the error as the summary.
pub async fn failed_to_run(config: &Config, args: &BackfillArgs, error: &color_eyre::Report) {
    let command = on_finish_command(config, args);
    if command.trim().is_empty() {
        return;
    }
    let exit = if super::exit_code_of(error) == ExitCode::FAILURE {
        1
    } else {
        crate::usage::EXIT_USAGE
    };
    let env =
        super::on_finish::error_environment(&format!("{error:#}"), exit, &config.database_url);
    super::on_finish::run(command, env).await;
}

/// Runs the on-finish command (`--on-finish`, else `backfill.on_finish`), if there is one.
pub async fn finished(
    config: &Config,
    args: &BackfillArgs,
    snapshot: &crate::jobs::EngineSnapshot,
    exit: u8,
    clock: &crate::jobs::Clock,
) {
    let command = on_finish_command(config, args);
    if command.trim().is_empty() {
        return;
    }
    let summary = crate::headless::format::summary_text(snapshot, clock());
    let env = super::on_finish::environment(snapshot, exit, &config.database_url, &summary);
    super::on_finish::run(command, env).await;
}
