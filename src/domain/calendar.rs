//! The expiry calendar of Deribit's inverse BTC/ETH futures.
//!
//! Weekly futures expire every Friday, monthly ones on the last Friday of the month and
//! quarterly ones on the last Friday of March, June, September and December, all at 08:00 UTC.
//! The exchange reports `settlement_period` `week` for weeklies and `month` for monthlies *and*
//! quarterlies (deribit-api.md §1.1, §4). `get_instruments?expired=true` only lists recently
//! expired contracts, so the history is the union of the exchange's list and this calendar; the
//! calendar is a prediction, not the truth (some predicted expiries never existed).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::instrument::{InstrumentKind, InstrumentName};
use super::range::TimeRange;
use super::time::{date_of, expiry_instant_ms};

/// `settlement_period` as the exchange spells it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SettlementPeriod {
    Perpetual,
    Day,
    Week,
    Month,
}

impl SettlementPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Perpetual => "perpetual",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "perpetual" => Self::Perpetual,
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            _ => return None,
        })
    }
}

/// Which cycle an expiry belongs to; the longest one wins when they coincide.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryCycle {
    Weekly,
    Monthly,
    Quarterly,
}

impl ExpiryCycle {
    /// The `settlement_period` the exchange reports for this cycle (quarterlies are `month`).
    pub fn settlement_period(self) -> SettlementPeriod {
        match self {
            Self::Weekly => SettlementPeriod::Week,
            Self::Monthly | Self::Quarterly => SettlementPeriod::Month,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
        }
    }
}

/// One predicted expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarExpiry {
    pub date: NaiveDate,
    pub cycle: ExpiryCycle,
}

impl CalendarExpiry {
    /// The expiry instant, 08:00 UTC, in epoch ms.
    pub fn expiration_ms(&self) -> i64 {
        expiry_instant_ms(self.date)
    }

    pub fn settlement_period(&self) -> SettlementPeriod {
        self.cycle.settlement_period()
    }

    /// When a contract of this expiry is typically listed: weeklies two Fridays ahead,
    /// monthlies two months ahead (BTC-27MAY22 was created 2022-03-25), quarterlies a year ahead (BTC-29SEP23
    /// was created 2022-09-30 08:00Z, at the expiry of the quarterly four quarters before it).
    pub fn typical_listing_ms(&self) -> i64 {
        let listing_date = match self.cycle {
            ExpiryCycle::Weekly => self.date - Duration::days(14),
            ExpiryCycle::Monthly => last_friday_of_month_offset(self.date, -2),
            ExpiryCycle::Quarterly => last_friday_of_month_offset(self.date, -12),
        };
        expiry_instant_ms(listing_date)
    }

    /// The future of this expiry for a currency, e.g. `BTC-27DEC24`.
    pub fn instrument(&self, currency: &str) -> InstrumentName {
        InstrumentName::future(currency, self.date)
    }

    /// The span the contract is typically alive: typical listing to expiry.
    pub fn typical_life(&self) -> TimeRange {
        TimeRange {
            start: self.typical_listing_ms(),
            end: self.expiration_ms(),
        }
    }
}

/// The last Friday of the month that is `months` away from `date`'s month.
fn last_friday_of_month_offset(date: NaiveDate, months: i32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
    last_friday(year, month0 + 1)
}

/// The last Friday of a month.
pub fn last_friday(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid month");
    let last = first_next.pred_opt().expect("has a previous day");
    let back =
        (last.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    last - Duration::days(back as i64)
}

/// Whether a date is the last Friday of its month.
pub fn is_last_friday(date: NaiveDate) -> bool {
    date.weekday() == Weekday::Fri && (date + Duration::days(7)).month() != date.month()
}

/// The cycle of a Friday: quarterly, monthly or weekly. `None` for other weekdays.
pub fn cycle_of(date: NaiveDate) -> Option<ExpiryCycle> {
    if date.weekday() != Weekday::Fri {
        return None;
    }
    Some(if is_last_friday(date) {
        if date.month().is_multiple_of(3) {
            ExpiryCycle::Quarterly
        } else {
            ExpiryCycle::Monthly
        }
    } else {
        ExpiryCycle::Weekly
    })
}

/// Every expiry whose 08:00 UTC instant lies in `[from_ms, to_ms]`, ascending, one per date.
pub fn expiries_between(from_ms: i64, to_ms: i64) -> Vec<CalendarExpiry> {
    if to_ms < from_ms {
        return Vec::new();
    }
    let mut date = date_of(from_ms);
    // Move to the first Friday on or after the start date.
    let ahead =
        (Weekday::Fri.num_days_from_monday() + 7 - date.weekday().num_days_from_monday()) % 7;
    date += Duration::days(ahead as i64);
    let mut out = Vec::new();
    loop {
        let instant = expiry_instant_ms(date);
        if instant > to_ms {
            break;
        }
        if instant >= from_ms {
            out.push(CalendarExpiry {
                date,
                cycle: cycle_of(date).expect("a Friday"),
            });
        }
        date += Duration::days(7);
    }
    out
}

/// Futures the calendar predicts were alive at some point of `range` (typical listing before
/// the range ends, expiry after it starts), for one currency, ascending by expiry.
pub fn futures_alive_during(range: &TimeRange) -> Vec<CalendarExpiry> {
    // Quarterlies are listed about a year ahead: look that far past the end.
    let horizon = range.end + 400 * super::time::DAY_MS;
    expiries_between(range.start, horizon)
        .into_iter()
        .filter(|e| e.typical_listing_ms() < range.end && e.expiration_ms() > range.start)
        .collect()
}

/// A perpetual the exchange is known to list, with its creation instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownPerpetual {
    pub name: &'static str,
    pub currency: &'static str,
    pub creation_ms: i64,
}

