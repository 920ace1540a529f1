//! The simulator's notion of "now": the real clock, a fixed instant, or simulated time that runs
//! `speed` times faster than wall time from a start instant. Data is served only up to now.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Simulated wall clock. Cloning a scaled clock keeps its start, so clones agree.
#[derive(Debug, Clone, Default)]
pub enum SimClock {
    /// The machine's clock (default).
    #[default]
    Real,
    /// Always this instant (epoch ms): for tests and reproducible demos.
    Fixed(i64),
    /// `origin_ms` at `started`, then advancing `speed` simulated ms per wall ms.
    Scaled {
        origin_ms: i64,
        speed: f64,
        started: Instant,
    },
}

fn wall_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

impl SimClock {
    pub fn fixed(ms: i64) -> Self {
        Self::Fixed(ms)
    }

    /// Simulated time starting at `origin_ms` now, running `speed`× wall time.
    pub fn scaled(origin_ms: i64, speed: f64) -> Self {
        assert!(
            speed.is_finite() && speed > 0.0,
            "speed must be a positive number"
        );
        Self::Scaled {
            origin_ms,
            speed,
            started: Instant::now(),
        }
    }

    /// The clock the CLI flags describe: `--now` alone fixes time, `--speed` alone runs from
    /// the real now, both run from `--now`.
    pub fn from_flags(now_ms: Option<i64>, speed: Option<f64>) -> Self {
        match (now_ms, speed) {
            (None, None) => Self::Real,
            (Some(ms), None) => Self::Fixed(ms),
            (origin, Some(speed)) => {
                Self::scaled(origin.unwrap_or_else(|| wall_us() / 1000), speed)
            }
        }
    }

    /// Simulated now, epoch microseconds.
    pub fn now_us(&self) -> i64 {
        match self {
            Self::Real => wall_us(),
            Self::Fixed(ms) => ms * 1000,
            Self::Scaled {
                origin_ms,
                speed,
                started,
            } => origin_ms * 1000 + (started.elapsed().as_micros() as f64 * speed) as i64,
        }
    }

    /// Simulated now, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now_us().div_euclid(1000)
    }

    pub fn is_fixed(&self) -> bool {
        matches!(self, Self::Fixed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_scaled() {
        assert_eq!(SimClock::fixed(1234).now_ms(), 1234);
        let c = SimClock::scaled(1_000_000, 1000.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let elapsed = c.now_ms() - 1_000_000;
        assert!(elapsed >= 20_000, "{elapsed}");
        assert!(elapsed < 5_000_000, "{elapsed}");
        assert!(SimClock::from_flags(Some(5), None).is_fixed());
        assert!(matches!(SimClock::from_flags(None, None), SimClock::Real));
        let real = SimClock::Real.now_ms();
        assert!(real > 1_700_000_000_000);
    }
}
