//! The dashboard's whole state, UI-agnostic: the latest inputs, the view state (selection,
//! filters, focus, overlays) and what the operator asked for but the engine has not shown yet.
//! Changed only by [`App::update`](super::App::update).

use std::collections::{HashSet, VecDeque};

use crate::config::HealthConfig;
use crate::jobs::{EngineSnapshot, Selector};

use super::effect::{LayoutKind, Viewport};
use super::jobs_view::JobsView;
use super::keymap::Keymap;
use super::metrics::Metrics;

/// Seconds of requests/s history kept for the sparkline.
pub const RATE_HISTORY: usize = 120;

/// A pane that can have the keyboard focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Jobs,
    RateLimit,
    Collectors,
    Storage,
    Log,
}

impl Focus {
    /// Tab order: every pane in the compact layout (where the focused pane is shown big);
    /// only the scrollable ones in the full layout.
    pub fn cycle(layout: LayoutKind) -> &'static [Focus] {
        match layout {
            LayoutKind::Compact => &[
                Focus::Jobs,
                Focus::RateLimit,
                Focus::Collectors,
                Focus::Storage,
                Focus::Log,
            ],
            _ => &[Focus::Jobs, Focus::Collectors, Focus::Storage, Focus::Log],
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Focus::Jobs => "Jobs",
            Focus::RateLimit => "Rate limit",
            Focus::Collectors => "Collectors",
            Focus::Storage => "Rows & disk",
            Focus::Log => "Log",
        }
    }
}

/// A question the operator must answer before anything happens.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub kind: ConfirmKind,
    pub title: String,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmKind {
    Cancel { selector: Selector, count: usize },
    Quit,
}

/// What covers the dashboard.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: usize,
    },
    Confirm(Confirm),
}

/// A one-line prompt in the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// Why the text is not accepted yet (e.g. an invalid regex).
    pub error: Option<String>,
    /// The filter in force when a `/` prompt opened (restored by Esc).
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `/`: filters live while typing.
    Filter,
    /// `:`: runs on Enter.
    Command,
}

/// A message in the status bar until the next key.
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

/// Whether the dashboard is working or on its way out.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Running,
    /// The engine was asked to checkpoint and stop; the dashboard leaves once it has.
    Stopping {
        reason: String,
    },
}

/// How soon the screen should be redrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Redraw {
    #[default]
    None,
    /// New data: drawn at the data refresh cadence.
    Data,
    /// Operator input or a resize: drawn at the next frame slot.
    Now,
}

/// Settings the app needs from the configuration.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    pub keymap: Keymap,
    pub health: HealthConfig,
    pub no_color: bool,
}

/// The dashboard state.
#[derive(Debug, Clone)]
pub struct App {
    pub(crate) config: AppConfig,
    pub(crate) snapshot: EngineSnapshot,
    pub(crate) metrics: Metrics,
    /// Epoch ms of the last clock tick (the only clock the app knows).
    pub(crate) now_ms: i64,
    pub(crate) viewport: Viewport,
    pub(crate) jobs: JobsView,
    /// Instruments whose realtime lag is a warning or worse.
    pub(crate) lagging: HashSet<String>,
    pub(crate) focus: Focus,
    pub(crate) log_fullscreen: bool,
    pub(crate) overlay: Overlay,
    pub(crate) prompt: Option<Prompt>,
    pub(crate) flash: Option<Flash>,
    pub(crate) phase: Phase,
    /// Requests/s, one sample per clock tick, oldest first.
    pub(crate) rate_history: VecDeque<f64>,
    /// Concurrency asked for but not yet in a snapshot.
    pub(crate) requested_parallel: Option<usize>,
    pub(crate) collectors_scroll: usize,
    pub(crate) storage_scroll: usize,
    /// The basis tab replaces the jobs table (`b`).
    pub(crate) basis_view: bool,
    /// The future selected on the basis curve (index into `metrics.basis.futures`).
    pub(crate) basis_selected: usize,
    /// When the engine was first seen idle (the elapsed clock stops there).
    pub(crate) idle_since: Option<i64>,
    pub(crate) redraw: Redraw,
}

impl App {
    pub fn new(config: AppConfig, now_ms: i64) -> Self {
        Self {
            config,
            snapshot: EngineSnapshot::default(),
            metrics: Metrics::default(),
            now_ms,
            viewport: Viewport::default(),
            jobs: JobsView::default(),
            lagging: HashSet::new(),
            focus: Focus::Jobs,
            log_fullscreen: false,
            overlay: Overlay::None,
            prompt: None,
            flash: None,
            phase: Phase::Running,
            rate_history: VecDeque::with_capacity(RATE_HISTORY),
            requested_parallel: None,
            collectors_scroll: 0,
            storage_scroll: 0,
            basis_view: false,
            basis_selected: 0,
            idle_since: None,
            redraw: Redraw::Now,
        }
    }

    pub fn snapshot(&self) -> &EngineSnapshot {
        &self.snapshot
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Seconds the engine has worked: from its start to now, or to when it went idle.
    pub fn elapsed_seconds(&self) -> Option<f64> {
        let started = self.snapshot.started_at;
        (started > 0).then(|| {
            let end = self.idle_since.unwrap_or(self.now_ms);
            (end - started).max(0) as f64 / 1000.0
        })
    }

    pub fn keymap(&self) -> &Keymap {
        &self.config.keymap
    }

    pub fn health(&self) -> &HealthConfig {
        &self.config.health
    }

    pub fn no_color(&self) -> bool {
        self.config.no_color
    }

    pub fn viewport(&self) -> Viewport {
        self.viewport
    }

    pub fn jobs_view(&self) -> &JobsView {
        &self.jobs
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    pub fn log_fullscreen(&self) -> bool {
        self.log_fullscreen
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn flash(&self) -> Option<&Flash> {
        self.flash.as_ref()
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn rate_history(&self) -> &VecDeque<f64> {
        &self.rate_history
    }

    pub fn requested_parallel(&self) -> Option<usize> {
        self.requested_parallel
    }

    pub fn collectors_scroll(&self) -> usize {
        self.collectors_scroll
    }

    pub fn storage_scroll(&self) -> usize {
        self.storage_scroll
    }

    /// Whether the basis tab is shown instead of the jobs table.
    pub fn basis_view(&self) -> bool {
        self.basis_view
    }

    /// The future selected on the basis curve, clamped to the curve.
    pub fn basis_selected(&self) -> usize {
        let n = self.metrics.basis.as_ref().map_or(0, |b| b.futures.len());
        self.basis_selected.min(n.saturating_sub(1))
    }

    /// The job the table's selection is on, if any is shown.
    pub fn selected_job(&self) -> Option<&crate::jobs::JobView> {
        self.jobs.selected_job(&self.snapshot.jobs)
    }

    /// Whether jobs are still working or waiting to work (quitting then asks first).
    pub fn jobs_running(&self) -> bool {
        let t = &self.snapshot.totals;
        !self.snapshot.stopped && t.running + t.pausing + t.backoff + t.queued > 0
    }

    /// How soon a redraw is wanted; the loop resets it after drawing.
    pub fn redraw(&self) -> Redraw {
        self.redraw
    }

    /// Called by the loop after a frame was drawn.
    pub fn drawn(&mut self) {
        self.redraw = Redraw::None;
    }

    pub(crate) fn want(&mut self, r: Redraw) {
        self.redraw = self.redraw.max(r);
    }
}
