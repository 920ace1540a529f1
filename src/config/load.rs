//! Layering: built-in defaults < config file < environment < flags, then validation.

use std::path::{Path, PathBuf};

use super::settings::Config;
use crate::domain::Pipeline;

/// Values given on the command line or through the environment (clap reads both; a flag wins
/// over its environment variable). `None` leaves the file's (or default) value alone.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub exchange_url: Option<String>,
    pub history_url: Option<String>,
    pub log_file: Option<String>,
    pub no_color: bool,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source} — check the path given to --config")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "config file {path} is not valid: {message} — fix the file or run `deribit-backfill config` to see a valid one"
    )]
    Parse { path: PathBuf, message: String },
    #[error("invalid setting {key} = {value:?} — {fix}")]
    Invalid {
        key: &'static str,
        value: String,
        fix: String,
    },
}

/// Where the configuration came from, for `deribit-backfill config`.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<PathBuf>,
}

/// The default config file: `<user config dir>/deribit-backfill/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "deribit-backfill")
        .map(|d| d.config_dir().join("config.toml"))
}

/// Loads the configuration. An explicit `--config` must exist; the default file is used only
/// when present.
pub fn load(explicit: Option<&Path>, overrides: &Overrides) -> Result<Loaded, ConfigError> {
    let file = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => default_config_path().filter(|p| p.is_file()),
    };
    let mut config = match &file {
        Some(path) => parse_file(path)?,
        None => Config::default(),
    };
    apply(&mut config, overrides);
    validate(&config)?;
    Ok(Loaded { config, file })
}

fn parse_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text).map_err(|message| ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses TOML text over the defaults.
pub fn parse_str(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|e| e.to_string().trim().replace('\n', " ").replace("  ", " "))
}

fn apply(config: &mut Config, o: &Overrides) {
    if let Some(v) = &o.database_url {
        config.database_url = v.clone();
    }
    if let Some(v) = &o.exchange_url {
        config.exchange_url = v.clone();
    }
    if let Some(v) = &o.history_url {
        config.exchange.history_url = v.clone();
    }
    if let Some(v) = &o.log_file {
        config.log_file = v.clone();
    }
    if o.no_color {
        config.no_color = true;
    }
}

fn invalid(key: &'static str, value: impl ToString, fix: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        value: value.to_string(),
        fix: fix.into(),
    }
}

