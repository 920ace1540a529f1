//! Basis helpers shared by both backends (pure).

use crate::domain::{InstrumentKind, InstrumentName};

use super::error::StoreError;

/// A future's perpetual counterpart and expiry instant, or why it has no basis.
pub(crate) fn future_legs(future: &str) -> Result<(String, i64), StoreError> {
    let name = InstrumentName::parse(future).map_err(|e| StoreError::InvalidInstrument {
        instrument: future.to_string(),
        reason: e.to_string(),
    })?;
    if name.kind != InstrumentKind::Future {
        return Err(StoreError::InvalidInstrument {
            instrument: future.to_string(),
            reason: format!(
                "it is a {}, not a dated future (BTC-27DEC24)",
                name.kind.as_str()
            ),
        });
    }
    let expiry = name
        .expiration_ms()
        .ok_or_else(|| StoreError::InvalidInstrument {
            instrument: future.to_string(),
            reason: "it has no expiry date".into(),
        })?;
    Ok((name.perpetual_counterpart().to_string(), expiry))
}

/// The `expiry_date` ('YYYY-MM-DD') of a dated future, for `futures_ohlcv` rows.
pub(crate) fn expiry_date(future: &str) -> Result<chrono::NaiveDate, StoreError> {
    let name = InstrumentName::parse(future).map_err(|e| StoreError::InvalidInstrument {
        instrument: future.to_string(),
        reason: e.to_string(),
    })?;
    match (name.kind, name.expiry) {
        (InstrumentKind::Future, Some(d)) => Ok(d),
        _ => Err(StoreError::InvalidInstrument {
            instrument: future.to_string(),
            reason: format!(
                "futures_ohlcv holds dated futures (like BTC-27DEC24), not a {}",
                name.kind.as_str()
            ),
        }),
    }
}

/// Keeps the futures still trading at `now_ms`, sorted by expiry, with their expiry.
pub(crate) fn live_futures(names: Vec<String>, now_ms: i64) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = names
        .into_iter()
        .filter_map(|n| {
            let (_, expiry) = future_legs(&n).ok()?;
            (expiry > now_ms).then_some((n, expiry))
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legs_of_inverse_and_linear_futures() {
        let (perp, exp) = future_legs("BTC-27DEC24").unwrap();
        assert_eq!(perp, "BTC-PERPETUAL");
        assert_eq!(exp, 1_735_286_400_000);
        assert_eq!(
            future_legs("BTC_USDC-27DEC24").unwrap().0,
            "BTC_USDC-PERPETUAL"
        );
        let e = future_legs("BTC-PERPETUAL").unwrap_err().to_string();
        assert!(e.contains("not a dated future"), "{e}");
        assert!(future_legs("nonsense").is_err());
        assert!(expiry_date("ETH-PERPETUAL").is_err());
        assert_eq!(expiry_date("ETH-4OCT24").unwrap().to_string(), "2024-10-04");
    }

    #[test]
    fn live_futures_sorted_by_expiry() {
        let now = 1_727_740_800_000; // 2024-10-01
        let v = live_futures(
            vec![
                "BTC-27DEC24".into(),
                "BTC-4OCT24".into(),
                "BTC-27SEP24".into(),
                "junk".into(),
            ],
            now,
        );
        let names: Vec<&str> = v.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, vec!["BTC-4OCT24", "BTC-27DEC24"]);
    }
}
