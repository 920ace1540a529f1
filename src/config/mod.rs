//! Configuration: built-in defaults < config file (TOML) < environment < flags.

mod load;
mod redact;
mod settings;

pub use load::{ConfigError, Loaded, Overrides, default_config_path, load, parse_str, validate};
pub use redact::redact_url;
pub use settings::{
    BackfillConfig, CollectorConfig, Config, DEFAULT_DATABASE_URL, DEFAULT_EXCHANGE_URL,
    DEFAULT_HISTORY_URL, DEFAULT_LOG_FILE, ExchangeConfig, HealthConfig, RateLimitConfig, UiConfig,
};

impl Config {
    /// A copy safe to print or log: the database password replaced by `***`.
    pub fn redacted(&self) -> Config {
        Config {
            database_url: redact_url(&self.database_url),
            exchange_url: redact_url(&self.exchange_url),
            exchange: settings::ExchangeConfig {
                history_url: redact_url(&self.exchange.history_url),
            },
            ..self.clone()
        }
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
