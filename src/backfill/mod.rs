//! Connects the engine to the exchange and the store: discovery, planning against stored
//! checkpoints, launch. Shared by `run`, the dashboard and `demo`.

mod explore;
pub mod metrics;
pub mod sampler;
mod session;
mod sink;

pub use explore::{Explored, check_plan, discover_checked, explore};
pub use session::{
    BackfillOptions, DERIBIT_LAUNCH, HISTORY_START, Prepared, client, launch, plan_against,
    prepare, prepare_gaps, reach, system_clock,
};
pub use sink::StoreSink;
