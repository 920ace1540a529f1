//! `deribit-backfill status`: a one-shot summary of jobs, collectors, lag, row counts and disk
//! for scripts and a quick look over SSH. Exit code 0 healthy, 1 warning, 2 critical.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::Result;

use super::args::StatusArgs;
use crate::backfill::sampler::assess_health;
use crate::config::Config;
use crate::domain::{Checkpoint, JobState};
use crate::health::{HealthReport, Level, WriteRate, write_rate_between};
use crate::human::{bytes, duration, thousands};
use crate::store::{self, DatabaseUrl, DiskSpace, TableStats};

/// Everything `status` reports.
#[derive(Debug, serde::Serialize)]
pub struct Status {
    pub database: String,
    pub at: i64,
    pub jobs: BTreeMap<String, usize>,
    pub failed: Vec<FailedJob>,
    pub health: Option<HealthReport>,
    pub tables: Vec<TableRow>,
    pub disk: Option<DiskRow>,
    /// Rows written per second over a one-second sample of the store's counters.
    pub write_rate: Option<WriteRate>,
    /// Gaps `verify` recorded, by state (open, fixed, empty).
    pub gaps: BTreeMap<String, usize>,
    pub level: Level,
}

#[derive(Debug, serde::Serialize)]
pub struct FailedJob {
    pub job: String,
    pub error: Option<String>,
}

#[derive(Debug, serde::Serialize)]
pub struct TableRow {
    pub table: String,
    pub rows: i64,
    pub bytes: Option<i64>,
}

#[derive(Debug, serde::Serialize)]
pub struct DiskRow {
    pub path: String,
    pub available_bytes: u64,
    pub total_bytes: u64,
}

/// The overall level: collector health, and a warning for failed jobs. No collector at all is
/// not a problem for a backfill-only database.
pub fn overall(checkpoints: &[Checkpoint], health: Option<&HealthReport>) -> Level {
    let jobs = if checkpoints.iter().any(|c| c.state == JobState::Failed) {
        Level::Warning
    } else {
        Level::Ok
    };
    let collectors = health.map(|h| h.overall).unwrap_or(Level::Ok);
    jobs.max(collectors)
}

