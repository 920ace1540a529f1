//! The perpetual–futures basis, rebuilt from stored candles once its inputs are in.

use super::{Job, WorkerCtx};
use crate::domain::Pipeline;
use crate::jobs::lifecycle::WorkerExit;

pub async fn run(ctx: &WorkerCtx, job: &mut Job<'_>) -> WorkerExit {
    let currency = job.spec.key.instrument.clone();
    // A gap job rebuilds one future's basis (its key names the future).
    let futures: Vec<String> = if job.spec.key.gaps {
        vec![job.spec.key.instrument.clone()]
    } else {
        job.spec
            .depends_on
            .iter()
            .filter(|k| k.pipeline == Pipeline::Futures)
            .map(|k| k.instrument.clone())
            .collect()
    };
    let started = std::time::Instant::now();
    let futures = &futures;
    let written = match job
        .with_database(ctx, || ctx.sink.refresh_basis(&currency, futures))
        .await
    {
        Ok(w) => w,
        Err(exit) => return exit,
    };
    let end = job.spec.range.end;
    // The basis is rebuilt, not appended: its row count is what the refresh produced.
    let mut next = job.next(ctx, end, 0, 0, 0);
    next.rows = written as i64;
    let step = job.commit(ctx, next, written as i64, |cp| async move {
        ctx.sink.save_checkpoint(&cp).await.map(|()| written)
    });
    if let Err(exit) = step.await {
        return exit;
    }
    tracing::info!(%currency, rows = written, seconds = started.elapsed().as_secs_f64(), "basis refreshed");
    WorkerExit::Done
}
