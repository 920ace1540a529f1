//! The health model shared by the dashboard and `status`: lag per instrument, heartbeat age
//! per collector, and the worst of them.

use super::level::{Level, Thresholds};
use crate::config::HealthConfig;
use crate::domain::Heartbeat;

/// How far behind one instrument's stored candles are.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LagRow {
    pub instrument: String,
    pub latest_ts: Option<i64>,
    /// now − latest candle, in seconds.
    pub lag_seconds: Option<f64>,
    pub level: Level,
}

/// One collector as health sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CollectorRow {
    pub heartbeat: Heartbeat,
    pub age_seconds: f64,
    pub level: Level,
}

/// Everything health knows at one moment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HealthReport {
    pub at: i64,
    /// Worst first.
    pub lag: Vec<LagRow>,
    /// Stalest first.
    pub collectors: Vec<CollectorRow>,
    pub lag_thresholds: Thresholds,
    pub heartbeat_thresholds: Thresholds,
    pub overall: Level,
}

pub fn lag_thresholds(c: &HealthConfig) -> Thresholds {
    Thresholds {
        warning_seconds: c.lag_warning_seconds as f64,
        critical_seconds: c.lag_critical_seconds as f64,
    }
}

pub fn heartbeat_thresholds(c: &HealthConfig) -> Thresholds {
    Thresholds {
        warning_seconds: c.heartbeat_warning_seconds as f64,
        critical_seconds: c.heartbeat_critical_seconds as f64,
    }
}

/// Builds the report from the latest candle per watched instrument and the heartbeats.
/// The lag of a minute candle counts from the end of its minute.
pub fn assess(
    now: i64,
    latest: &[(String, Option<i64>)],
    heartbeats: &[Heartbeat],
    config: &HealthConfig,
) -> HealthReport {
    let lt = lag_thresholds(config);
    let ht = heartbeat_thresholds(config);
    let mut lag: Vec<LagRow> = latest
        .iter()
        .map(|(instrument, ts)| {
            let lag_seconds = ts.map(|t| ((now - (t + 60_000)) as f64 / 1000.0).max(0.0));
            LagRow {
                instrument: instrument.clone(),
                latest_ts: *ts,
                lag_seconds,
                level: lt.level(lag_seconds),
            }
        })
        .collect();
    lag.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(
                b.lag_seconds
                    .unwrap_or(f64::MAX)
                    .total_cmp(&a.lag_seconds.unwrap_or(f64::MAX)),
            )
            .then(a.instrument.cmp(&b.instrument))
    });
    let mut collectors: Vec<CollectorRow> = heartbeats
        .iter()
        .map(|h| {
            let age = ((now - h.last_beat_at) as f64 / 1000.0).max(0.0);
            CollectorRow {
                heartbeat: h.clone(),
                age_seconds: age,
                level: ht.level(Some(age)),
            }
        })
        .collect();
    collectors.sort_by(|a, b| b.age_seconds.total_cmp(&a.age_seconds));
    let overall = lag
        .iter()
        .map(|l| l.level)
        .chain(collectors.iter().map(|c| c.level))
        .max()
        .unwrap_or(Level::Unknown);
    HealthReport {
        at: now,
        lag,
        collectors,
        lag_thresholds: lt,
        heartbeat_thresholds: ht,
        overall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(id: &str, last: i64) -> Heartbeat {
        Heartbeat {
            collector_id: id.into(),
            host: "h".into(),
            pid: 1,
            started_at: 0,
            last_beat_at: last,
            instruments: vec!["BTC-PERPETUAL".into()],
            rows_written: 0,
            last_error: None,
        }
    }

    #[test]
    fn lag_counts_from_the_end_of_the_latest_minute_and_sorts_worst_first() {
        let now = 10_000_000;
        let latest = vec![
            ("BTC-PERPETUAL".to_string(), Some(now - 90_000)),
            ("ETH-PERPETUAL".to_string(), Some(now - 20 * 60_000)),
            ("BTC_USDC-PERPETUAL".to_string(), None),
        ];
        let r = assess(now, &latest, &[], &HealthConfig::default());
        assert_eq!(r.lag[0].instrument, "ETH-PERPETUAL");
        assert_eq!(r.lag[0].level, Level::Critical);
        assert_eq!(r.lag[1].level, Level::Unknown);
        assert_eq!(r.lag[2].lag_seconds, Some(30.0));
        assert_eq!(r.lag[2].level, Level::Ok);
        assert_eq!(r.overall, Level::Critical);
    }

    #[test]
    fn a_stopped_heartbeat_is_stale() {
        let now = 10_000_000;
        let r = assess(
            now,
            &[("BTC-PERPETUAL".into(), Some(now - 60_000))],
            &[beat("a", now - 5_000), beat("b", now - 200_000)],
            &HealthConfig::default(),
        );
        assert_eq!(r.collectors[0].heartbeat.collector_id, "b");
        assert_eq!(r.collectors[0].level, Level::Warning);
        assert_eq!(r.collectors[1].level, Level::Ok);
        assert_eq!(r.overall, Level::Warning);
    }

    #[test]
    fn nothing_to_measure_is_unknown() {
        let r = assess(0, &[], &[], &HealthConfig::default());
        assert_eq!(r.overall, Level::Unknown);
    }
}
