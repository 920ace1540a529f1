//! One rate limiter shared by every worker, mirroring Deribit's credit model
//! (deribit-api.md §3): each request costs credits, the pool refills at a fixed rate.
//!
//! Admission uses `governor` (GCRA) with one cell per normal request, so `get_instruments`
//! costs `get_instruments_cost / credits_per_request` cells. A small safety margin keeps the
//! client just under the exchange's budget, so network jitter never makes the exchange see a
//! burst it would refuse. After a 10028 the limiter pauses everyone until the pool would be
//! full again, then runs at `slowdown_factor` of the budget, recovering linearly over
//! `recovery_seconds`. It publishes its headroom for the dashboard.
//!
//! A start never assumes a full pool: another process on the same address may just have
//! spent it (two runs one after the other drew a 10028 when each began with a full burst).
//! The limiter starts with an empty pool that fills at the refill rate, so the first burst
//! only happens after the pool has had time to refill (`pool / refill` seconds, 5 s on
//! Deribit's defaults).

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter as Gcra};

use crate::config::RateLimitConfig;

/// Fraction of the exchange's budget the client uses (margin against jitter).
pub const SAFETY_FACTOR: f64 = 0.98;
/// Window over which 10028 responses are counted for the dashboard.
pub const REJECTION_WINDOW: Duration = Duration::from_secs(300);
/// Window over which requests/s is measured.
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// What a request costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Any public market-data request (500 credits by default).
    Normal,
    /// `public/get_instruments` (10,000 credits by default).
    Instruments,
}

/// The rate limiter's headroom, for the dashboard and progress lines.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct RateLimitSnapshot {
    /// Credits the client believes are left in the exchange's pool.
    pub credits_left: f64,
    pub pool: f64,
    /// Requests sent per second over the last few seconds.
    pub requests_per_second: f64,
    /// The sustained budget in requests per second (after any slowdown).
    pub budget_per_second: f64,
    pub total_requests: u64,
    /// 10028 responses in total and in the last five minutes.
    pub rate_limited_total: u64,
    pub rate_limited_recent: u64,
    /// Seconds until requests flow again after a 10028 (0 when not paused).
    pub penalty_seconds: f64,
    /// Current fraction of the budget in use (1.0 unless slowed down after a 10028).
    pub slowdown: f64,
}

#[derive(Debug)]
struct State {
    credits: f64,
    last_update: Instant,
    /// No request before this instant (after a 10028).
    penalty_until: Option<Instant>,
    /// When the slowdown after the last 10028 began.
    slow_since: Option<Instant>,
    /// Next free slot of the slowdown pacer.
    next_slot: Instant,
    sent: VecDeque<Instant>,
    /// The first request ever (the rate's window is shorter until it is RATE_WINDOW old).
    first_sent: Option<Instant>,
    rejected: VecDeque<Instant>,
    total_requests: u64,
    rate_limited_total: u64,
}

/// The shared limiter.
pub struct RateLimiter {
    gcra: DefaultDirectRateLimiter,
    instruments_cells: NonZeroU32,
    config: RateLimitConfig,
    /// Seconds between normal requests at the full (safety-adjusted) budget.
    interval: f64,
    state: Mutex<State>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    pub fn new(config: &RateLimitConfig) -> Self {
        let cost = config.credits_per_request.max(1) as f64;
        let rate = config.refill_per_second as f64 / cost * SAFETY_FACTOR;
        let interval = 1.0 / rate;
        let burst = ((config.pool as f64 / cost) * SAFETY_FACTOR)
            .floor()
            .max(1.0) as u32;
        let cells = (config.get_instruments_cost as f64 / cost)
            .ceil()
            .clamp(1.0, burst as f64) as u32;
        let quota = Quota::with_period(Duration::from_secs_f64(interval))
            .expect("interval > 0")
            .allow_burst(NonZeroU32::new(burst).expect("burst >= 1"));
        let now = Instant::now();
        let gcra = Gcra::direct(quota);
        // Start empty: spend the whole burst up front, so credits come only from the refill.
        let _ = gcra.check_n(NonZeroU32::new(burst).expect("burst >= 1"));
        Self {
            gcra,
            instruments_cells: NonZeroU32::new(cells).expect("cells >= 1"),
            config: config.clone(),
            interval,
            state: Mutex::new(State {
                credits: 0.0,
                last_update: now,
                penalty_until: None,
                slow_since: None,
                next_slot: now,
                sent: VecDeque::new(),
                first_sent: None,
                rejected: VecDeque::new(),
                total_requests: 0,
                rate_limited_total: 0,
            }),
        }
    }

    fn credits_of(&self, cost: Cost) -> f64 {
        match cost {
            Cost::Normal => self.config.credits_per_request as f64,
            Cost::Instruments => self.config.get_instruments_cost as f64,
        }
    }

