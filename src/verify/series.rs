//! Coverage of the time series against the plan's ranges (AC-007 futures, AC-010 funding,
//! AC-011 index prices, and the perpetuals the basis and the index derive from). Each series
//! is one set-based gap scan in the database (`Store::audit_series`).

use std::sync::Arc;

use crate::domain::time::{DAY_MS, EXPIRY_HOUR_UTC, HOUR_MS, MINUTE_MS};
use crate::domain::{Gap, GapKind, GapState, IndexSource, InstrumentName, Pipeline, TimeRange};
use crate::jobs::JobSpec;
use crate::store::{DataTable, Grid, SeriesQuery, Store, StoreError};

use super::expect::{Expected, funding_range_of};
use super::model::{GapLine, SeriesCheck};

/// Gaps a gap job already re-fetched without getting data (`empty`): a gap inside one of them
/// is accounted for, not fetched again.
pub struct KnownEmpty(pub Vec<Gap>);

impl KnownEmpty {
    fn covers(&self, pipeline: Pipeline, instrument: &str, range: TimeRange) -> bool {
        self.0.iter().any(|g| {
            g.state == GapState::Empty
                && g.pipeline == pipeline
                && g.instrument == instrument
                && g.range.start <= range.start
                && range.end <= g.range.end
        })
    }
}

async fn check(
    store: &Arc<dyn Store>,
    known: &KnownEmpty,
    series: &'static str,
    pipeline: Pipeline,
    query: SeriesQuery,
) -> Result<SeriesCheck, StoreError> {
    let audit = store.audit_series(&query).await?;
    let grid = query.grid;
    let gaps = audit
        .gaps
        .iter()
        .map(|r| GapLine {
            range: *r,
            points: Grid { range: *r, ..grid }.count(),
            state: if known.covers(pipeline, &query.key, *r) {
                GapState::Empty
            } else {
                GapState::Open
            },
        })
        .collect();
    Ok(SeriesCheck {
        instrument: query.key,
        series,
        pipeline,
        range: grid.range,
        step_ms: grid.step,
        expected: grid.count(),
        rows: audit.rows,
        quarantined: audit.quarantined,
        gaps,
        note: None,
    })
}

fn query(table: DataTable, job: &JobSpec, step: i64) -> SeriesQuery {
    SeriesQuery {
        table,
        key: job.key.instrument.clone(),
        grid: Grid::new(job.range, step),
        sources: None,
    }
}

/// Futures (AC-007) or perpetuals: one row per minute of the plan's range.
pub async fn candles(
    store: &Arc<dyn Store>,
    known: &KnownEmpty,
    jobs: &[JobSpec],
    pipeline: Pipeline,
) -> Result<Vec<SeriesCheck>, StoreError> {
    let (table, series) = match pipeline {
        Pipeline::Futures => (DataTable::Futures, "futures"),
        _ => (DataTable::Perpetuals, "perpetuals"),
    };
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        out.push(check(store, known, series, pipeline, query(table, job, MINUTE_MS)).await?);
    }
    Ok(out)
}

/// Funding (AC-010): one row every hour since the perpetual's creation (or `--start`).
pub async fn funding(
    store: &Arc<dyn Store>,
    known: &KnownEmpty,
    jobs: &[JobSpec],
) -> Result<Vec<SeriesCheck>, StoreError> {
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let q = query(DataTable::Funding, job, HOUR_MS);
        out.push(check(store, known, "funding", Pipeline::Funding, q).await?);
    }
    Ok(out)
}

/// Index prices (AC-011), per currency and source: a price at every minute (any source), the
/// official hourly index (funding history, or the delivery price at 08:00) at every hour the
/// perpetual has funding, and the delivery price at 08:00 every day.
pub async fn index(
    store: &Arc<dyn Store>,
    known: &KnownEmpty,
    expected: &Expected,
) -> Result<Vec<SeriesCheck>, StoreError> {
    let mut out = Vec::new();
    for job in &expected.index {
        let currency = job.key.instrument.clone();
        let minutes = query(DataTable::Index, job, MINUTE_MS);
        out.push(check(store, known, "index", Pipeline::Index, minutes).await?);
        let perp = InstrumentName::perpetual(&currency).to_string();
        if let Some(hours) = funding_range_of(expected, &perp).and_then(|f| f.intersect(&job.range))
        {
            let q = SeriesQuery {
                table: DataTable::Index,
                key: currency.clone(),
                grid: Grid::new(hours, HOUR_MS),
                sources: Some(vec![IndexSource::FundingHistory, IndexSource::Delivery]),
            };
            out.push(check(store, known, "index_official", Pipeline::Index, q).await?);
        }
        let q = SeriesQuery {
            table: DataTable::Index,
            key: currency,
            grid: Grid {
                range: job.range,
                step: DAY_MS,
                offset: EXPIRY_HOUR_UTC as i64 * HOUR_MS,
            },
            sources: Some(vec![IndexSource::Delivery]),
        };
        out.push(check(store, known, "index_delivery", Pipeline::Index, q).await?);
    }
    Ok(out)
}

/// The open gaps of checked series, as `backfill_gaps` rows (index gaps of one currency merged).
pub fn open_gaps(checks: &[SeriesCheck]) -> Vec<Gap> {
    let mut by_key: std::collections::BTreeMap<(Pipeline, String), Vec<TimeRange>> =
        Default::default();
    for c in checks {
        for g in c.gaps.iter().filter(|g| g.state == GapState::Open) {
            by_key
                .entry((c.pipeline, c.instrument.clone()))
                .or_default()
                .push(g.range);
        }
    }
    by_key
        .into_iter()
        .flat_map(|((pipeline, instrument), ranges)| {
            crate::domain::gap::merge_ranges(ranges)
                .into_iter()
                .map(move |range| Gap {
                    pipeline,
                    instrument: instrument.clone(),
                    range,
                    kind: GapKind::Missing,
                    state: GapState::Open,
                })
        })
        .collect()
}
