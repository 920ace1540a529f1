//! Collector health: lag per instrument, heartbeat age per collector, thresholds. Shared by
//! the dashboard and `status`.

mod level;
mod report;
mod write_rate;

pub use level::{Level, Thresholds};
pub use report::{
    CollectorRow, HealthReport, LagRow, assess, heartbeat_thresholds, lag_thresholds,
};
pub use write_rate::{WriteRate, between as write_rate_between};
