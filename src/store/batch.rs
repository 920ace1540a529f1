//! Turning a slice of domain rows into a write batch: validate (finite numbers, timestamps in
//! range), de-duplicate by timestamp (one statement must not touch a row twice) and lay the
//! values out column by column (what PostgreSQL's `UNNEST` wants; SQLite binds row by row).
//! Pure code, shared by both backends.

use crate::domain::time::format_ms;
use crate::domain::{Candle, FundingRate, IndexPrice, IndexSource};

use super::error::StoreError;

/// Earliest timestamp the store accepts: 0001-01-01T00:00:00Z.
pub const MIN_TS: i64 = -62_135_596_800_000;
/// Latest timestamp the store accepts: 9999-12-31T23:59:59.999Z.
pub const MAX_TS: i64 = 253_402_300_799_999;

/// Checks that a timestamp fits both backends (PostgreSQL `timestamptz`, chrono).
pub(crate) fn check_ts(table: &'static str, instrument: &str, ts: i64) -> Result<(), StoreError> {
    if (MIN_TS..=MAX_TS).contains(&ts) {
        Ok(())
    } else {
        Err(StoreError::InvalidRow {
            table,
            instrument: instrument.to_string(),
            ts: ts.to_string(),
            reason: "the timestamp is outside years 1..=9999".to_string(),
        })
    }
}

/// Rows of one instrument, sorted by timestamp, unique, column-major.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesBatch {
    /// How many rows the caller passed (before de-duplication).
    pub received: usize,
    pub ts: Vec<i64>,
    /// One vector per value column, each as long as `ts`; `None` is stored as NULL (funding
    /// rows; candle values are never `None`).
    pub cols: Vec<Vec<Option<f64>>>,
}

impl SeriesBatch {
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// First and last timestamp (the batch is sorted).
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((*self.ts.first()?, *self.ts.last()?))
    }
}

/// Index prices of one currency, sorted by timestamp, unique.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndexBatch {
    pub received: usize,
    pub ts: Vec<i64>,
    pub price: Vec<f64>,
    pub source: Vec<IndexSource>,
}

impl IndexBatch {
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn span(&self) -> Option<(i64, i64)> {
        Some((*self.ts.first()?, *self.ts.last()?))
    }
}

pub(crate) const CANDLE_COLUMNS: [&str; 6] = ["open", "high", "low", "close", "volume", "cost"];
pub(crate) const FUNDING_COLUMNS: [&str; 4] = [
    "funding_rate",
    "interest_1h",
    "index_price",
    "prev_index_price",
];

