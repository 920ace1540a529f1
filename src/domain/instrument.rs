//! Deribit instrument names, parsed and formatted both ways.
//!
//! Forms (deribit-api.md §4):
//! - perpetuals: `BTC-PERPETUAL`, `BTC_USDC-PERPETUAL` (linear when a `_QUOTE` is present);
//! - futures: `BTC-4OCT24`, `BTC-27DEC24`, `AVAX_USDC-5OCT26` (day without leading zero);
//! - options: `BTC-27DEC24-100000-C`, `XRP_USDC-30JUN23-0d625-C` (`d` is the decimal point);
//! - spot: `BTC_USDC`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use super::time::{PERPETUAL_EXPIRATION_MS, expiry_instant_ms};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// What kind of instrument a name denotes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    Future,
    Perpetual,
    Option,
    Spot,
}

impl InstrumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Future => "future",
            Self::Perpetual => "perpetual",
            Self::Option => "option",
            Self::Spot => "spot",
        }
    }

    /// The `kind` field the exchange reports: perpetuals are `future` there.
    pub fn exchange_kind(self) -> &'static str {
        match self {
            Self::Future | Self::Perpetual => "future",
            Self::Option => "option",
            Self::Spot => "spot",
        }
    }
}

impl FromStr for InstrumentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "future" => Ok(Self::Future),
            "perpetual" => Ok(Self::Perpetual),
            "option" => Ok(Self::Option),
            "spot" => Ok(Self::Spot),
            other => Err(format!(
                "unknown instrument kind {other:?}: expected future, perpetual, option or spot"
            )),
        }
    }
}

/// Call or put.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum OptionType {
    Call,
    Put,
}

/// Why a string is not an instrument name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{name:?} is not a Deribit instrument name: {reason} (examples: BTC-PERPETUAL, BTC-27DEC24, BTC_USDC-PERPETUAL, BTC-27DEC24-100000-C)"
)]
pub struct InstrumentNameError {
    pub name: String,
    pub reason: String,
}

/// A parsed instrument name. `Display` gives back the exact exchange spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstrumentName {
    /// Base currency, e.g. `BTC`.
    pub base: String,
    /// Quote currency for linear instruments (`USDC` in `BTC_USDC-PERPETUAL`); `None` for inverse.
    pub quote: Option<String>,
    pub kind: InstrumentKind,
    /// Expiry date (expires 08:00 UTC) for futures and options.
    pub expiry: Option<NaiveDate>,
    /// Strike as decimal text (`100000`, `0.625`) for options.
    pub strike: Option<String>,
    pub option_type: Option<OptionType>,
}

impl InstrumentName {
    pub fn perpetual(base: &str) -> Self {
        Self {
            base: base.to_string(),
            quote: None,
            kind: InstrumentKind::Perpetual,
            expiry: None,
            strike: None,
            option_type: None,
        }
    }

    pub fn linear_perpetual(base: &str, quote: &str) -> Self {
        Self {
            quote: Some(quote.to_string()),
            ..Self::perpetual(base)
        }
    }

    pub fn future(base: &str, expiry: NaiveDate) -> Self {
        Self {
            base: base.to_string(),
            quote: None,
            kind: InstrumentKind::Future,
            expiry: Some(expiry),
            strike: None,
            option_type: None,
        }
    }

    pub fn parse(name: &str) -> Result<Self, InstrumentNameError> {
        name.parse()
    }

    /// Linear (USDC-settled, quoted in the coin's quote) or inverse (coin-settled, USD quoted).
    pub fn is_linear(&self) -> bool {
        self.quote.is_some()
    }

    pub fn is_inverse(&self) -> bool {
        !self.is_linear()
    }

    /// Expiry instant in epoch ms: 08:00 UTC on the expiry date; the exchange's constant for
    /// perpetuals; `None` for spot.
    pub fn expiration_ms(&self) -> Option<i64> {
        match self.kind {
            InstrumentKind::Perpetual => Some(PERPETUAL_EXPIRATION_MS),
            InstrumentKind::Spot => None,
            _ => self.expiry.map(expiry_instant_ms),
        }
    }

    /// The currency the instrument belongs to (its base), as `get_instruments?currency=` groups it.
    pub fn currency(&self) -> &str {
        &self.base
    }

    /// The index this instrument tracks, e.g. `btc_usd` or `btc_usdc`.
    pub fn price_index(&self) -> String {
        let quote = self.quote.as_deref().unwrap_or("USD");
        format!("{}_{}", self.base.to_lowercase(), quote.to_lowercase())
    }

    /// The perpetual of the same base and settlement, which futures' basis is measured against.
    pub fn perpetual_counterpart(&self) -> InstrumentName {
        match &self.quote {
            Some(q) => Self::linear_perpetual(&self.base, q),
            None => Self::perpetual(&self.base),
        }
    }
}

/// Formats a date the exchange's way: `4OCT24`, `27DEC24`.
pub fn format_expiry_code(date: NaiveDate) -> String {
    format!(
        "{}{}{:02}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year().rem_euclid(100)
    )
}