    /// The fraction of the budget allowed at `now` (slowdown after a 10028).
    fn slowdown_at(&self, slow_since: Option<Instant>, now: Instant) -> f64 {
        slowdown_factor(
            slow_since.map(|s| now.saturating_duration_since(s)),
            self.config.slowdown_factor,
            Duration::from_secs(self.config.recovery_seconds),
        )
    }

    /// Waits until a request of this cost may be sent, then accounts for it.
    pub async fn acquire(&self, cost: Cost) {
        // 1. Penalty and slowdown pacing (only after a 10028).
        loop {
            let gate = {
                let mut s = self.state.lock().expect("limiter state");
                let now = Instant::now();
                match s.penalty_until {
                    Some(until) if until > now => Gate::Penalty(until - now),
                    _ => {
                        let factor = self.slowdown_at(s.slow_since, now);
                        if factor >= 1.0 {
                            s.slow_since = None;
                            Gate::Open
                        } else {
                            let slot = s.next_slot.max(now);
                            let cells = match cost {
                                Cost::Normal => 1.0,
                                Cost::Instruments => self.instruments_cells.get() as f64,
                            };
                            s.next_slot =
                                slot + Duration::from_secs_f64(self.interval * cells / factor);
                            Gate::Slot(slot - now)
                        }
                    }
                }
            };
            match gate {
                Gate::Open => break,
                // After the penalty, go round again to take a pacer slot.
                Gate::Penalty(d) => tokio::time::sleep(d).await,
                // The reserved slot is ours once the wait ends.
                Gate::Slot(d) => {
                    if !d.is_zero() {
                        tokio::time::sleep(d).await;
                    }
                    break;
                }
            }
        }
        // 2. The credit budget itself.
        match cost {
            Cost::Normal => self.gcra.until_ready().await,
            Cost::Instruments => {
                // Cannot fail: cells are clamped to the burst size.
                let _ = self.gcra.until_n_ready(self.instruments_cells).await;
            }
        }
        // 3. Mirror the exchange's pool for the dashboard.
        let mut s = self.state.lock().expect("limiter state");
        let now = Instant::now();
        self.refill(&mut s, now);
        s.credits -= self.credits_of(cost);
        s.sent.push_back(now);
        s.first_sent.get_or_insert(now);
        s.total_requests += 1;
        prune(&mut s.sent, now, RATE_WINDOW);
    }

    fn refill(&self, s: &mut State, now: Instant) {
        let dt = now.saturating_duration_since(s.last_update).as_secs_f64();
        s.credits =
            (s.credits + dt * self.config.refill_per_second as f64).min(self.config.pool as f64);
        s.last_update = now;
    }

    /// Records a 10028: everyone waits until the pool would be full again, then runs slower.
    pub fn record_rate_limited(&self) {
        let mut s = self.state.lock().expect("limiter state");
        let now = Instant::now();
        s.credits = 0.0;
        s.last_update = now;
        let refill =
            Duration::from_secs_f64(self.config.pool as f64 / self.config.refill_per_second as f64);
        s.penalty_until = Some(now + refill);
        s.slow_since = Some(now + refill);
        s.next_slot = now + refill;
        s.rejected.push_back(now);
        s.rate_limited_total += 1;
        prune(&mut s.rejected, now, REJECTION_WINDOW);
        tracing::warn!(
            pause_seconds = refill.as_secs_f64(),
            "exchange answered 10028 too_many_requests: pausing all requests, then slowing down"
        );
    }

    /// Current headroom.
    pub fn snapshot(&self) -> RateLimitSnapshot {
        let mut s = self.state.lock().expect("limiter state");
        let now = Instant::now();
        self.refill(&mut s, now);
        prune(&mut s.sent, now, RATE_WINDOW);
        prune(&mut s.rejected, now, REJECTION_WINDOW);
        let slowdown = self.slowdown_at(s.slow_since, now);
        let since_first = s.first_sent.map(|f| now.saturating_duration_since(f));
        RateLimitSnapshot {
            credits_left: s.credits.max(0.0),
            pool: self.config.pool as f64,
            requests_per_second: rate_in_window(s.sent.len(), since_first),
            budget_per_second: self.config.requests_per_second() * SAFETY_FACTOR * slowdown,
            total_requests: s.total_requests,
            rate_limited_total: s.rate_limited_total,
            rate_limited_recent: s.rejected.len() as u64,
            penalty_seconds: s
                .penalty_until
                .map(|u| u.saturating_duration_since(now).as_secs_f64())
                .unwrap_or(0.0),
            slowdown,
        }
    }
}

enum Gate {
    Open,
    Penalty(Duration),
    Slot(Duration),
}

/// Requests per second from the requests sent in the last [`RATE_WINDOW`]: the count over the
/// window, or over the time since the first request while that is shorter (at least 1 s).
/// Dividing by the span from the oldest request still in the window instead counts one
/// request too many: at a steady 0.98/s the dashboard showed 1.21.
fn rate_in_window(count: usize, since_first: Option<Duration>) -> f64 {
    let window = since_first
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
        .clamp(1.0, RATE_WINDOW.as_secs_f64());
    count as f64 / window
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) > window)
    {
        q.pop_front();
    }
}

