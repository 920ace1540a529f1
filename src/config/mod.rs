//! Configuration: built-in defaults < config file (TOML) < environment < flags.

use crate::redact::redact;

mod load;
mod settings;

pub use load::{ConfigError, Loaded, Overrides, default_config_path, load, parse_str, validate};
pub use settings::{
    BackfillConfig, CollectorConfig, Config, DEFAULT_DATABASE_URL, DEFAULT_EXCHANGE_URL,
    DEFAULT_HISTORY_URL, DEFAULT_LOG_FILE, ExchangeConfig, HealthConfig, RateLimitConfig, UiConfig,
};

impl Config {
    /// A copy safe to print or log: passwords and tokens in the URLs (and in the on-finish
    /// command) replaced by `***`.
    pub fn redacted(&self) -> Config {
        let mut c = self.clone();
        c.database_url = redact(&self.database_url);
        c.exchange_url = redact(&self.exchange_url);
        c.exchange.history_url = redact(&self.exchange.history_url);
        c.backfill.on_finish = redact(&self.backfill.on_finish);
        c
    }

    /// The effective configuration as TOML, passwords redacted.
    pub fn to_toml_redacted(&self) -> String {
        toml::to_string_pretty(&self.redacted()).expect("config serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_config_is_redacted_and_parses_back() {
        let c = Config {
            database_url: "postgres://ops:hunter2@db:5432/market".into(),
            ..Default::default()
        };
        let text = c.to_toml_redacted();
        assert!(!text.contains("hunter2"));
        assert!(text.contains("postgres://ops:***@db:5432/market"));
        let back = parse_str(&text).unwrap();
        assert_eq!(back.backfill, c.backfill);
        assert_eq!(back.rate_limit, c.rate_limit);
    }
}
