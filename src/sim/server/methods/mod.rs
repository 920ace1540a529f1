//! The public methods, each a function writing its `result` JSON into the response buffer.

mod chart;
mod funding;
mod index;
mod instruments;
mod misc;
mod trades;

pub use chart::write_candles;

use super::error::RpcError;
use super::params::Params;
use crate::sim::market::Market;
use crate::sim::settings::RateLimitSettings;

/// What a method sees of the server.
pub struct Ctx<'a> {
    pub market: &'a Market,
    /// Simulated now, fixed for the whole call.
    pub now_ms: i64,
    pub maintenance: bool,
    /// The call came to the history host's path (`/history/api/v2/...`): `get_instruments`
    /// with `expired=true` lists every expired future, not only recent ones.
    pub history: bool,
    /// Candles the call served (for the counters).
    pub candles: std::cell::Cell<u64>,
}

/// A method: writes its result into `out` or fails.
pub type Method = fn(&Ctx, &Params, &mut Vec<u8>) -> Result<(), RpcError>;

/// The method named `name` (without the `public/` prefix).
pub fn find(name: &str) -> Option<Method> {
    Some(match name {
        "get_tradingview_chart_data" => chart::get_tradingview_chart_data,
        "get_instruments" => instruments::get_instruments,
        "get_instrument" => instruments::get_instrument,
        "get_currencies" => instruments::get_currencies,
        "get_funding_rate_history" => funding::get_funding_rate_history,
        "get_funding_rate_value" => funding::get_funding_rate_value,
        "get_funding_chart_data" => funding::get_funding_chart_data,
        "get_index_price" => index::get_index_price,
        "get_index_price_names" => index::get_index_price_names,
        "get_index_chart_data" => index::get_index_chart_data,
        "get_index" => index::get_index,
        "get_delivery_prices" => index::get_delivery_prices,
        "get_last_trades_by_instrument_and_time" => trades::get_last_trades_by_instrument_and_time,
        "get_time" => misc::get_time,
        "status" => misc::status,
        "test" => misc::test,
        _ => return None,
    })
}

/// Methods that exist only over WebSocket: over HTTP they answer 10030
/// `must_be_websocket_request` (deribit-api.md §8.5).
pub fn websocket_only(name: &str) -> bool {
    matches!(
        name,
        "set_heartbeat"
            | "disable_heartbeat"
            | "subscribe"
            | "unsubscribe"
            | "unsubscribe_all"
            | "hello"
    )
}

/// Methods that still answer during maintenance.
pub fn works_in_maintenance(name: &str) -> bool {
    matches!(name, "status" | "get_time" | "test")
}

/// Credits a call costs.
pub fn cost(name: &str, limits: &RateLimitSettings) -> u64 {
    if name == "get_instruments" {
        limits.instruments_cost
    } else {
        limits.cost
    }
}