/// The fraction of the budget allowed `elapsed` after a slowdown began: `factor` at first,
/// rising linearly to 1 over `recovery`.
pub fn slowdown_factor(elapsed: Option<Duration>, factor: f64, recovery: Duration) -> f64 {
    match elapsed {
        None => 1.0,
        Some(e) if recovery.is_zero() || e >= recovery => 1.0,
        Some(e) => factor + (1.0 - factor) * (e.as_secs_f64() / recovery.as_secs_f64()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowdown_recovers_linearly() {
        let r = Duration::from_secs(60);
        assert_eq!(slowdown_factor(None, 0.5, r), 1.0);
        assert_eq!(slowdown_factor(Some(Duration::ZERO), 0.5, r), 0.5);
        assert!((slowdown_factor(Some(Duration::from_secs(30)), 0.5, r) - 0.75).abs() < 1e-9);
        assert_eq!(slowdown_factor(Some(Duration::from_secs(61)), 0.5, r), 1.0);
    }

    #[test]
    fn requests_per_second_over_the_window() {
        let secs = Duration::from_secs;
        // Steady 1/s: five requests in the last five seconds.
        assert_eq!(rate_in_window(5, Some(secs(600))), 1.0);
        // Early on, over the time since the first request.
        assert_eq!(rate_in_window(4, Some(secs(2))), 2.0);
        assert_eq!(rate_in_window(1, Some(Duration::ZERO)), 1.0);
        assert_eq!(rate_in_window(0, None), 0.0);
    }

    fn fast_config() -> RateLimitConfig {
        // 100 req/s, burst 10: quick to test, same shape as Deribit's.
        RateLimitConfig {
            credits_per_request: 500,
            pool: 5_000,
            refill_per_second: 50_000,
            get_instruments_cost: 2_500,
            slowdown_factor: 0.5,
            recovery_seconds: 1,
        }
    }

    #[tokio::test]
    async fn a_start_does_not_assume_a_full_pool() {
        let limiter = RateLimiter::new(&fast_config());
        let left = limiter.snapshot().credits_left;
        assert!(
            left < 500.0,
            "less than one request's credits at start: {left}"
        );
        let start = Instant::now();
        // Empty at start: 9 requests at ~98/s take about 90 ms instead of passing at once.
        for _ in 0..9 {
            limiter.acquire(Cost::Normal).await;
        }
        assert!(
            start.elapsed() >= Duration::from_millis(70),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn burst_then_sustained_rate() {
        let limiter = RateLimiter::new(&fast_config());
        // Let the pool fill (0.1 s at this refill rate).
        tokio::time::sleep(Duration::from_millis(150)).await;
        let start = Instant::now();
        // Burst is floor(10 * 0.98) = 9 requests at once.
        for _ in 0..9 {
            limiter.acquire(Cost::Normal).await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "burst passes at once"
        );
        // 49 more at ~98/s take about 0.5 s.
        for _ in 0..49 {
            limiter.acquire(Cost::Normal).await;
        }
        let took = start.elapsed().as_secs_f64();
        assert!(took > 0.45, "sustained rate is capped: {took}");
        assert!(took < 1.5, "but not much slower: {took}");
        let snap = limiter.snapshot();
        assert_eq!(snap.total_requests, 58);
        assert!(snap.credits_left < 5_000.0);
    }

    #[tokio::test]
    async fn instruments_cost_more() {
        let limiter = RateLimiter::new(&fast_config());
        tokio::time::sleep(Duration::from_millis(150)).await;
        let start = Instant::now();
        // 5 cells each; burst 9 allows one at once, the second waits ~4 cells (40 ms).
        limiter.acquire(Cost::Instruments).await;
        limiter.acquire(Cost::Instruments).await;
        limiter.acquire(Cost::Instruments).await;
        assert!(
            start.elapsed() >= Duration::from_millis(50),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn a_10028_pauses_everyone_then_slows_down() {
        let limiter = RateLimiter::new(&fast_config());
        limiter.acquire(Cost::Normal).await;
        limiter.record_rate_limited();
        let snap = limiter.snapshot();
        assert_eq!(snap.rate_limited_total, 1);
        assert_eq!(snap.rate_limited_recent, 1);
        assert!(
            snap.penalty_seconds > 0.05,
            "pool refill is 0.1 s: {snap:?}"
        );
        let start = Instant::now();
        limiter.acquire(Cost::Normal).await;
        assert!(
            start.elapsed() >= Duration::from_millis(90),
            "waited for the refill"
        );
        // During the slowdown, requests are paced at half the budget (about 20 ms apart).
        let t = Instant::now();
        for _ in 0..5 {
            limiter.acquire(Cost::Normal).await;
        }
        assert!(
            t.elapsed() >= Duration::from_millis(60),
            "{:?}",
            t.elapsed()
        );
        assert!(limiter.snapshot().slowdown < 1.0);
    }
}