/// Parses `4OCT24` / `27DEC24`. Years are 20YY. A leading zero on the day is rejected
/// because the exchange never writes one.
pub fn parse_expiry_code(code: &str) -> Result<NaiveDate, String> {
    let bytes = code.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&digits) {
        return Err(format!(
            "expiry {code:?} must start with a 1- or 2-digit day"
        ));
    }
    if digits == 2 && bytes[0] == b'0' {
        return Err(format!("expiry {code:?} has a leading zero on the day"));
    }
    if code.len() != digits + 5 {
        return Err(format!("expiry {code:?} must look like 4OCT24 or 27DEC24"));
    }
    let day: u32 = code[..digits]
        .parse()
        .map_err(|_| format!("bad day in {code:?}"))?;
    let month_text = &code[digits..digits + 3];
    let month = MONTHS
        .iter()
        .position(|m| *m == month_text)
        .ok_or_else(|| format!("unknown month {month_text:?} in {code:?}"))? as u32
        + 1;
    let year_text = &code[digits + 3..];
    if !year_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad year in {code:?}"));
    }
    let year: i32 = 2000
        + year_text
            .parse::<i32>()
            .map_err(|_| format!("bad year in {code:?}"))?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| format!("{code:?} is not a real date"))
}

fn is_currency(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 12
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && s.as_bytes()[0].is_ascii_uppercase()
}

/// Strike text on the wire (`0d625`) to decimal text (`0.625`).
fn parse_strike(s: &str) -> Result<String, String> {
    let valid = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'd')
        && s.bytes().filter(|b| *b == b'd').count() <= 1
        && !s.starts_with('d')
        && !s.ends_with('d');
    if !valid {
        return Err(format!(
            "strike {s:?} must be digits, with `d` as the decimal point"
        ));
    }
    Ok(s.replace('d', "."))
}

impl FromStr for InstrumentName {
    type Err = InstrumentNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| InstrumentNameError {
            name: name.to_string(),
            reason,
        };
        let parts: Vec<&str> = name.split('-').collect();
        let (base, quote) = match parts[0].split_once('_') {
            Some((b, q)) => (b, Some(q)),
            None => (parts[0], None),
        };
        if !is_currency(base) {
            return Err(fail(format!(
                "currency {base:?} must be upper-case letters or digits"
            )));
        }
        if let Some(q) = quote
            && !is_currency(q)
        {
            return Err(fail(format!(
                "quote currency {q:?} must be upper-case letters or digits"
            )));
        }
        let mut out = InstrumentName {
            base: base.to_string(),
            quote: quote.map(str::to_string),
            kind: InstrumentKind::Spot,
            expiry: None,
            strike: None,
            option_type: None,
        };
        match parts.len() {
            1 => {
                if quote.is_none() {
                    return Err(fail("a bare currency is not an instrument".into()));
                }
                Ok(out)
            }
            2 if parts[1] == "PERPETUAL" => {
                out.kind = InstrumentKind::Perpetual;
                Ok(out)
            }
            2 => {
                out.kind = InstrumentKind::Future;
                out.expiry = Some(parse_expiry_code(parts[1]).map_err(fail)?);
                Ok(out)
            }
            4 => {
                out.kind = InstrumentKind::Option;
                out.expiry = Some(parse_expiry_code(parts[1]).map_err(fail)?);
                out.strike = Some(parse_strike(parts[2]).map_err(fail)?);
                out.option_type = Some(match parts[3] {
                    "C" => OptionType::Call,
                    "P" => OptionType::Put,
                    other => return Err(fail(format!("option type {other:?} must be C or P"))),
                });
                Ok(out)
            }
            _ => Err(fail(
                "expected BASE[_QUOTE]-PERPETUAL, -DMMMYY or -DMMMYY-STRIKE-C|P".into(),
            )),
        }
    }
}

