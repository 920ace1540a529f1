//! `deribit-backfill sim` flags. Every default is the simulator's default setting; UNVERIFIED
//! marks a guess about the real exchange (deribit-api.md §7).

use std::net::SocketAddr;

use super::SimConfig;
use super::clock::SimClock;
use super::settings::{
    ApiSettings, FaultSettings, FundingSettings, LongExpiredPolicy, MarketSettings,
    RateLimitSettings, SimSettings, TruncationAnchor, parse_instant_arg, parse_probability,
};

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "{s:?} is not a speed: give a positive number such as 60"
        )),
    }
}

/// Run a local Deribit simulator: the public REST API over a deterministic synthetic market.
///
/// One process plays both hosts: `http://HOST:PORT` is www.deribit.com and
/// `http://HOST:PORT/history` is history.deribit.com, where get_instruments?expired=true
/// lists every expired future (the main host only those expired within
/// --expired-window-days). Point a backfill at both with `--exchange-url http://HOST:PORT
/// --history-url http://HOST:PORT/history`.
///
/// As recorded from the live exchange (deribit-api.md section 8), all deterministic by seed:
/// futures are listed with leads that grew over the years (weeklies 14 days ahead, monthlies
/// 2 months; from --long-leads-from 22 days and 3 months; quarterlies a year); dated BTC
/// futures have tick_size 2.5 from --btc-tick-2-5-from; instrument rows carry the 2026
/// fields (state, product_group, underlying_type, lot_size, index_id, currency uuids,
/// max_non_default_leverage; no rfq); whole numbers are written as integers
/// ("contract_size":10, a zero volume as 0) and some in exponent notation
/// (block_trade_min_trade_amount 2.0E+5, taker_commission 5.0E-4, whole candle costs such as
/// 6.25E+3); every error is HTTP 400 with a JSON-RPC body and no Retry-After (10028:
/// --rl-status);
/// WebSocket-only methods (public/set_heartbeat, public/subscribe, ...) answer 10030
/// must_be_websocket_request.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on (127.0.0.1:0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: SocketAddr,

    /// Seed of the market (and of the faults unless --fault-seed): same seed, same answers.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Simulated now (YYYY-MM-DD or RFC 3339). Alone it freezes time there; with --speed time
    /// runs from it. Default: the real clock. Data is served only up to now.
    #[arg(long, value_parser = parse_instant_arg)]
    pub now: Option<i64>,

    /// Simulated time runs this many times faster than wall time (from --now, or from the real
    /// now). Default: 1 (real time) without --now, frozen with --now.
    #[arg(long, value_parser = parse_speed)]
    pub speed: Option<f64>,

    /// ETH dated futures exist from this date. UNVERIFIED.
    #[arg(long, value_parser = parse_instant_arg, default_value = "2019-03-14", help_heading = "Market")]
    pub eth_futures_from: i64,

    /// Weekly futures are listed from this date (quarterlies exist from 2018-08-01). UNVERIFIED.
    #[arg(long, value_parser = parse_instant_arg, default_value = "2019-03-01", help_heading = "Market")]
    pub weeklies_from: i64,

    /// Monthly futures are listed from this date; earlier last Fridays are weeklies. UNVERIFIED.
    #[arg(long, value_parser = parse_instant_arg, default_value = "2020-01-01", help_heading = "Market")]
    pub monthlies_from: i64,

    /// Share of weekly expiries that are never listed (seeded).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.03, help_heading = "Market")]
    pub weekly_skip: f64,

    /// List the weekly of the first Friday of January (skipped by default as a holiday week).
    #[arg(long, help_heading = "Market")]
    pub no_holiday_skip: bool,

    /// Days before expiry a weekly is listed. UNVERIFIED.
    #[arg(long, default_value_t = 14, help_heading = "Market")]
    pub weekly_lead_days: i64,

    /// Months before expiry a monthly is listed (BTC-27MAY22 was listed 2022-03-25).
    #[arg(long, default_value_t = 2, help_heading = "Market")]
    pub monthly_lead_months: i32,

    /// Months before expiry a quarterly is listed (BTC-29SEP23 was listed 2022-09-30).
    #[arg(long, default_value_t = 12, help_heading = "Market")]
    pub quarterly_lead_months: i32,

    /// Futures expiring from this date on are listed with the longer leads of recent years
    /// (--weekly-lead-days-late, --monthly-lead-months-late). UNVERIFIED date.
    #[arg(long, value_parser = parse_instant_arg, default_value = "2025-01-01", help_heading = "Market")]
    pub long_leads_from: i64,

    /// Days before expiry a weekly of the long-lead era is listed (BTC-9OCT26: 22).
    #[arg(long, default_value_t = 22, help_heading = "Market")]
    pub weekly_lead_days_late: i64,

    /// Months before expiry a monthly of the long-lead era is listed (BTC-30OCT26: 92 days).
    #[arg(long, default_value_t = 3, help_heading = "Market")]
    pub monthly_lead_months_late: i32,

    /// Dated BTC futures expiring from this date on have tick_size 2.5 (0.5 before).
    #[arg(long, value_parser = parse_instant_arg, default_value = "2023-01-01", help_heading = "Market")]
    pub btc_tick_2_5_from: i64,

    /// Longest run of flat filler minutes (volume 0) before a forced trade.
    #[arg(long, default_value_t = 120, help_heading = "Market")]
    pub max_flat_minutes: i64,

    /// Most candles per get_tradingview_chart_data answer (measured: 5,001).
    #[arg(long, default_value_t = 5_001, help_heading = "API")]
    pub max_candles: usize,

    /// Most rows per get_funding_rate_history answer (ccxt: 744).
    #[arg(long, default_value_t = 744, help_heading = "API")]
    pub max_funding_rows: usize,

    /// What the row caps are anchored to: the requested window's end (`window`) or the newest
    /// existing rows in it (`data`). UNVERIFIED.
    #[arg(long, value_enum, default_value_t = TruncationAnchor::Window, help_heading = "API")]
    pub truncation: TruncationAnchor,

    /// get_instruments?expired=true lists instruments expired within this many days; older
    /// ones are "long-expired". UNVERIFIED.
    #[arg(long, default_value_t = 30, help_heading = "API")]
    pub expired_window_days: i64,

    /// Chart data of long-expired instruments: served, no-data or not-found. UNVERIFIED.
    #[arg(long, value_enum, default_value_t = LongExpiredPolicy::Served, help_heading = "API")]
    pub long_expired: LongExpiredPolicy,

    /// Turn the credit-based rate limit off.
    #[arg(long, help_heading = "Rate limits")]
    pub no_rate_limit: bool,

    /// Credits a request costs.
    #[arg(long, default_value_t = 500, help_heading = "Rate limits")]
    pub rl_cost: u64,

    /// Credits public/get_instruments costs (same pool).
    #[arg(long, default_value_t = 10_000, help_heading = "Rate limits")]
    pub rl_instruments_cost: u64,

    /// Credit pool per client IP (the burst).
    #[arg(long, default_value_t = 50_000, help_heading = "Rate limits")]
    pub rl_pool: u64,

    /// Credits refilled per second.
    #[arg(long, default_value_t = 10_000, help_heading = "Rate limits")]
    pub rl_refill: u64,

    /// HTTP status of the 10028 too_many_requests answer (the connection is closed). UNVERIFIED.
    #[arg(long, default_value_t = 429, help_heading = "Rate limits")]
    pub rl_status: u16,

    /// Seed of the fault sequence (default: derived from --seed). Faults are drawn per request
    /// in arrival order, so a single sequential client sees the same faults on every run.
    #[arg(long, help_heading = "Faults")]
    pub fault_seed: Option<u64>,

    /// Latency added to every response, ms.
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    pub latency_ms: u64,

    /// Probability of a slow response (--slow-ms more latency).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.0, help_heading = "Faults")]
    pub fault_slow: f64,

    /// Extra latency of a slow response, ms.
    #[arg(long, default_value_t = 2_000, help_heading = "Faults")]
    pub slow_ms: u64,

    /// Probability of an HTTP 5xx (500/502/503/504, HTML body).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.0, help_heading = "Faults")]
    pub fault_5xx: f64,

    /// Probability of error 10040 retry.
    #[arg(long, value_parser = parse_probability, default_value_t = 0.0, help_heading = "Faults")]
    pub fault_retry: f64,

    /// Probability that the connection drops mid-body.
    #[arg(long, value_parser = parse_probability, default_value_t = 0.0, help_heading = "Faults")]
    pub fault_reset: f64,

    /// Probability of a truncated JSON body (valid HTTP).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.0, help_heading = "Faults")]
    pub fault_truncate: f64,

    /// 10028 storms: a storm ends every this many seconds from start (0: never).
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    pub storm_every_secs: u64,

    /// Length of each 10028 storm, seconds.
    #[arg(long, default_value_t = 5, help_heading = "Faults")]
    pub storm_secs: u64,

    /// Maintenance starts this many seconds after start.
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    pub maintenance_after_secs: u64,

    /// Maintenance length, seconds (0: no maintenance): status locked, other calls 11051.
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    pub maintenance_secs: u64,

    /// First funding-history row of BTC-PERPETUAL (recorded: 2019-04-30T10:00Z). The first row
    /// of each perpetual has "prev_index_price": null, as on the real exchange.
    #[arg(long, value_parser = parse_instant_arg, default_value = "2019-04-30T10:00:00Z", help_heading = "Funding")]
    pub btc_funding_from: i64,

    /// First funding-history row of ETH-PERPETUAL (listed 2019-03-14; the same hour as BTC's
    /// is assumed). UNVERIFIED.
    #[arg(long, value_parser = parse_instant_arg, default_value = "2019-04-30T10:00:00Z", help_heading = "Funding")]
    pub eth_funding_from: i64,

    /// Share of days on which a funding gap starts (seeded hour and length; no rows in a gap).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.05, help_heading = "Funding")]
    pub funding_gap_days: f64,

    /// Longest funding gap, hours (each gap lasts 2 to this many hours, seeded).
    #[arg(long, default_value_t = 8, help_heading = "Funding")]
    pub funding_gap_max_hours: i64,

    /// Share of funding rows served unreadable ("index_price": "unreadable"; seeded by hour).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.0, help_heading = "Faults")]
    pub fault_unreadable_funding: f64,
}

