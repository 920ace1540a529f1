//! `deribit-backfill instruments`: the instruments a backfill would cover.

use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, bail};

use super::InstrumentsArgs;
use crate::config::Config;
use crate::domain::TimeRange;
use crate::domain::calendar::{PredictedInstrument, predicted_instruments};
use crate::domain::time::{format_ms, parse_instant};

/// Parses `--start`/`--end` into a range; `--end` defaults to now.
pub fn parse_range(start: &str, end: Option<&str>, now_ms: i64) -> Result<TimeRange> {
    let start_ms = parse_instant(start).wrap_err("--start")?;
    let end_ms = match end {
        Some(e) => parse_instant(e).wrap_err("--end")?,
        None => now_ms,
    };
    Ok(TimeRange::new(start_ms, end_ms)?)
}

/// Checks currency codes typed by the user.
pub fn parse_currencies(list: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for c in list {
        let c = c.trim().to_uppercase();
        if c.is_empty() || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
            bail!("--currencies {c:?} is not a currency code: use e.g. --currencies BTC,ETH");
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        bail!("--currencies is empty: use e.g. --currencies BTC,ETH");
    }
    Ok(out)
}

pub async fn run(_config: &Config, args: &InstrumentsArgs) -> Result<ExitCode> {
    let now = chrono::Utc::now().timestamp_millis();
    let range = parse_range(&args.start, args.end.as_deref(), now)?;
    let currencies = parse_currencies(&args.currencies)?;
    let list: Vec<PredictedInstrument> = currencies
        .iter()
        .flat_map(|c| predicted_instruments(c, &range))
        .collect();
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
        "{:<22} {:<10} {:<10} {:<10} {:<21} {:<21} source",
        "instrument", "kind", "period", "cycle", "created", "expires"
    )?;
    for p in &list {
        writeln!(
            out,
            "{:<22} {:<10} {:<10} {:<10} {:<21} {:<21} calendar",
            p.instrument_name.to_string(),
            p.kind.as_str(),
            p.settlement_period.as_str(),
            p.cycle.map(|c| c.as_str()).unwrap_or("-"),
            format_ms(p.creation_timestamp),
            if p.kind == crate::domain::InstrumentKind::Perpetual {
                "-".to_string()
            } else {
                format_ms(p.expiration_timestamp)
            },
        )?;
    }
    writeln!(
        out,
        "{} instruments for {} in {}",
        list.len(),
        currencies.join(","),
        range
    )?;
    Ok(ExitCode::SUCCESS)
}
