//! Headless mode: the same engine, with progress at a steady cadence (plain lines on stderr, or
//! JSON lines on stdout with `--json`) and a final summary. Used by `run`, and by `demo` when there is no terminal.

pub mod format;

use std::io::Write;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::jobs::{EngineSnapshot, JobsHandle};

/// How progress is shown.
#[derive(Debug, Clone)]
pub struct HeadlessOptions {
    pub interval: Duration,
    pub json: bool,
}

/// How the run ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub snapshot: EngineSnapshot,
    /// A stop signal ended the run before every job ended.
    pub interrupted: bool,
}

/// JSON lines go to stdout, where a script reads them; plain lines to stderr, beside the log.
fn emit(json: bool, text: String, value: serde_json::Value) {
    let _ = if json {
        writeln!(std::io::stdout().lock(), "{value}")
    } else {
        writeln!(std::io::stderr().lock(), "{text}")
    };
}

/// Prints progress until every job has ended (or `stop` is cancelled), then stops the engine
/// at its next checkpoints and prints the summary.
pub async fn supervise(
    handle: &JobsHandle,
    options: &HeadlessOptions,
    stop: &CancellationToken,
    clock: &crate::jobs::Clock,
) -> Outcome {
    let mut ticker = tokio::time::interval(options.interval);
    ticker.tick().await;
    let interrupted = loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => break true,
            _ = handle.wait_idle() => break false,
            _ = ticker.tick() => {
                let s = handle.snapshot();
                let now = clock();
                emit(options.json, format::progress_line(&s, now), format::progress_json(&s, now));
            }
        }
    };
    if interrupted && !options.json {
        emit(
            false,
            "stopping: running jobs commit their current request and checkpoint…".into(),
            serde_json::Value::Null,
        );
    }
    handle.shutdown().await;
    let snapshot = handle.wait_stopped().await;
    let now = clock();
    emit(
        options.json,
        format::summary_text(&snapshot, now),
        format::summary_json(&snapshot, now),
    );
    Outcome {
        snapshot,
        interrupted,
    }
}
