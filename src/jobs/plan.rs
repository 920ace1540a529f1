//! Planning: which jobs a run has, over which ranges, and how much work they are.
//! Pure: instruments and options in, job specs out.

use std::collections::BTreeMap;

use super::filter::InstrumentFilter;
use crate::domain::calendar::{CalendarExpiry, cycle_of};
use crate::domain::range::{MAX_CANDLES_PER_REQUEST, MAX_FUNDING_ROWS_PER_REQUEST};
use crate::domain::time::{HOUR_MS, MINUTE_MS, ceil_to, date_of, floor_to};
use crate::domain::{
    DataStatus, Discovery, InstrumentKind, InstrumentName, InstrumentRecord, JobKey, Pipeline,
    TimeRange,
};

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub pipelines: Vec<Pipeline>,
    pub currencies: Vec<String>,
    pub instruments: Option<InstrumentFilter>,
    /// Earliest instant to backfill (default: each instrument's creation).
    pub start: Option<i64>,
    /// End, exclusive (default: now, or the future's expiry).
    pub end: Option<i64>,
    /// The exchange's "now": nothing at or after the current minute is fetched.
    pub now: i64,
}

/// One job of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    pub key: JobKey,
    pub range: TimeRange,
    /// Rows a complete job holds (minutes, hours ...).
    pub expected_rows: i64,
    /// Requests a complete job needs, at least.
    pub expected_requests: i64,
    /// Jobs that must end before this one starts (index and basis derive from others).
    pub depends_on: Vec<JobKey>,
    /// The future's expiry, for basis and display.
    pub expiration_ts: Option<i64>,
    /// The range starts at a search start, not a known listing (a future only the calendar
    /// knows): the job first asks for daily candles over the range (one request) and pages
    /// one-minute candles from the first day that has data; rows before the real listing
    /// cannot exist, so a finished job expects what it found.
    pub start_estimated: bool,
    /// A gap job's exact ranges inside `range`, sorted and disjoint; empty: all of `range`.
    pub parts: Vec<TimeRange>,
}

impl JobSpec {
    /// What is left to fetch from `cursor` on: the parts (or the range) after it, in order.
    pub fn todo(&self, cursor: i64) -> Vec<TimeRange> {
        let whole = [self.range];
        let parts: &[TimeRange] = if self.parts.is_empty() {
            &whole
        } else {
            &self.parts
        };
        parts
            .iter()
            .filter_map(|p| {
                let start = p.start.max(cursor).max(self.range.start);
                let end = p.end.min(self.range.end);
                (end > start).then_some(TimeRange { start, end })
            })
            .collect()
    }
}

/// The jobs of a run, in the order they should start.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub jobs: Vec<JobSpec>,
}

/// Approximate bytes on disk per row, measured by the ingest benchmark (see README).
pub fn bytes_per_row(postgres: bool, pipeline: Pipeline) -> f64 {
    match (postgres, pipeline) {
        (false, Pipeline::Futures | Pipeline::Perpetuals) => 60.0,
        (true, Pipeline::Futures | Pipeline::Perpetuals) => 155.0,
        (false, Pipeline::Basis) => 70.0,
        (true, Pipeline::Basis) => 140.0,
        (false, _) => 50.0,
        (true, _) => 110.0,
    }
}

/// Totals of a plan, for `--dry-run` and the dashboard header.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PlanSummary {
    pub jobs: usize,
    pub jobs_per_pipeline: BTreeMap<String, usize>,
    pub rows_per_pipeline: BTreeMap<String, i64>,
    pub expected_candles: i64,
    pub expected_rows: i64,
    pub expected_requests: i64,
    /// Of `expected_requests`: the daily-candle requests that find where calendar-only futures
    /// really start (one per such future).
    pub first_candle_searches: i64,
    /// At the rate budget, in seconds.
    pub seconds_at_budget: f64,
    pub disk_bytes_estimate: f64,
}