impl fmt::Display for InstrumentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)?;
        if let Some(q) = &self.quote {
            write!(f, "_{q}")?;
        }
        match self.kind {
            InstrumentKind::Spot => Ok(()),
            InstrumentKind::Perpetual => f.write_str("-PERPETUAL"),
            InstrumentKind::Future | InstrumentKind::Option => {
                if let Some(d) = self.expiry {
                    write!(f, "-{}", format_expiry_code(d))?;
                }
                if let Some(s) = &self.strike {
                    write!(f, "-{}", s.replace('.', "d"))?;
                }
                match self.option_type {
                    Some(OptionType::Call) => f.write_str("-C"),
                    Some(OptionType::Put) => f.write_str("-P"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl serde::Serialize for InstrumentName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for InstrumentName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(name: &str) -> InstrumentName {
        let parsed = InstrumentName::parse(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.to_string(), name);
        parsed
    }

    #[test]
    fn futures() {
        let n = round_trip("BTC-4OCT24");
        assert_eq!(n.kind, InstrumentKind::Future);
        assert_eq!(n.currency(), "BTC");
        assert!(n.is_inverse());
        assert_eq!(n.expiration_ms(), Some(1_728_028_800_000));
        let n = round_trip("BTC-27DEC24");
        assert_eq!(n.expiry, NaiveDate::from_ymd_opt(2024, 12, 27));
        assert_eq!(n.perpetual_counterpart().to_string(), "BTC-PERPETUAL");
        let n = round_trip("AVAX_USDC-5OCT26");
        assert!(n.is_linear());
        assert_eq!(n.perpetual_counterpart().to_string(), "AVAX_USDC-PERPETUAL");
    }

    #[test]
    fn perpetuals() {
        let n = round_trip("BTC-PERPETUAL");
        assert_eq!(n.kind, InstrumentKind::Perpetual);
        assert!(n.is_inverse());
        assert_eq!(n.expiration_ms(), Some(PERPETUAL_EXPIRATION_MS));
        assert_eq!(n.price_index(), "btc_usd");
        round_trip("ETH-PERPETUAL");
        let n = round_trip("BTC_USDC-PERPETUAL");
        assert!(n.is_linear());
        assert_eq!(n.quote.as_deref(), Some("USDC"));
        assert_eq!(n.price_index(), "btc_usdc");
    }

    #[test]
    fn options() {
        let n = round_trip("BTC-27DEC24-100000-C");
        assert_eq!(n.kind, InstrumentKind::Option);
        assert_eq!(n.strike.as_deref(), Some("100000"));
        assert_eq!(n.option_type, Some(OptionType::Call));
        let n = round_trip("XRP_USDC-30JUN23-0d625-C");
        assert_eq!(n.strike.as_deref(), Some("0.625"));
        assert!(n.is_linear());
        assert_eq!(
            n.expiration_ms(),
            Some(expiry_instant_ms(
                NaiveDate::from_ymd_opt(2023, 6, 30).unwrap()
            ))
        );
        let n = round_trip("BTC-13JAN23-16000-P");
        assert_eq!(n.option_type, Some(OptionType::Put));
        assert_eq!(n.expiration_ms(), Some(1_673_596_800_000));
    }

    #[test]
    fn spot() {
        let n = round_trip("BTC_USDC");
        assert_eq!(n.kind, InstrumentKind::Spot);
        assert_eq!(n.expiration_ms(), None);
    }

    #[test]
    fn rejects_bad_names_with_a_reason() {
        for (bad, why) in [
            ("", "currency"),
            ("BTC", "bare currency"),
            ("btc-PERPETUAL", "upper-case"),
            ("BTC-04OCT24", "leading zero"),
            ("BTC-4OKT24", "unknown month"),
            ("BTC-31FEB24", "not a real date"),
            ("BTC-27DEC24-100000-X", "C or P"),
            ("BTC-27DEC24-1d0d0-C", "strike"),
            ("BTC-27DEC24-100000", "expected"),
            ("BTC-PERPETUAL-X", "expected"),
            ("BTC-4OCT2024", "must look like"),
        ] {
            let e = InstrumentName::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
            assert!(e.contains("examples"), "error names the fix: {e}");
        }
    }

    #[test]
    fn serde_uses_the_exchange_spelling() {
        let n = InstrumentName::parse("ETH-29MAR24").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"ETH-29MAR24\"");
        let back: InstrumentName = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
    }

    fn currency() -> impl Strategy<Value = String> {
        "[A-Z][A-Z0-9]{0,5}"
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (2000i32..2099, 1u32..=12, 1u32..=31)
            .prop_filter_map("real date", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
    }

    fn name() -> impl Strategy<Value = InstrumentName> {
        let strike = prop_oneof![
            "[1-9][0-9]{0,6}".prop_map(|s| s),
            ("[0-9]{1,3}", "[0-9]{1,4}").prop_map(|(a, b)| format!("{a}.{b}")),
        ];
        (
            currency(),
            proptest::option::of(currency()),
            0u8..4,
            date(),
            strike,
            any::<bool>(),
        )
            .prop_map(|(base, quote, kind, expiry, strike, call)| {
                let kind = match (kind, &quote) {
                    (0, _) => InstrumentKind::Perpetual,
                    (1, _) => InstrumentKind::Future,
                    (2, _) => InstrumentKind::Option,
                    (_, Some(_)) => InstrumentKind::Spot,
                    (_, None) => InstrumentKind::Future,
                };
                let dated = matches!(kind, InstrumentKind::Future | InstrumentKind::Option);
                let option = kind == InstrumentKind::Option;
                InstrumentName {
                    base,
                    quote,
                    kind,
                    expiry: dated.then_some(expiry),
                    strike: option.then_some(strike),
                    option_type: option.then_some(if call {
                        OptionType::Call
                    } else {
                        OptionType::Put
                    }),
                }
            })
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(n in name()) {
            let text = n.to_string();
            let back = InstrumentName::parse(&text).unwrap();
            prop_assert_eq!(&back, &n);
            prop_assert_eq!(back.to_string(), text);
        }

        #[test]
        fn expiry_codes_round_trip(d in date()) {
            prop_assert_eq!(parse_expiry_code(&format_expiry_code(d)).unwrap(), d);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = InstrumentName::parse(&s);
        }
    }
}
