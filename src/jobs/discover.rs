//! The instruments pipeline: the exchange's list (active and recently expired, per currency)
//! united with the expiry calendar, because `expired=true` only reaches back a little way.
//! Calendar names the exchange never had end `unavailable` when their candles are asked for.

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use crate::domain::calendar::predicted_instruments;
use crate::domain::time::DAY_MS;
use crate::domain::{
    DataStatus, Discovery, InstrumentKind, InstrumentName, InstrumentRecord, SettlementPeriod,
    TimeRange,
};
use crate::exchange::{ApiInstrument, DeribitClient, FetchError};

/// How much earlier than the calendar's typical listing a calendar-only future is searched
/// for data: the real listing may have been earlier, and empty windows cost one request.
pub const CALENDAR_LISTING_MARGIN_MS: i64 = 7 * DAY_MS;

/// Converts an exchange row; `None` for kinds the backfill does not cover (options, combos, spot).
pub fn from_api(row: &ApiInstrument) -> Option<InstrumentRecord> {
    let name = InstrumentName::parse(&row.instrument_name).ok()?;
    if !matches!(
        name.kind,
        InstrumentKind::Future | InstrumentKind::Perpetual
    ) || row.kind != "future"
    {
        return None;
    }
    Some(InstrumentRecord {
        instrument: row.instrument_name.clone(),
        kind: name.kind,
        currency: name.base.clone(),
        settlement_period: row
            .settlement_period
            .as_deref()
            .and_then(SettlementPeriod::parse),
        creation_ts: Some(row.creation_timestamp),
        expiration_ts: Some(row.expiration_timestamp),
        is_active: row.is_active,
        discovered_from: Discovery::Api,
        data_status: DataStatus::Unknown,
    })
}

/// Unites the exchange's rows with the calendar's prediction for `range`. Exchange values win
/// where both know an instrument; the result is sorted by name.
pub fn unite(
    api: &[InstrumentRecord],
    currencies: &[String],
    range: &TimeRange,
) -> Vec<InstrumentRecord> {
    let mut by_name: BTreeMap<String, InstrumentRecord> = BTreeMap::new();
    for r in api.iter().filter(|r| currencies.contains(&r.currency)) {
        by_name.insert(r.instrument.clone(), r.clone());
    }
    for currency in currencies {
        for p in predicted_instruments(currency, range) {
            let name = p.instrument_name.to_string();
            match by_name.get_mut(&name) {
                Some(existing) => {
                    existing.discovered_from = existing.discovered_from.merge(Discovery::Calendar)
                }
                None => {
                    let creation = if p.kind == InstrumentKind::Future {
                        p.creation_timestamp - CALENDAR_LISTING_MARGIN_MS
                    } else {
                        p.creation_timestamp
                    };
                    by_name.insert(
                        name.clone(),
                        InstrumentRecord {
                            instrument: name,
                            kind: p.kind,
                            currency: p.currency.clone(),
                            settlement_period: Some(p.settlement_period),
                            creation_ts: Some(creation),
                            expiration_ts: Some(p.expiration_timestamp),
                            is_active: false,
                            discovered_from: Discovery::Calendar,
                            data_status: DataStatus::Unknown,
                        },
                    );
                }
            }
        }
    }
    by_name.into_values().collect()
}

/// What discovery found and what it cost.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    pub instruments: Vec<InstrumentRecord>,
    pub from_api: usize,
    pub requests: i64,
}

/// Asks the exchange for each currency's futures (active and recently expired) and unites
/// them with the calendar.
pub async fn discover(
    client: &DeribitClient,
    currencies: &[String],
    range: &TimeRange,
    stop: &CancellationToken,
) -> Result<Discovered, FetchError> {
    let mut api = Vec::new();
    let mut requests = 0;
    for currency in currencies {
        for expired in [false, true] {
            let rows = client
                .get_instruments(Some(currency), Some("future"), expired, stop)
                .await?;
            requests += 1;
            api.extend(rows.value.iter().filter_map(from_api));
        }
    }
    let from_api = api.len();
    Ok(Discovered {
        instruments: unite(&api, currencies, range),
        from_api,
        requests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;

    fn api_row(name: &str, period: &str, creation: i64, expiration: i64) -> ApiInstrument {
        ApiInstrument {
            instrument_name: name.into(),
            kind: "future".into(),
            base_currency: Some("BTC".into()),
            quote_currency: Some("USD".into()),
            settlement_period: Some(period.into()),
            creation_timestamp: creation,
            expiration_timestamp: expiration,
            is_active: true,
            instrument_type: Some("reversed".into()),
            contract_size: Some(10.0),
        }
    }

    #[test]
    fn api_and_calendar_unite() {
        let range = TimeRange::new(
            parse_instant("2024-12-01").unwrap(),
            parse_instant("2024-12-10").unwrap(),
        )
        .unwrap();
        let api: Vec<_> = [
            api_row(
                "BTC-PERPETUAL",
                "perpetual",
                1_534_242_287_000,
                32_503_708_800_000,
            ),
            api_row(
                "BTC-6DEC24",
                "week",
                parse_instant("2024-11-22T08:01:00Z").unwrap(),
                parse_instant("2024-12-06T08:00:00Z").unwrap(),
            ),
        ]
        .iter()
        .filter_map(from_api)
        .collect();
        let all = unite(&api, &["BTC".to_string()], &range);
        let get = |n: &str| all.iter().find(|r| r.instrument == n).unwrap();
        let w = get("BTC-6DEC24");
        assert_eq!(w.discovered_from, Discovery::Both);
        assert_eq!(
            w.creation_ts,
            Some(parse_instant("2024-11-22T08:01:00Z").unwrap()),
            "the exchange's value wins"
        );
        assert_eq!(get("BTC-PERPETUAL").discovered_from, Discovery::Both);
        let c = get("BTC-13DEC24");
        assert_eq!(c.discovered_from, Discovery::Calendar);
        assert_eq!(
            c.creation_ts,
            Some(parse_instant("2024-11-29T08:00:00Z").unwrap() - CALENDAR_LISTING_MARGIN_MS)
        );
        assert!(all.iter().all(|r| r.currency == "BTC"));
    }

    #[test]
    fn options_and_combos_are_skipped() {
        let mut opt = api_row("BTC-27DEC24-100000-C", "month", 0, 1);
        opt.kind = "option".into();
        assert!(from_api(&opt).is_none());
        let combo = api_row("BTC-FS-5OCT26_PERP", "week", 0, 1);
        assert!(from_api(&combo).is_none());
        let linear = api_row("BTC_USDC-PERPETUAL", "perpetual", 0, 1);
        assert_eq!(from_api(&linear).unwrap().kind, InstrumentKind::Perpetual);
    }
}
