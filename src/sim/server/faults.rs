//! Seeded fault injection. Each request draws the next number of a per-server sequence; the
//! fault decisions are hashes of (fault seed, sequence number, fault kind), so a sequential client
//! sees the same faults on every run. Storms and maintenance follow a wall-clock schedule from
//! server start, or are switched on by hand through [`crate::sim::SimHandle`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crate::sim::hash::{h2, h3, unit};
use crate::sim::settings::FaultSettings;

/// What happens to the body of a (successful or error) answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFault {
    None,
    /// Valid HTTP, but the JSON is cut after this many bytes.
    Truncate(usize),
    /// The connection is dropped after this many bytes of the body were sent.
    Reset(usize),
}

/// The faults one request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Delay before answering, ms (latency plus slow).
    pub delay_ms: u64,
    pub slow: bool,
    /// Answer with this 5xx status instead.
    pub http_5xx: Option<u16>,
    /// Answer with error 10040 `retry` instead.
    pub retry: bool,
    pub body: BodyFault,
}

#[derive(Debug)]
pub struct Faults {
    settings: FaultSettings,
    seed: u64,
    seq: AtomicU64,
    storm_forced: AtomicBool,
    maintenance_forced: AtomicBool,
    started: Instant,
}

const STATUSES_5XX: [u16; 4] = [500, 502, 503, 504];

impl Faults {
    pub fn new(settings: FaultSettings, market_seed: u64) -> Self {
        Self {
            seed: settings.seed.unwrap_or_else(|| h2(market_seed, 0xfa017)),
            settings,
            seq: AtomicU64::new(0),
            storm_forced: AtomicBool::new(false),
            maintenance_forced: AtomicBool::new(false),
            started: Instant::now(),
        }
    }

    pub fn set_storm(&self, on: bool) {
        self.storm_forced.store(on, Ordering::SeqCst);
    }

    pub fn set_maintenance(&self, on: bool) {
        self.maintenance_forced.store(on, Ordering::SeqCst);
    }

    fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Whether every request gets 10028 right now.
    pub fn in_storm(&self) -> bool {
        if self.storm_forced.load(Ordering::SeqCst) {
            return true;
        }
        let (every, dur) = (self.settings.storm_every_secs, self.settings.storm_secs);
        if every == 0 || dur == 0 {
            return false;
        }
        let phase = self.elapsed_secs() % every as f64;
        phase >= every.saturating_sub(dur) as f64
    }

    /// Whether the exchange is in maintenance right now.
    pub fn in_maintenance(&self) -> bool {
        if self.maintenance_forced.load(Ordering::SeqCst) {
            return true;
        }
        let s = &self.settings;
        if s.maintenance_secs == 0 {
            return false;
        }
        let t = self.elapsed_secs();
        let from = s.maintenance_after_secs as f64;
        t >= from && t < from + s.maintenance_secs as f64
    }

    /// Draws the faults of the next request, given its body length if known later: body cuts
    /// are expressed as a fraction applied by [`Plan::cut`].
    pub fn plan(&self) -> Plan {
        let s = &self.settings;
        let n = self.seq.fetch_add(1, Ordering::SeqCst);
        let draw = |kind: u64| unit(h3(self.seed, n, kind));
        let slow = s.slow_probability > 0.0 && draw(1) < s.slow_probability;
        let mut plan = Plan {
            delay_ms: s.latency_ms + if slow { s.slow_ms } else { 0 },
            slow,
            http_5xx: None,
            retry: false,
            body: BodyFault::None,
        };
        // Cut points are stored as per-mille of the body length and resolved later.
        let permille = 100 + (h3(self.seed, n, 9) % 800) as usize;
        if s.http_5xx_probability > 0.0 && draw(2) < s.http_5xx_probability {
            plan.http_5xx = Some(STATUSES_5XX[(h3(self.seed, n, 8) % 4) as usize]);
        } else if s.retry_probability > 0.0 && draw(3) < s.retry_probability {
            plan.retry = true;
        } else if s.reset_probability > 0.0 && draw(4) < s.reset_probability {
            plan.body = BodyFault::Reset(permille);
        } else if s.truncate_probability > 0.0 && draw(5) < s.truncate_probability {
            plan.body = BodyFault::Truncate(permille);
        }
        plan
    }
}

impl Plan {
    /// The byte offset a body fault cuts a body of `len` bytes at (at least 1 byte kept and at
    /// least 1 byte lost).
    pub fn cut(permille: usize, len: usize) -> usize {
        (len * permille / 1000).clamp(1.min(len), len.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_replayable() {
        let s = FaultSettings {
            http_5xx_probability: 0.1,
            retry_probability: 0.1,
            reset_probability: 0.1,
            truncate_probability: 0.1,
            slow_probability: 0.1,
            slow_ms: 5,
            ..Default::default()
        };
        let a = Faults::new(s.clone(), 7);
        let b = Faults::new(s.clone(), 7);
        let pa: Vec<Plan> = (0..500).map(|_| a.plan()).collect();
        let pb: Vec<Plan> = (0..500).map(|_| b.plan()).collect();
        assert_eq!(pa, pb);
        let c = Faults::new(s, 8);
        let pc: Vec<Plan> = (0..500).map(|_| c.plan()).collect();
        assert_ne!(pa, pc);
        let count = |f: &dyn Fn(&Plan) -> bool| pa.iter().filter(|p| f(p)).count();
        for (name, k) in [
            ("5xx", count(&|p| p.http_5xx.is_some())),
            ("retry", count(&|p| p.retry)),
            ("reset", count(&|p| matches!(p.body, BodyFault::Reset(_)))),
            (
                "truncate",
                count(&|p| matches!(p.body, BodyFault::Truncate(_))),
            ),
            ("slow", count(&|p| p.slow)),
        ] {
            assert!((15..=80).contains(&k), "{name}: {k} of 500");
        }
    }

    #[test]
    fn off_by_default() {
        let f = Faults::new(FaultSettings::default(), 1);
        for _ in 0..1000 {
            let p = f.plan();
            assert_eq!(p.http_5xx, None);
            assert!(!p.retry && !p.slow && p.body == BodyFault::None && p.delay_ms == 0);
        }
        assert!(!f.in_storm() && !f.in_maintenance());
        f.set_storm(true);
        assert!(f.in_storm());
    }

    #[test]
    fn cut_points_keep_and_lose_something() {
        assert_eq!(Plan::cut(100, 1000), 100);
        assert_eq!(Plan::cut(999, 10), 9);
        assert_eq!(Plan::cut(100, 5), 1);
    }
}
