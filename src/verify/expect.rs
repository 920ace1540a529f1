//! What the database should hold: the engine's own plan (`jobs::plan`, the same ranges the
//! backfill fetched), for the instruments the store knows, up to the end of the last backfill
//! (or `--end`). Instruments the exchange has no data for are left out, and listed.

use std::sync::Arc;

use std::collections::BTreeMap;

use crate::domain::time::format_ms;
use crate::domain::{DataStatus, Discovery, Pipeline, TimeRange};
use crate::jobs::{JobSpec, PlanRequest};
use crate::store::{DataTable, Store, StoreError};

use super::model::Excluded;

/// The expected series, by pipeline.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub futures: Vec<JobSpec>,
    pub perpetuals: Vec<JobSpec>,
    pub funding: Vec<JobSpec>,
    pub index: Vec<JobSpec>,
    pub excluded: Vec<Excluded>,
    /// Why a series' expected range differs from the plan's, by instrument.
    pub notes: BTreeMap<String, String>,
    pub until: i64,
    pub until_source: String,
}

/// Where the expected ranges end: `--end`, else the end of the ranges the last backfill
/// planned (its checkpoints), else `now`.
pub async fn until(
    store: &Arc<dyn Store>,
    end: Option<i64>,
    now: i64,
) -> Result<(i64, String), StoreError> {
    if let Some(e) = end {
        return Ok((e, "--end".into()));
    }
    let last = store
        .load_checkpoints()
        .await?
        .into_iter()
        .filter(|c| {
            matches!(
                c.key.pipeline,
                Pipeline::Futures | Pipeline::Perpetuals | Pipeline::Funding | Pipeline::Index
            )
        })
        .map(|c| c.range.end)
        .max();
    Ok(match last {
        Some(t) => (t.min(now), "the end of the last backfill".into()),
        None => (now, "now (no backfill recorded)".into()),
    })
}

/// Plans like the engine does and sorts the jobs into the series to check.
pub async fn expected(
    store: &Arc<dyn Store>,
    currencies: &[String],
    start: Option<i64>,
    end: Option<i64>,
    now: i64,
) -> Result<Expected, StoreError> {
    let (until, until_source) = until(store, end, now).await?;
    let instruments = store.list_instruments().await?;
    let request = PlanRequest {
        pipelines: Pipeline::SELECTABLE.to_vec(),
        currencies: currencies.to_vec(),
        instruments: None,
        start,
        end: Some(until),
        now: until,
    };
    let plan = crate::jobs::plan(&instruments, &request);
    let status = |name: &str| {
        instruments
            .iter()
            .find(|r| r.instrument == name)
            .map(|r| r.data_status)
    };
    let mut out = Expected {
        until,
        until_source,
        ..Default::default()
    };
    for job in plan.jobs {
        let name = job.key.instrument.clone();
        if matches!(job.key.pipeline, Pipeline::Futures | Pipeline::Perpetuals)
            && status(&name) == Some(DataStatus::Unavailable)
        {
            out.excluded.push(Excluded {
                instrument: name,
                reason: format!(
                    "the exchange has no data for it (data_status unavailable); planned range {}",
                    job.range
                ),
            });
            continue;
        }
        match job.key.pipeline {
            Pipeline::Futures => out.futures.push(job),
            Pipeline::Perpetuals => out.perpetuals.push(job),
            Pipeline::Funding => out.funding.push(job),
            Pipeline::Index => out.index.push(job),
            _ => {}
        }
    }
    // Futures only the expiry calendar knows have no real creation time: their job searched
    // for the first candle and kept it with its checkpoint (`data_start`). Their minutes count
    // from there, never from the first candle stored: a lost leading window is a gap.
    let data_start: BTreeMap<String, i64> = store
        .load_checkpoints()
        .await?
        .into_iter()
        .filter(|c| c.key.pipeline == Pipeline::Futures && !c.key.gaps)
        .filter_map(|c| c.data_start.map(|d| (c.key.instrument, d)))
        .collect();
    // Databases written before the search existed: the first stored candle is all there is.
    let first: BTreeMap<String, i64> = store
        .coverage(DataTable::Futures)
        .await?
        .into_iter()
        .map(|c| (c.instrument, c.first_ts))
        .collect();
    for job in &mut out.futures {
        let name = &job.key.instrument;
        let calendar_only = instruments
            .iter()
            .any(|r| &r.instrument == name && r.discovered_from == Discovery::Calendar);
        if !calendar_only {
            continue;
        }
        let (start, how) = match (data_start.get(name), first.get(name)) {
            (Some(&d), _) => (
                d,
                "the first candle the exchange returned when the job searched",
            ),
            (None, Some(&f)) => (
                f,
                "the first stored candle (no search recorded: a backfill from before issue 12)",
            ),
            (None, None) => continue,
        };
        if start > job.range.start && start < job.range.end {
            out.notes.insert(
                name.clone(),
                format!(
                    "creation unknown (listed by the expiry calendar only): counted from {how}, {}, \
                     instead of the searched start {}",
                    format_ms(start),
                    format_ms(job.range.start)
                ),
            );
            job.range.start = start;
        }
    }
    let by_name = |a: &JobSpec, b: &JobSpec| a.key.instrument.cmp(&b.key.instrument);
    out.futures
        .sort_by(|a, b| a.expiration_ts.cmp(&b.expiration_ts).then(by_name(a, b)));
    out.perpetuals.sort_by(by_name);
    out.funding.sort_by(by_name);
    out.index.sort_by(by_name);
    out.excluded.sort_by(|a, b| a.instrument.cmp(&b.instrument));
    Ok(out)
}

/// The funding range of a currency's inverse perpetual, if planned (the hours the official
/// hourly index should exist).
pub fn funding_range_of(expected: &Expected, perpetual: &str) -> Option<TimeRange> {
    expected
        .funding
        .iter()
        .find(|j| j.key.instrument == perpetual)
        .map(|j| j.range)
}
