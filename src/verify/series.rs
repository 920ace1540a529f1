//! Coverage of the time series against the plan's ranges (AC-007 futures, AC-010 funding,
//! AC-011 index prices, and the perpetuals the basis and the index derive from). Each series
//! is one set-based gap scan in the database (`Store::audit_series`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::domain::gap::merge_ranges;
use crate::domain::time::{HOUR_MS, MINUTE_MS};
use crate::domain::{Gap, GapKind, GapState, IndexSource, InstrumentName, Pipeline, TimeRange};
use crate::jobs::JobSpec;
use crate::store::{DataTable, Grid, QuarantinedFunding, SeriesQuery, Store, StoreError};

use super::expect::{Expected, funding_range_of};
use super::model::{GapLine, SeriesCheck};

/// Ranges the exchange answered empty for (`empty` in `backfill_gaps`): recorded by the
/// backfill for grid points a fetched window came back without (funding before its first row,
/// a funding gap, a future before its first trade), and by gap jobs that found nothing. A
/// missing range inside them is accounted for, reported apart from data we failed to fetch,
/// and never fetched again.
pub struct KnownEmpty(BTreeMap<(Pipeline, String), Vec<TimeRange>>);

impl KnownEmpty {
    pub fn new(gaps: Vec<Gap>) -> Self {
        let mut by: BTreeMap<(Pipeline, String), Vec<TimeRange>> = BTreeMap::new();
        for g in gaps.into_iter().filter(|g| g.state == GapState::Empty) {
            by.entry((g.pipeline, g.instrument))
                .or_default()
                .push(g.range);
        }
        for ranges in by.values_mut() {
            *ranges = merge_ranges(std::mem::take(ranges));
        }
        Self(by)
    }

    /// The empty ranges of one series, merged.
    pub fn of(&self, pipeline: Pipeline, key: &str) -> &[TimeRange] {
        self.0
            .get(&(pipeline, key.to_string()))
            .map_or(&[], Vec::as_slice)
    }
}

/// Splits a missing range into pieces: inside `empty` (sorted, merged) they are empty at the
/// source, inside `accounted` (quarantined rows: the exchange has them, unreadable) they are
/// no gap at all, elsewhere they are open. Pieces without a grid point are dropped.
fn split(
    range: TimeRange,
    grid: Grid,
    empty: &[TimeRange],
    accounted: &[TimeRange],
) -> Vec<GapLine> {
    let mut marks: Vec<(TimeRange, Option<GapState>)> = empty
        .iter()
        .map(|r| (*r, Some(GapState::Empty)))
        .chain(accounted.iter().map(|r| (*r, None)))
        .filter(|(r, _)| r.end > range.start && r.start < range.end)
        .collect();
    marks.sort_by_key(|(r, _)| r.start);
    let mut out = Vec::new();
    let mut push = |r: TimeRange, state: Option<GapState>| {
        let points = Grid { range: r, ..grid }.count();
        if let Some(state) = state
            && points > 0
        {
            out.push(GapLine {
                range: r,
                points,
                state,
            });
        }
    };
    let mut at = range.start;
    for (m, state) in marks {
        if m.end <= at {
            continue;
        }
        if m.start > at {
            push(
                TimeRange {
                    start: at,
                    end: m.start,
                },
                Some(GapState::Open),
            );
        }
        let end = m.end.min(range.end);
        push(
            TimeRange {
                start: at.max(m.start),
                end,
            },
            state,
        );
        at = end;
    }
    if at < range.end {
        push(
            TimeRange {
                start: at,
                end: range.end,
            },
            Some(GapState::Open),
        );
    }
    out
}

async fn check(
    store: &Arc<dyn Store>,
    empty: &[TimeRange],
    series: &'static str,
    pipeline: Pipeline,
    query: SeriesQuery,
) -> Result<SeriesCheck, StoreError> {
    check_with(store, empty, &[], series, pipeline, query).await
}

