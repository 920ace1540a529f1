//! Health levels and thresholds: ok below the warning threshold, warning below the critical
//! one, critical beyond; unknown when there is nothing to measure.

use std::fmt;

/// How worried an operator should be.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    /// Nothing measured yet (no candle stored, no heartbeat).
    Unknown,
    Warning,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unknown => "unknown",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }

    /// `status` exit code: 0 healthy, 1 warning, 2 critical.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Unknown | Self::Warning => 1,
            Self::Critical => 2,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Warning and critical thresholds in seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Thresholds {
    pub warning_seconds: f64,
    pub critical_seconds: f64,
}

impl Thresholds {
    /// The level of an age (lag, heartbeat age) in seconds.
    pub fn level(&self, age_seconds: Option<f64>) -> Level {
        match age_seconds {
            None => Level::Unknown,
            Some(a) if a < self.warning_seconds => Level::Ok,
            Some(a) if a < self.critical_seconds => Level::Warning,
            Some(_) => Level::Critical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_thresholds_match_the_issue() {
        // ok < 2 min, warning < 15 min, critical beyond.
        let t = Thresholds {
            warning_seconds: 120.0,
            critical_seconds: 900.0,
        };
        assert_eq!(t.level(Some(0.0)), Level::Ok);
        assert_eq!(t.level(Some(119.9)), Level::Ok);
        assert_eq!(t.level(Some(120.0)), Level::Warning);
        assert_eq!(t.level(Some(899.0)), Level::Warning);
        assert_eq!(t.level(Some(900.0)), Level::Critical);
        assert_eq!(t.level(None), Level::Unknown);
    }

    #[test]
    fn worst_wins_and_exit_codes() {
        let worst = [Level::Ok, Level::Warning, Level::Unknown]
            .into_iter()
            .max()
            .unwrap();
        assert_eq!(worst, Level::Warning);
        assert_eq!(Level::Ok.exit_code(), 0);
        assert_eq!(Level::Warning.exit_code(), 1);
        assert_eq!(Level::Critical.exit_code(), 2);
    }
}
