//! OHLC sanity, fillers and duplicates. Violating candles are moved to `quarantined_candles`
//! with the reason `Candle::check` gives (never silently dropped), before the coverage scans:
//! a quarantined minute then counts as accounted for, not as a gap. Re-fetching it would only
//! bring the same bad candle back, so gap jobs never ask for it; deleting its quarantine row
//! turns it back into a gap on the next `verify`.

use std::sync::Arc;

use crate::domain::Candle;
use crate::jobs::JobSpec;
use crate::store::{CandleTable, Store, StoreError};

use super::model::{FillerShare, QualityCheck, QuarantineLine};

fn reason(c: &Candle) -> String {
    match c.check() {
        Err(v) => v.to_string(),
        // The SQL condition and Candle::check agree; a row only SQL rejects is still named.
        Ok(()) => "failed the database's OHLC sanity condition".into(),
    }
}

/// Checks the candles of the planned futures and perpetuals, quarantining violators.
pub async fn check(
    store: &Arc<dyn Store>,
    futures: &[JobSpec],
    perpetuals: &[JobSpec],
    now: i64,
) -> Result<QualityCheck, StoreError> {
    let mut out = QualityCheck::default();
    let mut new: Vec<(CandleTable, String, i64)> = Vec::new();
    for (table, jobs) in [
        (CandleTable::Futures, futures),
        (CandleTable::Perpetuals, perpetuals),
    ] {
        let mut share = FillerShare {
            table: table.name(),
            ..Default::default()
        };
        for job in jobs {
            let name = &job.key.instrument;
            let q = store.candle_quality(table, name, job.range).await?;
            share.rows += q.rows;
            share.fillers += q.fillers;
            out.off_grid += q.off_grid;
            if q.violators.is_empty() {
                continue;
            }
            let moves: Vec<(i64, String)> = q.violators.iter().map(|c| (c.ts, reason(c))).collect();
            let moved = store.quarantine_candles(table, name, &moves, now).await?;
            tracing::warn!(instrument = %name, table = table.name(), moved, "OHLC violators quarantined");
            new.extend(moves.into_iter().map(|(ts, _)| (table, name.clone(), ts)));
        }
        out.fillers.push(share);
    }
    for q in store.quarantined().await? {
        let is_new = new
            .iter()
            .any(|(t, n, ts)| *t == q.table && *n == q.instrument && *ts == q.candle.ts);
        out.quarantine.push(QuarantineLine {
            table: q.table.name(),
            instrument: q.instrument,
            ts: q.candle.ts,
            reason: q.reason,
            open: q.candle.open,
            high: q.candle.high,
            low: q.candle.low,
            close: q.candle.close,
            volume: q.candle.volume,
            new: is_new,
        });
    }
    Ok(out)
}
