//! Row types the pipelines write, with their sanity checks.

use super::time::DAY_MS;

/// One OHLCV candle; `ts` is the bucket's open time in epoch ms.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candle {
    pub ts: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// Volume in base currency.
    pub volume: f64,
    /// Volume in quote currency (USD for inverse instruments).
    pub cost: f64,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowViolation {
    #[error("{field} is not a finite number ({value})")]
    NotFinite { field: &'static str, value: f64 },
    #[error("{field} must be > 0, got {value}")]
    NotPositive { field: &'static str, value: f64 },
    #[error("{field} must be >= 0, got {value}")]
    Negative { field: &'static str, value: f64 },
    #[error("low {low} is above open/close (open {open}, close {close})")]
    LowAboveBody { low: f64, open: f64, close: f64 },
    #[error("high {high} is below open/close (open {open}, close {close})")]
    HighBelowBody { high: f64, open: f64, close: f64 },
}

fn finite(field: &'static str, value: f64) -> Result<(), RowViolation> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(RowViolation::NotFinite { field, value })
    }
}

fn positive(field: &'static str, value: f64) -> Result<(), RowViolation> {
    finite(field, value)?;
    if value > 0.0 {
        Ok(())
    } else {
        Err(RowViolation::NotPositive { field, value })
    }
}

fn non_negative(field: &'static str, value: f64) -> Result<(), RowViolation> {
    finite(field, value)?;
    if value >= 0.0 {
        Ok(())
    } else {
        Err(RowViolation::Negative { field, value })
    }
}

impl Candle {
    /// OHLC sanity: finite numbers, prices > 0, volume and cost >= 0,
    /// low <= min(open, close) and max(open, close) <= high.
    pub fn check(&self) -> Result<(), RowViolation> {
        positive("open", self.open)?;
        positive("high", self.high)?;
        positive("low", self.low)?;
        positive("close", self.close)?;
        non_negative("volume", self.volume)?;
        non_negative("cost", self.cost)?;
        if self.low > self.open.min(self.close) {
            return Err(RowViolation::LowAboveBody {
                low: self.low,
                open: self.open,
                close: self.close,
            });
        }
        if self.high < self.open.max(self.close) {
            return Err(RowViolation::HighBelowBody {
                high: self.high,
                open: self.open,
                close: self.close,
            });
        }
        Ok(())
    }

    /// A filler candle: the exchange's stand-in for a minute without trades
    /// (o = h = l = c, volume 0).
    pub fn is_filler(&self) -> bool {
        self.volume == 0.0
            && self.open == self.high
            && self.high == self.low
            && self.low == self.close
    }
}

/// One hourly funding-history row of a perpetual. Every number may be null on the exchange
/// (BTC-PERPETUAL's first row, 2019-04-30T10:00Z, has no `prev_index_price`): `None` is stored
/// as NULL.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FundingRate {
    pub ts: i64,
    /// Trailing 8-hour rate (`interest_8h`), stored as `funding_rate`.
    pub interest_8h: Option<f64>,
    pub interest_1h: Option<f64>,
    pub index_price: Option<f64>,
    pub prev_index_price: Option<f64>,
}

impl FundingRate {
    /// Numbers that are present are finite; prices that are present are > 0.
    pub fn check(&self) -> Result<(), RowViolation> {
        if let Some(v) = self.interest_8h {
            finite("interest_8h", v)?;
        }
        if let Some(v) = self.interest_1h {
            finite("interest_1h", v)?;
        }
        if let Some(v) = self.index_price {
            positive("index_price", v)?;
        }
        if let Some(v) = self.prev_index_price {
            positive("prev_index_price", v)?;
        }
        Ok(())
    }
}

/// A row the exchange sent that could not be read (or failed its sanity check): kept as it came,
/// with the reason, in a quarantine table, so one bad row never stops a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnreadableRow {
    /// The row's timestamp, when it could be read.
    pub ts: Option<i64>,
    /// The row as received (JSON text).
    pub raw: String,
    pub reason: String,
}

/// One daily delivery price of an index: the 07:30–08:00 UTC average on `date`, a price of its
/// own (never a minute of the index).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DeliveryPriceRow {
    pub date: chrono::NaiveDate,
    pub price: f64,
}

/// Where an index price came from. Official sources win over the proxy at the same timestamp.
/// The daily delivery price is not one of them: it is a 30-minute average, not the index at a
/// minute, and has a table of its own (`delivery_prices`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IndexSource {
    /// Hourly `index_price` from the perpetual's funding history.
    FundingHistory,
    /// `get_index_chart_data` points.
    IndexChart,
    /// The perpetual's 1-minute close, a proxy for the index.
    PerpetualClose,
}

