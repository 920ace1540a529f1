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
    let written = match ctx.sink.refresh_basis(&currency, &futures).await {
        Ok(w) => w,
        Err(e) => return WorkerExit::Failed(e.to_string()),
    };
    let end = job.spec.range.end;
    // The basis is rebuilt, not appended: its row count is what the refresh produced.
    job.checkpoint.rows = 0;
    let checkpoint = job.advance(ctx, end, written as i64, 0, 0).clone();
    if let Err(e) = ctx.sink.save_checkpoint(&checkpoint).await {
        return WorkerExit::Failed(e.to_string());
    }
    tracing::info!(%currency, rows = written, seconds = started.elapsed().as_secs_f64(), "basis refreshed");
    job.report(written, written as i64).await;
    WorkerExit::Done
}
