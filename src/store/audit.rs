//! Value types of the verification queries (`Store::audit_series`, `Store::candle_quality`,
//! `Store::basis_audit`, the quarantine). Every query is set-based in SQL: gaps come from a
//! window function over the primary-key order (`lag(timestamp)`), so the database streams one
//! instrument's rows once and returns only the gaps, never the rows.

use crate::domain::{Candle, IndexSource, Pipeline, TimeRange};

use super::types::{CandleTable, DataTable};

/// The timestamps a series should hold: every `step` ms in `range`, on the grid
/// `ts ≡ offset (mod step)` (offset 0 for minutes and hours; 08:00 for daily delivery prices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub range: TimeRange,
    pub step: i64,
    pub offset: i64,
}

impl Grid {
    pub fn new(range: TimeRange, step: i64) -> Self {
        Self {
            range,
            step,
            offset: 0,
        }
    }

    /// The first grid point at or after the range's start.
    pub fn first(&self) -> i64 {
        let s = self.range.start - self.offset;
        self.offset
            + s.div_euclid(self.step) * self.step
            + if s.rem_euclid(self.step) == 0 {
                0
            } else {
                self.step
            }
    }

    /// Grid points in the range.
    pub fn count(&self) -> i64 {
        let first = self.first();
        if first >= self.range.end {
            0
        } else {
            (self.range.end - 1 - first) / self.step + 1
        }
    }

    /// Whether `ts` is a grid point.
    pub fn on_grid(&self, ts: i64) -> bool {
        (ts - self.offset).rem_euclid(self.step) == 0
    }

    /// The missing ranges given the grid points present, as (previous present, next present)
    /// pairs from the database: `prev = None` for the first present point, and a final
    /// `(Some(last), None)` for the tail.
    pub fn gaps_from(&self, pairs: &[(Option<i64>, Option<i64>)]) -> Vec<TimeRange> {
        let mut out = Vec::new();
        let first = self.first();
        for &(prev, next) in pairs {
            let start = prev.map_or(first, |p| p + self.step);
            let end = next.unwrap_or(self.range.end);
            if end > start {
                out.push(TimeRange { start, end });
            }
        }
        out
    }
}

/// One series checked against its grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesQuery {
    pub table: DataTable,
    /// Instrument, or currency for index prices.
    pub key: String,
    pub grid: Grid,
    /// Index prices only: count only rows of these sources.
    pub sources: Option<Vec<IndexSource>>,
}

/// What a series holds on its grid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesAudit {
    /// Rows on grid points in the range.
    pub rows: i64,
    /// Quarantined candles on grid points in the range (candle tables only); they count as
    /// accounted for, not as gaps.
    pub quarantined: i64,
    /// Grid points with neither a row nor a quarantined candle, as ranges.
    pub gaps: Vec<TimeRange>,
}

impl SeriesAudit {
    /// Grid points missing.
    pub fn missing(&self, step: i64) -> i64 {
        self.gaps
            .iter()
            .map(|g| (g.end - g.start + step - 1) / step)
            .sum()
    }
}

/// Sanity figures of one instrument's candles in a range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandleQuality {
    pub rows: i64,
    /// Flat candles without volume (the exchange's stand-in for a minute without trades).
    pub fillers: i64,
    /// Rows whose timestamp is not on a whole minute (two of them could share a minute).
    pub off_grid: i64,
    /// Rows failing the OHLC sanity check (at most [`MAX_VIOLATORS`] returned).
    pub violators: Vec<Candle>,
    pub violations: i64,
}

/// Violating candles returned per instrument (all are counted).
pub const MAX_VIOLATORS: i64 = 10_000;

/// One future's basis against the minutes where it and its perpetual both have a candle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BasisAudit {
    /// Minutes where both legs have a candle.
    pub expected: i64,
    /// Basis rows stored.
    pub rows: i64,
    /// Shared minutes without a basis row, as ranges, and how many minutes.
    pub missing: Vec<TimeRange>,
    pub missing_count: i64,
    /// Basis rows whose legs are gone or whose prices differ from the legs' closes.
    pub stale: Vec<TimeRange>,
    pub stale_count: i64,
}

/// A candle moved to the quarantine table.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarantinedCandle {
    pub table: CandleTable,
    pub instrument: String,
    pub candle: Candle,
    pub reason: String,
    pub quarantined_at: i64,
}

/// Both backends read the quarantine with this statement, and map its rows with
/// [`quarantined_from_row`].
pub(crate) const QUARANTINE_SQL: &str = "SELECT table_name, instrument, timestamp, open, high, low, close, volume, cost, reason, \
     quarantined_at FROM quarantined_candles ORDER BY table_name, instrument, timestamp";

