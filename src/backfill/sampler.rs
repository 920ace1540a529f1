//! The metrics sampler: on its own cadence (never in the render path) it reads table sizes,
//! free disk and collector health from the store and publishes them on a `watch` channel for
//! the dashboard. Every query it makes is cheap at any table size (see the store's `stats`).

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::metrics::{BasisFuture, BasisMetrics, Metrics, Storage};
use crate::config::HealthConfig;
use crate::domain::{Heartbeat, InstrumentKind, InstrumentName, TimeRange};
use crate::health::{self, HealthReport};
use crate::jobs::Clock;
use crate::store::{DataTable, Store};

/// How often the sampler reads the store.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(2);
/// The basis curve is read every this many samples (30 s): it changes only when the basis
/// pipeline refreshes.
pub const BASIS_EVERY_SAMPLES: u64 = 15;
/// History shown per future in the basis tab, and points kept of it.
pub const BASIS_HISTORY_MS: i64 = 7 * 86_400_000;
pub const BASIS_HISTORY_POINTS: usize = 240;
/// The write rate is measured over this much history.
const RATE_WINDOW_MS: i64 = 120_000;

/// The instruments whose lag is watched: everything a live collector keeps current.
pub fn watched_instruments(heartbeats: &[Heartbeat]) -> Vec<String> {
    let set: BTreeSet<String> = heartbeats
        .iter()
        .flat_map(|h| h.instruments.iter().cloned())
        .collect();
    set.into_iter().collect()
}

/// Reads the newest candle of each watched instrument and assesses collector health.
/// `None` when no collector has ever reported.
pub async fn assess_health(
    store: &Arc<dyn Store>,
    config: &HealthConfig,
    now: i64,
) -> Option<HealthReport> {
    let heartbeats = match store.heartbeats().await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!("cannot read collector heartbeats: {e}");
            return None;
        }
    };
    if heartbeats.is_empty() {
        return None;
    }
    let mut latest = Vec::new();
    for name in watched_instruments(&heartbeats) {
        let table = match InstrumentName::parse(&name).map(|n| n.kind) {
            Ok(InstrumentKind::Perpetual) => DataTable::Perpetuals,
            _ => DataTable::Futures,
        };
        let ts = store
            .latest_timestamp(table, &name)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(instrument = %name, "cannot read the latest candle: {e}");
                None
            });
        latest.push((name, ts));
    }
    Some(health::assess(now, &latest, &heartbeats, config))
}

/// The basis curve at `now` (or at the newest basis row when no future is live now) and each
/// curve future's last [`BASIS_HISTORY_MS`] of history, thinned. Costs one index probe per
/// future plus one range read per live future.
pub async fn sample_basis(store: &Arc<dyn Store>, now: i64) -> Option<BasisMetrics> {
    let read = async {
        let mut at = now;
        let mut curve = store.latest_basis(at).await?;
        if curve.is_empty() {
            let newest = store
                .coverage(DataTable::Basis)
                .await?
                .iter()
                .map(|c| c.last_ts)
                .max();
            if let Some(t) = newest {
                at = t;
                curve = store.latest_basis(at).await?;
            }
        }
        let mut futures = Vec::with_capacity(curve.len());
        for (name, latest) in curve {
            let range = TimeRange {
                start: latest.ts - BASIS_HISTORY_MS,
                end: latest.ts + 1,
            };
            let points = store.basis_history(&name, Some(range)).await?;
            let thinned = crate::plot::thin(&points, BASIS_HISTORY_POINTS);
            futures.push(BasisFuture {
                name,
                latest,
                history: thinned.iter().map(|p| (p.ts, p.basis_spread_pct)).collect(),
            });
        }
        Ok::<_, crate::store::StoreError>(BasisMetrics { at, futures })
    };
    match read.await {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::warn!("cannot read the basis curve: {e}");
            None
        }
    }
}

/// Growth of the database in bytes per day, from recent samples of its total size.
#[derive(Debug, Default)]
struct GrowthRate {
    samples: VecDeque<(i64, i64)>,
}

