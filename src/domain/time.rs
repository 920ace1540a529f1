//! Time helpers. Every timestamp in the domain is UTC epoch milliseconds (`i64`),
//! the unit the exchange uses; chrono is only used at the edges (parsing, display).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

pub const SECOND_MS: i64 = 1_000;
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// The hour of day (UTC) at which Deribit futures expire and daily delivery prices are fixed.
pub const EXPIRY_HOUR_UTC: u32 = 8;

/// `expiration_timestamp` the exchange reports for perpetuals: 3000-01-01T08:00:00Z.
pub const PERPETUAL_EXPIRATION_MS: i64 = 32_503_708_800_000;

/// Converts epoch milliseconds to a chrono instant. Out-of-range values saturate to the epoch.
pub fn to_datetime(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Epoch milliseconds of a date at the given UTC hour.
pub fn date_at_hour_ms(date: NaiveDate, hour: u32) -> i64 {
    let time = NaiveTime::from_hms_opt(hour, 0, 0).expect("hour < 24");
    date.and_time(time).and_utc().timestamp_millis()
}

/// Epoch milliseconds of a date's 08:00 UTC expiry instant.
pub fn expiry_instant_ms(date: NaiveDate) -> i64 {
    date_at_hour_ms(date, EXPIRY_HOUR_UTC)
}

/// The UTC calendar date a timestamp falls on.
pub fn date_of(ms: i64) -> NaiveDate {
    to_datetime(ms).date_naive()
}

/// Rounds down to a multiple of `step` (which must be positive); works for negative values too.
pub fn floor_to(ms: i64, step: i64) -> i64 {
    ms.div_euclid(step) * step
}

/// Rounds up to a multiple of `step` (which must be positive).
pub fn ceil_to(ms: i64, step: i64) -> i64 {
    let floor = floor_to(ms, step);
    if floor == ms { ms } else { floor + step }
}

/// Formats epoch milliseconds as RFC 3339 with a `Z` suffix, seconds precision unless
/// there are milliseconds.
pub fn format_ms(ms: i64) -> String {
    let dt = to_datetime(ms);
    if ms.rem_euclid(SECOND_MS) == 0 {
        dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// Error for a date or instant the user typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read {input:?} as a date or time — use YYYY-MM-DD (midnight UTC) or RFC 3339 such as 2024-03-29T08:00:00Z"
)]
pub struct TimeParseError {
    pub input: String,
}

/// Parses a user-supplied instant: `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM[:SS]` (UTC),
/// or full RFC 3339 with an offset. Returns epoch milliseconds.
pub fn parse_instant(input: &str) -> Result<i64, TimeParseError> {
    let s = input.trim();
    let err = || TimeParseError {
        input: input.to_string(),
    };
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(date_at_hour_ms(date, 0));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.with_timezone(&Utc).timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(naive.and_utc().timestamp_millis());
        }
    }
    Err(err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_instant_is_0800_utc() {
        let d = NaiveDate::from_ymd_opt(2022, 6, 24).unwrap();
        assert_eq!(expiry_instant_ms(d), 1_656_057_600_000);
        let d = NaiveDate::from_ymd_opt(2023, 9, 29).unwrap();
        assert_eq!(expiry_instant_ms(d), 1_695_974_400_000);
        let d = NaiveDate::from_ymd_opt(2024, 10, 4).unwrap();
        assert_eq!(expiry_instant_ms(d), 1_728_028_800_000);
    }

    #[test]
    fn perpetual_expiration_constant_is_year_3000() {
        assert_eq!(format_ms(PERPETUAL_EXPIRATION_MS), "3000-01-01T08:00:00Z");
    }

    #[test]
    fn floor_and_ceil() {
        assert_eq!(floor_to(125_000, MINUTE_MS), 120_000);
        assert_eq!(ceil_to(125_000, MINUTE_MS), 180_000);
        assert_eq!(ceil_to(120_000, MINUTE_MS), 120_000);
        assert_eq!(floor_to(-1, MINUTE_MS), -60_000);
    }

    #[test]
    fn parse_instant_forms() {
        assert_eq!(parse_instant("2024-02-29").unwrap(), 1_709_164_800_000);
        assert_eq!(
            parse_instant("2024-02-29T08:00:00Z").unwrap(),
            1_709_193_600_000
        );
        assert_eq!(
            parse_instant("2024-02-29T10:00:00+02:00").unwrap(),
            1_709_193_600_000
        );
        assert_eq!(
            parse_instant("2024-02-29T08:00").unwrap(),
            1_709_193_600_000
        );
        let e = parse_instant("29/02/2024").unwrap_err();
        assert!(e.to_string().contains("YYYY-MM-DD"));
        assert!(parse_instant("2023-02-29").is_err(), "no leap day in 2023");
    }

    #[test]
    fn format_round_trips_millis() {
        assert_eq!(format_ms(1_709_193_600_123), "2024-02-29T08:00:00.123Z");
        assert_eq!(
            parse_instant(&format_ms(1_709_193_600_123)).unwrap(),
            1_709_193_600_123
        );
    }
}
