//! Futures and perpetuals: 1-minute OHLCV in windows of at most 5,000 candles. A future known
//! only from the calendar first finds where its data starts (see [`find_first_day`]). Minutes
//! the exchange answered without a candle (a future before its first trade) are recorded as
//! empty at the source.

use super::paging::{EmptyRanges, fetch_covered};
use super::{Job, WorkerCtx, exit_for};
use crate::domain::TimeRange;
use crate::domain::time::{DAY_MS, MINUTE_MS, floor_to};
use crate::jobs::lifecycle::WorkerExit;

/// Minutes this close to now are not settled as empty: the forming minute may still come.
const UNSETTLED_MINUTES: i64 = 10;

/// Where a calendar-only future's data starts: one request for daily candles over the whole
/// searched range; the first day that has one is where 1-minute paging begins. `Ok(None)`:
/// the exchange has no data in the range at all.
async fn find_first_day(
    ctx: &WorkerCtx,
    job: &mut Job<'_>,
) -> Result<Option<i64>, crate::exchange::FetchError> {
    let range = job.spec.range;
    let observer = job.observer();
    let fetched = ctx
        .client
        .candles_1d(
            &job.spec.key.instrument,
            floor_to(range.start, DAY_MS),
            range.end - 1,
            &observer,
            &job.stop,
        )
        .await?;
    job.checkpoint.requests += 1;
    job.checkpoint.retries += fetched.retries as i64;
    let first = fetched
        .value
        .unwrap_or_default()
        .iter()
        .map(|c| c.ts)
        .filter(|t| *t < range.end && *t + DAY_MS > range.start)
        .min();
    Ok(first.map(|t| t.max(range.start)))
}

pub async fn run(ctx: &WorkerCtx, job: &mut Job<'_>) -> WorkerExit {
    let pipeline = job.spec.key.pipeline;
    let instrument = job.spec.key.instrument.clone();
    // Search once, on a fresh job: a resumed one has its data start (or predates the search).
    let search = job.spec.start_estimated
        && !job.spec.key.gaps
        && job.checkpoint.data_start.is_none()
        && job.checkpoint.cursor <= job.spec.range.start;
    if search {
        if job.stop.is_cancelled() {
            return WorkerExit::Interrupted;
        }
        match find_first_day(ctx, job).await {
            Ok(Some(day)) => {
                tracing::info!(job = %job.spec.key, first_day = day, "first candle searched");
                job.checkpoint.cursor = day;
            }
            Ok(None) => {
                return WorkerExit::Unavailable(format!(
                    "no data from the exchange in {}",
                    job.spec.range
                ));
            }
            Err(e) => return exit_for(e),
        }
    }
    let todo = job.spec.todo(job.checkpoint.cursor);
    let observer = job.observer();
    let mut empty = EmptyRanges::new(MINUTE_MS, (ctx.clock)() - UNSETTLED_MINUTES * MINUTE_MS);
    for window in todo.iter().flat_map(TimeRange::candle_windows) {
        // Pause, cancel and shutdown take effect here, between requests.
        if job.stop.is_cancelled() {
            return WorkerExit::Interrupted;
        }
        let stop = job.stop.clone();
        let covered = fetch_covered(window.first, window.last, MINUTE_MS, |first, hi| {
            ctx.client
                .candles_1m(&instrument, first, hi, &observer, &stop)
        })
        .await;
        let covered = match covered {
            Ok(c) => c,
            Err(e) => return exit_for(e),
        };
        if covered.dropped > 0 {
            tracing::warn!(job = %job.spec.key, dropped = covered.dropped, "ignored candles outside the requested window");
        }
        empty.add_window(window.first, window.last, covered.rows.iter().map(|c| c.ts));
        let settled = empty.take_settled(window.last + MINUTE_MS);
        let (name, ranges) = (&instrument, &settled);
        let recorded = job
            .with_database(ctx, || ctx.sink.record_empty(pipeline, name, ranges))
            .await;
        if let Err(exit) = recorded {
            return exit;
        }
        let received = covered.rows.len() as i64;
        let mut next = job.next(
            ctx,
            window.last + MINUTE_MS,
            received,
            covered.requests,
            covered.retries,
        );
        // The first candle the search led to: where this future's data really starts.
        if search
            && next.data_start.is_none()
            && let Some(first) = covered.rows.first()
        {
            next.data_start = Some(first.ts);
        }
        let rows = &covered.rows;
        let instrument = &instrument;
        let step = job.commit(ctx, next, received, |cp| async move {
            ctx.sink
                .write_candles(pipeline, instrument, rows, &cp)
                .await
        });
        if let Err(exit) = step.await {
            return exit;
        }
    }
    // A gap job that got nothing settles its gaps as `empty` (the sink does); the instrument
    // itself is not unavailable.
    if job.checkpoint.rows == 0 && !job.spec.key.gaps {
        // Nothing at all: the instrument is unavailable, not a range of empty minutes.
        return WorkerExit::Unavailable(format!("no data from the exchange in {}", job.spec.range));
    }
    let (name, ranges) = (&instrument, &empty.take_all());
    let recorded = job
        .with_database(ctx, || ctx.sink.record_empty(pipeline, name, ranges))
        .await;
    if let Err(exit) = recorded {
        return exit;
    }
    WorkerExit::Done
}
