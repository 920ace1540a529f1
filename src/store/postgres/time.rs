//! Epoch milliseconds <-> `timestamptz` (chrono at the edge).

use chrono::{DateTime, Utc};

use crate::store::error::StoreError;

pub(crate) fn to_ts(what: &'static str, ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::InvalidRow {
        table: what,
        instrument: String::new(),
        ts: ms.to_string(),
        reason: "the timestamp is out of range".into(),
    })
}

pub(crate) fn to_ms(ts: DateTime<Utc>) -> i64 {
    ts.timestamp_millis()
}
