//! The instruments pipeline: the exchange's lists united with the expiry calendar.
//!
//! Active futures come from the main host. Expired ones come from the history host
//! (`--history-url`, `https://history.deribit.com`), which lists every expired future
//! (deribit-api.md §8.2); when it fails, the main host's short "recently expired" list and
//! the calendar stand in, and one log line says so. A future only the calendar knows has no
//! known creation: its job searches for its first candle (see [`FIRST_CANDLE_SEARCH_MS`]).
//! Calendar names the exchange never had end `unavailable` when their candles are asked for.

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use crate::domain::calendar::predicted_instruments;
use crate::domain::time::DAY_MS;
use crate::domain::{
    DataStatus, Discovery, InstrumentKind, InstrumentName, InstrumentRecord, SettlementPeriod,
    TimeRange,
};
use crate::exchange::{ApiInstrument, DeribitClient, FetchError, RetryPolicy};

/// How far before its expiry a future known only from the calendar is searched for its first
/// candle: real leads reach a year for quarterlies (BTC-29SEP23 was listed 2022-09-30, and a
/// year back from a last Friday can be 371 days), so 400 days, in one daily-candle request.
pub const FIRST_CANDLE_SEARCH_MS: i64 = 400 * DAY_MS;

/// Converts an exchange row listed by `source` (`Api` or `History`); `None` for kinds the
/// backfill does not cover (options, combos, spot) and rows without an expiry.
pub fn from_api(row: &ApiInstrument, source: Discovery) -> Option<InstrumentRecord> {
    let name = InstrumentName::parse(&row.instrument_name).ok()?;
    if !matches!(
        name.kind,
        InstrumentKind::Future | InstrumentKind::Perpetual
    ) || row.kind != "future"
    {
        return None;
    }
    // A linear row is never the inverse instrument of the same coin, whatever its name says.
    if row.instrument_type.as_deref() == Some("linear") && name.is_inverse() {
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
        creation_ts: row.creation_timestamp,
        expiration_ts: row.expiration_timestamp.or(name.expiration_ms()),
        is_active: row.is_active,
        discovered_from: source,
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
        match by_name.get_mut(&r.instrument) {
            Some(existing) => {
                let from = existing.discovered_from.merge(r.discovered_from);
                if r.discovered_from == Discovery::Api {
                    *existing = r.clone();
                }
                existing.discovered_from = from;
            }
            None => {
                by_name.insert(r.instrument.clone(), r.clone());
            }
        }
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
                        p.expiration_timestamp - FIRST_CANDLE_SEARCH_MS
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

/// Where the expired listing came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExpiredSource {
    /// The history host answered for every currency.
    History,
    /// No history host configured: the main host's recent list and the calendar.
    #[default]
    MainHost,
    /// The history host failed (why); the main host's recent list and the calendar stood in.
    Fallback(String),
}

/// What discovery found and what it cost.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    pub instruments: Vec<InstrumentRecord>,
    /// Rows from either host.
    pub from_api: usize,
    /// Rows from the history host.
    pub from_history: usize,
    pub expired_source: ExpiredSource,
    pub requests: i64,
}

/// A short retry policy for the history host: when it is down, fall back in seconds.
fn history_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        base: std::time::Duration::from_millis(300),
        max: std::time::Duration::from_secs(1),
        ..RetryPolicy::default()
    }
}

