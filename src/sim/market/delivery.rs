//! Daily delivery prices: the 07:30–08:00 UTC average of the index (30 one-minute values),
//! one per day from the first 08:00 of the index's history (2018-08-01 for `btc_usd`/`eth_usd`,
//! the day after the USDC perpetuals were listed for `btc_usdc`/`eth_usdc`). Not rounded, like
//! the real legacy example (`7131.214606410254`).

use chrono::{Duration, NaiveDate};

use super::Market;
use super::index::{IndexModel, IndexName};
use crate::domain::calendar::KNOWN_PERPETUALS;
use crate::domain::time::{DAY_MS, MINUTE_MS, date_of, expiry_instant_ms};
use crate::sim::settings::GENESIS_MS;

/// One daily delivery price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryPrice {
    pub date: NaiveDate,
    /// The 08:00 UTC instant of `date`, epoch ms.
    pub ts: i64,
    pub price: f64,
}

fn twap(model: &IndexModel, usdc: bool, date: NaiveDate) -> f64 {
    let end = expiry_instant_ms(date) / MINUTE_MS;
    let mut cur = Default::default();
    let mut sum = 0.0;
    for m in end - 30..end {
        sum += model.value(&mut cur, m, usdc);
    }
    sum / 30.0
}

impl Market {
    /// The first date with a delivery price for `index`.
    pub fn first_delivery_date(index: IndexName) -> NaiveDate {
        let from = if index.usdc {
            KNOWN_PERPETUALS
                .iter()
                .find(|p| p.name == "BTC_USDC-PERPETUAL")
                .map(|p| p.creation_ms)
                .unwrap_or(GENESIS_MS)
        } else {
            GENESIS_MS
        };
        let d = date_of(from);
        if expiry_instant_ms(d) >= from {
            d
        } else {
            d + Duration::days(1)
        }
    }

    /// How many delivery prices `index` has at `now_ms`.
    pub fn delivery_count(&self, index: IndexName, now_ms: i64) -> usize {
        let first = expiry_instant_ms(Self::first_delivery_date(index));
        if now_ms < first {
            0
        } else {
            ((now_ms - first) / DAY_MS + 1) as usize
        }
    }

    /// The delivery price of `index` on `date`.
    pub fn delivery_price(&self, index: IndexName, date: NaiveDate) -> DeliveryPrice {
        DeliveryPrice {
            date,
            ts: expiry_instant_ms(date),
            price: twap(self.index_model(index.coin), index.usdc, date),
        }
    }

    /// `get_delivery_prices`: newest first, skipping `offset`, at most `count`; plus the total.
    pub fn delivery_page(
        &self,
        index: IndexName,
        offset: usize,
        count: usize,
        now_ms: i64,
    ) -> (Vec<DeliveryPrice>, usize) {
        let total = self.delivery_count(index, now_ms);
        let first = Self::first_delivery_date(index);
        let page = (offset..total.min(offset.saturating_add(count)))
            .map(|i| {
                let date = first + Duration::days((total - 1 - i) as i64);
                self.delivery_price(index, date)
            })
            .collect();
        (page, total)
    }
}
