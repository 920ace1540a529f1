//! Funding-rate history: hourly rows, paged in windows of at most 744 hours.

use super::paging::fetch_covered;
use super::{Job, WorkerCtx, exit_for};
use crate::domain::range::MAX_FUNDING_ROWS_PER_REQUEST;
use crate::domain::time::HOUR_MS;
use crate::exchange::Fetched;
use crate::jobs::lifecycle::WorkerExit;

pub async fn run(ctx: &WorkerCtx, job: &mut Job<'_>) -> WorkerExit {
    let instrument = job.spec.key.instrument.clone();
    let todo = job.spec.todo(job.checkpoint.cursor);
    let observer = job.observer();
    for window in todo
        .iter()
        .flat_map(|r| r.windows(HOUR_MS, MAX_FUNDING_ROWS_PER_REQUEST))
    {
        if job.stop.is_cancelled() {
            return WorkerExit::Interrupted;
        }
        let stop = job.stop.clone();
        let client = &ctx.client;
        let instrument_ref = &instrument;
        let observer_ref = &observer;
        let covered = fetch_covered(window.first, window.last, HOUR_MS, |first, hi| {
            let stop = stop.clone();
            async move {
                // The exchange's start is exclusive: ask from just before the first hour.
                let f = client
                    .funding_history(instrument_ref, first - 1, hi, observer_ref, &stop)
                    .await?;
                let value = (!f.value.is_empty()).then_some(f.value);
                Ok(Fetched {
                    value,
                    retries: f.retries,
                })
            }
        })
        .await;
        let covered = match covered {
            Ok(c) => c,
            Err(e) => return exit_for(e),
        };
        let received = covered.rows.len() as i64;
        let next = job.next(
            ctx,
            window.last + HOUR_MS,
            received,
            covered.requests,
            covered.retries,
        );
        let rows = &covered.rows;
        let instrument = &instrument;
        let step = job.commit(ctx, next, received, |cp| async move {
            ctx.sink.write_funding(instrument, rows, &cp).await
        });
        if let Err(exit) = step.await {
            return exit;
        }
    }
    if job.checkpoint.rows == 0 && !job.spec.key.gaps {
        return WorkerExit::Unavailable(format!(
            "no funding history from the exchange in {}",
            job.spec.range
        ));
    }
    WorkerExit::Done
}
