//! Currency codes as an operator types them (`--currencies btc,ETH`).

/// A currency list that cannot be used, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CurrencyError(String);

/// Checks and normalises currency codes: trimmed, upper case, alphanumeric, without repeats,
/// at least one.
pub fn parse_currencies(list: &[String]) -> Result<Vec<String>, CurrencyError> {
    let mut out = Vec::new();
    for c in list {
        let c = c.trim().to_uppercase();
        if c.is_empty() || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(CurrencyError(format!(
                "--currencies {c:?} is not a currency code — use e.g. --currencies BTC,ETH"
            )));
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(CurrencyError(
            "--currencies is empty — use e.g. --currencies BTC,ETH".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(
            parse_currencies(&list(&[" btc", "ETH", "BTC"])).unwrap(),
            ["BTC", "ETH"]
        );
        assert!(parse_currencies(&list(&["BT C"])).is_err());
        assert!(parse_currencies(&list(&[])).is_err());
        assert!(parse_currencies(&list(&[""])).is_err());
    }
}
