//! The terminal side of the dashboard: taking over the terminal (and always giving it back),
//! the event loop, and [`run_dashboard`], the entry point.
//!
//! Who stops the engine: the dashboard. On quit (confirmed when jobs run), on the stop token
//! (SIGHUP/SIGTERM/SIGINT) and when the terminal goes away, it asks the engine to commit its
//! in-flight requests and checkpoint (`JobsHandle::shutdown`), keeps showing "STOPPING…"
//! until the snapshot says `stopped`, then restores the terminal and returns. Pressing quit
//! again while stopping leaves at once (`forced`); committed data is safe either way, and the
//! caller may still `handle.wait_stopped().await` before exiting.

pub mod engine;
pub mod event_loop;
pub mod input;
pub mod log_activity;
pub mod log_layer;
pub mod pacer;
pub mod screen;
pub mod terminal;

use std::io;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::app::{App, AppConfig, Keymap, KeymapError, Metrics};
use crate::config::Config;
use crate::jobs::{Clock, EngineSnapshot, JobsHandle};
use crate::ui::LogPane;

pub use event_loop::{ExitReason, LoopEnd, LoopIo, run_loop};
pub use log_activity::LogActivityLayer;
pub use log_layer::LogPaneLayer;
pub use terminal::{TerminalGuard, restore};

/// What the dashboard runs on.
pub struct DashboardInputs {
    /// Commands go here (pause, resume, retry, cancel, concurrency, shutdown).
    pub handle: JobsHandle,
    /// Engine snapshots (`handle.subscribe()`).
    pub snapshots: watch::Receiver<EngineSnapshot>,
    /// Storage and collector health, from the metrics sampler. A receiver that never changes
    /// is fine: the panes say nothing was measured yet.
    pub metrics: watch::Receiver<Metrics>,
    /// Keys (`[keys]`), `ui.max_fps`, `no_color` and the health thresholds are read.
    pub config: Config,
    /// Cancelled by a stop signal (see `signals::listen`).
    pub stop: CancellationToken,
    /// Epoch milliseconds (the engine's clock).
    pub clock: Clock,
}

/// How the dashboard ended.
#[derive(Debug, Clone)]
pub struct DashboardExit {
    pub reason: ExitReason,
    /// The operator left before the engine confirmed it had stopped.
    pub forced: bool,
    /// The last snapshot seen (for a summary after the terminal is restored).
    pub snapshot: EngineSnapshot,
}

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("{0}")]
    Keymap(#[from] KeymapError),
    #[error("cannot use the terminal: {0} — run headless (`run`) when there is no terminal")]
    Terminal(#[from] io::Error),
}

/// Whether colour is off: the config (`--no-color`) or a non-empty `NO_COLOR`.
pub fn no_color(config: &Config) -> bool {
    config.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Builds the app for a configuration (fails on a bad `[keys]` table, before the terminal
/// is touched).
pub fn app_for(config: &Config, now_ms: i64) -> Result<App, KeymapError> {
    let keymap = Keymap::with_overrides(&config.keys)?;
    Ok(App::new(
        AppConfig {
            keymap,
            health: config.health.clone(),
            no_color: no_color(config),
        },
        now_ms,
    ))
}

/// Runs the dashboard until the operator quits, a stop signal arrives or the terminal goes
/// away. Needs a terminal on stdin/stdout; the caller picks headless mode otherwise.
pub async fn run_dashboard(inputs: DashboardInputs) -> Result<DashboardExit, DashboardError> {
    let mut app = app_for(&inputs.config, (inputs.clock)())?;
    let log = LogPane::default();
    let guard = TerminalGuard::enter()?;
    let screen = screen::TerminalScreen::new(io::stdout())?;
    let end = run_loop(
        &mut app,
        &log,
        LoopIo {
            screen,
            events: crossterm::event::EventStream::new(),
            engine: inputs.handle.clone(),
            snapshots: inputs.snapshots,
            metrics: inputs.metrics,
            log_activity: log_activity::subscribe(),
            stop: inputs.stop,
            clock: inputs.clock,
            max_fps: inputs.config.ui.max_fps,
        },
    )
    .await;
    drop(guard);
    Ok(DashboardExit {
        reason: end.reason,
        forced: end.forced,
        snapshot: app.snapshot().clone(),
    })
}