/// Indices of `keys` sorted by key, keeping only the LAST occurrence of each key
/// (the newest value the caller passed wins).
fn last_unique_order(keys: &[i64]) -> Vec<usize> {
    let strictly_sorted = keys.windows(2).all(|w| w[0] < w[1]);
    if strictly_sorted {
        return (0..keys.len()).collect();
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    // Stable: equal keys stay in input order, so the last of a run is the caller's last.
    order.sort_by_key(|&i| keys[i]);
    let mut out: Vec<usize> = Vec::with_capacity(order.len());
    for i in order {
        match out.last_mut() {
            Some(last) if keys[*last] == keys[i] => *last = i,
            _ => out.push(i),
        }
    }
    out
}

fn series<const N: usize>(
    table: &'static str,
    instrument: &str,
    names: [&'static str; N],
    rows: Vec<(i64, [Option<f64>; N])>,
) -> Result<SeriesBatch, StoreError> {
    for (ts, values) in &rows {
        check_ts(table, instrument, *ts)?;
        for (name, v) in names.iter().zip(values) {
            if let Some(v) = v
                && !v.is_finite()
            {
                return Err(StoreError::InvalidRow {
                    table,
                    instrument: instrument.to_string(),
                    ts: format_ms(*ts),
                    reason: format!("{name} is not a finite number ({v})"),
                });
            }
        }
    }
    let keys: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let order = last_unique_order(&keys);
    let mut cols = vec![Vec::with_capacity(order.len()); N];
    let mut ts = Vec::with_capacity(order.len());
    for &i in &order {
        ts.push(rows[i].0);
        for (col, v) in cols.iter_mut().zip(rows[i].1) {
            col.push(v);
        }
    }
    Ok(SeriesBatch {
        received: rows.len(),
        ts,
        cols,
    })
}

pub(crate) fn candles(
    table: &'static str,
    instrument: &str,
    rows: &[Candle],
) -> Result<SeriesBatch, StoreError> {
    series(
        table,
        instrument,
        CANDLE_COLUMNS,
        rows.iter()
            .map(|c| {
                (
                    c.ts,
                    [c.open, c.high, c.low, c.close, c.volume, c.cost].map(Some),
                )
            })
            .collect(),
    )
}

pub(crate) fn funding(instrument: &str, rows: &[FundingRate]) -> Result<SeriesBatch, StoreError> {
    series(
        "funding_rates",
        instrument,
        FUNDING_COLUMNS,
        rows.iter()
            .map(|f| {
                (
                    f.ts,
                    [
                        f.interest_8h,
                        f.interest_1h,
                        f.index_price,
                        f.prev_index_price,
                    ],
                )
            })
            .collect(),
    )
}

/// Index prices: at one timestamp the highest-priority source wins; among equal priorities
/// the caller's last row wins.
pub(crate) fn index_prices(currency: &str, rows: &[IndexPrice]) -> Result<IndexBatch, StoreError> {
    for p in rows {
        check_ts("index_prices", currency, p.ts)?;
        if !p.price.is_finite() {
            return Err(StoreError::InvalidRow {
                table: "index_prices",
                instrument: currency.to_string(),
                ts: format_ms(p.ts),
                reason: format!("price is not a finite number ({})", p.price),
            });
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].ts);
    let mut kept: Vec<usize> = Vec::with_capacity(rows.len());
    for i in order {
        match kept.last_mut() {
            Some(last) if rows[*last].ts == rows[i].ts => {
                if rows[i].source.priority() >= rows[*last].source.priority() {
                    *last = i;
                }
            }
            _ => kept.push(i),
        }
    }
    Ok(IndexBatch {
        received: rows.len(),
        ts: kept.iter().map(|&i| rows[i].ts).collect(),
        price: kept.iter().map(|&i| rows[i].price).collect(),
        source: kept.iter().map(|&i| rows[i].source).collect(),
    })
}

/// SQL `CASE` giving a source's priority, generated from [`IndexSource::priority`] so the
/// database and the domain cannot disagree.
pub(crate) fn source_priority_sql(column: &str) -> String {
    let mut s = format!("(CASE {column}");
    for src in IndexSource::ALL {
        s.push_str(&format!(" WHEN '{}' THEN {}", src.as_str(), src.priority()));
    }
    s.push_str(" ELSE -1 END)");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(ts: i64, close: f64) -> Candle {
        Candle {
            ts,
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
            cost: close,
        }
    }

    #[test]
    fn dedup_keeps_the_last_occurrence_and_sorts() {
        let b = candles(
            "futures_ohlcv",
            "X",
            &[c(120, 1.0), c(60, 2.0), c(120, 3.0), c(0, 4.0), c(60, 5.0)],
        )
        .unwrap();
        assert_eq!(b.received, 5);
        assert_eq!(b.ts, vec![0, 60, 120]);
        assert_eq!(b.cols[3], vec![Some(4.0), Some(5.0), Some(3.0)]);
        assert_eq!(b.span(), Some((0, 120)));
    }

    #[test]
    fn sorted_input_is_taken_as_is() {
        let rows: Vec<Candle> = (0..5).map(|i| c(i * 60, i as f64 + 1.0)).collect();
        let b = candles("perpetuals_ohlcv", "X", &rows).unwrap();
        assert_eq!(b.len(), 5);
        assert_eq!(b.cols.len(), 6);
        assert!(b.cols.iter().all(|col| col.len() == 5));
    }

    #[test]
    fn non_finite_values_and_wild_timestamps_are_refused() {
        let mut bad = c(60_000, 1.0);
        bad.volume = f64::NAN;
        let e = candles("futures_ohlcv", "BTC-X", &[c(0, 1.0), bad])
            .unwrap_err()
            .to_string();
        assert!(e.contains("volume is not a finite number"), "{e}");
        assert!(e.contains("1970-01-01T00:01:00Z"), "{e}");
        let e = candles("futures_ohlcv", "BTC-X", &[c(MAX_TS + 1, 1.0)]).unwrap_err();
        assert!(e.to_string().contains("outside years"), "{e}");
        assert!(candles("futures_ohlcv", "X", &[c(MIN_TS, 1.0), c(MAX_TS, 1.0)]).is_ok());
    }

    #[test]
    fn index_dedup_prefers_official_sources() {
        let p = |ts, price, source| IndexPrice { ts, price, source };
        let b = index_prices(
            "BTC",
            &[
                p(0, 1.0, IndexSource::FundingHistory),
                p(0, 2.0, IndexSource::PerpetualClose),
                p(60, 3.0, IndexSource::PerpetualClose),
                p(60, 4.0, IndexSource::PerpetualClose),
            ],
        )
        .unwrap();
        assert_eq!(b.ts, vec![0, 60]);
        assert_eq!(b.price, vec![1.0, 4.0]);
        assert_eq!(
            b.source,
            vec![IndexSource::FundingHistory, IndexSource::PerpetualClose]
        );
    }

    #[test]
    fn priority_sql_matches_the_domain() {
        let sql = source_priority_sql("source");
        assert!(sql.contains("WHEN 'funding_history' THEN 2"), "{sql}");
        assert!(!sql.contains("delivery"), "{sql}");
        assert!(sql.contains("WHEN 'perpetual_close' THEN 0"), "{sql}");
    }
}
