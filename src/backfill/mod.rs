//! Connects the engine to the exchange and the store: discovery, planning against stored
//! checkpoints, launch. Shared by `run`, the dashboard and `demo`.

pub mod metrics;
pub mod sampler;
mod session;
mod sink;

pub use session::{
    BackfillOptions, HISTORY_START, Prepared, client, launch, prepare, prepare_gaps, reach,
    system_clock,
};
pub use sink::StoreSink;
