//! Before anything is stored: reach the exchange, check the request against its clock and its
//! currencies, discover the instruments, and refuse a plan with nothing in it. Every refusal
//! here is a [`UsageError`] (exit 2) naming the fix, and leaves the database untouched (it is
//! not even created).

use std::collections::BTreeMap;

use color_eyre::eyre::{Result, eyre};
use tokio_util::sync::CancellationToken;

use super::session::{BackfillOptions, HISTORY_START, reach};
use crate::domain::time::{MINUTE_MS, format_ms, parse_instant};
use crate::domain::{InstrumentRecord, TimeRange};
use crate::exchange::{DeribitClient, ExchangeError, FetchError, codes};
use crate::jobs::PlanRequest;
use crate::jobs::discover::{Discovered, discover};
use crate::store::merge::merge_instrument;
use crate::usage::UsageError;

/// What the exchange said before anything was written: its clock and its instruments.
#[derive(Debug, Clone)]
pub struct Explored {
    pub discovered: Discovered,
    /// The exchange's clock when asked.
    pub exchange_now: i64,
}

/// Reaches the exchange, checks the range against its clock, discovers the instruments.
pub async fn explore(
    client: &DeribitClient,
    options: &BackfillOptions,
    stop: &CancellationToken,
) -> Result<Explored> {
    let exchange_now = reach(client, stop).await?;
    if let Some(start) = options.start
        && start >= exchange_now - exchange_now.rem_euclid(MINUTE_MS)
    {
        return Err(UsageError::new(format!(
            "--start {} is in the future (the exchange's clock says {}): there is nothing to fetch yet — pass a --start before now",
            format_ms(start),
            format_ms(exchange_now)
        ))
        .into());
    }
    let range = history_range(options, exchange_now);
    let discovered = discover_checked(client, &options.currencies, &range, stop).await?;
    tracing::info!(
        from_api = discovered.from_api,
        total = discovered.instruments.len(),
        "instruments discovered"
    );
    Ok(Explored {
        discovered,
        exchange_now,
    })
}

/// Discovers the instruments of `currencies`; a currency the exchange does not have is bad
/// usage, named with the ones it has.
pub async fn discover_checked(
    client: &DeribitClient,
    currencies: &[String],
    range: &TimeRange,
    stop: &CancellationToken,
) -> Result<Discovered> {
    match discover(client, currencies, range, stop).await {
        Ok(d) => Ok(d),
        Err(FetchError::Exchange(e)) if is_unknown_currency(&e) => {
            Err(unknown_currency(client, currencies, stop).await.into())
        }
        Err(e) => Err(eyre!("cannot list the exchange's instruments: {e}")),
    }
}

/// The range discovery looks at: `--start` (or the history's start) to `--end` (or now).
fn history_range(options: &BackfillOptions, exchange_now: i64) -> TimeRange {
    let start = options
        .start
        .unwrap_or(parse_instant(HISTORY_START).expect("constant"));
    let end = options.end.unwrap_or(exchange_now).min(exchange_now);
    TimeRange {
        start,
        end: end.max(start),
    }
}

/// What the planner gets for these options at the exchange's clock.
pub fn plan_request(options: &BackfillOptions, exchange_now: i64) -> PlanRequest {
    PlanRequest {
        pipelines: options.pipelines.clone(),
        currencies: options.currencies.clone(),
        instruments: options.instruments.clone(),
        start: options.start,
        end: options.end,
        now: exchange_now - exchange_now.rem_euclid(MINUTE_MS),
    }
}

/// `get_instruments` refused the currency parameter (`-32602` about the currency).
fn is_unknown_currency(e: &ExchangeError) -> bool {
    e.method == "public/get_instruments"
        && e.code == Some(codes::INVALID_PARAMS)
        && !e
            .message
            .to_ascii_lowercase()
            .contains("instrument not found")
}

/// Names the currencies the exchange does not have, and the ones it has.
async fn unknown_currency(
    client: &DeribitClient,
    wanted: &[String],
    stop: &CancellationToken,
) -> UsageError {
    match client.get_currencies(stop).await {
        Ok(listed) => {
            let unknown: Vec<&str> = wanted
                .iter()
                .filter(|c| !listed.contains(c))
                .map(String::as_str)
                .collect();
            let unknown = if unknown.is_empty() {
                wanted.join(",")
            } else {
                unknown.join(",")
            };
            UsageError::new(format!(
                "unknown currency {unknown}: the exchange lists {} — pass --currencies with those codes, e.g. --currencies BTC,ETH",
                listed.join(", ")
            ))
        }
        Err(_) => UsageError::new(format!(
            "the exchange does not know a currency among {} — pass --currencies with codes it lists, e.g. --currencies BTC,ETH",
            wanted.join(",")
        )),
    }
}

/// What was discovered united with what an earlier run stored (stored values merged in).
pub fn known_instruments(
    discovered: &[InstrumentRecord],
    stored: &[InstrumentRecord],
) -> Vec<InstrumentRecord> {
    let mut by_name: BTreeMap<&str, InstrumentRecord> = stored
        .iter()
        .map(|r| (r.instrument.as_str(), r.clone()))
        .collect();
    for r in discovered {
        let merged = match by_name.get(r.instrument.as_str()) {
            Some(old) => merge_instrument(old, r),
            None => r.clone(),
        };
        by_name.insert(r.instrument.as_str(), merged);
    }
    by_name.into_values().collect()
}

/// Refuses what no job would come of: names neither the exchange, the calendar nor an
/// earlier run knows, and a plan without a single job (a glob matching nothing, a range
/// before the instruments existed).
pub fn check_plan(
    explored: &Explored,
    stored: &[InstrumentRecord],
    options: &BackfillOptions,
) -> Result<(), UsageError> {
    let known = known_instruments(&explored.discovered.instruments, stored);
    if let Some(filter) = &options.instruments {
        let unknown: Vec<String> = filter
            .exact_names()
            .into_iter()
            .filter(|n| !known.iter().any(|k| &k.instrument == n))
            .collect();
        if !unknown.is_empty() {
            return Err(UsageError::new(format!(
                "unknown instrument {}: neither listed by the exchange nor predicted by the expiry calendar for {} — check the name, or `deribit-backfill instruments --start ...` lists the known ones",
                unknown.join(", "),
                options.currencies.join(",")
            )));
        }
    }
    let request = plan_request(options, explored.exchange_now);
    if !crate::jobs::plan(&known, &request).jobs.is_empty() {
        return Ok(());
    }
    let range = history_range(options, explored.exchange_now);
    let pipelines: Vec<String> = options.pipelines.iter().map(|p| p.to_string()).collect();
    let what = match &options.instruments {
        Some(f) if !f.is_empty() => format!(
            "no {} instrument matches --instruments {}",
            options.currencies.join(","),
            f.patterns().join(",")
        ),
        _ => format!(
            "no {} instrument has {} data",
            options.currencies.join(","),
            pipelines.join(",")
        ),
    };
    Err(UsageError::new(format!(
        "nothing to backfill: {what} between {} and {} — check --instruments and --pipelines (`deribit-backfill instruments --start {}` lists the names), or widen --start/--end (the history starts {HISTORY_START})",
        format_ms(range.start),
        format_ms(range.end),
        &format_ms(range.start)[..10],
    )))
}
