//! Data the dashboard shows beside the engine snapshot, sampled on its own cadence by whoever
//! can measure it (the store for row counts and sizes, the collector heartbeats for lag). The
//! sampler publishes a whole [`Metrics`] value on a `watch` channel; the dashboard only reads it.
//!
//! Every field is optional or may be empty: a pane with nothing measured says so instead of
//! showing a made-up number.

use crate::config::HealthConfig;

/// One sample of everything outside the engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Increases with every published sample; the dashboard redraws only when it changes.
    pub version: u64,
    /// Epoch ms when the sample was taken (`None` before the first sample).
    pub sampled_at: Option<i64>,
    pub storage: Storage,
    pub health: Health,
    // A `basis` summary (latest basis per future) can be added here once the basis job
    // publishes one; nothing renders it yet.
}

/// Row counts and sizes per table, and the disk they live on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Storage {
    pub tables: Vec<TableStats>,
    /// Free bytes on the database's file system (`None` when unknown, e.g. a remote Postgres).
    pub free_bytes: Option<u64>,
    /// Bytes the database grows by per day at the current rate (`None` until measured).
    pub write_rate_bytes_per_day: Option<f64>,
}

impl Storage {
    /// Days until the disk is full at the current write rate; `None` when either number is
    /// unknown or nothing is being written.
    pub fn days_until_full(&self) -> Option<f64> {
        let free = self.free_bytes? as f64;
        let rate = self.write_rate_bytes_per_day?;
        (rate > 0.0).then(|| free / rate)
    }

    /// Bytes of every table whose size is known.
    pub fn total_bytes(&self) -> Option<i64> {
        let sizes: Vec<i64> = self.tables.iter().filter_map(|t| t.bytes).collect();
        (!sizes.is_empty()).then(|| sizes.iter().sum())
    }
}

/// One table's size.
#[derive(Debug, Clone, PartialEq)]
pub struct TableStats {
    pub name: String,
    pub rows: i64,
    /// The row count is the planner's estimate (Postgres `reltuples`), not an exact count.
    pub rows_estimated: bool,
    /// Bytes on disk including indexes (`None` when the backend cannot tell).
    pub bytes: Option<i64>,
}

/// Realtime-collector health.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    /// Lag per instrument (any order; the dashboard sorts worst first).
    pub lag: Vec<Lag>,
    pub collectors: Vec<Collector>,
}

/// How healthy a measured value is against its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Level {
    Ok,
    Warning,
    Critical,
    /// Nothing measured (e.g. no candle stored yet).
    #[default]
    Unknown,
}

impl Level {
    /// Classifies `value` (seconds): below `warning` is ok, at or above `critical` critical.
    pub fn classify(value: Option<f64>, warning: u64, critical: u64) -> Level {
        match value {
            None => Level::Unknown,
            Some(v) if !v.is_finite() => Level::Unknown,
            Some(v) if v >= critical as f64 => Level::Critical,
            Some(v) if v >= warning as f64 => Level::Warning,
            Some(_) => Level::Ok,
        }
    }

    /// Short text that carries the level without colour.
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "WARN",
            Level::Critical => "CRIT",
            Level::Unknown => "?",
        }
    }

    /// Worst first: critical, warning, unknown, ok.
    pub fn severity(self) -> u8 {
        match self {
            Level::Critical => 3,
            Level::Warning => 2,
            Level::Unknown => 1,
            Level::Ok => 0,
        }
    }

    /// Lagging means a warning or worse.
    pub fn is_lagging(self) -> bool {
        matches!(self, Level::Warning | Level::Critical)
    }
}

/// Lag of one instrument: now minus the close of its latest stored candle.
#[derive(Debug, Clone, PartialEq)]
pub struct Lag {
    pub instrument: String,
    /// `None` when nothing is stored for it yet.
    pub lag_seconds: Option<f64>,
    pub level: Level,
}

impl Lag {
    /// A lag classified with the configured thresholds.
    pub fn new(instrument: impl Into<String>, lag_seconds: Option<f64>, t: &HealthConfig) -> Self {
        Self {
            instrument: instrument.into(),
            lag_seconds,
            level: Level::classify(lag_seconds, t.lag_warning_seconds, t.lag_critical_seconds),
        }
    }
}

/// One realtime collector process, from its heartbeat row.
#[derive(Debug, Clone, PartialEq)]
pub struct Collector {
    pub id: String,
    pub host: String,
    pub pid: Option<u32>,
    /// Seconds since its last heartbeat, at sampling time.
    pub heartbeat_age_seconds: Option<f64>,
    pub level: Level,
    pub rows_written: i64,
    pub last_error: Option<String>,
}

impl Collector {
    /// Classifies the heartbeat age with the configured thresholds.
    pub fn level_for(age: Option<f64>, t: &HealthConfig) -> Level {
        Level::classify(
            age,
            t.heartbeat_warning_seconds,
            t.heartbeat_critical_seconds,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_uses_inclusive_thresholds() {
        assert_eq!(Level::classify(Some(119.9), 120, 900), Level::Ok);
        assert_eq!(Level::classify(Some(120.0), 120, 900), Level::Warning);
        assert_eq!(Level::classify(Some(900.0), 120, 900), Level::Critical);
        assert_eq!(Level::classify(None, 120, 900), Level::Unknown);
        assert_eq!(Level::classify(Some(f64::NAN), 120, 900), Level::Unknown);
    }

    #[test]
    fn days_until_full_needs_both_numbers_and_a_positive_rate() {
        let mut s = Storage {
            free_bytes: Some(10_000),
            write_rate_bytes_per_day: Some(1_000.0),
            ..Default::default()
        };
        assert_eq!(s.days_until_full(), Some(10.0));
        s.write_rate_bytes_per_day = Some(0.0);
        assert_eq!(s.days_until_full(), None);
        s.write_rate_bytes_per_day = Some(5.0);
        s.free_bytes = None;
        assert_eq!(s.days_until_full(), None);
    }

    #[test]
    fn total_bytes_sums_known_sizes_only() {
        let t = |bytes| TableStats {
            name: "t".into(),
            rows: 1,
            rows_estimated: false,
            bytes,
        };
        let mut s = Storage {
            tables: vec![t(Some(5)), t(None), t(Some(7))],
            ..Default::default()
        };
        assert_eq!(s.total_bytes(), Some(12));
        s.tables = vec![t(None)];
        assert_eq!(s.total_bytes(), None);
    }
}
