//! Gap jobs: the gaps `verify` recorded (`backfill_gaps`), planned as jobs over exactly those
//! ranges. A gap job runs the series' own worker (candles, funding, index, basis) over its
//! `parts` only; its key is `JobKey::gaps`, so it never touches the series' checkpoint, and
//! the store settles each gap once it is fetched (`fixed`, or `empty` when the exchange had
//! nothing — then it is not fetched again).
//!
//! Order: an index gap job waits for its perpetual's candle and funding gap jobs, a basis gap
//! job for its future's and perpetual's candle gap jobs (the same dependencies as the plan).

use std::collections::BTreeMap;

use crate::domain::range::{MAX_CANDLES_PER_REQUEST, MAX_FUNDING_ROWS_PER_REQUEST};
use crate::domain::time::HOUR_MS;
use crate::domain::{Gap, GapState, InstrumentName, JobKey, Pipeline, TimeRange};

use super::plan::JobSpec;

fn div_ceil(a: i64, b: i64) -> i64 {
    if a <= 0 { 0 } else { (a + b - 1) / b }
}

/// Plans one gap job per series with open gaps. `wanted` filters by pipeline and instrument
/// (or currency).
pub fn plan_gaps(gaps: &[Gap], wanted: impl Fn(Pipeline, &str) -> bool) -> Vec<JobSpec> {
    let mut by: BTreeMap<(Pipeline, String), Vec<TimeRange>> = BTreeMap::new();
    for g in gaps
        .iter()
        .filter(|g| g.state == GapState::Open && wanted(g.pipeline, &g.instrument))
    {
        by.entry((g.pipeline, g.instrument.clone()))
            .or_default()
            .push(g.range);
    }
    let has = |p: Pipeline, i: &str| by.contains_key(&(p, i.to_string()));
    let mut jobs = Vec::new();
    for ((pipeline, instrument), ranges) in &by {
        let parts = crate::domain::gap::merge_ranges(ranges.clone());
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            continue;
        };
        let range = TimeRange {
            start: first.start,
            end: last.end,
        };
        let (rows, requests): (i64, i64) = match pipeline {
            Pipeline::Funding => {
                let hours: i64 = parts.iter().map(|p| p.bucket_count(HOUR_MS)).sum();
                let req = parts
                    .iter()
                    .map(|p| div_ceil(p.bucket_count(HOUR_MS), MAX_FUNDING_ROWS_PER_REQUEST))
                    .sum();
                (hours, req)
            }
            Pipeline::Basis => (parts.iter().map(TimeRange::minutes).sum(), 0),
            Pipeline::Index => (parts.iter().map(TimeRange::minutes).sum(), 1),
            _ => {
                let req = parts
                    .iter()
                    .map(|p| div_ceil(p.minutes(), MAX_CANDLES_PER_REQUEST))
                    .sum();
                (parts.iter().map(TimeRange::minutes).sum(), req)
            }
        };
        let name = InstrumentName::parse(instrument).ok();
        let mut depends_on = Vec::new();
        match pipeline {
            Pipeline::Index => {
                let perp = InstrumentName::perpetual(instrument).to_string();
                for p in [Pipeline::Perpetuals, Pipeline::Funding] {
                    if has(p, &perp) {
                        depends_on.push(JobKey::gaps(p, &perp));
                    }
                }
            }
            Pipeline::Basis => {
                if has(Pipeline::Futures, instrument) {
                    depends_on.push(JobKey::gaps(Pipeline::Futures, instrument));
                }
                if let Some(n) = &name {
                    let perp = n.perpetual_counterpart().to_string();
                    if has(Pipeline::Perpetuals, &perp) {
                        depends_on.push(JobKey::gaps(Pipeline::Perpetuals, &perp));
                    }
                }
            }
            _ => {}
        }
        jobs.push(JobSpec {
            key: JobKey::gaps(*pipeline, instrument),
            range,
            expected_rows: rows,
            expected_requests: requests.max(1),
            depends_on,
            expiration_ts: name.as_ref().and_then(|n| n.expiration_ms()),
            start_estimated: false,
            parts,
        });
    }
    // Inputs before the jobs that derive from them.
    let rank = |p: Pipeline| match p {
        Pipeline::Perpetuals | Pipeline::Futures => 0,
        Pipeline::Funding => 1,
        Pipeline::Index => 2,
        _ => 3,
    };
    jobs.sort_by_key(|j| rank(j.key.pipeline));
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::GapKind;
    use crate::domain::time::MINUTE_MS;

    fn gap(p: Pipeline, i: &str, start: i64, end: i64) -> Gap {
        Gap {
            pipeline: p,
            instrument: i.into(),
            range: TimeRange { start, end },
            kind: GapKind::Missing,
            state: GapState::Open,
        }
    }

    #[test]
    fn one_job_per_series_over_exactly_its_gaps() {
        let m = MINUTE_MS;
        let gaps = vec![
            gap(Pipeline::Futures, "BTC-29MAR24", 10 * m, 20 * m),
            gap(Pipeline::Futures, "BTC-29MAR24", 100 * m, 160 * m),
            gap(Pipeline::Basis, "BTC-29MAR24", 10 * m, 20 * m),
            gap(Pipeline::Funding, "BTC-PERPETUAL", 0, 3 * HOUR_MS),
            gap(Pipeline::Index, "BTC", 0, 3 * HOUR_MS),
            Gap {
                state: GapState::Empty,
                ..gap(Pipeline::Perpetuals, "ETH-PERPETUAL", 0, m)
            },
        ];
        let jobs = plan_gaps(&gaps, |_, _| true);
        assert_eq!(jobs.len(), 4, "{jobs:?}");
        let fut = jobs
            .iter()
            .find(|j| j.key == JobKey::gaps(Pipeline::Futures, "BTC-29MAR24"))
            .unwrap();
        assert_eq!(fut.expected_rows, 70);
        assert_eq!(fut.parts.len(), 2);
        assert_eq!(
            fut.range,
            TimeRange {
                start: 10 * m,
                end: 160 * m
            }
        );
        assert_eq!(
            fut.todo(15 * m),
            vec![
                TimeRange {
                    start: 15 * m,
                    end: 20 * m
                },
                TimeRange {
                    start: 100 * m,
                    end: 160 * m
                }
            ]
        );
        assert_eq!(fut.todo(160 * m), vec![]);
        let basis = jobs
            .iter()
            .find(|j| j.key.pipeline == Pipeline::Basis)
            .unwrap();
        assert_eq!(
            basis.depends_on,
            vec![JobKey::gaps(Pipeline::Futures, "BTC-29MAR24")]
        );
        let index = jobs
            .iter()
            .find(|j| j.key.pipeline == Pipeline::Index)
            .unwrap();
        assert_eq!(
            index.depends_on,
            vec![JobKey::gaps(Pipeline::Funding, "BTC-PERPETUAL")]
        );
        let funding = jobs
            .iter()
            .find(|j| j.key.pipeline == Pipeline::Funding)
            .unwrap();
        assert_eq!(funding.expected_rows, 3);
        // Inputs come first.
        let pos = |k: &JobKey| jobs.iter().position(|j| &j.key == k).unwrap();
        for j in &jobs {
            for d in &j.depends_on {
                assert!(pos(d) < pos(&j.key));
            }
        }
        assert!(plan_gaps(&gaps, |p, _| p == Pipeline::Funding).len() == 1);
    }
}
