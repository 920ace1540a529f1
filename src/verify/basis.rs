//! AC-008: the basis exists for every minute where a future and its perpetual both have a
//! candle, and no basis row is stale (legs gone, or prices that differ from the legs' closes).

use std::sync::Arc;

use crate::domain::{Gap, GapKind, GapState, Pipeline};
use crate::jobs::JobSpec;
use crate::store::{Store, StoreError};

use super::model::BasisCheck;

pub async fn check(
    store: &Arc<dyn Store>,
    futures: &[JobSpec],
) -> Result<Vec<BasisCheck>, StoreError> {
    let mut out = Vec::with_capacity(futures.len());
    for job in futures {
        let a = store.basis_audit(&job.key.instrument).await?;
        out.push(BasisCheck {
            future: job.key.instrument.clone(),
            expected: a.expected,
            rows: a.rows,
            missing: a.missing,
            missing_count: a.missing_count,
            stale: a.stale,
            stale_count: a.stale_count,
        });
    }
    Ok(out)
}

/// Basis rows to rebuild, as `backfill_gaps` rows (a gap job refreshes the future's basis).
pub fn open_gaps(checks: &[BasisCheck]) -> Vec<Gap> {
    let mut out = Vec::new();
    for c in checks {
        for (kind, ranges) in [(GapKind::Missing, &c.missing), (GapKind::Stale, &c.stale)] {
            for r in ranges {
                out.push(Gap {
                    pipeline: Pipeline::Basis,
                    instrument: c.future.clone(),
                    range: *r,
                    kind,
                    state: GapState::Open,
                });
            }
        }
    }
    out
}
