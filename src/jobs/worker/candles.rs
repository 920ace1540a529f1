//! Futures and perpetuals: 1-minute OHLCV in windows of at most 5,000 candles. Minutes the
//! exchange answered without a candle (a future before its first trade) are recorded as empty
//! at the source.

use super::paging::{EmptyRanges, fetch_covered};
use super::{Job, WorkerCtx, exit_for};
use crate::domain::TimeRange;
use crate::domain::time::MINUTE_MS;
use crate::jobs::lifecycle::WorkerExit;

/// Minutes this close to now are not settled as empty: the forming minute may still come.
const UNSETTLED_MINUTES: i64 = 10;

pub async fn run(ctx: &WorkerCtx, job: &mut Job<'_>) -> WorkerExit {
    let pipeline = job.spec.key.pipeline;
    let instrument = job.spec.key.instrument.clone();
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
        let next = job.next(
            ctx,
            window.last + MINUTE_MS,
            received,
            covered.requests,
            covered.retries,
        );
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
