//! AC-009: the futures table's size against the storage budget, with bytes per candle and
//! the size at full coverage of the checked futures.

use std::sync::Arc;

use crate::store::{DataTable, Store, StoreError};

use super::model::StorageCheck;

pub async fn check(
    store: &Arc<dyn Store>,
    budget_bytes: f64,
    expected_candles: i64,
) -> Result<StorageCheck, StoreError> {
    let stats = store.table_stats().await?;
    let t = stats.iter().find(|t| t.table == DataTable::Futures);
    let rows = t.map_or(0, |t| t.rows);
    let bytes = t.and_then(|t| t.bytes);
    let per = bytes.filter(|_| rows > 0).map(|b| b as f64 / rows as f64);
    Ok(StorageCheck {
        table: DataTable::Futures.name(),
        rows,
        bytes,
        bytes_exact: t.is_some_and(|t| t.bytes_exact),
        bytes_per_candle: per,
        budget_bytes,
        projected_bytes: per.map(|p| p * expected_candles as f64),
    })
}
