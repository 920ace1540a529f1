//! Pure domain: instrument names, the expiry calendar, time ranges, row types and the job
//! model. No IO, no async.

pub mod calendar;
pub mod currency;
pub mod gap;
pub mod heartbeat;
pub mod instrument;
pub mod job;
pub mod range;
pub mod rows;
pub mod time;

pub use calendar::{CalendarExpiry, ExpiryCycle, SettlementPeriod};
pub use currency::{CurrencyError, parse_currencies};
pub use gap::{Gap, GapKind, GapScope, GapState};
pub use heartbeat::Heartbeat;
pub use instrument::{InstrumentKind, InstrumentName, InstrumentNameError};
pub use job::{Checkpoint, DataStatus, Discovery, InstrumentRecord, JobKey, JobState, Pipeline};
pub use range::{BucketWindow, TimeRange};
pub use rows::{
    BasisPoint, Candle, DeliveryPriceRow, FundingRate, IndexPrice, IndexSource, RowViolation,
    UnreadableRow,
};
