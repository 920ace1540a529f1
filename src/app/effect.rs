//! What goes into the app (messages) and what comes out (effects, as data). The `tui` loop
//! turns terminal events, engine snapshots, metrics, clock ticks and stop signals into
//! [`Msg`]s, and carries out the [`Effect`]s with the engine handle.

use crate::jobs::{Command, EngineSnapshot, Selector};

use super::keypress::Key;
use super::metrics::Metrics;

/// Where the jobs table and panes are, as far as the app needs to know (page size, focus
/// order). Computed by `ui::layout::viewport` from the terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u16,
    pub height: u16,
    pub layout: LayoutKind,
    /// Job rows the table shows at once (the page for PgUp/PgDn).
    pub table_rows: usize,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            width: 120,
            height: 40,
            layout: LayoutKind::Full,
            table_rows: 15,
        }
    }
}

/// Which layout the terminal size allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutKind {
    /// Every pane at once (about 110×34 and up).
    Full,
    /// 80×24: jobs, a two-line summary of the other panes, a short log; Tab shows one pane big.
    Compact,
    /// Below the minimum: only a "terminal too small" line.
    TooSmall,
}

/// An input to [`App::update`](super::App::update).
#[derive(Debug, Clone)]
pub enum Msg {
    Key(Key),
    /// A new engine snapshot (ignored when its version is not new).
    Snapshot(EngineSnapshot),
    /// A new metrics sample (ignored when its version is not new).
    Metrics(Metrics),
    Resize(Viewport),
    /// The clock, once a second: elapsed time and the requests/s history.
    Tick {
        now_ms: i64,
    },
    /// SIGHUP, SIGTERM or a closed terminal: stop the engine at its checkpoints and leave.
    Stop {
        reason: String,
    },
    /// A command could not be handed to the engine (stopped, or its queue is full).
    EngineUnreachable,
    /// The engine's snapshot channel closed: it is gone for good.
    EngineGone,
    /// New lines reached the log pane.
    LogActivity,
}

/// Log-pane scrolling, carried out on the log widget's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogScroll {
    Up,
    Down,
    PageUp,
    PageDown,
    /// Back to following the newest line.
    Follow,
}

/// Something for the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a job command to the engine (non-blocking).
    Command {
        selector: Selector,
        command: Command,
    },
    /// Plan and queue gap jobs for the selected jobs' instruments (non-blocking).
    QueueGaps {
        selector: Selector,
    },
    /// Change how many jobs run at once.
    SetParallel(usize),
    /// Ask the engine to commit in-flight requests, checkpoint and stop. The dashboard keeps
    /// drawing "stopping…" until the snapshot says it stopped, then asks to exit.
    ShutdownEngine,
    /// Leave the dashboard now.
    Exit,
    ScrollLog(LogScroll),
}