/// Perpetuals with their real creation timestamps (deribit-api.md §4).
pub const KNOWN_PERPETUALS: [KnownPerpetual; 4] = [
    KnownPerpetual {
        name: "BTC-PERPETUAL",
        currency: "BTC",
        creation_ms: 1_534_242_287_000,
    },
    KnownPerpetual {
        name: "ETH-PERPETUAL",
        currency: "ETH",
        creation_ms: 1_552_568_454_000,
    },
    KnownPerpetual {
        name: "BTC_USDC-PERPETUAL",
        currency: "BTC",
        creation_ms: 1_646_824_342_000,
    },
    KnownPerpetual {
        name: "ETH_USDC-PERPETUAL",
        currency: "ETH",
        creation_ms: 1_646_824_342_000,
    },
];

/// One instrument the calendar predicts, ready to store or export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PredictedInstrument {
    pub instrument_name: InstrumentName,
    pub kind: InstrumentKind,
    pub currency: String,
    pub settlement_period: SettlementPeriod,
    pub cycle: Option<ExpiryCycle>,
    /// Typical listing instant for futures; the real creation for known perpetuals.
    pub creation_timestamp: i64,
    pub expiration_timestamp: i64,
}

/// Every instrument the calendar predicts for `currency` during `range`: its inverse
/// perpetual (if it existed before the range ended) and the futures alive in the range.
pub fn predicted_instruments(currency: &str, range: &TimeRange) -> Vec<PredictedInstrument> {
    let mut out = Vec::new();
    for p in KNOWN_PERPETUALS
        .iter()
        .filter(|p| p.currency == currency && !p.name.contains('_'))
    {
        if p.creation_ms < range.end {
            let name = InstrumentName::parse(p.name).expect("known names parse");
            out.push(PredictedInstrument {
                expiration_timestamp: name.expiration_ms().expect("perpetual"),
                instrument_name: name,
                kind: InstrumentKind::Perpetual,
                currency: currency.to_string(),
                settlement_period: SettlementPeriod::Perpetual,
                cycle: None,
                creation_timestamp: p.creation_ms,
            });
        }
    }
    for e in futures_alive_during(range) {
        out.push(PredictedInstrument {
            instrument_name: e.instrument(currency),
            kind: InstrumentKind::Future,
            currency: currency.to_string(),
            settlement_period: e.settlement_period(),
            cycle: Some(e.cycle),
            creation_timestamp: e.typical_listing_ms(),
            expiration_timestamp: e.expiration_ms(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{DAY_MS, parse_instant};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn last_fridays() {
        assert_eq!(last_friday(2024, 12), d(2024, 12, 27));
        assert_eq!(last_friday(2023, 9), d(2023, 9, 29));
        assert_eq!(last_friday(2022, 6), d(2022, 6, 24));
        assert_eq!(last_friday(2024, 2), d(2024, 2, 23));
        assert_eq!(
            last_friday(2019, 5),
            d(2019, 5, 31),
            "month ending on a Friday"
        );
    }

    #[test]
    fn cycles_match_the_exchange() {
        assert_eq!(cycle_of(d(2024, 10, 4)), Some(ExpiryCycle::Weekly));
        assert_eq!(cycle_of(d(2024, 10, 25)), Some(ExpiryCycle::Monthly));
        assert_eq!(cycle_of(d(2024, 12, 27)), Some(ExpiryCycle::Quarterly));
        assert_eq!(cycle_of(d(2024, 12, 26)), None);
        // Quarterlies report `month`, as BTC-29SEP23 does.
        assert_eq!(
            ExpiryCycle::Quarterly.settlement_period(),
            SettlementPeriod::Month
        );
        assert_eq!(ExpiryCycle::Weekly.settlement_period().as_str(), "week");
    }

    #[test]
    fn expiries_in_december_2024() {
        let from = parse_instant("2024-12-01").unwrap();
        let to = parse_instant("2024-12-31").unwrap();
        let got: Vec<_> = expiries_between(from, to)
            .iter()
            .map(|e| (e.instrument("BTC").to_string(), e.cycle))
            .collect();
        assert_eq!(
            got,
            vec![
                ("BTC-6DEC24".to_string(), ExpiryCycle::Weekly),
                ("BTC-13DEC24".to_string(), ExpiryCycle::Weekly),
                ("BTC-20DEC24".to_string(), ExpiryCycle::Weekly),
                ("BTC-27DEC24".to_string(), ExpiryCycle::Quarterly),
            ]
        );
    }

    #[test]
    fn bounds_are_inclusive_at_0800() {
        let at = expiry_instant_ms(d(2024, 10, 4));
        assert_eq!(expiries_between(at, at).len(), 1);
        assert_eq!(expiries_between(at + 1, at + DAY_MS).len(), 0);
        assert_eq!(expiries_between(at - DAY_MS, at - 1).len(), 0);
        assert!(expiries_between(at, at - 1).is_empty());
    }

    #[test]
    fn quarterly_listed_a_year_ahead() {
        let e = CalendarExpiry {
            date: d(2023, 9, 29),
            cycle: ExpiryCycle::Quarterly,
        };
        assert_eq!(
            e.typical_listing_ms(),
            parse_instant("2022-09-30T08:00:00Z").unwrap()
        );
    }

    #[test]
    fn futures_alive_include_far_quarterlies() {
        let range = TimeRange::new(
            parse_instant("2024-01-01").unwrap(),
            parse_instant("2024-01-08").unwrap(),
        )
        .unwrap();
        let alive = futures_alive_during(&range);
        let names: Vec<String> = alive
            .iter()
            .map(|e| e.instrument("ETH").to_string())
            .collect();
        assert!(names.contains(&"ETH-5JAN24".to_string()));
        assert!(names.contains(&"ETH-29MAR24".to_string()));
        assert!(names.contains(&"ETH-27DEC24".to_string()), "{names:?}");
        assert!(
            !names.contains(&"ETH-28MAR25".to_string()),
            "not listed yet"
        );
        assert!(
            !names.contains(&"ETH-29DEC23".to_string()),
            "expired before the range"
        );
    }

    #[test]
    fn predicted_instruments_include_the_perpetual_once_it_exists() {
        let early = TimeRange::new(
            parse_instant("2019-01-01").unwrap(),
            parse_instant("2019-01-02").unwrap(),
        )
        .unwrap();
        let eth = predicted_instruments("ETH", &early);
        assert!(
            eth.iter().all(|p| p.kind == InstrumentKind::Future),
            "ETH-PERPETUAL starts 2019-03-14"
        );
        let btc = predicted_instruments("BTC", &early);
        assert_eq!(btc[0].instrument_name.to_string(), "BTC-PERPETUAL");
        assert_eq!(btc[0].settlement_period, SettlementPeriod::Perpetual);
    }

    proptest! {
        /// Every expiry is a Friday at 08:00 UTC, strictly ascending (de-duplicated), and none
        /// in the span is missing.
        #[test]
        fn calendar_is_every_friday_once(start_day in 0i64..20_000, days in 0i64..800) {
            let from = start_day * DAY_MS;
            let to = from + days * DAY_MS;
            let ex = expiries_between(from, to);
            for w in ex.windows(2) {
                prop_assert_eq!(w[1].date - w[0].date, Duration::days(7));
            }
            for e in &ex {
                prop_assert_eq!(e.date.weekday(), Weekday::Fri);
                prop_assert!(e.expiration_ms() >= from && e.expiration_ms() <= to);
                prop_assert_eq!(e.expiration_ms() % DAY_MS, 8 * 3_600_000);
                let monthly = is_last_friday(e.date);
                prop_assert_eq!(monthly, e.cycle != ExpiryCycle::Weekly);
                prop_assert_eq!(e.cycle == ExpiryCycle::Quarterly, monthly && e.date.month() % 3 == 0);
            }
            let fridays = (0..=days + 7)
                .map(|i| date_of(from) + Duration::days(i))
                .filter(|x| x.weekday() == Weekday::Fri)
                .filter(|x| { let t = expiry_instant_ms(*x); t >= from && t <= to })
                .count();
            prop_assert_eq!(fridays, ex.len());
        }
    }
}