/// The human rendering.
pub fn render(s: &Status) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "database: {}", s.database);
    let total: usize = s.jobs.values().sum();
    let counts: Vec<String> = s.jobs.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(
        o,
        "jobs: {total} ({})",
        if counts.is_empty() {
            "none yet".into()
        } else {
            counts.join(", ")
        }
    );
    for f in &s.failed {
        let _ = writeln!(
            o,
            "  failed {}: {}",
            f.job,
            f.error.as_deref().unwrap_or("-")
        );
    }
    match &s.health {
        None => {
            let _ = writeln!(o, "collectors: none reporting");
        }
        Some(h) => {
            let _ = writeln!(o, "collectors: {}", h.collectors.len());
            for c in &h.collectors {
                let hb = &c.heartbeat;
                let _ = writeln!(
                    o,
                    "  {} on {} (pid {}): heartbeat {} ago, {}, {} rows written{}",
                    hb.collector_id,
                    hb.host,
                    hb.pid,
                    duration(c.age_seconds),
                    c.level,
                    thousands(hb.rows_written),
                    hb.last_error
                        .as_ref()
                        .map(|e| format!(", last error: {e}"))
                        .unwrap_or_default()
                );
            }
            let t = &h.lag_thresholds;
            let _ = writeln!(
                o,
                "lag (ok < {}, warning < {}, critical beyond):",
                duration(t.warning_seconds),
                duration(t.critical_seconds)
            );
            for l in &h.lag {
                let lag = l
                    .lag_seconds
                    .map(duration)
                    .unwrap_or_else(|| "no data".into());
                let _ = writeln!(o, "  {:<22} {:>10}  {}", l.instrument, lag, l.level);
            }
        }
    }
    let _ = writeln!(o, "tables:");
    for t in &s.tables {
        let size = t.bytes.map(bytes).unwrap_or_else(|| "?".into());
        let _ = writeln!(
            o,
            "  {:<22} {:>14} rows  {:>10}",
            t.table,
            thousands(t.rows),
            size
        );
    }
    match &s.disk {
        Some(d) => {
            let _ = writeln!(
                o,
                "disk: {} free of {} ({})",
                bytes(d.available_bytes as i64),
                bytes(d.total_bytes as i64),
                d.path
            );
        }
        None => {
            let _ = writeln!(o, "disk: not measurable (remote database)");
        }
    }
    match &s.write_rate {
        Some(r) => {
            let _ = writeln!(
                o,
                "writes: {} rows/s",
                thousands(r.rows_per_second.round() as i64)
            );
        }
        None => {
            let _ = writeln!(o, "writes: not measurable");
        }
    }
    let open = s.gaps.get("open").copied().unwrap_or(0);
    if s.gaps.is_empty() {
        let _ = writeln!(
            o,
            "gaps: none recorded (`deribit-backfill verify` finds them)"
        );
    } else {
        let counts: Vec<String> = s.gaps.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(
            o,
            "gaps: {}{}",
            counts.join(", "),
            if open > 0 {
                " — fetch the open ones with `deribit-backfill run --gaps-only`"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(o, "health: {}", s.level);
    o
}

pub async fn run(config: &Config, args: &StatusArgs) -> Result<ExitCode> {
    super::require_database(&config.database_url, "status")?;
    let url = DatabaseUrl::parse(&config.database_url)?;
    // It only reads: a read-only file (or folder) is fine, and nothing is written.
    let store = store::connect_read_only(&url).await?;
    let activity_before = store.write_activity().await.ok();
    let sampled = std::time::Instant::now();
    let now = chrono::Utc::now().timestamp_millis();
    let checkpoints = store.load_checkpoints().await?;
    let mut jobs: BTreeMap<String, usize> = BTreeMap::new();
    for c in &checkpoints {
        *jobs.entry(c.state.as_str().to_string()).or_default() += 1;
    }
    let failed = checkpoints
        .iter()
        .filter(|c| c.state == JobState::Failed)
        .map(|c| FailedJob {
            job: c.key.to_string(),
            error: c.last_error.clone(),
        })
        .collect();
    let health = assess_health(&store, &config.health, now).await;
    let tables: Vec<TableStats> = store.table_stats().await?;
    let disk: Option<DiskSpace> = store.free_space().await.unwrap_or(None);
    let level = overall(&checkpoints, health.as_ref());
    let mut gaps: BTreeMap<String, usize> = BTreeMap::new();
    for g in store.gaps().await? {
        *gaps.entry(g.state.as_str().to_string()).or_default() += 1;
    }
    // The write rate needs two samples of the store's counters; one second apart at least.
    let wait = std::time::Duration::from_secs(1).saturating_sub(sampled.elapsed());
    tokio::time::sleep(wait).await;
    let write_rate = match (activity_before, store.write_activity().await.ok()) {
        (Some(a), Some(b)) => write_rate_between(&a, &b, sampled.elapsed().as_secs_f64()),
        _ => None,
    };
    let status = Status {
        database: store.url().to_string(),
        at: now,
        jobs,
        failed,
        health,
        tables: tables
            .iter()
            .map(|t| TableRow {
                table: t.table.name().to_string(),
                rows: t.rows,
                bytes: t.bytes,
            })
            .collect(),
        disk: disk.map(|d| DiskRow {
            path: d.path.display().to_string(),
            available_bytes: d.available_bytes,
            total_bytes: d.total_bytes,
        }),
        write_rate,
        gaps,
        level,
    };
    store.close().await;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&status)?)?;
    } else {
        write!(out, "{}", render(&status))?;
    }
    Ok(ExitCode::from(level.exit_code()))
}
