//! The configuration the whole tool runs with: built-in defaults, overridable by the config
//! file, the environment and flags (in that order of precedence, lowest first).

use serde::{Deserialize, Serialize};

/// Default database: a SQLite file in `data/` under the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/deribit.db";
/// The real exchange. Nothing in the test suite or the demo talks to it.
pub const DEFAULT_EXCHANGE_URL: &str = "https://www.deribit.com";
/// The host that lists every expired future (deribit-api.md §8.2).
pub const DEFAULT_HISTORY_URL: &str = "https://history.deribit.com";
/// Default log file (the dashboard never writes logs to the terminal).
pub const DEFAULT_LOG_FILE: &str = "data/deribit-backfill.log";

/// Everything configurable. Unknown keys in the file are errors, so a typo never goes unnoticed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://path` or `postgres://user:password@host:port/db`.
    pub database_url: String,
    /// Base URL of the exchange (or of `deribit-backfill sim`).
    pub exchange_url: String,
    /// The exchange's other hosts.
    pub exchange: ExchangeConfig,
    /// Where logs go.
    pub log_file: String,
    /// Render without colour; every state stays readable as text.
    pub no_color: bool,
    pub rate_limit: RateLimitConfig,
    pub backfill: BackfillConfig,
    pub collector: CollectorConfig,
    pub health: HealthConfig,
    pub ui: UiConfig,
    /// Key bindings by action name, e.g. `pause = "p"`; see `deribit-backfill keys`.
    pub keys: std::collections::BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_string(),
            exchange_url: DEFAULT_EXCHANGE_URL.to_string(),
            exchange: ExchangeConfig::default(),
            log_file: DEFAULT_LOG_FILE.to_string(),
            no_color: false,
            rate_limit: RateLimitConfig::default(),
            backfill: BackfillConfig::default(),
            collector: CollectorConfig::default(),
            health: HealthConfig::default(),
            ui: UiConfig::default(),
            keys: Default::default(),
        }
    }
}

/// The exchange's hosts besides `exchange_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangeConfig {
    /// Lists every expired future (`get_instruments?expired=true`); when it fails, the main
    /// host's short list and the expiry calendar stand in. `--history-url`.
    pub history_url: String,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            history_url: DEFAULT_HISTORY_URL.to_string(),
        }
    }
}

/// The client's model of Deribit's credit-based rate limit (deribit-api.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Credits a normal public request costs.
    pub credits_per_request: u32,
    /// Size of the credit pool (burst = pool / cost).
    pub pool: u32,
    /// Credits refilled per second (sustained rate = refill / cost).
    pub refill_per_second: u32,
    /// Credits `public/get_instruments` costs.
    pub get_instruments_cost: u32,
    /// After a 10028, the budget is cut to this fraction and recovers over `recovery_seconds`.
    pub slowdown_factor: f64,
    pub recovery_seconds: u64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            credits_per_request: 500,
            pool: 50_000,
            refill_per_second: 10_000,
            get_instruments_cost: 10_000,
            slowdown_factor: 0.5,
            recovery_seconds: 60,
        }
    }
}

impl RateLimitConfig {
    /// Sustained requests per second the budget allows.
    pub fn requests_per_second(&self) -> f64 {
        self.refill_per_second as f64 / self.credits_per_request.max(1) as f64
    }

    /// Requests a full pool allows at once.
    pub fn burst(&self) -> u32 {
        self.pool / self.credits_per_request.max(1)
    }
}

/// How backfills run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackfillConfig {
    /// Currencies whose instruments are backfilled.
    pub currencies: Vec<String>,
    /// Pipelines to run: futures, perpetuals, funding, index, basis.
    pub pipelines: Vec<String>,
    /// Jobs worked on at once (changeable while running).
    pub parallel: usize,
    /// Retries of one request before its job fails.
    pub max_retries: u32,
    /// First backoff delay after a transient error, doubled each retry up to `backoff_max_ms`.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// Per-request timeout.
    pub request_timeout_seconds: u64,
    /// Seconds between progress lines in headless mode.
    pub progress_interval_seconds: u64,
    /// Shell command run when a backfill ends (empty: none); it reads the outcome from
    /// DERIBIT_BACKFILL_* environment variables (see `run --help`).
    pub on_finish: String,
}

impl Default for BackfillConfig {
    fn default() -> Self {
        Self {
            currencies: vec!["BTC".into(), "ETH".into()],
            pipelines: ["futures", "perpetuals", "funding", "index", "basis"]
                .map(String::from)
                .to_vec(),
            parallel: 4,
            max_retries: 8,
            backoff_base_ms: 500,
            backoff_max_ms: 30_000,
            request_timeout_seconds: 30,
            progress_interval_seconds: 10,
            on_finish: String::new(),
        }
    }
}

/// The realtime collector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CollectorConfig {
    /// Seconds between polls.
    pub poll_interval_seconds: u64,
    /// Also keep the live futures current, not only the perpetuals.
    pub include_futures: bool,
}

impl Default for CollectorConfig {
    fn default() -> Self {
        Self {
            poll_interval_seconds: 10,
            include_futures: false,
        }
    }
}

/// Health thresholds shared by the dashboard and `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    /// Lag (now − latest candle) below this is ok.
    pub lag_warning_seconds: u64,
    /// Lag at or above this is critical; in between is a warning.
    pub lag_critical_seconds: u64,
    /// Collector heartbeat age thresholds.
    pub heartbeat_warning_seconds: u64,
    pub heartbeat_critical_seconds: u64,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            lag_warning_seconds: 120,
            lag_critical_seconds: 900,
            heartbeat_warning_seconds: 120,
            heartbeat_critical_seconds: 900,
        }
    }
}

/// Dashboard rendering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Frames per second at most; nothing is drawn when nothing changed.
    pub max_fps: u32,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self { max_fps: 10 }
    }
}