/// Checks every value that could make a run misbehave.
pub fn validate(c: &Config) -> Result<(), ConfigError> {
    let scheme = c.database_url.split("://").next().unwrap_or_default();
    if !c.database_url.contains("://") || !["sqlite", "postgres", "postgresql"].contains(&scheme) {
        return Err(invalid(
            "database_url",
            crate::redact::redact(&c.database_url),
            "use sqlite://path/to/file.db or postgres://user:password@host:5432/dbname",
        ));
    }
    match url::Url::parse(&c.exchange_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(invalid(
                "exchange_url",
                crate::redact::redact(&c.exchange_url),
                "use an http(s) URL such as https://www.deribit.com or http://127.0.0.1:8080 (a `deribit-backfill sim`)",
            ));
        }
    }
    match url::Url::parse(&c.exchange.history_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(invalid(
                "exchange.history_url",
                &c.exchange.history_url,
                "use an http(s) URL such as https://history.deribit.com or http://127.0.0.1:8080/history (a `deribit-backfill sim`)",
            ));
        }
    }
    for cur in &c.backfill.currencies {
        if cur.is_empty()
            || !cur
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(invalid(
                "backfill.currencies",
                cur,
                "use upper-case currency codes such as BTC, ETH",
            ));
        }
    }
    for p in &c.backfill.pipelines {
        p.parse::<Pipeline>()
            .map_err(|e| invalid("backfill.pipelines", p, e))?;
    }
    if c.backfill.parallel == 0 || c.backfill.parallel > 64 {
        return Err(invalid(
            "backfill.parallel",
            c.backfill.parallel,
            "use a number from 1 to 64",
        ));
    }
    if c.backfill.backoff_base_ms == 0 || c.backfill.backoff_max_ms < c.backfill.backoff_base_ms {
        return Err(invalid(
            "backfill.backoff_max_ms",
            c.backfill.backoff_max_ms,
            "backoff_base_ms must be > 0 and backoff_max_ms >= backoff_base_ms",
        ));
    }
    if c.backfill.request_timeout_seconds == 0 {
        return Err(invalid(
            "backfill.request_timeout_seconds",
            0,
            "use at least 1 second",
        ));
    }
    let rl = &c.rate_limit;
    if rl.credits_per_request == 0 || rl.refill_per_second == 0 || rl.pool < rl.credits_per_request
    {
        return Err(invalid(
            "rate_limit",
            format!(
                "cost {} pool {} refill {}",
                rl.credits_per_request, rl.pool, rl.refill_per_second
            ),
            "credits_per_request and refill_per_second must be > 0 and pool >= credits_per_request",
        ));
    }
    if rl.get_instruments_cost > rl.pool {
        return Err(invalid(
            "rate_limit.get_instruments_cost",
            rl.get_instruments_cost,
            "must not exceed rate_limit.pool, or the request could never be sent",
        ));
    }
    if !(rl.slowdown_factor > 0.0 && rl.slowdown_factor <= 1.0) {
        return Err(invalid(
            "rate_limit.slowdown_factor",
            rl.slowdown_factor,
            "use a fraction in (0, 1]",
        ));
    }
    let h = &c.health;
    if h.lag_warning_seconds >= h.lag_critical_seconds {
        return Err(invalid(
            "health.lag_warning_seconds",
            h.lag_warning_seconds,
            "the warning threshold must be below health.lag_critical_seconds",
        ));
    }
    if h.heartbeat_warning_seconds >= h.heartbeat_critical_seconds {
        return Err(invalid(
            "health.heartbeat_warning_seconds",
            h.heartbeat_warning_seconds,
            "the warning threshold must be below health.heartbeat_critical_seconds",
        ));
    }
    if c.collector.poll_interval_seconds == 0 {
        return Err(invalid(
            "collector.poll_interval_seconds",
            0,
            "use at least 1 second",
        ));
    }
    if c.ui.max_fps == 0 || c.ui.max_fps > 60 {
        return Err(invalid(
            "ui.max_fps",
            c.ui.max_fps,
            "use 1 to 60 frames per second",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn defaults_are_valid() {
        validate(&Config::default()).unwrap();
    }

    #[test]
    fn file_overrides_defaults_and_flags_override_the_file() {
        let (_d, path) = write(
            "database_url = \"sqlite://from-file.db\"\nexchange_url = \"http://127.0.0.1:9\"\n[backfill]\nparallel = 7\n",
        );
        let loaded = load(Some(&path), &Overrides::default()).unwrap();
        assert_eq!(loaded.config.database_url, "sqlite://from-file.db");
        assert_eq!(loaded.config.backfill.parallel, 7);
        assert_eq!(
            loaded.config.backfill.max_retries, 8,
            "unset keys keep defaults"
        );
        let o = Overrides {
            database_url: Some("sqlite://from-flag.db".into()),
            ..Default::default()
        };
        let loaded = load(Some(&path), &o).unwrap();
        assert_eq!(loaded.config.database_url, "sqlite://from-flag.db");
        assert_eq!(loaded.config.exchange_url, "http://127.0.0.1:9");
    }

    #[test]
    fn unknown_keys_and_bad_syntax_name_the_file_and_the_fix() {
        let (_d, path) = write("databse_url = \"x\"\n");
        let e = load(Some(&path), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("databse_url") && e.contains("config.toml"),
            "{e}"
        );
        assert!(e.contains("deribit-backfill config"), "{e}");
        let (_d, path) = write("[backfill\n");
        let e = load(Some(&path), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid"), "{e}");
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let e = load(
            Some(Path::new("/nonexistent/cfg.toml")),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--config"), "{e}");
    }

    #[test]
    fn bad_values_are_rejected_with_a_fix() {
        let cases: [(&str, &str); 6] = [
            ("database_url = \"mysql://x\"", "sqlite://"),
            ("exchange_url = \"ftp://x\"", "http(s)"),
            ("[backfill]\nparallel = 0", "1 to 64"),
            ("[backfill]\npipelines = [\"candles\"]", "choose from"),
            ("[health]\nlag_warning_seconds = 1000", "below"),
            (
                "[rate_limit]\nget_instruments_cost = 60000",
                "never be sent",
            ),
        ];
        for (text, fix) in cases {
            let c = parse_str(text).unwrap();
            let e = validate(&c).unwrap_err().to_string();
            assert!(e.contains(fix), "{text}: {e}");
        }
    }

    #[test]
    fn passwords_never_appear_in_validation_errors() {
        let c = Config {
            database_url: "mysql://me:hunter2@db/x".into(),
            ..Default::default()
        };
        let e = validate(&c).unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
