//! The instrument universe: four perpetuals with their real creation instants, and inverse
//! BTC/ETH weekly, monthly and quarterly futures that follow the expiry calendar, with eras,
//! listing lead times and a few predicted expiries that never exist (all seeded and set in
//! [`MarketSettings`]).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::index::{Coin, IndexName};
use crate::domain::calendar::{
    ExpiryCycle, KNOWN_PERPETUALS, SettlementPeriod, cycle_of, last_friday,
};
use crate::domain::instrument::{InstrumentKind, InstrumentName};
use crate::domain::time::{
    DAY_MS, MINUTE_MS, PERPETUAL_EXPIRATION_MS, ceil_to, date_of, expiry_instant_ms, floor_to,
};
use crate::sim::hash::{h3, salt_of, unit};
use crate::sim::settings::{GENESIS_MS, MarketSettings};

/// One instrument of the simulated exchange, with the fields `get_instruments` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentSpec {
    /// The exchange spelling, e.g. `BTC-27DEC24`.
    pub instrument_name: String,
    pub name: InstrumentName,
    pub coin: Coin,
    /// USDC-settled linear perpetual (`BTC_USDC-PERPETUAL`) rather than inverse.
    pub linear: bool,
    /// `Perpetual` or `Future`.
    pub kind: InstrumentKind,
    /// The cycle the future was listed as (a calendar "monthly" listed before the monthly era is
    /// a weekly here); `None` for perpetuals.
    pub cycle: Option<ExpiryCycle>,
    pub settlement_period: SettlementPeriod,
    /// Epoch ms; futures: listing instant plus a deterministic jitter.
    pub creation_timestamp: i64,
    /// Epoch ms; 08:00 UTC for futures, 3000-01-01T08:00Z for perpetuals.
    pub expiration_timestamp: i64,
    /// Stable per name, independent of the seed.
    pub instrument_id: i64,
    pub tick_size: f64,
    pub contract_size: f64,
    pub min_trade_amount: f64,
    /// `1 / tick_size` (2, 20, 10, 100, or 0.4 for tick 2.5): prices are `k / ticks_per_unit`,
    /// exact in binary floating point for each of these.
    pub(crate) ticks_per_unit: f64,
    /// Linear: contracts per coin (`1 / contract_size`).
    pub(crate) contracts_per_unit: f64,
    pub(crate) salt: u64,
}

impl InstrumentSpec {
    /// Listed and not expired at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.creation_timestamp <= now_ms && now_ms < self.expiration_timestamp
    }

    /// `state` as 2026 captures show it: `open` while active, `closed` after expiry.
    pub fn state(&self, now_ms: i64) -> &'static str {
        if now_ms < self.expiration_timestamp {
            "open"
        } else {
            "closed"
        }
    }

    pub fn is_perpetual(&self) -> bool {
        self.kind == InstrumentKind::Perpetual
    }

    /// Base currency, `BTC`/`ETH`.
    pub fn base_currency(&self) -> &'static str {
        self.coin.as_str()
    }

    /// `settlement_currency`, and the `currency` `get_instruments` groups by: the coin for
    /// inverse instruments, `USDC` for linear ones.
    pub fn settlement_currency(&self) -> &'static str {
        if self.linear {
            "USDC"
        } else {
            self.coin.as_str()
        }
    }

    pub fn quote_currency(&self) -> &'static str {
        if self.linear { "USDC" } else { "USD" }
    }

    pub fn price_index(&self) -> IndexName {
        IndexName {
            coin: self.coin,
            usdc: self.linear,
        }
    }

    /// `instrument_type`: `reversed` (inverse) or `linear`.
    pub fn instrument_type(&self) -> &'static str {
        if self.linear { "linear" } else { "reversed" }
    }

    /// The first one-minute bucket with data: the first minute starting at or after creation.
    pub fn first_minute_ms(&self) -> i64 {
        ceil_to(self.creation_timestamp, MINUTE_MS)
    }

    /// The last one-minute bucket with data at `now_ms`: the last minute starting before
    /// expiration (07:59 for an 08:00 expiry), and not after now's minute. `None` before the
    /// first minute.
    pub fn last_minute_ms(&self, now_ms: i64) -> Option<i64> {
        let last =
            floor_to(self.expiration_timestamp - 1, MINUTE_MS).min(floor_to(now_ms, MINUTE_MS));
        (last >= self.first_minute_ms()).then_some(last)
    }
}

