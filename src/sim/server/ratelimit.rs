//! Deribit's credit pool (a leaky bucket), one per client IP address.
//!
//! A client starts with a full pool; each request costs credits; the pool refills continuously
//! at `refill_per_sec` up to `pool`. A request that finds fewer credits than its cost is refused
//! (10028) and costs nothing. Time is passed in, so the arithmetic is testable without sleeping.
//! Credits are kept in nano-credits (credits × 10⁹) so refill is exact integer arithmetic.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::sim::settings::RateLimitSettings;

const NANO: u128 = 1_000_000_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    nano_credits: u128,
    at: Duration,
}

/// Per-IP credit pools.
#[derive(Debug)]
pub struct RateLimiter {
    settings: RateLimitSettings,
    buckets: HashMap<IpAddr, Bucket>,
}

impl RateLimiter {
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            buckets: HashMap::new(),
        }
    }

    fn cap(&self) -> u128 {
        self.settings.pool as u128 * NANO
    }

    fn refill(&self, b: &mut Bucket, now: Duration) {
        if now > b.at {
            let elapsed_ns = (now - b.at).as_nanos();
            let add = elapsed_ns.saturating_mul(self.settings.refill_per_sec as u128);
            b.nano_credits = b.nano_credits.saturating_add(add).min(self.cap());
            b.at = now;
        }
    }

    /// Takes `cost` credits from `ip`'s pool at time `now` (any monotonic origin). `false`
    /// means refused (nothing taken).
    pub fn try_acquire(&mut self, ip: IpAddr, cost: u64, now: Duration) -> bool {
        if !self.settings.enabled {
            return true;
        }
        if self.buckets.len() > 10_000 {
            self.prune(now);
        }
        let full = Bucket {
            nano_credits: self.cap(),
            at: now,
        };
        let mut b = *self.buckets.get(&ip).unwrap_or(&full);
        self.refill(&mut b, now);
        let need = cost as u128 * NANO;
        let ok = b.nano_credits >= need;
        if ok {
            b.nano_credits -= need;
        }
        self.buckets.insert(ip, b);
        ok
    }

    /// Credits left for `ip` at `now` (whole credits).
    pub fn credits(&self, ip: IpAddr, now: Duration) -> u64 {
        let mut b = *self.buckets.get(&ip).unwrap_or(&Bucket {
            nano_credits: self.cap(),
            at: now,
        });
        self.refill(&mut b, now);
        (b.nano_credits / NANO) as u64
    }

    /// Forgets pools that are full again (they behave exactly like new ones).
    fn prune(&mut self, now: Duration) {
        let cap = self.cap();
        let settings = self.settings.clone();
        self.buckets.retain(|_, b| {
            let elapsed = now.saturating_sub(b.at).as_nanos();
            b.nano_credits + elapsed.saturating_mul(settings.refill_per_sec as u128) < cap
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(x: u64) -> Duration {
        Duration::from_millis(x)
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn burst_of_100_then_refused() {
        let mut rl = RateLimiter::new(RateLimitSettings::default());
        for i in 0..100 {
            assert!(rl.try_acquire(ip(1), 500, ms(0)), "request {i}");
        }
        assert!(!rl.try_acquire(ip(1), 500, ms(0)));
        assert_eq!(rl.credits(ip(1), ms(0)), 0);
        // 49 ms refill 490 credits: still not enough.
        assert!(!rl.try_acquire(ip(1), 500, ms(49)));
        // 50 ms: exactly one more.
        assert!(rl.try_acquire(ip(1), 500, ms(50)));
        assert!(!rl.try_acquire(ip(1), 500, ms(50)));
        // Another address has its own pool.
        assert!(rl.try_acquire(ip(2), 500, ms(50)));
    }

    #[test]
    fn twenty_per_second_is_sustainable_forever() {
        let mut rl = RateLimiter::new(RateLimitSettings::default());
        for i in 0..10_000u64 {
            assert!(rl.try_acquire(ip(1), 500, ms(i * 50)), "request {i}");
        }
        // After a drain, the pool refills to the cap and no further.
        for _ in 0..100 {
            assert!(rl.try_acquire(ip(1), 500, ms(1_000_000)));
        }
        assert_eq!(rl.credits(ip(1), ms(1_000_000 + 60_000)), 50_000);
    }

    #[test]
    fn faster_than_twenty_per_second_runs_dry() {
        let mut rl = RateLimiter::new(RateLimitSettings::default());
        // 25 req/s: net drain 2,500 credits/s → the pool lasts 20 s.
        let refused = (0..1_000u64).find(|i| !rl.try_acquire(ip(1), 500, ms(i * 40)));
        let i = refused.expect("refused eventually");
        assert!((490..=510).contains(&i), "first refusal at request {i}");
    }

    #[test]
    fn instruments_cost_and_disabled() {
        let mut rl = RateLimiter::new(RateLimitSettings::default());
        for _ in 0..5 {
            assert!(rl.try_acquire(ip(1), 10_000, ms(0)));
        }
        assert!(!rl.try_acquire(ip(1), 10_000, ms(0)));
        assert!(!rl.try_acquire(ip(1), 500, ms(0)));
        assert!(rl.try_acquire(ip(1), 10_000, ms(1_000)), "one per second");
        let mut off = RateLimiter::new(RateLimitSettings {
            enabled: false,
            ..Default::default()
        });
        for _ in 0..10_000 {
            assert!(off.try_acquire(ip(1), 500, ms(0)));
        }
    }

    #[test]
    fn time_going_backwards_is_harmless() {
        let mut rl = RateLimiter::new(RateLimitSettings::default());
        assert!(rl.try_acquire(ip(1), 50_000, ms(100)));
        assert!(!rl.try_acquire(ip(1), 500, ms(50)));
        assert!(rl.try_acquire(ip(1), 500, ms(150)));
    }
}