impl Default for SimArgs {
    fn default() -> Self {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: SimArgs,
        }
        Wrapper::parse_from(["sim"]).args
    }
}

impl SimArgs {
    /// The configuration these flags describe.
    pub fn to_config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            listen: self.listen,
            clock: SimClock::from_flags(self.now, self.speed),
            settings: SimSettings {
                market: MarketSettings {
                    eth_futures_from_ms: self.eth_futures_from,
                    weeklies_from_ms: self.weeklies_from,
                    monthlies_from_ms: self.monthlies_from,
                    weekly_skip_probability: self.weekly_skip,
                    skip_new_year_weeklies: !self.no_holiday_skip,
                    weekly_lead_days: self.weekly_lead_days,
                    monthly_lead_months: self.monthly_lead_months,
                    quarterly_lead_months: self.quarterly_lead_months,
                    long_leads_from_ms: self.long_leads_from,
                    weekly_lead_days_late: self.weekly_lead_days_late,
                    monthly_lead_months_late: self.monthly_lead_months_late,
                    btc_tick_2_5_from_ms: self.btc_tick_2_5_from,
                    max_flat_minutes: self.max_flat_minutes.max(1),
                    ..MarketSettings::default()
                },
                api: ApiSettings {
                    max_candles: self.max_candles.max(1),
                    max_funding_rows: self.max_funding_rows.max(1),
                    truncation: self.truncation,
                    expired_window_days: self.expired_window_days,
                    long_expired: self.long_expired,
                },
                limits: RateLimitSettings {
                    enabled: !self.no_rate_limit,
                    cost: self.rl_cost,
                    instruments_cost: self.rl_instruments_cost,
                    pool: self.rl_pool,
                    refill_per_sec: self.rl_refill,
                    status: self.rl_status,
                },
                faults: FaultSettings {
                    seed: self.fault_seed,
                    latency_ms: self.latency_ms,
                    slow_probability: self.fault_slow,
                    slow_ms: self.slow_ms,
                    http_5xx_probability: self.fault_5xx,
                    retry_probability: self.fault_retry,
                    reset_probability: self.fault_reset,
                    truncate_probability: self.fault_truncate,
                    storm_every_secs: self.storm_every_secs,
                    storm_secs: self.storm_secs,
                    maintenance_after_secs: self.maintenance_after_secs,
                    maintenance_secs: self.maintenance_secs,
                },
                funding: FundingSettings {
                    btc_first_ms: self.btc_funding_from,
                    eth_first_ms: self.eth_funding_from,
                    gap_day_share: self.funding_gap_days,
                    gap_max_hours: self.funding_gap_max_hours.max(2),
                    unreadable_share: self.fault_unreadable_funding,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SimArgs,
    }

    #[test]
    fn defaults_equal_the_default_settings() {
        let c = SimArgs::default().to_config();
        assert_eq!(c.settings, SimSettings::default());
        assert_eq!(c.seed, 42);
        assert!(matches!(c.clock, SimClock::Real));
    }

    #[test]
    fn flags_parse() {
        let cli = Cli::try_parse_from([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "7",
            "--now",
            "2024-03-29T08:00:00Z",
            "--no-rate-limit",
            "--fault-5xx",
            "0.1",
            "--long-expired",
            "not-found",
            "--truncation",
            "data",
        ])
        .unwrap();
        let c = cli.args.to_config();
        assert_eq!(c.seed, 7);
        assert!(matches!(c.clock, SimClock::Fixed(1_711_699_200_000)));
        assert!(!c.settings.limits.enabled);
        assert_eq!(c.settings.faults.http_5xx_probability, 0.1);
        assert_eq!(c.settings.api.long_expired, LongExpiredPolicy::NotFound);
        assert_eq!(c.settings.api.truncation, TruncationAnchor::Data);
        let e = Cli::try_parse_from(["sim", "--fault-retry", "2"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("from 0 to 1"), "{e}");
        let e = Cli::try_parse_from(["sim", "--speed", "0"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("positive"), "{e}");
        let e = Cli::try_parse_from(["sim", "--now", "yesterday"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("RFC 3339"), "{e}");
    }
}
