//! A realtime collector's heartbeat: one `collector_heartbeats` row per collector.

/// What a collector reports about itself on every beat.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heartbeat {
    pub collector_id: String,
    pub host: String,
    pub pid: i64,
    pub started_at: i64,
    pub last_beat_at: i64,
    /// Instruments it keeps current.
    pub instruments: Vec<String>,
    /// Rows inserted or changed since it started.
    pub rows_written: i64,
    pub last_error: Option<String>,
}