impl Plan {
    pub fn summary(&self, requests_per_second: f64, postgres: bool) -> PlanSummary {
        let mut s = PlanSummary {
            jobs: self.jobs.len(),
            ..Default::default()
        };
        for j in &self.jobs {
            let p = j.key.pipeline;
            *s.jobs_per_pipeline.entry(p.to_string()).or_default() += 1;
            *s.rows_per_pipeline.entry(p.to_string()).or_default() += j.expected_rows;
            if matches!(p, Pipeline::Futures | Pipeline::Perpetuals) {
                s.expected_candles += j.expected_rows;
            }
            s.expected_rows += j.expected_rows;
            s.expected_requests += j.expected_requests;
            if j.start_estimated && !j.key.gaps {
                s.first_candle_searches += 1;
            }
            s.disk_bytes_estimate += j.expected_rows as f64 * bytes_per_row(postgres, p);
        }
        s.seconds_at_budget = s.expected_requests as f64 / requests_per_second.max(1e-9);
        s
    }
}

fn div_ceil(a: i64, b: i64) -> i64 {
    if a <= 0 { 0 } else { (a + b - 1) / b }
}

/// The candle range of an instrument: from its creation (or `start`) to its expiry (or `end`,
/// or the current minute), minute-aligned; `None` when empty.
pub fn candle_range(record: &InstrumentRecord, req: &PlanRequest) -> Option<TimeRange> {
    let creation = record.creation_ts.unwrap_or(i64::MIN);
    let start = ceil_to(creation.max(req.start.unwrap_or(i64::MIN)), MINUTE_MS);
    let mut end = floor_to(req.now, MINUTE_MS);
    if let Some(e) = req.end {
        end = end.min(e);
    }
    if record.kind == InstrumentKind::Future
        && let Some(exp) = record.expiration_ts
    {
        end = end.min(exp);
    }
    (end > start).then_some(TimeRange { start, end })
}

/// Hourly funding range of a perpetual: timestamps in `[start, end)` at full hours.
fn funding_range(record: &InstrumentRecord, req: &PlanRequest) -> Option<TimeRange> {
    let creation = record.creation_ts.unwrap_or(i64::MIN);
    let start = ceil_to(creation.max(req.start.unwrap_or(i64::MIN)), HOUR_MS);
    let mut end = floor_to(req.now, HOUR_MS) + 1;
    if let Some(e) = req.end {
        end = end.min(e);
    }
    (end > start).then_some(TimeRange { start, end })
}

fn selected(record: &InstrumentRecord, req: &PlanRequest) -> bool {
    req.currencies.iter().any(|c| c == &record.currency)
        && req
            .instruments
            .as_ref()
            .is_none_or(|f| f.is_empty() || f.matches(&record.instrument))
}

