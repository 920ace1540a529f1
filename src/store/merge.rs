//! Merging a newly discovered instrument into the stored record (pure).

use crate::domain::{DataStatus, Discovery, InstrumentRecord};

fn from_api(d: Discovery) -> bool {
    d.listed()
}

/// Merges `new` into `old` (same instrument name):
/// - `discovered_from` is the union (`Discovery::merge`);
/// - the exchange's word beats the calendar's prediction: when `new` came from the API, or
///   `old` did not, `new`'s fields win and missing ones are filled from `old`; otherwise
///   (`old` from the API, `new` only predicted) `old`'s fields win and gaps are filled from `new`;
/// - `data_status` learned from the exchange is kept unless `new` knows something (not `unknown`).
pub fn merge_instrument(old: &InstrumentRecord, new: &InstrumentRecord) -> InstrumentRecord {
    let prefer_new = from_api(new.discovered_from) || !from_api(old.discovered_from);
    let (p, s) = if prefer_new { (new, old) } else { (old, new) };
    InstrumentRecord {
        instrument: old.instrument.clone(),
        kind: p.kind,
        currency: p.currency.clone(),
        settlement_period: p.settlement_period.or(s.settlement_period),
        creation_ts: p.creation_ts.or(s.creation_ts),
        expiration_ts: p.expiration_ts.or(s.expiration_ts),
        is_active: p.is_active,
        discovered_from: old.discovered_from.merge(new.discovered_from),
        data_status: if new.data_status == DataStatus::Unknown {
            old.data_status
        } else {
            new.data_status
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentKind, SettlementPeriod};

    fn rec(from: Discovery) -> InstrumentRecord {
        InstrumentRecord {
            instrument: "BTC-27DEC24".into(),
            kind: InstrumentKind::Future,
            currency: "BTC".into(),
            settlement_period: None,
            creation_ts: None,
            expiration_ts: Some(1),
            is_active: false,
            discovered_from: from,
            data_status: DataStatus::Unknown,
        }
    }

    #[test]
    fn api_fields_win_and_gaps_are_filled() {
        let mut cal = rec(Discovery::Calendar);
        cal.settlement_period = Some(SettlementPeriod::Month);
        cal.is_active = true;
        let mut api = rec(Discovery::Api);
        api.creation_ts = Some(5);
        api.expiration_ts = Some(2);
        let m = merge_instrument(&cal, &api);
        assert_eq!(m.discovered_from, Discovery::Both);
        assert_eq!(m.creation_ts, Some(5));
        assert_eq!(m.expiration_ts, Some(2));
        assert_eq!(m.settlement_period, Some(SettlementPeriod::Month));
        assert!(!m.is_active, "the API said inactive");
        // The reverse order: a later calendar prediction does not override the API.
        let m2 = merge_instrument(&api, &cal);
        assert_eq!(m2.expiration_ts, Some(2));
        assert_eq!(m2.creation_ts, Some(5));
        assert!(!m2.is_active);
        assert_eq!(m2.discovered_from, Discovery::Both);
    }

    #[test]
    fn data_status_survives_rediscovery() {
        let mut old = rec(Discovery::Api);
        old.data_status = DataStatus::Unavailable;
        let m = merge_instrument(&old, &rec(Discovery::Api));
        assert_eq!(m.data_status, DataStatus::Unavailable);
        let mut new = rec(Discovery::Api);
        new.data_status = DataStatus::Available;
        assert_eq!(
            merge_instrument(&old, &new).data_status,
            DataStatus::Available
        );
    }
}
