//! What the dashboard shows beside the engine snapshot: the metrics sampler's output (defined
//! beside the sampler, below `app`, which only reads it).

pub use crate::backfill::metrics::*;