/// One row of [`QUARANTINE_SQL`]; `to_ms` turns the backend's timestamp type (`T`) into
/// epoch milliseconds. A NULL price (the reason it was quarantined) reads as NaN.
pub(crate) fn quarantined_from_row<'r, R, T>(
    r: &'r R,
    to_ms: fn(T) -> i64,
) -> Result<QuarantinedCandle, super::StoreError>
where
    R: sqlx::Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let bad = |e: sqlx::Error| super::StoreError::Corrupt {
        table: "quarantined_candles",
        reason: e.to_string(),
    };
    let get = |c: &'static str| {
        r.try_get::<Option<f64>, _>(c)
            .map(|v| v.unwrap_or(f64::NAN))
            .map_err(bad)
    };
    let name: String = r.try_get("table_name").map_err(bad)?;
    Ok(QuarantinedCandle {
        table: if name == "futures_ohlcv" {
            CandleTable::Futures
        } else {
            CandleTable::Perpetuals
        },
        instrument: r.try_get("instrument").map_err(bad)?,
        candle: Candle {
            ts: to_ms(r.try_get("timestamp").map_err(bad)?),
            open: get("open")?,
            high: get("high")?,
            low: get("low")?,
            close: get("close")?,
            volume: get("volume")?,
            cost: get("cost")?,
        },
        reason: r.try_get("reason").map_err(bad)?,
        quarantined_at: to_ms(r.try_get("quarantined_at").map_err(bad)?),
    })
}

/// The table a pipeline's gaps are filled in (`None`: basis gaps are rebuilt, always fixed).
pub fn gap_table(pipeline: Pipeline) -> Option<DataTable> {
    match pipeline {
        Pipeline::Futures => Some(DataTable::Futures),
        Pipeline::Perpetuals => Some(DataTable::Perpetuals),
        Pipeline::Funding => Some(DataTable::Funding),
        Pipeline::Index => Some(DataTable::Index),
        Pipeline::Basis | Pipeline::Instruments => None,
    }
}

/// The SQL condition a sane candle meets (same rules as `Candle::check`: finite numbers,
/// prices > 0, volume and cost >= 0, low <= min(open, close), max(open, close) <= high).
/// Infinities fail the `<= 1e308` bounds; PostgreSQL's NaN sorts above every number and fails
/// them too (SQLite cannot store NaN).
pub(crate) const SANE_CANDLE_SQL: &str = "(open > 0 AND high > 0 AND low > 0 AND close > 0 \
     AND volume >= 0 AND cost >= 0 \
     AND open <= 1e308 AND high <= 1e308 AND low <= 1e308 AND close <= 1e308 \
     AND volume <= 1e308 AND cost <= 1e308 \
     AND low <= open AND low <= close AND high >= open AND high >= close)";

/// The SQL condition of a filler candle (`Candle::is_filler`).
pub(crate) const FILLER_SQL: &str = "(volume = 0 AND open = high AND high = low AND low = close)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};

    #[test]
    fn grid_points_and_gaps() {
        let g = Grid::new(
            TimeRange {
                start: 30_000,
                end: 10 * MINUTE_MS,
            },
            MINUTE_MS,
        );
        assert_eq!(g.first(), MINUTE_MS);
        assert_eq!(g.count(), 9);
        // Present: 1..=3 and 7 minutes.
        let pairs = [
            (None, Some(MINUTE_MS)),
            (Some(3 * MINUTE_MS), Some(7 * MINUTE_MS)),
            (Some(7 * MINUTE_MS), None),
        ];
        let gaps = g.gaps_from(&pairs);
        assert_eq!(
            gaps,
            vec![
                TimeRange {
                    start: 4 * MINUTE_MS,
                    end: 7 * MINUTE_MS
                },
                TimeRange {
                    start: 8 * MINUTE_MS,
                    end: 10 * MINUTE_MS
                },
            ]
        );
        let audit = SeriesAudit {
            rows: 4,
            quarantined: 0,
            gaps,
        };
        assert_eq!(audit.missing(MINUTE_MS), 5);
        assert_eq!(audit.rows + audit.missing(MINUTE_MS), g.count());
    }

    #[test]
    fn daily_grid_at_eight() {
        let g = Grid {
            range: TimeRange {
                start: 0,
                end: 3 * DAY_MS,
            },
            step: DAY_MS,
            offset: 8 * HOUR_MS,
        };
        assert_eq!(g.first(), 8 * HOUR_MS);
        assert_eq!(g.count(), 3);
        assert!(g.on_grid(DAY_MS + 8 * HOUR_MS) && !g.on_grid(DAY_MS));
        // Nothing present: one gap over the whole grid.
        assert_eq!(
            g.gaps_from(&[(None, None)]),
            vec![TimeRange {
                start: 8 * HOUR_MS,
                end: 3 * DAY_MS
            }]
        );
    }
}