/// Builds the plan. Instruments already known to be unavailable are still planned (their job
/// ends `unavailable` again quickly), so the operator sees them.
pub fn plan(instruments: &[InstrumentRecord], req: &PlanRequest) -> Plan {
    let wants = |p: Pipeline| req.pipelines.contains(&p);
    let mut jobs = Vec::new();
    let mut sorted: Vec<&InstrumentRecord> =
        instruments.iter().filter(|r| selected(r, req)).collect();
    sorted.sort_by(|a, b| {
        (a.currency.as_str(), a.expiration_ts, a.instrument.as_str()).cmp(&(
            b.currency.as_str(),
            b.expiration_ts,
            b.instrument.as_str(),
        ))
    });
    // Inverse perpetual per currency: the index proxy and the basis reference.
    let mut perps: BTreeMap<String, &InstrumentRecord> = BTreeMap::new();
    for r in &sorted {
        if r.kind == InstrumentKind::Perpetual && !r.instrument.contains('_') {
            perps.insert(r.currency.clone(), r);
        }
    }
    for r in &sorted {
        let (pipeline, range) = match r.kind {
            InstrumentKind::Future if wants(Pipeline::Futures) => {
                (Pipeline::Futures, candle_range(r, req))
            }
            InstrumentKind::Perpetual if wants(Pipeline::Perpetuals) => {
                (Pipeline::Perpetuals, candle_range(r, req))
            }
            _ => continue,
        };
        if let Some(range) = range {
            let start_estimated =
                r.discovered_from == Discovery::Calendar && r.kind == InstrumentKind::Future;
            // A calendar-only future is searched over a year, but is expected to hold what its
            // typical life holds, plus one daily-candle request to find its first candle.
            let (minutes, search) = if start_estimated {
                let typical = r
                    .expiration_ts
                    .map(date_of)
                    .and_then(|d| cycle_of(d).map(|cycle| CalendarExpiry { date: d, cycle }))
                    .and_then(|c| c.typical_life().intersect(&range))
                    .map(|t| t.minutes())
                    .unwrap_or_else(|| range.minutes());
                (typical, 1)
            } else {
                (range.minutes(), 0)
            };
            jobs.push(JobSpec {
                key: JobKey::new(pipeline, &r.instrument),
                range,
                expected_rows: if r.data_status == DataStatus::Unavailable {
                    0
                } else {
                    minutes
                },
                expected_requests: div_ceil(minutes, MAX_CANDLES_PER_REQUEST).max(1) + search,
                depends_on: vec![],
                start_estimated,
                expiration_ts: (r.kind == InstrumentKind::Future)
                    .then_some(r.expiration_ts)
                    .flatten(),
                parts: vec![],
            });
        }
    }
    if wants(Pipeline::Funding) {
        for r in sorted
            .iter()
            .filter(|r| r.kind == InstrumentKind::Perpetual)
        {
            if let Some(range) = funding_range(r, req) {
                let hours = range.bucket_count(HOUR_MS);
                jobs.push(JobSpec {
                    key: JobKey::new(Pipeline::Funding, &r.instrument),
                    range,
                    expected_rows: hours,
                    expected_requests: div_ceil(hours, MAX_FUNDING_ROWS_PER_REQUEST).max(1),
                    depends_on: vec![],
                    expiration_ts: None,
                    start_estimated: false,
                    parts: vec![],
                });
            }
        }
    }
    if wants(Pipeline::Index) {
        for (currency, perp) in &perps {
            let Some(range) = candle_range(perp, req) else {
                continue;
            };
            let mut depends_on = Vec::new();
            if wants(Pipeline::Perpetuals) {
                depends_on.push(JobKey::new(Pipeline::Perpetuals, &perp.instrument));
            }
            if wants(Pipeline::Funding) {
                depends_on.push(JobKey::new(Pipeline::Funding, &perp.instrument));
            }
            let days = div_ceil(range.duration_ms(), 86_400_000);
            jobs.push(JobSpec {
                key: JobKey::new(Pipeline::Index, currency),
                range,
                expected_rows: range.minutes(),
                expected_requests: div_ceil(days, 1000).max(1),
                depends_on,
                expiration_ts: None,
                start_estimated: false,
                parts: vec![],
            });
        }
    }
    if wants(Pipeline::Basis) {
        for (currency, perp) in &perps {
            let Some(perp_range) = candle_range(perp, req) else {
                continue;
            };
            let futures: Vec<&JobSpec> = jobs
                .iter()
                .filter(|j| j.key.pipeline == Pipeline::Futures)
                .filter(|j| {
                    InstrumentName::parse(&j.key.instrument)
                        .is_ok_and(|n| n.is_inverse() && n.base == *currency)
                })
                .collect();
            // A calendar-only future's range is its search range: count what it is expected to hold.
            let overlap: i64 = futures
                .iter()
                .filter_map(|j| {
                    let m = j.range.intersect(&perp_range)?.minutes();
                    Some(if j.start_estimated {
                        m.min(j.expected_rows)
                    } else {
                        m
                    })
                })
                .sum();
            let mut depends_on: Vec<JobKey> = futures.iter().map(|j| j.key.clone()).collect();
            if wants(Pipeline::Perpetuals) {
                depends_on.push(JobKey::new(Pipeline::Perpetuals, &perp.instrument));
            }
            jobs.push(JobSpec {
                key: JobKey::new(Pipeline::Basis, currency),
                range: perp_range,
                expected_rows: overlap,
                expected_requests: 0,
                depends_on,
                expiration_ts: None,
                start_estimated: false,
                parts: vec![],
            });
        }
    }
    Plan { jobs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SettlementPeriod;
    use crate::domain::time::parse_instant;

    fn rec(name: &str, creation: &str, expiry: Option<&str>) -> InstrumentRecord {
        let n = InstrumentName::parse(name).unwrap();
        InstrumentRecord {
            instrument: name.into(),
            kind: n.kind,
            currency: n.base.clone(),
            settlement_period: Some(if n.kind == InstrumentKind::Perpetual {
                SettlementPeriod::Perpetual
            } else {
                SettlementPeriod::Week
            }),
            creation_ts: Some(parse_instant(creation).unwrap()),
            expiration_ts: expiry
                .map(|e| parse_instant(e).unwrap())
                .or(n.expiration_ms()),
            is_active: true,
            discovered_from: Discovery::Api,
            data_status: DataStatus::Unknown,
        }
    }

    fn req(pipelines: &[Pipeline]) -> PlanRequest {
        PlanRequest {
            pipelines: pipelines.to_vec(),
            currencies: vec!["BTC".into(), "ETH".into()],
            instruments: None,
            start: Some(parse_instant("2024-12-01").unwrap()),
            end: Some(parse_instant("2024-12-11").unwrap()),
            now: parse_instant("2025-01-01T12:34:56Z").unwrap(),
        }
    }

    fn universe() -> Vec<InstrumentRecord> {
        vec![
            rec("BTC-PERPETUAL", "2018-08-14T10:24:47Z", None),
            rec("ETH-PERPETUAL", "2019-03-14T13:00:54Z", None),
            rec(
                "BTC-6DEC24",
                "2024-11-22T08:00:00Z",
                Some("2024-12-06T08:00:00Z"),
            ),
            rec(
                "BTC-27DEC24",
                "2023-12-29T08:00:00Z",
                Some("2024-12-27T08:00:00Z"),
            ),
            rec(
                "ETH-6DEC24",
                "2024-11-22T08:00:00Z",
                Some("2024-12-06T08:00:00Z"),
            ),
        ]
    }

    #[test]
    fn futures_run_from_start_to_expiry() {
        let p = plan(&universe(), &req(&[Pipeline::Futures]));
        let j = p
            .jobs
            .iter()
            .find(|j| j.key.instrument == "BTC-6DEC24")
            .unwrap();
        assert_eq!(j.range.start, parse_instant("2024-12-01").unwrap());
        assert_eq!(j.range.end, parse_instant("2024-12-06T08:00:00Z").unwrap());
        assert_eq!(j.expected_rows, 5 * 1440 + 8 * 60);
        assert_eq!(j.expected_requests, 2);
        let j = p
            .jobs
            .iter()
            .find(|j| j.key.instrument == "BTC-27DEC24")
            .unwrap();
        assert_eq!(
            j.range.end,
            parse_instant("2024-12-11").unwrap(),
            "--end caps"
        );
        assert!(p.jobs.iter().all(|j| j.key.pipeline == Pipeline::Futures));
    }

    #[test]
    fn perpetuals_stop_at_the_current_minute() {
        let mut r = req(&[Pipeline::Perpetuals]);
        r.end = None;
        let p = plan(&universe(), &r);
        let j = &p.jobs[0];
        assert_eq!(j.range.end, parse_instant("2025-01-01T12:34:00Z").unwrap());
    }

    #[test]
    fn funding_is_hourly_and_paged_by_744() {
        let p = plan(&universe(), &req(&[Pipeline::Funding]));
        let j = p
            .jobs
            .iter()
            .find(|j| j.key.instrument == "BTC-PERPETUAL")
            .unwrap();
        assert_eq!(j.expected_rows, 10 * 24);
        assert_eq!(j.expected_requests, 1);
        let mut r = req(&[Pipeline::Funding]);
        r.start = None;
        let p = plan(&universe(), &r);
        let j = p
            .jobs
            .iter()
            .find(|j| j.key.instrument == "BTC-PERPETUAL")
            .unwrap();
        assert_eq!(
            j.range.start,
            parse_instant("2018-08-14T11:00:00Z").unwrap(),
            "first full hour after creation"
        );
    }

    #[test]
    fn index_and_basis_depend_on_their_inputs() {
        let p = plan(&universe(), &req(&Pipeline::SELECTABLE));
        let idx = p
            .jobs
            .iter()
            .find(|j| j.key == JobKey::new(Pipeline::Index, "BTC"))
            .unwrap();
        assert!(
            idx.depends_on
                .contains(&JobKey::new(Pipeline::Perpetuals, "BTC-PERPETUAL"))
        );
        assert!(
            idx.depends_on
                .contains(&JobKey::new(Pipeline::Funding, "BTC-PERPETUAL"))
        );
        let basis = p
            .jobs
            .iter()
            .find(|j| j.key == JobKey::new(Pipeline::Basis, "BTC"))
            .unwrap();
        assert!(
            basis
                .depends_on
                .contains(&JobKey::new(Pipeline::Futures, "BTC-6DEC24"))
        );
        assert!(
            !basis
                .depends_on
                .contains(&JobKey::new(Pipeline::Futures, "ETH-6DEC24"))
        );
        // Overlap: BTC-6DEC24 (5d8h) + BTC-27DEC24 (10d) inside the perpetual's range.
        assert_eq!(basis.expected_rows, 5 * 1440 + 8 * 60 + 10 * 1440);
        // Derived jobs come after the jobs they depend on.
        let pos = |k: &JobKey| p.jobs.iter().position(|j| &j.key == k).unwrap();
        for j in &p.jobs {
            for d in &j.depends_on {
                assert!(pos(d) < pos(&j.key), "{} before {}", d, j.key);
            }
        }
    }

    #[test]
    fn filters_and_currencies() {
        let mut r = req(&[Pipeline::Futures, Pipeline::Perpetuals]);
        r.instruments = Some(InstrumentFilter::new(&["*-6DEC24"]).unwrap());
        r.currencies = vec!["ETH".into()];
        let p = plan(&universe(), &r);
        let names: Vec<_> = p.jobs.iter().map(|j| j.key.instrument.as_str()).collect();
        assert_eq!(names, vec!["ETH-6DEC24"]);
    }

    #[test]
    fn expired_before_start_has_no_job() {
        let mut r = req(&[Pipeline::Futures]);
        r.start = Some(parse_instant("2024-12-07").unwrap());
        let p = plan(&universe(), &r);
        assert!(p.jobs.iter().all(|j| j.key.instrument != "BTC-6DEC24"));
    }

    #[test]
    fn summary_adds_up() {
        let p = plan(
            &universe(),
            &req(&[Pipeline::Futures, Pipeline::Perpetuals]),
        );
        let s = p.summary(19.6, false);
        assert_eq!(s.jobs, p.jobs.len());
        assert_eq!(
            s.expected_candles,
            p.jobs.iter().map(|j| j.expected_rows).sum::<i64>()
        );
        assert!((s.seconds_at_budget - s.expected_requests as f64 / 19.6).abs() < 1e-9);
        assert!(s.disk_bytes_estimate > 0.0);
    }

    #[test]
    fn calendar_only_futures_cost_one_search_request() {
        let mut cal = rec(
            "BTC-13DEC24",
            "2023-11-09T08:00:00Z",
            Some("2024-12-13T08:00:00Z"),
        );
        cal.discovered_from = Discovery::Calendar;
        let mut r = req(&[Pipeline::Futures, Pipeline::Perpetuals, Pipeline::Basis]);
        r.start = None;
        r.end = Some(parse_instant("2024-12-14").unwrap());
        let mut all = universe();
        all.push(cal);
        let p = plan(&all, &r);
        let j = p
            .jobs
            .iter()
            .find(|j| j.key.instrument == "BTC-13DEC24")
            .unwrap();
        assert!(j.start_estimated);
        // Searched over the whole range, expected to hold its typical life (two weeks).
        assert_eq!(
            j.range.start,
            parse_instant("2023-11-09T08:00:00Z").unwrap()
        );
        assert_eq!(j.expected_rows, 14 * 1440);
        assert_eq!(
            j.expected_requests,
            5 + 1,
            "minute pages plus one daily request"
        );
        let s = p.summary(19.6, false);
        assert_eq!(s.first_candle_searches, 1);
        // The basis expects the future's typical life, not its search range.
        let basis = p
            .jobs
            .iter()
            .find(|j| j.key == JobKey::new(Pipeline::Basis, "BTC"))
            .unwrap();
        let listed: i64 = p
            .jobs
            .iter()
            .filter(|j| j.key.pipeline == Pipeline::Futures && j.key.instrument.starts_with("BTC"))
            .map(|j| j.expected_rows)
            .sum();
        assert_eq!(basis.expected_rows, listed);
    }
}
