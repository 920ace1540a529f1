//! Funding-rate history: hourly rows, paged in windows of at most 744 hours.
//!
//! Rows are read one by one (`exchange::FundingPage`): nulls are stored as NULL, and a row that
//! cannot be read is quarantined with its reason while the rest of the page is stored and the
//! job goes on. Hours the exchange answered without a row (before the first row, the gaps of
//! the series) are recorded as empty at the source.

use std::sync::Mutex;

use super::paging::{EmptyRanges, fetch_covered};
use super::{Job, WorkerCtx, exit_for};
use crate::domain::range::MAX_FUNDING_ROWS_PER_REQUEST;
use crate::domain::time::HOUR_MS;
use crate::domain::{Pipeline, UnreadableRow};
use crate::exchange::Fetched;
use crate::jobs::lifecycle::WorkerExit;

/// Hours this close to now are not settled as empty: the exchange may not have published them.
const UNSETTLED_HOURS: i64 = 2;

pub async fn run(ctx: &WorkerCtx, job: &mut Job<'_>) -> WorkerExit {
    let instrument = job.spec.key.instrument.clone();
    let todo = job.spec.todo(job.checkpoint.cursor);
    let observer = job.observer();
    let mut empty = EmptyRanges::new(HOUR_MS, (ctx.clock)() - UNSETTLED_HOURS * HOUR_MS);
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
        let unreadable: Mutex<Vec<UnreadableRow>> = Mutex::new(Vec::new());
        let unreadable_ref = &unreadable;
        let covered = fetch_covered(window.first, window.last, HOUR_MS, |first, hi| {
            let stop = stop.clone();
            async move {
                // The exchange's start is exclusive: ask from just before the first hour.
                let f = client
                    .funding_history(instrument_ref, first - 1, hi, observer_ref, &stop)
                    .await?;
                let page = f.value;
                let mut bad = unreadable_ref.lock().expect("not poisoned");
                // The same row may come back in a later request of this window.
                for u in page.unreadable {
                    if !bad.contains(&u) {
                        bad.push(u);
                    }
                }
                let value = (!page.rows.is_empty()).then_some(page.rows);
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
        let unreadable = unreadable.into_inner().expect("not poisoned");
        // An hour with an unreadable row is accounted for by the quarantine, not empty.
        let mut present: Vec<i64> = covered
            .rows
            .iter()
            .map(|r| r.ts)
            .chain(unreadable.iter().filter_map(|u| u.ts))
            .filter(|ts| (window.first..=window.last).contains(ts))
            .collect();
        present.sort_unstable();
        present.dedup();
        empty.add_window(window.first, window.last, present);
        let settled = empty.take_settled(window.last + HOUR_MS);
        let (name, ranges) = (&instrument, &settled);
        let recorded = job
            .with_database(ctx, || {
                ctx.sink.record_empty(Pipeline::Funding, name, ranges)
            })
            .await;
        if let Err(exit) = recorded {
            return exit;
        }
        let received = covered.rows.len() as i64;
        let next = job.next(
            ctx,
            window.last + HOUR_MS,
            received,
            covered.requests,
            covered.retries,
        );
        let rows = &covered.rows;
        let unreadable = &unreadable;
        let instrument = &instrument;
        let step = job.commit(ctx, next, received, |cp| async move {
            ctx.sink
                .write_funding(instrument, rows, unreadable, &cp)
                .await
        });
        if let Err(exit) = step.await {
            return exit;
        }
    }
    let (name, ranges) = (&instrument, &empty.take_all());
    let recorded = job
        .with_database(ctx, || {
            ctx.sink.record_empty(Pipeline::Funding, name, ranges)
        })
        .await;
    if let Err(exit) = recorded {
        return exit;
    }
    if job.checkpoint.rows == 0 && !job.spec.key.gaps {
        return WorkerExit::Unavailable(format!(
            "no funding history from the exchange in {}",
            job.spec.range
        ));
    }
    WorkerExit::Done
}