/// Asks the main host for each currency's active futures and the history host for the expired
/// ones (falling back to the main host's recent list), and unites them with the calendar.
pub async fn discover(
    client: &DeribitClient,
    currencies: &[String],
    range: &TimeRange,
    stop: &CancellationToken,
) -> Result<Discovered, FetchError> {
    let mut api = Vec::new();
    let mut requests = 0;
    let mut from_history = 0;
    let mut history = client.history().map(|h| h.with_retry(history_retry()));
    let mut expired_source = if history.is_some() {
        ExpiredSource::History
    } else {
        tracing::info!(
            "no history host: expired futures come from the main host's recent list and the expiry calendar (pass --history-url)"
        );
        ExpiredSource::MainHost
    };
    for currency in currencies {
        let rows = client
            .get_instruments(Some(currency), Some("future"), false, stop)
            .await?;
        requests += 1;
        api.extend(
            rows.value
                .iter()
                .filter_map(|r| from_api(r, Discovery::Api)),
        );
        if let Some(h) = &history {
            requests += 1;
            match h
                .get_instruments(Some(currency), Some("future"), true, stop)
                .await
            {
                Ok(rows) => {
                    let before = api.len();
                    api.extend(
                        rows.value
                            .iter()
                            .filter_map(|r| from_api(r, Discovery::History)),
                    );
                    from_history += api.len() - before;
                    continue;
                }
                Err(FetchError::Interrupted) => return Err(FetchError::Interrupted),
                Err(FetchError::Exchange(e)) => {
                    tracing::warn!(
                        "history host {} failed ({e}): expired futures come from the main host's recent list and the expiry calendar instead",
                        client.history_url().unwrap_or_default()
                    );
                    expired_source = ExpiredSource::Fallback(e.to_string());
                    history = None;
                }
            }
        }
        let rows = client
            .get_instruments(Some(currency), Some("future"), true, stop)
            .await?;
        requests += 1;
        api.extend(
            rows.value
                .iter()
                .filter_map(|r| from_api(r, Discovery::Api)),
        );
    }
    let from_api = api.len();
    Ok(Discovered {
        instruments: unite(&api, currencies, range),
        from_api,
        from_history,
        expired_source,
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
            creation_timestamp: Some(creation),
            expiration_timestamp: Some(expiration),
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
        .filter_map(|r| from_api(r, Discovery::Api))
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
            Some(parse_instant("2024-12-13T08:00:00Z").unwrap() - FIRST_CANDLE_SEARCH_MS),
            "a calendar-only future is searched from far enough back for any real lead"
        );
        assert!(all.iter().all(|r| r.currency == "BTC"));
    }

    #[test]
    fn options_and_combos_are_skipped() {
        let mut opt = api_row("BTC-27DEC24-100000-C", "month", 0, 1);
        opt.kind = "option".into();
        assert!(from_api(&opt, Discovery::Api).is_none());
        let combo = api_row("BTC-FS-5OCT26_PERP", "week", 0, 1);
        assert!(from_api(&combo, Discovery::Api).is_none());
        let mut linear = api_row("BTC_USDC-PERPETUAL", "perpetual", 0, 1);
        linear.instrument_type = Some("linear".into());
        assert_eq!(
            from_api(&linear, Discovery::Api).unwrap().kind,
            InstrumentKind::Perpetual
        );
    }

    #[test]
    fn a_linear_row_is_never_the_inverse_perpetual() {
        // A listing that mixes them, and a linear row under an inverse-looking name.
        let inverse = api_row(
            "BTC-PERPETUAL",
            "perpetual",
            1_534_242_287_000,
            32_503_708_800_000,
        );
        let mut linear = api_row(
            "BTC_USDC-PERPETUAL",
            "perpetual",
            1_646_824_342_000,
            32_503_708_800_000,
        );
        linear.instrument_type = Some("linear".into());
        let mut impostor = inverse.clone();
        impostor.instrument_type = Some("linear".into());
        impostor.creation_timestamp = Some(1);
        assert!(from_api(&impostor, Discovery::Api).is_none());
        let rows: Vec<_> = [linear, inverse, impostor]
            .iter()
            .filter_map(|r| from_api(r, Discovery::Api))
            .collect();
        let range = TimeRange::new(
            parse_instant("2024-12-01").unwrap(),
            parse_instant("2024-12-02").unwrap(),
        )
        .unwrap();
        let all = unite(&rows, &["BTC".to_string()], &range);
        let perp = all
            .iter()
            .find(|r| r.instrument == "BTC-PERPETUAL")
            .unwrap();
        assert_eq!(perp.creation_ts, Some(1_534_242_287_000));
        // The plan's inverse perpetual (index proxy, basis reference) is BTC-PERPETUAL.
        let req = crate::jobs::PlanRequest {
            pipelines: vec![crate::domain::Pipeline::Index],
            currencies: vec!["BTC".into()],
            instruments: None,
            start: Some(range.start),
            end: Some(range.end),
            now: range.end,
        };
        let plan = crate::jobs::plan(&all, &req);
        assert_eq!(plan.jobs.len(), 1);
        assert_eq!(plan.jobs[0].range.start, range.start);
    }

    #[test]
    fn history_rows_keep_their_source() {
        let h = api_row(
            "BTC-6DEC24",
            "week",
            parse_instant("2024-11-14T08:00:00Z").unwrap(),
            parse_instant("2024-12-06T08:00:00Z").unwrap(),
        );
        let rec = from_api(&h, Discovery::History).unwrap();
        let range = TimeRange::new(
            parse_instant("2024-12-01").unwrap(),
            parse_instant("2024-12-10").unwrap(),
        )
        .unwrap();
        let all = unite(&[rec], &["BTC".to_string()], &range);
        let w = all.iter().find(|r| r.instrument == "BTC-6DEC24").unwrap();
        assert_eq!(w.discovered_from, Discovery::HistoryCalendar);
        assert_eq!(
            w.creation_ts,
            Some(parse_instant("2024-11-14T08:00:00Z").unwrap())
        );
    }
}
