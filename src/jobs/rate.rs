//! Throughput and ETA that do not jump around: an exponentially weighted rate over time,
//! with the ETA shown only once enough has been measured.

use std::time::Duration;

/// Half-life of the moving average.
const HALF_LIFE_SECONDS: f64 = 10.0;
/// ETA is shown only after this much measured time and this many samples.
const MIN_SECONDS_FOR_ETA: f64 = 5.0;
const MIN_SAMPLES_FOR_ETA: u32 = 3;

/// A rate (units per second) averaged over time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ewma {
    rate: f64,
    samples: u32,
    measured: f64,
}

impl Ewma {
    /// Adds `amount` units that took `elapsed`.
    pub fn add(&mut self, amount: f64, elapsed: Duration) {
        let dt = elapsed.as_secs_f64();
        if dt <= 0.0 {
            return;
        }
        let instant = amount / dt;
        if self.samples == 0 {
            self.rate = instant;
        } else {
            let alpha = 1.0 - 0.5f64.powf(dt / HALF_LIFE_SECONDS);
            self.rate += alpha * (instant - self.rate);
        }
        self.samples += 1;
        self.measured += dt;
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Whether the rate is based on enough data to predict from.
    pub fn is_stable(&self) -> bool {
        self.samples >= MIN_SAMPLES_FOR_ETA
            && self.measured >= MIN_SECONDS_FOR_ETA
            && self.rate > 0.0
    }

    /// Seconds to do `remaining` more units, once stable.
    pub fn eta_seconds(&self, remaining: f64) -> Option<f64> {
        if remaining <= 0.0 {
            return Some(0.0);
        }
        self.is_stable().then(|| remaining / self.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_waits_for_enough_data() {
        let mut e = Ewma::default();
        e.add(5_000.0, Duration::from_secs(1));
        assert_eq!(e.eta_seconds(10_000.0), None, "one sample is not enough");
        e.add(5_000.0, Duration::from_secs(1));
        e.add(5_000.0, Duration::from_secs(3));
        assert!(e.is_stable());
        let eta = e.eta_seconds(10_000.0).unwrap();
        assert!(eta > 1.0 && eta < 10.0, "{eta}");
        assert_eq!(e.eta_seconds(0.0), Some(0.0));
    }

    #[test]
    fn converges_to_a_steady_rate_and_damps_spikes() {
        let mut e = Ewma::default();
        for _ in 0..100 {
            e.add(100.0, Duration::from_secs(1));
        }
        assert!((e.rate() - 100.0).abs() < 1e-6);
        e.add(1_000.0, Duration::from_millis(100));
        assert!(
            e.rate() < 1_000.0,
            "one fast sample moves the average only a little"
        );
        assert!(e.rate() > 100.0);
    }
}
