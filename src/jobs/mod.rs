//! The backfill engine: planning, a supervisor with workers per job, job control (pause,
//! resume, retry, cancel, concurrency), crash-safe checkpoints, and published snapshots.
//! Knows nothing about the terminal.

pub mod control;
pub mod discover;
pub use discover::ExpiredSource;
pub mod filter;
pub mod gaps;
pub mod lifecycle;
pub mod plan;
pub mod rate;
pub mod sink;
pub mod snapshot;
pub mod supervisor;
pub mod worker;

pub use control::{Control, EngineStopped, EventReceiver, JobsHandle, Selector};
pub use filter::InstrumentFilter;
pub use gaps::plan_gaps;
pub use lifecycle::Command;
pub use plan::{JobSpec, Plan, PlanRequest, PlanSummary, plan};
pub use sink::{JobSink, SinkError, SinkFailure};
pub use snapshot::{EngineSnapshot, EventKind, JobEvent, JobView, Totals};
pub use supervisor::{EngineOptions, start};
pub use worker::{Clock, DbRetry, WorkerCtx};