/// Why an expiry the calendar predicts has no instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Missing {
    /// Before the coin's futures exist (BTC: genesis 2018-08-01; ETH: `eth_futures_from`).
    BeforeCurrencyStart,
    /// Its cycle was not listed yet at that time (weeklies/monthlies eras).
    BeforeCycleEra,
    /// A seeded random skip (`weekly_skip_probability`).
    Skipped,
    /// The new-year holiday weekly.
    Holiday,
}

/// Builds instrument specs from names and dates.
#[derive(Debug, Clone)]
pub struct Universe {
    seed: u64,
    settings: MarketSettings,
}

fn perpetual_spec(name: &str, creation: i64) -> InstrumentSpec {
    let parsed = InstrumentName::parse(name).expect("known perpetual name");
    let coin = Coin::parse(&parsed.base).expect("BTC or ETH");
    let linear = parsed.is_linear();
    let (id, tick_pu, cs, cpu) = match (coin, linear) {
        (Coin::Btc, false) => (210_838, 2.0, 10.0, 0.0),
        (Coin::Eth, false) => (210_760, 20.0, 1.0, 0.0),
        (Coin::Btc, true) => (211_704, 10.0, 0.0001, 10_000.0),
        (Coin::Eth, true) => (211_705, 100.0, 0.001, 1_000.0),
    };
    InstrumentSpec {
        instrument_name: name.to_string(),
        name: parsed,
        coin,
        linear,
        kind: InstrumentKind::Perpetual,
        cycle: None,
        settlement_period: SettlementPeriod::Perpetual,
        creation_timestamp: creation,
        expiration_timestamp: PERPETUAL_EXPIRATION_MS,
        instrument_id: id,
        tick_size: 1.0 / tick_pu,
        contract_size: cs,
        min_trade_amount: cs,
        ticks_per_unit: tick_pu,
        contracts_per_unit: cpu,
        salt: salt_of(name),
    }
}

