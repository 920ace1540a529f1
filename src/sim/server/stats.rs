//! Per-server counters, for tests and the CLI's exit summary.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub rate_limited: AtomicU64,
    pub storm: AtomicU64,
    pub maintenance: AtomicU64,
    pub http_5xx: AtomicU64,
    pub retry: AtomicU64,
    pub slow: AtomicU64,
    pub reset: AtomicU64,
    pub truncated: AtomicU64,
    pub candles: AtomicU64,
}

/// A snapshot of a server's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Requests received (every answer, including refusals and faults).
    pub requests: u64,
    /// JSON-RPC error answers (any code, including 10028 and injected 10040).
    pub errors: u64,
    /// 10028 answers from the credit pool.
    pub rate_limited: u64,
    /// 10028 answers from storms.
    pub storm: u64,
    /// 11051 answers during maintenance.
    pub maintenance: u64,
    /// Injected faults by kind.
    pub http_5xx: u64,
    pub retry: u64,
    pub slow: u64,
    pub reset: u64,
    pub truncated: u64,
    /// Candles served by `get_tradingview_chart_data`.
    pub candles: u64,
}

impl SimStats {
    /// Every 10028 sent (credit pool and storms).
    pub fn too_many_requests(&self) -> u64 {
        self.rate_limited + self.storm
    }

    /// Every injected fault (5xx, retry, slow, reset, truncated, storm).
    pub fn faults_injected(&self) -> u64 {
        self.http_5xx + self.retry + self.slow + self.reset + self.truncated + self.storm
    }
}

impl Stats {
    pub fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> SimStats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SimStats {
            requests: g(&self.requests),
            errors: g(&self.errors),
            rate_limited: g(&self.rate_limited),
            storm: g(&self.storm),
            maintenance: g(&self.maintenance),
            http_5xx: g(&self.http_5xx),
            retry: g(&self.retry),
            slow: g(&self.slow),
            reset: g(&self.reset),
            truncated: g(&self.truncated),
            candles: g(&self.candles),
        }
    }
}