impl IndexSource {
    pub const ALL: [IndexSource; 3] =
        [Self::FundingHistory, Self::IndexChart, Self::PerpetualClose];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FundingHistory => "funding_history",
            Self::IndexChart => "index_chart",
            Self::PerpetualClose => "perpetual_close",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Higher wins when two sources give a price for the same (currency, timestamp).
    pub fn priority(self) -> u8 {
        match self {
            Self::FundingHistory => 2,
            Self::IndexChart => 1,
            Self::PerpetualClose => 0,
        }
    }

    pub fn is_official(self) -> bool {
        self != Self::PerpetualClose
    }
}

/// One index price of a currency.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndexPrice {
    pub ts: i64,
    pub price: f64,
    pub source: IndexSource,
}

impl IndexPrice {
    pub fn check(&self) -> Result<(), RowViolation> {
        positive("price", self.price)
    }
}

/// One minute of perpetual–futures basis.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BasisPoint {
    pub ts: i64,
    pub futures_price: f64,
    pub perpetual_price: f64,
    /// futures − perpetual.
    pub basis_spread: f64,
    /// (futures − perpetual) / perpetual × 100.
    pub basis_spread_pct: f64,
    pub days_to_expiry: f64,
}

impl BasisPoint {
    /// The basis from two closes at the same minute and the future's expiry instant.
    pub fn compute(ts: i64, futures_price: f64, perpetual_price: f64, expiration_ms: i64) -> Self {
        let spread = futures_price - perpetual_price;
        Self {
            ts,
            futures_price,
            perpetual_price,
            basis_spread: spread,
            basis_spread_pct: spread / perpetual_price * 100.0,
            days_to_expiry: (expiration_ms - ts) as f64 / DAY_MS as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candle(o: f64, h: f64, l: f64, c: f64, v: f64) -> Candle {
        Candle {
            ts: 0,
            open: o,
            high: h,
            low: l,
            close: c,
            volume: v,
            cost: v * c,
        }
    }

    #[test]
    fn sane_candles_pass() {
        assert!(candle(100.0, 110.0, 90.0, 105.0, 1.0).check().is_ok());
        assert!(candle(100.0, 100.0, 100.0, 100.0, 0.0).check().is_ok());
        assert!(candle(100.0, 100.0, 100.0, 100.0, 0.0).is_filler());
        assert!(!candle(100.0, 100.0, 100.0, 100.0, 0.5).is_filler());
    }

    #[test]
    fn violations_are_named() {
        let cases = [
            (candle(100.0, 110.0, 101.0, 105.0, 1.0), "low"),
            (candle(100.0, 104.0, 90.0, 105.0, 1.0), "high"),
            (candle(0.0, 110.0, 0.0, 105.0, 1.0), "open must be > 0"),
            (
                candle(100.0, 110.0, 90.0, 105.0, -1.0),
                "volume must be >= 0",
            ),
            (candle(f64::NAN, 110.0, 90.0, 105.0, 1.0), "not a finite"),
            (
                candle(100.0, f64::INFINITY, 90.0, 105.0, 1.0),
                "not a finite",
            ),
        ];
        for (c, expected) in cases {
            let e = c.check().unwrap_err().to_string();
            assert!(e.contains(expected), "{c:?}: {e}");
        }
    }

    #[test]
    fn funding_and_index_checks() {
        let f = FundingRate {
            ts: 0,
            interest_8h: Some(-0.0001),
            interest_1h: Some(-1e-7),
            index_price: Some(8222.87),
            prev_index_price: Some(8305.72),
        };
        assert!(f.check().is_ok(), "negative rates are normal");
        assert!(
            FundingRate {
                prev_index_price: None,
                interest_8h: None,
                ..f
            }
            .check()
            .is_ok(),
            "nulls are allowed"
        );
        assert!(
            FundingRate {
                index_price: Some(-1.0),
                ..f
            }
            .check()
            .is_err()
        );
        assert!(
            FundingRate {
                interest_1h: Some(f64::NAN),
                ..f
            }
            .check()
            .is_err()
        );
        let p = IndexPrice {
            ts: 0,
            price: 0.0,
            source: IndexSource::FundingHistory,
        };
        assert!(p.check().is_err());
    }

    #[test]
    fn official_sources_outrank_the_proxy() {
        for s in IndexSource::ALL {
            assert_eq!(IndexSource::parse(s.as_str()), Some(s));
            if s.is_official() {
                assert!(s.priority() > IndexSource::PerpetualClose.priority());
            }
        }
    }

    #[test]
    fn basis_math() {
        let b = BasisPoint::compute(0, 101.0, 100.0, 10 * DAY_MS);
        assert_eq!(b.basis_spread, 1.0);
        assert!((b.basis_spread_pct - 1.0).abs() < 1e-12);
        assert_eq!(b.days_to_expiry, 10.0);
    }
}
