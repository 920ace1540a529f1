//! What both backends share of `backfill_gaps`: the listing statement, its row mapping, and
//! the state a settled gap takes. Only the timestamp type differs (epoch ms in SQLite,
//! `timestamptz` in PostgreSQL), passed in as a conversion.

use crate::domain::{Gap, GapKind, GapState, Pipeline, TimeRange};

use super::audit::gap_table;
use super::error::StoreError;

/// Every recorded gap, in key order.
pub(crate) const LIST_SQL: &str = "SELECT pipeline, instrument, gap_start, gap_end, kind, state FROM backfill_gaps \
     ORDER BY pipeline, instrument, gap_start";

/// One row of [`LIST_SQL`]; `to_ms` turns the backend's timestamp type (`T`) into epoch ms.
pub(crate) fn gap_from_row<'r, R, T>(r: &'r R, to_ms: fn(T) -> i64) -> Result<Gap, StoreError>
where
    R: sqlx::Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let bad = |reason: String| StoreError::Corrupt {
        table: "backfill_gaps",
        reason,
    };
    let get = |e: sqlx::Error| bad(e.to_string());
    let pipeline: String = r.try_get("pipeline").map_err(get)?;
    let kind: String = r.try_get("kind").map_err(get)?;
    let state: String = r.try_get("state").map_err(get)?;
    Ok(Gap {
        pipeline: pipeline.parse().map_err(bad)?,
        instrument: r.try_get("instrument").map_err(get)?,
        range: TimeRange {
            start: to_ms(r.try_get("gap_start").map_err(get)?),
            end: to_ms(r.try_get("gap_end").map_err(get)?),
        },
        kind: GapKind::parse(&kind).ok_or_else(|| bad(format!("kind {kind:?}")))?,
        state: GapState::parse(&state).ok_or_else(|| bad(format!("state {state:?}")))?,
    })
}

/// The SQL expression a settled gap's state becomes: `fixed` when rows arrived inside it,
/// `empty` when the exchange had none (basis gaps are rebuilt, so always `fixed`).
pub(crate) fn settled_state_sql(pipeline: Pipeline) -> String {
    match gap_table(pipeline) {
        Some(t) => format!(
            "CASE WHEN EXISTS (SELECT 1 FROM {} x WHERE x.{} = backfill_gaps.instrument \
             AND x.timestamp >= backfill_gaps.gap_start AND x.timestamp < backfill_gaps.gap_end) \
             THEN 'fixed' ELSE 'empty' END",
            t.name(),
            t.key_column()
        ),
        None => "'fixed'".to_string(),
    }
}