impl GrowthRate {
    fn add(&mut self, at: i64, bytes: i64) -> Option<f64> {
        self.samples.push_back((at, bytes));
        while self.samples.len() > 2
            && self
                .samples
                .front()
                .is_some_and(|(t, _)| at - t > RATE_WINDOW_MS)
        {
            self.samples.pop_front();
        }
        // Nothing written since the previous sample: not growing now, whatever the window
        // saw before (a finished burst must not keep forecasting growth while idle).
        let n = self.samples.len();
        if n >= 2 && self.samples[n - 2].1 >= bytes {
            return Some(0.0);
        }
        let (t0, b0) = *self.samples.front()?;
        let dt = (at - t0) as f64 / 1000.0;
        (dt >= 1.0).then(|| ((bytes - b0) as f64 / dt * 86_400.0).max(0.0))
    }
}

/// One sample of everything the dashboard shows beside the engine.
async fn sample(store: &Arc<dyn Store>, now: i64, growth: &mut GrowthRate) -> Storage {
    let tables = store.table_stats().await.unwrap_or_else(|e| {
        tracing::warn!("cannot read table sizes: {e}");
        Vec::new()
    });
    let disk = store.free_space().await.unwrap_or_else(|e| {
        tracing::warn!("cannot measure free disk space: {e}");
        None
    });
    let total: Option<i64> = {
        let sizes: Vec<i64> = tables.iter().filter_map(|t| t.bytes).collect();
        (!sizes.is_empty()).then(|| sizes.iter().sum())
    };
    Storage {
        write_rate_bytes_per_day: total.and_then(|b| growth.add(now, b)),
        tables,
        disk,
    }
}

/// Starts the sampler; it stops when `stop` is cancelled.
pub fn spawn(
    store: Arc<dyn Store>,
    health: HealthConfig,
    clock: Clock,
    stop: CancellationToken,
) -> watch::Receiver<Metrics> {
    let (tx, rx) = watch::channel(Metrics::default());
    tokio::spawn(async move {
        let mut growth = GrowthRate::default();
        let mut version = 0;
        let mut basis = None;
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            let now = clock();
            let storage = sample(&store, now, &mut growth).await;
            let report = assess_health(&store, &health, now).await;
            if version % BASIS_EVERY_SAMPLES == 0 {
                basis = sample_basis(&store, now).await;
            }
            version += 1;
            let metrics = Metrics {
                version,
                sampled_at: Some(now),
                storage,
                health: report,
                basis: basis.clone(),
            };
            if tx.send(metrics).is_err() {
                break;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_rate_needs_two_samples_and_ignores_shrinking() {
        let mut g = GrowthRate::default();
        assert_eq!(g.add(0, 1_000), None);
        let r = g.add(10_000, 2_000).unwrap();
        assert!((r - 1_000.0 / 10.0 * 86_400.0).abs() < 1e-6);
        assert_eq!(
            g.add(20_000, 500),
            Some(0.0),
            "a VACUUM is not negative growth"
        );
    }

    #[test]
    fn no_growth_is_forecast_while_nothing_is_written() {
        let mut g = GrowthRate::default();
        g.add(0, 1_000);
        assert!(
            g.add(10_000, 50_000_000).unwrap() > 0.0,
            "a burst of writes grows"
        );
        assert_eq!(
            g.add(20_000, 50_000_000),
            Some(0.0),
            "idle after the burst: not growing"
        );
        assert!(g.add(30_000, 50_001_000).unwrap() > 0.0, "writing again");
    }

    #[test]
    fn watched_instruments_are_the_union_of_collectors() {
        let hb = |id: &str, inst: &[&str]| Heartbeat {
            collector_id: id.into(),
            host: "h".into(),
            pid: 1,
            started_at: 0,
            last_beat_at: 0,
            instruments: inst.iter().map(|s| s.to_string()).collect(),
            rows_written: 0,
            last_error: None,
        };
        let w = watched_instruments(&[
            hb("a", &["ETH-PERPETUAL", "BTC-PERPETUAL"]),
            hb("b", &["BTC-PERPETUAL"]),
        ]);
        assert_eq!(w, vec!["BTC-PERPETUAL", "ETH-PERPETUAL"]);
    }
}
