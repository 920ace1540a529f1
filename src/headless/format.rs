//! Plain-text and JSON renderings of engine snapshots for headless runs (stderr progress
//! lines, the final summary).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::domain::JobState;
use crate::jobs::EngineSnapshot;
use crate::jobs::snapshot::DATABASE_UNAVAILABLE;

pub use crate::human::{duration, thousands};

/// One progress line.
pub fn progress_line(s: &EngineSnapshot, now_ms: i64) -> String {
    let t = &s.totals;
    let elapsed = (now_ms - s.started_at).max(0) as f64 / 1000.0;
    let pct = if t.rows_expected > 0 {
        100.0 * t.rows_done as f64 / t.rows_expected as f64
    } else {
        0.0
    };
    let mut line = format!(
        "[{}] jobs {}/{} done, {} running, {} queued, {} paused, {} failed, {} unavailable | rows {}/{} ({:.1}%) {} rows/s | requests {} ({:.1}/s), credits {}/{}, 10028 in 5 min: {}",
        duration(elapsed),
        t.done,
        t.jobs(),
        t.running + t.backoff + t.pausing,
        t.queued,
        t.paused,
        t.failed,
        t.unavailable,
        thousands(t.rows_done),
        thousands(t.rows_expected),
        pct.min(100.0),
        thousands(s.rows_per_second.round() as i64),
        thousands(s.rate_limit.total_requests as i64),
        s.rate_limit.requests_per_second,
        thousands(s.rate_limit.credits_left.round() as i64),
        thousands(s.rate_limit.pool.round() as i64),
        s.rate_limit.rate_limited_recent,
    );
    match s.eta_seconds {
        Some(eta) => {
            let _ = write!(line, " | ETA {}", duration(eta));
        }
        None if !s.idle => line.push_str(" | ETA measuring"),
        None => {}
    }
    let waiting = s.waiting_for_database();
    if waiting > 0 {
        let _ = write!(
            line,
            " | {DATABASE_UNAVAILABLE} ({waiting} {} waiting)",
            if waiting == 1 { "job" } else { "jobs" }
        );
    }
    line
}

/// One JSON progress object (a line of `--json` output).
pub fn progress_json(s: &EngineSnapshot, now_ms: i64) -> serde_json::Value {
    serde_json::json!({
        "type": "progress",
        "at_ms": now_ms,
        "elapsed_seconds": (now_ms - s.started_at).max(0) as f64 / 1000.0,
        "totals": s.totals,
        "rows_per_second": s.rows_per_second,
        "eta_seconds": s.eta_seconds,
        "rate_limit": s.rate_limit,
        "parallel": s.parallel,
        "waiting_for_database": s.waiting_for_database(),
    })
}

/// Jobs listed one per line in the summary at most (a terminal's worth with the totals).
const SUMMARY_JOB_LINES: usize = 20;

/// The final summary: totals per pipeline, the jobs that need attention, the verdict.
pub fn summary_text(s: &EngineSnapshot, now_ms: i64) -> String {
    let mut out = String::new();
    let t = &s.totals;
    let elapsed = (now_ms - s.started_at).max(0) as f64 / 1000.0;
    let _ = writeln!(out, "summary after {}:", duration(elapsed));
    let mut per: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    let mut rows: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for j in s.jobs.iter() {
        *per.entry(j.key.pipeline.to_string())
            .or_default()
            .entry(j.state.as_str())
            .or_default() += 1;
        let r = rows.entry(j.key.pipeline.to_string()).or_default();
        r.0 += j.rows_done;
        r.1 += j.rows_expected;
        r.2 += j.rows_written;
    }
    for (pipeline, states) in &per {
        let counts: Vec<String> = states.iter().map(|(st, n)| format!("{n} {st}")).collect();
        let (done, expected, written) = rows[pipeline];
        let _ = writeln!(
            out,
            "  {pipeline:<11} {:<40} rows {}/{} ({} new or changed)",
            counts.join(", "),
            thousands(done),
            thousands(expected),
            thousands(written)
        );
    }
    let _ = writeln!(
        out,
        "  requests this run: {} (discovery included), {} answered 10028; by these jobs over all runs: {}, {} retries",
        thousands(s.rate_limit.total_requests as i64),
        s.rate_limit.rate_limited_total,
        thousands(t.requests),
        thousands(t.retries),
    );
    // Jobs that need the operator, one line each (failed with their error, paused,
    // cancelled); queued jobs simply resume on the next start, so they are counted, not
    // listed — a long list would push the totals off a terminal.
    let attention: Vec<_> = s
        .jobs
        .iter()
        .filter(|j| {
            matches!(
                j.state,
                JobState::Failed | JobState::Paused | JobState::Cancelled
            )
        })
        .collect();
    for j in attention.iter().take(SUMMARY_JOB_LINES) {
        let _ = write!(
            out,
            "  {:<11} {} {}",
            j.state.as_str(),
            j.key.pipeline,
            j.key.label()
        );
        match j.last_error.as_deref() {
            Some(e) if j.state == JobState::Failed => {
                let _ = writeln!(out, ": {e}");
            }
            _ => out.push('\n'),
        }
    }
    if attention.len() > SUMMARY_JOB_LINES {
        let _ = writeln!(
            out,
            "  ... and {} more (all of them: `deribit-backfill status`)",
            attention.len() - SUMMARY_JOB_LINES
        );
    }
    let unfinished = s
        .jobs
        .iter()
        .filter(|j| !j.state.is_terminal() && j.state != JobState::Paused)
        .count();
    if unfinished > 0 {
        let _ = writeln!(
            out,
            "  {unfinished} {} not finished: the next start resumes {} from {} checkpoint",
            if unfinished == 1 { "job" } else { "jobs" },
            if unfinished == 1 { "it" } else { "them" },
            if unfinished == 1 { "its" } else { "their" },
        );
    }
    let verdict = if let Some(fatal) = &s.fatal {
        format!("stopped: {fatal}")
    } else if t.all_successful() {
        "every job is done or unavailable".to_string()
    } else if t.failed > 0 {
        "some jobs failed: run again to retry them from their checkpoints".to_string()
    } else {
        "some jobs did not finish: run again to resume them".to_string()
    };
    let _ = writeln!(out, "  result: {verdict}");
    out
}

