//! The API the dashboard (and tests) use to steer the engine. Everything the TUI can do is a
//! call here.

use tokio::sync::{mpsc, oneshot, watch};

use super::lifecycle::Command;
use super::snapshot::{EngineSnapshot, JobEvent};
use crate::domain::{JobKey, JobState, Pipeline};

/// Which jobs a command applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    All,
    Pipeline(Pipeline),
    Keys(Vec<JobKey>),
    /// Instrument glob, e.g. `BTC-*` (case-insensitive).
    Pattern(String),
    State(JobState),
}

impl Selector {
    pub fn one(key: JobKey) -> Self {
        Self::Keys(vec![key])
    }

    /// The compiled glob of a `Pattern` (case-insensitive), once per command; `None` for the
    /// other selectors and for a pattern that is not a valid glob (it then selects nothing).
    pub fn matcher(&self) -> Option<globset::GlobMatcher> {
        match self {
            Self::Pattern(p) => globset::Glob::new(&p.to_uppercase())
                .ok()
                .map(|g| g.compile_matcher()),
            _ => None,
        }
    }

    /// Whether a job is selected. `glob` is [`Selector::matcher`]'s result.
    pub fn matches(
        &self,
        key: &JobKey,
        state: JobState,
        glob: Option<&globset::GlobMatcher>,
    ) -> bool {
        match self {
            Self::All => true,
            Self::Pipeline(p) => key.pipeline == *p,
            Self::Keys(keys) => keys.contains(key),
            Self::Pattern(_) => glob.is_some_and(|g| g.is_match(key.instrument.to_uppercase())),
            Self::State(s) => state == *s,
        }
    }
}

/// A message to the supervisor.
#[derive(Debug)]
pub enum Control {
    Command {
        selector: Selector,
        command: Command,
        /// Number of jobs the command changed.
        reply: Option<oneshot::Sender<usize>>,
    },
    SetParallel(usize),
    /// Plan gap jobs for the instruments of the selected jobs from the gaps `verify`
    /// recorded, and queue them (next to the jobs; see `jobs::gaps`).
    QueueGaps {
        selector: Selector,
        /// Number of gap jobs queued.
        reply: Option<oneshot::Sender<usize>>,
    },
    /// Stop every worker at its next safe point, persist, and exit.
    Shutdown,
}

/// A handle on a running engine. Cheap to clone; dropping it does not stop the engine.
#[derive(Debug, Clone)]
pub struct JobsHandle {
    pub(super) control: mpsc::Sender<Control>,
    pub(super) snapshots: watch::Receiver<EngineSnapshot>,
}

/// The engine has stopped and takes no more commands.
#[derive(Debug, thiserror::Error)]
#[error("the backfill engine has stopped")]
pub struct EngineStopped;

impl JobsHandle {
    /// Applies `command` to the selected jobs; returns how many changed.
    pub async fn command(
        &self,
        selector: Selector,
        command: Command,
    ) -> Result<usize, EngineStopped> {
        let (tx, rx) = oneshot::channel();
        self.control
            .send(Control::Command {
                selector,
                command,
                reply: Some(tx),
            })
            .await
            .map_err(|_| EngineStopped)?;
        rx.await.map_err(|_| EngineStopped)
    }

    /// Sends a command without waiting for the answer (for the UI loop, which never awaits IO).
    pub fn try_command(&self, selector: Selector, command: Command) -> Result<(), EngineStopped> {
        self.control
            .try_send(Control::Command {
                selector,
                command,
                reply: None,
            })
            .map_err(|_| EngineStopped)
    }

    /// Queues gap jobs for the selected jobs' instruments; returns how many were queued
    /// (0 when `verify` recorded no open gap for them).
    pub async fn queue_gaps(&self, selector: Selector) -> Result<usize, EngineStopped> {
        let (tx, rx) = oneshot::channel();
        self.control
            .send(Control::QueueGaps {
                selector,
                reply: Some(tx),
            })
            .await
            .map_err(|_| EngineStopped)?;
        rx.await.map_err(|_| EngineStopped)
    }

    /// [`JobsHandle::queue_gaps`] without waiting (for the UI loop).
    pub fn try_queue_gaps(&self, selector: Selector) -> Result<(), EngineStopped> {
        self.control
            .try_send(Control::QueueGaps {
                selector,
                reply: None,
            })
            .map_err(|_| EngineStopped)
    }

    pub fn set_parallel(&self, n: usize) -> Result<(), EngineStopped> {
        self.control
            .try_send(Control::SetParallel(n))
            .map_err(|_| EngineStopped)
    }

    /// Asks the engine to checkpoint and stop; see [`JobsHandle::wait_stopped`].
    pub async fn shutdown(&self) {
        let _ = self.control.send(Control::Shutdown).await;
    }

    pub fn snapshot(&self) -> EngineSnapshot {
        self.snapshots.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<EngineSnapshot> {
        self.snapshots.clone()
    }

    /// Waits until no job is queued or running.
    pub async fn wait_idle(&self) -> EngineSnapshot {
        let mut rx = self.snapshots.clone();
        let snap = rx
            .wait_for(|s| s.idle || s.stopped)
            .await
            .map(|s| s.clone());
        snap.unwrap_or_else(|_| self.snapshots.borrow().clone())
    }

    /// Waits until the engine has stopped after a shutdown.
    pub async fn wait_stopped(&self) -> EngineSnapshot {
        let mut rx = self.snapshots.clone();
        let snap = rx.wait_for(|s| s.stopped).await.map(|s| s.clone());
        snap.unwrap_or_else(|_| self.snapshots.borrow().clone())
    }
}

/// Events, taken once by whoever shows them.
pub type EventReceiver = mpsc::Receiver<JobEvent>;
