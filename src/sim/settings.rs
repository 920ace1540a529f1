//! Every knob of the simulator, with the defaults it runs with.
//!
//! Where the real exchange's behaviour is unknown (deribit-api.md marks it UNVERIFIED) the
//! simulator's choice is a setting; the doc comment says so and gives the default. The same
//! texts appear in `deribit-backfill sim --help` (see [`crate::sim::SimArgs`]).

use crate::domain::time::{DAY_MS, parse_instant};

/// 2018-08-01T00:00:00Z: the first instant of the synthetic index paths.
pub const GENESIS_MS: i64 = 1_533_081_600_000;

/// What `get_tradingview_chart_data` answers for an instrument that expired longer ago than
/// [`ApiSettings::expired_window_days`]. UNVERIFIED on the real exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum LongExpiredPolicy {
    /// Candles are served as for any other instrument (default).
    Served,
    /// `status: "no_data"` with empty arrays.
    NoData,
    /// Error -32602 "instrument not found" (also from `get_instrument`).
    NotFound,
}

/// Which end the candle and funding caps are anchored to when a window holds too many rows.
/// UNVERIFIED on the real exchange; both keep the newest rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum TruncationAnchor {
    /// The cap is applied to the requested window before looking at the data: the server keeps
    /// the newest `cap` buckets of `[start, end]` (`start = end - (cap-1)*resolution`), even if
    /// the instrument has no data there (an expired future asked up to now answers `no_data`).
    /// Default: the most likely implementation of "end-anchored".
    Window,
    /// The cap is applied to the rows that exist: the newest `cap` rows inside `[start, end]`.
    Data,
}

/// The synthetic market and its instrument universe.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketSettings {
    /// ETH dated futures exist from this instant (BTC ones from [`GENESIS_MS`]).
    /// Default 2019-03-14, when ETH-PERPETUAL was listed. UNVERIFIED.
    pub eth_futures_from_ms: i64,
    /// Weekly futures are listed from this instant on. Default 2019-03-01. UNVERIFIED.
    pub weeklies_from_ms: i64,
    /// Monthly futures are listed from this instant on; before it, a last Friday of a
    /// non-quarter month is listed as a weekly (if weeklies exist). Default 2020-01-01. UNVERIFIED.
    pub monthlies_from_ms: i64,
    /// Share of weekly expiries that are (deterministically, by seed) never listed. Default 0.03.
    pub weekly_skip_probability: f64,
    /// Whether the weekly on the first Friday of January (holiday week) is never listed. Default on.
    pub skip_new_year_weeklies: bool,
    /// Days before expiry a weekly is listed (at 08:00 UTC). Default 14. UNVERIFIED.
    pub weekly_lead_days: i64,
    /// A monthly is listed at the expiry on the last Friday this many months earlier. Default 2
    /// (BTC-27MAY22 was created 2022-03-25 08:00:09Z).
    pub monthly_lead_months: i32,
    /// A quarterly is listed at the expiry on the last Friday this many months earlier. Default 12
    /// (BTC-29SEP23 was created 2022-09-30 08:00Z).
    pub quarterly_lead_months: i32,
    /// Listing instants get a deterministic delay of up to this many ms (whole seconds).
    /// Default 90,000.
    pub listing_jitter_ms: i64,
    /// Futures expiring from this instant on are listed with the longer leads of recent years
    /// (deribit-api.md §8.1: a weekly 22 days ahead, a monthly ~3 months ahead in 2026, against
    /// 14 days and 2 months (BTC-27MAY22, 63 days) earlier). Default 2025-01-01. UNVERIFIED date.
    pub long_leads_from_ms: i64,
    /// Days before expiry a weekly of the long-lead era is listed. Default 22 (BTC-9OCT26).
    pub weekly_lead_days_late: i64,
    /// Months before expiry a monthly of the long-lead era is listed. Default 3 (BTC-30OCT26,
    /// listed 92 days ahead).
    pub monthly_lead_months_late: i32,
    /// Dated BTC futures expiring from this instant on have `tick_size` 2.5 (0.5 before):
    /// every 2023 and 2026 row has 2.5 (deribit-api.md §8.6). Default 2023-01-01.
    pub btc_tick_2_5_from_ms: i64,
    /// Longest run of flat filler minutes: every `max_flat_minutes`-th minute of an instrument's
    /// life (counted from its first minute) has trades. Default 120.
    pub max_flat_minutes: i64,
}

