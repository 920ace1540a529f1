//! `get_funding_rate_history` rows, read one at a time (deribit-api.md §8.3): every number may
//! be null or absent (stored as NULL), unknown fields are ignored, and a row that cannot be
//! read at all — no usable timestamp, a number that is not a number, an impossible price — is
//! set apart with its reason instead of failing the page. One bad row must never stop a
//! pipeline: the rows around it are stored and the job goes on.

use serde_json::Value;

use crate::domain::{FundingRate, UnreadableRow};

/// One page of funding history: the rows that were read, and those that were not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FundingPage {
    pub rows: Vec<FundingRate>,
    pub unreadable: Vec<UnreadableRow>,
}

impl FundingPage {
    /// Reads every row of a page (the `result` array).
    pub fn read(raw_rows: Vec<Value>) -> Self {
        let mut page = FundingPage::default();
        for raw in raw_rows {
            match read_row(&raw) {
                Ok(row) => page.rows.push(row),
                Err(reason) => page.unreadable.push(UnreadableRow {
                    ts: raw.get("timestamp").and_then(timestamp_of),
                    raw: raw.to_string(),
                    reason,
                }),
            }
        }
        page
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.unreadable.is_empty()
    }
}

/// A timestamp in ms: an integer, or a float with no fractional part (`1.5566184E12`).
fn timestamp_of(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// A nullable number: absent or `null` is `None`; anything but a finite number is an error.
fn number(row: &Value, field: &'static str) -> Result<Option<f64>, String> {
    match row.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(format!("{field} is not a number: {v}")),
        },
    }
}

/// Reads one row, or says why it cannot be read.
pub fn read_row(row: &Value) -> Result<FundingRate, String> {
    if !row.is_object() {
        return Err(format!("the row is not an object: {row}"));
    }
    let ts = match row.get("timestamp") {
        None | Some(Value::Null) => return Err("timestamp is missing".into()),
        Some(v) => timestamp_of(v).ok_or_else(|| format!("timestamp is not an integer: {v}"))?,
    };
    let rate = FundingRate {
        ts,
        interest_8h: number(row, "interest_8h")?,
        interest_1h: number(row, "interest_1h")?,
        index_price: number(row, "index_price")?,
        prev_index_price: number(row, "prev_index_price")?,
    };
    rate.check().map_err(|e| e.to_string())?;
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> FundingPage {
        FundingPage::read(serde_json::from_str(text).unwrap())
    }

    #[test]
    fn a_complete_row() {
        let p = page(
            r#"[{"timestamp":1569891600000,"index_price":8222.87,"prev_index_price":8305.72,"interest_8h":-0.00009234260068476106,"interest_1h":-4.739622041017375e-7}]"#,
        );
        assert!(p.unreadable.is_empty());
        assert_eq!(
            p.rows,
            vec![FundingRate {
                ts: 1_569_891_600_000,
                interest_8h: Some(-0.00009234260068476106),
                interest_1h: Some(-4.739622041017375e-7),
                index_price: Some(8222.87),
                prev_index_price: Some(8305.72),
            }]
        );
    }

    #[test]
    fn the_real_first_row_has_a_null_prev_index_price() {
        // BTC-PERPETUAL, 2019-04-30T10:00:00Z (deribit-api.md §8.3).
        let p = page(
            r#"[{"timestamp":1556618400000,"prev_index_price":null,"interest_8h":0.0,"interest_1h":0.0,"index_price":5252.13}]"#,
        );
        assert!(p.unreadable.is_empty(), "{:?}", p.unreadable);
        assert_eq!(p.rows[0].ts, 1_556_618_400_000);
        assert_eq!(p.rows[0].prev_index_price, None);
        assert_eq!(p.rows[0].index_price, Some(5252.13));
        assert_eq!(p.rows[0].interest_8h, Some(0.0));
    }

    #[test]
    fn every_number_may_be_null_or_absent_and_unknown_fields_are_ignored() {
        let p = page(
            r#"[{"timestamp":3600000,"index_price":null,"interest_8h":null,"interest_1h":null,"prev_index_price":null},
                {"timestamp":7200000,"brand_new_field":{"x":[1,2]},"settlement":"yes"},
                {"timestamp":10800000,"index_price":7,"prev_index_price":7.4E+4,"interest_8h":1.0E-8,"interest_1h":0}]"#,
        );
        assert!(p.unreadable.is_empty(), "{:?}", p.unreadable);
        assert_eq!(p.rows.len(), 3);
        for r in &p.rows[..2] {
            assert_eq!(
                (
                    r.interest_8h,
                    r.interest_1h,
                    r.index_price,
                    r.prev_index_price
                ),
                (None, None, None, None)
            );
        }
        let r = p.rows[2];
        assert_eq!(
            r.index_price,
            Some(7.0),
            "integers where floats are expected"
        );
        assert_eq!(r.prev_index_price, Some(74_000.0), "exponent notation");
        assert_eq!(r.interest_8h, Some(1.0e-8));
        assert_eq!(r.interest_1h, Some(0.0));
    }

    #[test]
    fn unreadable_rows_are_set_apart_with_their_reason_and_the_rest_is_kept() {
        let p = page(
            r#"[{"timestamp":3600000,"index_price":1.5},
                {"timestamp":7200000,"index_price":"abc"},
                {"index_price":2.0},
                {"timestamp":"soon","index_price":2.0},
                {"timestamp":10800000,"index_price":-3.0},
                42,
                {"timestamp":1.44E7,"interest_1h":true},
                {"timestamp":1.8E7,"index_price":2.5}]"#,
        );
        assert_eq!(
            p.rows.iter().map(|r| r.ts).collect::<Vec<_>>(),
            vec![3_600_000, 18_000_000]
        );
        let reasons: Vec<(Option<i64>, &str)> = p
            .unreadable
            .iter()
            .map(|u| (u.ts, u.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 6, "{reasons:?}");
        assert_eq!(reasons[0].0, Some(7_200_000));
        assert!(reasons[0].1.contains("index_price is not a number"));
        assert_eq!(reasons[1], (None, "timestamp is missing"));
        assert!(reasons[2].1.contains("timestamp is not an integer"));
        assert_eq!(reasons[3].0, Some(10_800_000));
        assert!(reasons[3].1.contains("index_price must be > 0"));
        assert!(reasons[4].1.contains("not an object"));
        assert_eq!(reasons[5].0, Some(14_400_000));
        assert!(reasons[5].1.contains("interest_1h"));
        // The raw row is kept as it came.
        let raw: Value = serde_json::from_str(&p.unreadable[0].raw).unwrap();
        assert_eq!(raw["index_price"], "abc");
    }

    #[test]
    fn an_empty_page() {
        assert!(page("[]").is_empty());
    }
}
