//! `deribit-backfill verify`: checks the database, writes evidence, records gaps as work.

use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, bail};

use super::args::{CheckArgs, VerifyArgs};
use crate::config::Config;
use crate::domain::TimeRange;
use crate::domain::time::parse_instant;
use crate::store::{self, Store};
use crate::usage::{UsageError, usage};
use crate::verify::{self, VerifyOptions, evidence};

/// Exit status when verification ran and at least one check failed.
pub const EXIT_CHECKS_FAILED: u8 = 4;

/// Parses the options shared by `verify` and `report`; fails before anything is read.
pub fn options(config: &Config, args: &CheckArgs, now: i64) -> Result<VerifyOptions> {
    parse_options(config, args, now).map_err(|e| usage(e).into())
}

fn parse_options(config: &Config, args: &CheckArgs, now: i64) -> Result<VerifyOptions> {
    let currencies = if args.currencies.is_empty() {
        config.backfill.currencies.clone()
    } else {
        args.currencies.clone()
    };
    let currencies = super::parse_currencies(&currencies)?;
    let start = args
        .start
        .as_deref()
        .map(parse_instant)
        .transpose()
        .wrap_err("--start")?;
    let end = args
        .end
        .as_deref()
        .map(parse_instant)
        .transpose()
        .wrap_err("--end")?;
    if let (Some(s), Some(e)) = (start, end) {
        TimeRange::new(s, e)?;
    }
    let budget = args.storage_budget_gb;
    if !(budget.is_finite() && budget > 0.0) {
        bail!("--storage-budget-gb {budget} must be a positive number of gigabytes, e.g. 1.5");
    }
    Ok(VerifyOptions {
        currencies,
        start,
        end: end.map(|e| e.min(now)),
        storage_budget_bytes: budget * 1e9,
        now,
    })
}

/// Refuses currencies the database has no instrument of (a typo, or not backfilled yet).
pub async fn check_currencies(store: &std::sync::Arc<dyn Store>, wanted: &[String]) -> Result<()> {
    let mut known: Vec<String> = store
        .list_instruments()
        .await?
        .into_iter()
        .map(|r| r.currency)
        .collect();
    known.sort();
    known.dedup();
    let unknown: Vec<&String> = wanted.iter().filter(|c| !known.contains(c)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
    if known.is_empty() {
        return Err(UsageError::new(
            "the database has no instruments: backfill first (`deribit-backfill run`), then verify",
        )
        .into());
    }
    Err(UsageError::new(format!(
        "unknown currency {} in this database: it holds {} — pass --currencies {}",
        names.join(","),
        known.join(", "),
        known.join(",")
    ))
    .into())
}

pub async fn run(config: &Config, args: &VerifyArgs) -> Result<ExitCode> {
    let now = chrono::Utc::now().timestamp_millis();
    let opts = options(config, &args.check, now)?;
    super::require_database(&config.database_url, "verify")?;
    evidence::prepare_dir(&args.out)?;
    let store = store::connect(&config.database_url).await?;
    check_currencies(&store, &opts.currencies).await?;
    let started = std::time::Instant::now();
    let progress = |step: &str| {
        let _ = writeln!(
            std::io::stderr(),
            "verify [{:6.1} s] {step}",
            started.elapsed().as_secs_f64()
        );
    };
    let v = verify::verify_reporting(&store, &opts, &progress).await?;
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    let written = evidence::write_all(&args.out, &v).wrap_err_with(|| {
        format!(
            "cannot write the evidence files into {} — pass --out with a writable folder",
            args.out.display()
        )
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&evidence::summary(&v))?)?;
    } else {
        write!(out, "{}", verify::console(&v))?;
        writeln!(
            out,
            "evidence: {} files in {} ({seconds:.1} s)",
            written.len(),
            args.out.display()
        )?;
        if v.passed {
            writeln!(out, "verify: PASSED, every check")?;
        } else {
            writeln!(
                out,
                "verify: FAILED {} — {} gaps recorded: fetch them with `deribit-backfill run --gaps-only` (or `g` on a job in the dashboard), then verify again",
                v.failed().join(", "),
                v.gaps_recorded
            )?;
        }
    }
    Ok(if v.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_CHECKS_FAILED)
    })
}