impl Default for MarketSettings {
    fn default() -> Self {
        Self {
            eth_futures_from_ms: 1_552_521_600_000, // 2019-03-14
            weeklies_from_ms: 1_551_398_400_000,    // 2019-03-01
            monthlies_from_ms: 1_577_836_800_000,   // 2020-01-01
            weekly_skip_probability: 0.03,
            skip_new_year_weeklies: true,
            weekly_lead_days: 14,
            monthly_lead_months: 2,
            quarterly_lead_months: 12,
            listing_jitter_ms: 90_000,
            long_leads_from_ms: 1_735_689_600_000, // 2025-01-01
            weekly_lead_days_late: 22,
            monthly_lead_months_late: 3,
            btc_tick_2_5_from_ms: 1_672_531_200_000, // 2023-01-01
            max_flat_minutes: 120,
        }
    }
}

/// Behaviour of the API methods.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiSettings {
    /// Most candles one `get_tradingview_chart_data` call returns. Default 5,001 (measured).
    pub max_candles: usize,
    /// Most rows one `get_funding_rate_history` call returns. Default 744 (ccxt's figure).
    pub max_funding_rows: usize,
    /// Where the candle and funding caps are anchored. Default `window`. UNVERIFIED.
    pub truncation: TruncationAnchor,
    /// `get_instruments?expired=true` lists instruments that expired within this many days;
    /// instruments expired longer ago are "long-expired" for [`Self::long_expired`].
    /// Default 30. UNVERIFIED.
    pub expired_window_days: i64,
    /// Chart data of long-expired instruments. Default `served`. UNVERIFIED.
    pub long_expired: LongExpiredPolicy,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            max_candles: 5_001,
            max_funding_rows: 744,
            truncation: TruncationAnchor::Window,
            expired_window_days: 30,
            long_expired: LongExpiredPolicy::Served,
        }
    }
}

impl ApiSettings {
    pub fn expired_window_ms(&self) -> i64 {
        self.expired_window_days * DAY_MS
    }
}

/// Deribit's credit-based rate limit, kept per client IP address.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitSettings {
    /// Whether requests are metered at all. Default on.
    pub enabled: bool,
    /// Credits a request costs. Default 500.
    pub cost: u64,
    /// Credits `public/get_instruments` costs (same pool). Default 10,000.
    pub instruments_cost: u64,
    /// Size of the pool (the burst). Default 50,000.
    pub pool: u64,
    /// Credits refilled per second. Default 10,000.
    pub refill_per_sec: u64,
    /// HTTP status of the 10028 `too_many_requests` answer. Default 429. UNVERIFIED.
    pub status: u16,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            cost: 500,
            instruments_cost: 10_000,
            pool: 50_000,
            refill_per_sec: 10_000,
            status: 429,
        }
    }
}

/// Injected faults. All off by default; decisions are drawn from a seeded sequence (per server,
/// in arrival order), so a single sequential client sees the same faults on every run.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSettings {
    /// Seed of the fault sequence; `None` derives it from the market seed.
    pub seed: Option<u64>,
    /// Latency added to every response, ms.
    pub latency_ms: u64,
    /// Probability that a response is delayed by `slow_ms` more.
    pub slow_probability: f64,
    /// Extra delay of a slow response, ms. Default 2,000.
    pub slow_ms: u64,
    /// Probability of an HTTP 5xx (500/502/503/504) with a short HTML body.
    pub http_5xx_probability: f64,
    /// Probability of JSON-RPC error 10040 `retry` (HTTP 400).
    pub retry_probability: f64,
    /// Probability that the connection is dropped after part of the body was sent.
    pub reset_probability: f64,
    /// Probability that the body is cut short (valid HTTP, truncated JSON).
    pub truncate_probability: f64,
    /// 10028 storms: every `storm_every_secs` seconds (from server start), the last
    /// `storm_secs` seconds (default 5) of the period answer every request with 10028.
    /// `storm_every_secs` 0 = never (default).
    pub storm_every_secs: u64,
    pub storm_secs: u64,
    /// Maintenance window: from `maintenance_after_secs` after server start, for
    /// `maintenance_secs` seconds, `public/status` reports `locked: "true"` and other methods
    /// answer 11051 `system_maintenance`. 0 seconds = never.
    pub maintenance_after_secs: u64,
    pub maintenance_secs: u64,
}