/// [`check`], with ranges whose rows are quarantined (accounted for, never a gap).
async fn check_with(
    store: &Arc<dyn Store>,
    empty: &[TimeRange],
    quarantined: &[TimeRange],
    series: &'static str,
    pipeline: Pipeline,
    query: SeriesQuery,
) -> Result<SeriesCheck, StoreError> {
    let audit = store.audit_series(&query).await?;
    let grid = query.grid;
    let gaps = audit
        .gaps
        .iter()
        .flat_map(|r| split(*r, grid, empty, quarantined))
        .collect();
    let in_quarantine: i64 = quarantined
        .iter()
        .filter_map(|r| r.intersect(&grid.range))
        .map(|r| Grid { range: r, ..grid }.count())
        .sum();
    Ok(SeriesCheck {
        instrument: query.key,
        series,
        pipeline,
        range: grid.range,
        step_ms: grid.step,
        expected: grid.count(),
        rows: audit.rows,
        quarantined: audit.quarantined + in_quarantine,
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
        let q = query(table, job, MINUTE_MS);
        let empty = known.of(pipeline, &q.key);
        out.push(check(store, empty, series, pipeline, q).await?);
    }
    Ok(out)
}

/// Hours whose funding row the exchange sent but the client could not read (quarantined).
fn quarantined_hours(quarantined: &[QuarantinedFunding], perpetual: &str) -> Vec<TimeRange> {
    merge_ranges(
        quarantined
            .iter()
            .filter(|q| q.instrument == perpetual)
            .filter_map(|q| q.row.ts)
            .map(|ts| TimeRange {
                start: ts,
                end: ts + HOUR_MS,
            })
            .collect(),
    )
}

/// Funding (AC-010): one row every hour since the perpetual's creation (or `--start`).
pub async fn funding(
    store: &Arc<dyn Store>,
    known: &KnownEmpty,
    jobs: &[JobSpec],
) -> Result<Vec<SeriesCheck>, StoreError> {
    let quarantined = store.quarantined_funding().await?;
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let q = query(DataTable::Funding, job, HOUR_MS);
        let empty = known.of(Pipeline::Funding, &q.key);
        let held = quarantined_hours(&quarantined, &job.key.instrument);
        out.push(check_with(store, empty, &held, "funding", Pipeline::Funding, q).await?);
    }
    Ok(out)
}

/// Index prices (AC-011), per currency: a price at every minute (any source), and the official
/// hourly index (funding history) at every hour the perpetual's funding history has an
/// `index_price`. Hours the funding series is empty at the source, and hours whose funding
/// row has no index price (recorded as empty index minutes by the index job), are not
/// expected. Delivery prices are not index minutes: they have their own table.
pub async fn index(
    store: &Arc<dyn Store>,
    known: &KnownEmpty,
    expected: &Expected,
) -> Result<Vec<SeriesCheck>, StoreError> {
    let quarantined = store.quarantined_funding().await?;
    let mut out = Vec::new();
    for job in &expected.index {
        let currency = job.key.instrument.clone();
        let minutes = query(DataTable::Index, job, MINUTE_MS);
        let index_empty = known.of(Pipeline::Index, &currency);
        out.push(check(store, index_empty, "index", Pipeline::Index, minutes).await?);
        let perp = InstrumentName::perpetual(&currency).to_string();
        if let Some(hours) = funding_range_of(expected, &perp).and_then(|f| f.intersect(&job.range))
        {
            let q = SeriesQuery {
                table: DataTable::Index,
                key: currency.clone(),
                grid: Grid::new(hours, HOUR_MS),
                sources: Some(vec![IndexSource::FundingHistory]),
            };
            let empty = merge_ranges(
                known
                    .of(Pipeline::Funding, &perp)
                    .iter()
                    .chain(index_empty)
                    .copied()
                    .collect(),
            );
            let held = quarantined_hours(&quarantined, &perp);
            out.push(check_with(store, &empty, &held, "index_official", Pipeline::Index, q).await?);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: i64, end: i64) -> TimeRange {
        TimeRange { start, end }
    }

    fn lines(gap: TimeRange, empty: &[TimeRange], held: &[TimeRange]) -> Vec<(i64, i64, GapState)> {
        let grid = Grid::new(r(0, 100 * HOUR_MS), HOUR_MS);
        split(gap, grid, empty, held)
            .into_iter()
            .map(|g| (g.range.start / HOUR_MS, g.range.end / HOUR_MS, g.state))
            .collect()
    }

    #[test]
    fn a_gap_inside_ranges_recorded_empty_is_never_reopened() {
        let h = HOUR_MS;
        // Recorded by two consecutive windows; verify's gap spans both.
        let empty = merge_ranges(vec![r(0, 10 * h), r(10 * h, 20 * h)]);
        assert_eq!(
            lines(r(2 * h, 15 * h), &empty, &[]),
            vec![(2, 15, GapState::Empty)]
        );
        // Partly empty at the source, partly ours to fetch.
        assert_eq!(
            lines(r(15 * h, 30 * h), &empty, &[]),
            vec![(15, 20, GapState::Empty), (20, 30, GapState::Open)]
        );
        assert_eq!(
            lines(r(30 * h, 40 * h), &empty, &[]),
            vec![(30, 40, GapState::Open)]
        );
    }

    #[test]
    fn quarantined_hours_are_no_gap_and_off_grid_pieces_vanish() {
        let h = HOUR_MS;
        let held = [r(5 * h, 6 * h)];
        assert_eq!(
            lines(r(4 * h, 7 * h), &[], &held),
            vec![(4, 5, GapState::Open), (6, 7, GapState::Open)]
        );
        assert_eq!(lines(r(5 * h, 6 * h), &[], &held), vec![]);
        // An hour settled empty by a one-minute mark (no official index point) leaves no
        // hourly grid point open.
        let mark = [r(8 * h, 8 * h + 60_000)];
        assert_eq!(
            lines(r(8 * h, 9 * h), &mark, &[]),
            vec![(8, 8, GapState::Empty)]
        );
    }
}