/// The last Friday of the month `months` away from `date`'s month.
fn last_friday_months_from(date: NaiveDate, months: i32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months;
    last_friday(total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
}

impl Universe {
    pub fn new(seed: u64, settings: MarketSettings) -> Self {
        Self { seed, settings }
    }

    pub fn settings(&self) -> &MarketSettings {
        &self.settings
    }

    fn futures_start(&self, coin: Coin) -> i64 {
        match coin {
            Coin::Btc => GENESIS_MS,
            Coin::Eth => self.settings.eth_futures_from_ms.max(GENESIS_MS),
        }
    }

    /// Listing instant (before jitter) of an expiry listed as `cycle`.
    fn listing_ms(&self, date: NaiveDate, cycle: ExpiryCycle) -> i64 {
        let s = &self.settings;
        // Leads grew over the years (deribit-api.md §8.1).
        let late = expiry_instant_ms(date) >= s.long_leads_from_ms;
        let (weekly_days, monthly_months) = if late {
            (s.weekly_lead_days_late, s.monthly_lead_months_late)
        } else {
            (s.weekly_lead_days, s.monthly_lead_months)
        };
        let day = match cycle {
            ExpiryCycle::Weekly => date - Duration::days(weekly_days),
            ExpiryCycle::Monthly => last_friday_months_from(date, -monthly_months),
            ExpiryCycle::Quarterly => last_friday_months_from(date, -s.quarterly_lead_months),
        };
        expiry_instant_ms(day)
    }

    /// The future of `coin` expiring on `date`, whether or not it is listed yet, or why none
    /// ever exists. `None` if `date` is not a Friday.
    pub fn future(&self, coin: Coin, date: NaiveDate) -> Option<Result<InstrumentSpec, Missing>> {
        let calendar_cycle = cycle_of(date)?;
        let s = &self.settings;
        let expiry = expiry_instant_ms(date);
        let start = self.futures_start(coin);
        if expiry <= start + DAY_MS {
            return Some(Err(Missing::BeforeCurrencyStart));
        }
        let era_ok = |cycle: ExpiryCycle| {
            let from = match cycle {
                ExpiryCycle::Weekly => s.weeklies_from_ms,
                ExpiryCycle::Monthly => s.monthlies_from_ms,
                ExpiryCycle::Quarterly => GENESIS_MS,
            };
            self.listing_ms(date, cycle).max(start) >= from
        };
        // A calendar monthly from before the monthly era is listed as a weekly if weeklies exist.
        let cycle = match calendar_cycle {
            ExpiryCycle::Monthly if !era_ok(ExpiryCycle::Monthly) => ExpiryCycle::Weekly,
            c => c,
        };
        if !era_ok(cycle) {
            return Some(Err(Missing::BeforeCycleEra));
        }
        let key = (date.num_days_from_ce() as u64) << 1 | coin.idx() as u64;
        if cycle == ExpiryCycle::Weekly {
            if s.skip_new_year_weeklies && date.month() == 1 && date.day() <= 7 {
                return Some(Err(Missing::Holiday));
            }
            if unit(h3(self.seed, 0x5e1b, key)) < s.weekly_skip_probability {
                return Some(Err(Missing::Skipped));
            }
        }
        // Whole seconds, like every real creation_timestamp seen (…209000, …287000).
        let jitter_secs = (s.listing_jitter_ms / 1000).max(0) as u64;
        let jitter = (h3(self.seed, 0x1157, key) % (jitter_secs + 1)) as i64 * 1000;
        let creation = self.listing_ms(date, cycle).max(start) + jitter;
        let name = InstrumentName::future(coin.as_str(), date);
        let instrument_name = name.to_string();
        let epoch = NaiveDate::from_ymd_opt(2016, 1, 1).expect("date");
        let (tick_pu, cs) = match coin {
            // tick 2.5 in every 2023 and 2026 row, 0.5 in 2022 (deribit-api.md §8.6).
            Coin::Btc if expiry >= s.btc_tick_2_5_from_ms => (0.4, 10.0),
            Coin::Btc => (2.0, 10.0),
            Coin::Eth => (20.0, 1.0),
        };
        Some(Ok(InstrumentSpec {
            salt: salt_of(&instrument_name),
            instrument_name,
            name,
            coin,
            linear: false,
            kind: InstrumentKind::Future,
            cycle: Some(cycle),
            settlement_period: cycle.settlement_period(),
            creation_timestamp: creation,
            expiration_timestamp: expiry,
            instrument_id: 100_000 + (date - epoch).num_days() * 2 + coin.idx() as i64,
            tick_size: 1.0 / tick_pu,
            contract_size: cs,
            min_trade_amount: cs,
            ticks_per_unit: tick_pu,
            contracts_per_unit: 0.0,
        }))
    }

    /// The instrument with this exact name if it is listed at `now_ms` (created at or before
    /// now; expired ones included). Options, spot and other currencies never exist here.
    pub fn lookup(&self, name: &str, now_ms: i64) -> Option<InstrumentSpec> {
        let parsed = InstrumentName::parse(name).ok()?;
        if parsed.to_string() != name {
            return None;
        }
        let spec = match parsed.kind {
            InstrumentKind::Perpetual => {
                let p = KNOWN_PERPETUALS.iter().find(|p| p.name == name)?;
                perpetual_spec(p.name, p.creation_ms)
            }
            InstrumentKind::Future if parsed.quote.is_none() => {
                let coin = Coin::parse(&parsed.base)?;
                self.future(coin, parsed.expiry?)?.ok()?
            }
            _ => return None,
        };
        (spec.creation_timestamp <= now_ms).then_some(spec)
    }

    /// Every instrument listed at or before `now_ms` (active and expired), perpetuals first, then
    /// futures by coin and expiry.
    pub fn all(&self, now_ms: i64) -> Vec<InstrumentSpec> {
        let mut out: Vec<InstrumentSpec> = KNOWN_PERPETUALS
            .iter()
            .filter(|p| p.creation_ms <= now_ms)
            .map(|p| perpetual_spec(p.name, p.creation_ms))
            .collect();
        for coin in Coin::ALL {
            for (_, r) in self.calendar(coin, now_ms) {
                if let Ok(spec) = r
                    && spec.creation_timestamp <= now_ms
                {
                    out.push(spec);
                }
            }
        }
        out
    }

    /// Every Friday from genesis until a year and a half past `now_ms`, with its future or the
    /// reason there is none.
    pub fn calendar(
        &self,
        coin: Coin,
        now_ms: i64,
    ) -> Vec<(NaiveDate, Result<InstrumentSpec, Missing>)> {
        let mut d = date_of(GENESIS_MS);
        while d.weekday() != Weekday::Fri {
            d += Duration::days(1);
        }
        let horizon = date_of(now_ms.max(GENESIS_MS) + 550 * DAY_MS);
        let mut out = Vec::new();
        while d <= horizon {
            if let Some(r) = self.future(coin, d) {
                out.push((d, r));
            }
            d += Duration::days(7);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::CalendarExpiry;
    use crate::domain::time::parse_instant;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn uni() -> Universe {
        Universe::new(42, MarketSettings::default())
    }

    #[test]
    fn quarterly_lead_matches_the_domain_calendar_and_real_capture() {
        let u = uni();
        let spec = u.future(Coin::Btc, d(2023, 9, 29)).unwrap().unwrap();
        let listed = parse_instant("2022-09-30T08:00:00Z").unwrap();
        assert!(spec.creation_timestamp >= listed && spec.creation_timestamp <= listed + 90_000);
        let cal = CalendarExpiry {
            date: d(2023, 9, 29),
            cycle: ExpiryCycle::Quarterly,
        };
        assert_eq!(cal.typical_listing_ms(), listed);
        assert_eq!(spec.settlement_period, SettlementPeriod::Month);
        assert_eq!(spec.expiration_timestamp, 1_695_974_400_000);
        // BTC-27MAY22 was created 2022-03-25 08:00:09Z.
        let may = u.future(Coin::Btc, d(2022, 5, 27)).unwrap().unwrap();
        assert_eq!(date_of(may.creation_timestamp), d(2022, 3, 25));
        assert_eq!(may.cycle, Some(ExpiryCycle::Monthly));
    }

    #[test]
    fn eras_and_gaps() {
        let u = uni();
        // Before the weekly era there are no weeklies.
        assert_eq!(
            u.future(Coin::Btc, d(2018, 10, 5)).unwrap(),
            Err(Missing::BeforeCycleEra)
        );
        // Quarterlies from the start, created no earlier than genesis.
        let q = u.future(Coin::Btc, d(2018, 9, 28)).unwrap().unwrap();
        assert!(q.creation_timestamp >= GENESIS_MS);
        // ETH futures start later.
        assert_eq!(
            u.future(Coin::Eth, d(2018, 12, 28)).unwrap(),
            Err(Missing::BeforeCurrencyStart)
        );
        // A last Friday before the monthly era is a weekly.
        let w = u.future(Coin::Btc, d(2019, 10, 25)).unwrap().unwrap();
        assert_eq!(w.settlement_period, SettlementPeriod::Week);
        // Holiday weekly.
        assert_eq!(
            u.future(Coin::Btc, d(2021, 1, 1)).unwrap(),
            Err(Missing::Holiday)
        );
        assert!(u.future(Coin::Btc, d(2021, 1, 2)).is_none(), "not a Friday");
        // Some weeklies are skipped, but only a few.
        let now = parse_instant("2026-01-01").unwrap();
        let cal = u.calendar(Coin::Btc, now);
        let skipped = cal
            .iter()
            .filter(|(_, r)| r == &Err(Missing::Skipped))
            .count();
        let weeklies = cal
            .iter()
            .filter(|(_, r)| matches!(r, Ok(s) if s.cycle == Some(ExpiryCycle::Weekly)))
            .count();
        assert!(
            skipped >= 2 && skipped * 12 < weeklies,
            "{skipped} of {weeklies}"
        );
    }

    #[test]
    fn lookup_respects_now_and_spelling() {
        let u = uni();
        let now = parse_instant("2024-06-01").unwrap();
        let p = u.lookup("BTC-PERPETUAL", now).unwrap();
        assert_eq!(p.creation_timestamp, 1_534_242_287_000);
        assert_eq!(p.instrument_id, 210_838);
        assert!(
            u.lookup("ETH-PERPETUAL", parse_instant("2019-01-01").unwrap())
                .is_none()
        );
        assert!(u.lookup("BTC-28JUN24", now).is_some());
        assert!(u.lookup("BTC-27JUN25", now).is_none(), "listed later");
        assert!(u.lookup("BTC-28JUN24-60000-C", now).is_none());
        assert!(u.lookup("SOL-PERPETUAL", now).is_none());
        let usdc = u.lookup("BTC_USDC-PERPETUAL", now).unwrap();
        assert_eq!(usdc.contract_size, 0.0001);
        assert_eq!(usdc.tick_size, 0.1);
        assert_eq!(usdc.settlement_currency(), "USDC");
        assert_eq!(usdc.instrument_type(), "linear");
    }

    #[test]
    fn leads_grew_over_the_years_and_ticks_changed() {
        let u = uni();
        let days = |spec: &InstrumentSpec| {
            (spec.expiration_timestamp - spec.creation_timestamp + 90_000) / DAY_MS
        };
        // 2026: a weekly 22 days ahead (BTC-9OCT26), a monthly ~3 months (BTC-30OCT26).
        let w = u.future(Coin::Btc, d(2026, 10, 9)).unwrap().unwrap();
        assert_eq!(w.cycle, Some(ExpiryCycle::Weekly));
        assert_eq!(days(&w), 22);
        let m = u.future(Coin::Btc, d(2026, 10, 30)).unwrap().unwrap();
        assert_eq!(m.cycle, Some(ExpiryCycle::Monthly));
        assert!((84..=98).contains(&days(&m)), "{}", days(&m));
        // Earlier: 14 days and 2 months (BTC-27MAY22: 63 days).
        let w = u.future(Coin::Btc, d(2024, 12, 6)).unwrap().unwrap();
        assert_eq!(days(&w), 14);
        let may = u.future(Coin::Btc, d(2022, 5, 27)).unwrap().unwrap();
        assert_eq!(days(&may), 63);
        // Quarterlies about a year all along.
        let q = u.future(Coin::Btc, d(2027, 3, 26)).unwrap().unwrap();
        assert!((357..=371).contains(&days(&q)));
        // Tick 2.5 for dated BTC futures from 2023, 0.5 before and for the perpetual.
        assert_eq!(
            u.future(Coin::Btc, d(2023, 9, 29))
                .unwrap()
                .unwrap()
                .tick_size,
            2.5
        );
        assert_eq!(may.tick_size, 0.5);
        assert_eq!(
            u.lookup("BTC-PERPETUAL", parse_instant("2024-01-01").unwrap())
                .unwrap()
                .tick_size,
            0.5
        );
    }

    #[test]
    fn candle_edges() {
        let u = uni();
        let now = parse_instant("2025-01-01").unwrap();
        let f = u.lookup("BTC-27DEC24", now).unwrap();
        assert_eq!(
            f.last_minute_ms(now),
            Some(parse_instant("2024-12-27T07:59:00Z").unwrap())
        );
        assert!(f.first_minute_ms() >= f.creation_timestamp);
        assert!(f.first_minute_ms() - f.creation_timestamp < MINUTE_MS);
        assert_eq!(f.creation_timestamp % 1000, 0, "whole seconds");
        let p = u.lookup("BTC-PERPETUAL", now).unwrap();
        assert_eq!(p.last_minute_ms(now + 59_999), Some(now));
    }
}