impl Default for FaultSettings {
    fn default() -> Self {
        Self {
            seed: None,
            latency_ms: 0,
            slow_probability: 0.0,
            slow_ms: 2_000,
            http_5xx_probability: 0.0,
            retry_probability: 0.0,
            reset_probability: 0.0,
            truncate_probability: 0.0,
            storm_every_secs: 0,
            storm_secs: 5,
            maintenance_after_secs: 0,
            maintenance_secs: 0,
        }
    }
}

/// All settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimSettings {
    pub market: MarketSettings,
    pub api: ApiSettings,
    pub limits: RateLimitSettings,
    pub faults: FaultSettings,
    pub funding: FundingSettings,
}

/// 2019-04-30T10:00:00Z: BTC-PERPETUAL's first funding-history row (deribit-api.md §8.3).
pub const BTC_FIRST_FUNDING_MS: i64 = 1_556_618_400_000;

/// The funding history as the real exchange serves it (deribit-api.md §8.3): it starts late,
/// its first row has `prev_index_price: null`, and it has gaps of several hours. Every choice is
/// seeded and deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingSettings {
    /// First funding row of BTC-PERPETUAL. Default 2019-04-30T10:00Z (recorded).
    pub btc_first_ms: i64,
    /// First funding row of ETH-PERPETUAL. Default 2019-04-30T10:00Z, the same hour as BTC's
    /// (the history endpoint's start; ETH-PERPETUAL was listed 2019-03-14). UNVERIFIED.
    pub eth_first_ms: i64,
    /// Share of days on which a gap starts (at a seeded hour). Default 0.05 (one day in 20).
    pub gap_day_share: f64,
    /// Longest gap in hours; a gap lasts 2..=this many hours (seeded). Default 8.
    pub gap_max_hours: i64,
    /// Share of rows served unreadable (`"index_price": "unreadable"`, seeded by hour): a
    /// fault for the client's quarantine, not part of the ground truth's values. Default 0.
    pub unreadable_share: f64,
}

impl Default for FundingSettings {
    fn default() -> Self {
        Self {
            btc_first_ms: BTC_FIRST_FUNDING_MS,
            eth_first_ms: BTC_FIRST_FUNDING_MS,
            gap_day_share: 0.05,
            gap_max_hours: 8,
            unreadable_share: 0.0,
        }
    }
}

/// Parses a CLI date/instant into epoch ms (`YYYY-MM-DD` or RFC 3339).
pub fn parse_instant_arg(s: &str) -> Result<i64, String> {
    parse_instant(s).map_err(|e| e.to_string())
}

/// Parses a probability in `[0, 1]`.
pub fn parse_probability(s: &str) -> Result<f64, String> {
    let p: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number: give a probability such as 0.05"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not a probability: use a value from 0 to 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_instants_are_the_documented_dates() {
        let m = MarketSettings::default();
        assert_eq!(GENESIS_MS, parse_instant("2018-08-01").unwrap());
        assert_eq!(m.eth_futures_from_ms, parse_instant("2019-03-14").unwrap());
        assert_eq!(m.weeklies_from_ms, parse_instant("2019-03-01").unwrap());
        assert_eq!(m.monthlies_from_ms, parse_instant("2020-01-01").unwrap());
        assert_eq!(m.long_leads_from_ms, parse_instant("2025-01-01").unwrap());
        assert_eq!(m.btc_tick_2_5_from_ms, parse_instant("2023-01-01").unwrap());
    }

    #[test]
    fn probabilities_are_checked() {
        assert_eq!(parse_probability("0.25"), Ok(0.25));
        assert!(
            parse_probability("1.5")
                .unwrap_err()
                .contains("from 0 to 1")
        );
        assert!(parse_probability("x").is_err());
    }
}
