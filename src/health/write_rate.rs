//! Write rate from the store's cumulative counters (PostgreSQL: `pg_stat_user_tables`
//! insert/update counts; SQLite: the store's own `row_counts` bookkeeping), sampled twice.

use crate::store::WriteActivity;

/// Rows written per second, in all and per table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WriteRate {
    pub rows_per_second: f64,
    pub tables: Vec<(String, f64)>,
}

/// The rate between two samples taken `seconds` apart (`None` if they cannot be compared).
pub fn between(
    before: &[WriteActivity],
    after: &[WriteActivity],
    seconds: f64,
) -> Option<WriteRate> {
    if seconds <= 0.0 {
        return None;
    }
    let mut tables = Vec::new();
    let mut total = 0.0;
    for a in after {
        let Some(b) = before.iter().find(|b| b.table == a.table) else {
            continue;
        };
        let delta = (a.inserted + a.updated) - (b.inserted + b.updated);
        // Counters reset (stats reset, restart): no rate for that table.
        if delta < 0 {
            continue;
        }
        let rate = delta as f64 / seconds;
        total += rate;
        tables.push((a.table.name().to_string(), rate));
    }
    (!tables.is_empty()).then_some(WriteRate {
        rows_per_second: total,
        tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DataTable;

    fn w(table: DataTable, ins: i64, upd: i64) -> WriteActivity {
        WriteActivity {
            table,
            inserted: ins,
            updated: upd,
            deleted: 0,
        }
    }

    #[test]
    fn rate_from_two_samples() {
        let a = [w(DataTable::Futures, 100, 0), w(DataTable::Funding, 5, 0)];
        let b = [
            w(DataTable::Futures, 1_100, 100),
            w(DataTable::Funding, 5, 0),
        ];
        let r = between(&a, &b, 2.0).unwrap();
        assert_eq!(r.rows_per_second, 550.0);
        assert_eq!(r.tables[0], ("futures_ohlcv".to_string(), 550.0));
        assert!(between(&a, &b, 0.0).is_none());
        let reset = [w(DataTable::Futures, 0, 0)];
        assert_eq!(
            between(&a, &reset, 1.0),
            None,
            "a counter reset gives no rate"
        );
    }
}