/// The final summary as JSON.
pub fn summary_json(s: &EngineSnapshot, now_ms: i64) -> serde_json::Value {
    serde_json::json!({
        "type": "summary",
        "at_ms": now_ms,
        "elapsed_seconds": (now_ms - s.started_at).max(0) as f64 / 1000.0,
        "totals": s.totals,
        "success": s.totals.all_successful() && s.fatal.is_none(),
        "fatal": s.fatal,
        "rate_limit": s.rate_limit,
        "jobs": s.jobs.iter().map(|j| serde_json::json!({
            "pipeline": j.key.pipeline,
            "instrument": j.key.instrument,
            "gaps": j.key.gaps,
            "state": j.state,
            "rows_done": j.rows_done,
            "rows_expected": j.rows_expected,
            "rows_written": j.rows_written,
            "requests": j.requests,
            "retries": j.retries,
            "last_error": j.last_error,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{JobKey, Pipeline, TimeRange};
    use crate::jobs::{JobView, Totals};
    use std::sync::Arc;

    fn snap() -> EngineSnapshot {
        let job = |inst: &str, state: JobState, done: i64, err: Option<&str>| JobView {
            key: JobKey::new(Pipeline::Futures, inst),
            state,
            range: TimeRange::new(0, 6_000_000).unwrap(),
            cursor: 0,
            rows_done: done,
            rows_expected: 100,
            rows_written: done,
            requests: 1,
            retries: 0,
            last_error: err.map(String::from),
            rows_per_second: 0.0,
            eta_seconds: None,
            updated_at: 0,
        };
        let jobs = vec![
            job("BTC-6DEC24", JobState::Done, 100, None),
            job(
                "BTC-13DEC24",
                JobState::Failed,
                40,
                Some("HTTP 500 (public/get_tradingview_chart_data, transient)"),
            ),
            job(
                "BTC-20DEC25",
                JobState::Unavailable,
                0,
                Some("instrument not found"),
            ),
        ];
        EngineSnapshot {
            totals: Totals::from_jobs(&jobs),
            jobs: Arc::new(jobs),
            started_at: 0,
            eta_seconds: Some(125.0),
            ..Default::default()
        }
    }

    #[test]
    fn numbers_and_durations() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1_000), "-1,000");
        assert_eq!(duration(3_723.0), "1h02m03s");
        assert_eq!(duration(65.0), "1m05s");
        assert_eq!(duration(f64::NAN), "?");
    }

    #[test]
    fn progress_line_has_the_totals() {
        let line = progress_line(&snap(), 61_000);
        assert!(line.starts_with("[1m01s] jobs 1/3 done"), "{line}");
        assert!(line.contains("1 failed, 1 unavailable"), "{line}");
        assert!(line.contains("rows 140/300"), "{line}");
        assert!(line.ends_with("ETA 2m05s"), "{line}");
        let json = progress_json(&snap(), 61_000);
        assert_eq!(json["totals"]["failed"], 1);
    }

    #[test]
    fn summary_counts_queued_jobs_instead_of_listing_them() {
        let mut s = snap();
        let mut jobs = (*s.jobs).clone();
        let template = jobs[0].clone();
        for i in 0..60 {
            let mut j = template.clone();
            j.key = JobKey::new(Pipeline::Futures, format!("ETH-{i}JAN25"));
            j.state = if i == 0 {
                JobState::Paused
            } else {
                JobState::Queued
            };
            jobs.push(j);
        }
        s.totals = Totals::from_jobs(&jobs);
        s.jobs = Arc::new(jobs);
        let text = summary_text(&s, 1_000);
        assert!(
            text.lines().count() <= 12,
            "short enough for a terminal:\n{text}"
        );
        assert!(
            !text.contains("ETH-5JAN25"),
            "queued jobs are counted:\n{text}"
        );
        assert!(text.contains("paused      futures ETH-0JAN25\n"), "{text}");
        assert!(
            text.contains("59 jobs not finished: the next start resumes them"),
            "{text}"
        );
    }

    #[test]
    fn summary_lists_failures_with_their_errors() {
        let text = summary_text(&snap(), 1_000);
        assert!(text.contains("futures"), "{text}");
        assert!(text.contains("1 done, 1 failed, 1 unavailable"), "{text}");
        assert!(
            text.contains("failed      futures BTC-13DEC24: HTTP 500"),
            "{text}"
        );
        assert!(
            !text.contains("BTC-20DEC25"),
            "unavailable is a success: {text}"
        );
        assert!(text.contains("run again to retry"), "{text}");
        let json = summary_json(&snap(), 1_000);
        assert_eq!(json["success"], false);
        assert_eq!(json["jobs"].as_array().unwrap().len(), 3);
    }
}
