//! `deribit-backfill instruments`: the instruments a backfill would cover.

use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use super::InstrumentsArgs;
use crate::config::Config;
use crate::domain::InstrumentKind;
use crate::domain::TimeRange;
use crate::domain::time::{format_ms, parse_instant};
use crate::jobs::discover::unite;
use crate::usage::usage;

/// Parses `--start`/`--end` into a range; `--end` defaults to now.
pub fn parse_range(start: &str, end: Option<&str>, now_ms: i64) -> Result<TimeRange> {
    let start_ms = parse_instant(start).wrap_err("--start")?;
    let end_ms = match end {
        Some(e) => parse_instant(e).wrap_err("--end")?,
        None => now_ms,
    };
    Ok(TimeRange::new(start_ms, end_ms)?)
}

/// Checks currency codes typed by the user (the domain's rule, as an eyre error).
pub fn parse_currencies(list: &[String]) -> Result<Vec<String>> {
    Ok(crate::domain::parse_currencies(list)?)
}

pub async fn run(config: &Config, args: &InstrumentsArgs) -> Result<ExitCode> {
    let now = chrono::Utc::now().timestamp_millis();
    let range = parse_range(&args.start, args.end.as_deref(), now).map_err(usage)?;
    let currencies = parse_currencies(&args.currencies).map_err(usage)?;
    let (list, from_api, expired) = if args.calendar_only {
        (
            unite(&[], &currencies, &range),
            0,
            "not asked (--calendar-only)".to_string(),
        )
    } else {
        let client = crate::backfill::client(config).map_err(usage)?;
        let stop = tokio_util::sync::CancellationToken::new();
        crate::backfill::reach(&client, &stop).await?;
        let found = crate::backfill::discover_checked(&client, &currencies, &range, &stop).await?;
        let expired = match &found.expired_source {
            crate::jobs::ExpiredSource::History => {
                format!("the history host ({} rows)", found.from_history)
            }
            crate::jobs::ExpiredSource::MainHost => "the main host (recent ones only)".into(),
            crate::jobs::ExpiredSource::Fallback(why) => {
                format!("the main host (recent ones only): the history host failed ({why})")
            }
        };
        (found.instruments, found.from_api, expired)
    };
    if let Some(path) = &args.export {
        let json = serde_json::to_string_pretty(&list)?;
        std::fs::write(path, json + "\n").wrap_err_with(|| {
            format!(
                "cannot write {} — pass --export with a writable path",
                path.display()
            )
        })?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<22} {:<10} {:<10} {:<24} {:<24} {:<8} source",
        "instrument", "kind", "period", "created", "expires", "active"
    )?;
    for r in &list {
        let expires = match (r.kind, r.expiration_ts) {
            (InstrumentKind::Future, Some(t)) => format_ms(t),
            _ => "-".to_string(),
        };
        writeln!(
            out,
            "{:<22} {:<10} {:<10} {:<24} {:<24} {:<8} {}",
            r.instrument,
            r.kind.as_str(),
            r.settlement_period.map(|p| p.as_str()).unwrap_or("-"),
            r.creation_ts.map(format_ms).unwrap_or_else(|| "-".into()),
            expires,
            if r.is_active { "yes" } else { "no" },
            r.discovered_from.as_str(),
        )?;
    }
    writeln!(
        out,
        "{} instruments for {} in {} ({} rows from the exchange; calendar-only names may never have existed)",
        list.len(),
        currencies.join(","),
        range,
        from_api
    )?;
    writeln!(
        out,
        "source: api = main host, history = history host, calendar = expiry calendar only, both / history_calendar = a listing and the calendar; expired futures listed by {expired}"
    )?;
    Ok(ExitCode::SUCCESS)
}
