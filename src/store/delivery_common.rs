//! Delivery prices, shared by both backends: a currency has a few thousand (one a day), so a
//! write reads the stored ones once and writes only new or changed dates.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::DeliveryPriceRow;

use super::error::StoreError;
use super::types::WriteStats;

/// The rows to write (new or changed, last occurrence of a date wins) and the write's stats.
pub(crate) fn changes(
    currency: &str,
    stored: &BTreeMap<NaiveDate, f64>,
    rows: &[DeliveryPriceRow],
) -> Result<(Vec<DeliveryPriceRow>, WriteStats), StoreError> {
    let mut wanted: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for r in rows {
        if !(r.price.is_finite() && r.price > 0.0) {
            return Err(StoreError::InvalidRow {
                table: "delivery_prices",
                instrument: currency.to_string(),
                ts: r.date.to_string(),
                reason: format!("price must be a finite number > 0, got {}", r.price),
            });
        }
        wanted.insert(r.date, r.price);
    }
    let (mut inserted, mut updated) = (0, 0);
    let mut out = Vec::new();
    for (date, price) in &wanted {
        match stored.get(date) {
            None => inserted += 1,
            Some(p) if p != price => updated += 1,
            Some(_) => continue,
        }
        out.push(DeliveryPriceRow {
            date: *date,
            price: *price,
        });
    }
    Ok((
        out,
        WriteStats::new(rows.len(), wanted.len(), inserted, updated),
    ))
}
