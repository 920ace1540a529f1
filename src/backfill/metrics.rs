//! Data the dashboard shows beside the engine snapshot, sampled on its own cadence by the
//! sampler (`backfill::sampler`): table sizes and free disk from the store (`Store::table_stats`,
//! `Store::free_space`), the write rate it derives from two samples, and collector health
//! from `health::assess`. The sampler publishes a whole [`Metrics`] on a `watch` channel; the
//! dashboard only reads it.
//!
//! Everything is optional or may be empty: a pane with nothing measured says so instead of
//! showing a made-up number.

use crate::health::HealthReport;

use crate::store::{DiskSpace, TableStats};

/// One sample of everything outside the engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Increases with every published sample; the dashboard redraws only when it changes.
    pub version: u64,
    /// Epoch ms when the sample was taken (`None` before the first sample).
    pub sampled_at: Option<i64>,
    pub storage: Storage,
    /// Lag per instrument (worst first) and heartbeat age per collector, with thresholds.
    /// `None` until assessed (e.g. no collector configured yet).
    pub health: Option<HealthReport>,
    /// The basis curve for the basis tab (`b`), sampled on a slower cadence; `None` until
    /// sampled.
    pub basis: Option<BasisMetrics>,
}

/// The basis term structure and each live future's recent history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BasisMetrics {
    /// The instant the curve is taken at (now, or the newest basis row when no future is
    /// live now, e.g. a purely historical backfill).
    pub at: i64,
    /// Live futures by expiry, each with its latest basis and recent history.
    pub futures: Vec<BasisFuture>,
}

/// One future on the curve.
#[derive(Debug, Clone, PartialEq)]
pub struct BasisFuture {
    pub name: String,
    pub latest: crate::domain::BasisPoint,
    /// (timestamp ms, basis %), thinned to at most a few hundred points, oldest first.
    pub history: Vec<(i64, f64)>,
}

/// Row counts and sizes per table, and the disk they live on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Storage {
    pub tables: Vec<TableStats>,
    /// The database's volume (`None` when unknown, e.g. a remote Postgres).
    pub disk: Option<DiskSpace>,
    /// Bytes the database grows by per day at the current rate (`None` until measured twice).
    pub write_rate_bytes_per_day: Option<f64>,
}

impl Storage {
    /// Free bytes on the database's volume.
    pub fn free_bytes(&self) -> Option<u64> {
        self.disk.as_ref().map(|d| d.available_bytes)
    }

    /// Days until the disk is full at the current write rate; `None` when either number is
    /// unknown or nothing is being written.
    pub fn days_until_full(&self) -> Option<f64> {
        let free = self.free_bytes()? as f64;
        let rate = self.write_rate_bytes_per_day?;
        (rate > 0.0).then(|| free / rate)
    }

    /// Bytes of every table whose size is known.
    pub fn total_bytes(&self) -> Option<i64> {
        let sizes: Vec<i64> = self.tables.iter().filter_map(|t| t.bytes).collect();
        (!sizes.is_empty()).then(|| sizes.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DataTable;

    fn disk(available_bytes: u64) -> DiskSpace {
        DiskSpace {
            path: "/data".into(),
            available_bytes,
            total_bytes: available_bytes * 2,
        }
    }

    #[test]
    fn days_until_full_needs_both_numbers_and_a_positive_rate() {
        let mut s = Storage {
            disk: Some(disk(10_000)),
            write_rate_bytes_per_day: Some(1_000.0),
            ..Default::default()
        };
        assert_eq!(s.days_until_full(), Some(10.0));
        s.write_rate_bytes_per_day = Some(0.0);
        assert_eq!(s.days_until_full(), None);
        s.write_rate_bytes_per_day = Some(5.0);
        s.disk = None;
        assert_eq!(s.days_until_full(), None);
    }

    #[test]
    fn total_bytes_sums_known_sizes_only() {
        let t = |bytes| TableStats {
            table: DataTable::Futures,
            rows: 1,
            estimated_rows: None,
            bytes,
            bytes_exact: true,
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
