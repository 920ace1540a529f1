//! The dashboard loop: one biased `select!` over the stop signal, terminal input, engine
//! snapshots, metrics, log activity, the 1 s clock and a render deadline that exists only
//! while a redraw is wanted. Every input becomes an `App::update`; effects are carried out
//! without awaiting anything but channel receives. Pending input is handled before drawing
//! (the deadline is the last branch), then one frame shows it all.

use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::app::{App, Effect, Metrics, Msg, Phase};
use crate::jobs::{Clock, EngineSnapshot};
use crate::ui::{self, LogPane};

use super::engine::EngineControl;
use super::input::{Input, translate};
use super::pacer::FramePacer;
use super::screen::Screen;

/// Log lines reach tui-logger's display buffer a few milliseconds after they are recorded.
const LOG_SETTLE: Duration = Duration::from_millis(50);
/// Past its deadline by this much, a frame is drawn even while input keeps coming.
const MAX_OVERDUE: Duration = Duration::from_millis(250);

/// Why the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    /// The operator quit.
    Quit,
    /// SIGHUP, SIGTERM or SIGINT (the stop token).
    Signal,
    /// The terminal went away (input closed or writes failed).
    TerminalClosed,
}

/// How the loop ended.
#[derive(Debug, Clone)]
pub struct LoopEnd {
    pub reason: ExitReason,
    /// Left before the engine confirmed it had stopped (quit pressed again while stopping).
    pub forced: bool,
    /// Frames drawn.
    pub frames: u64,
}

/// Everything the loop reads from and writes to.
pub struct LoopIo<S, E, C> {
    pub screen: S,
    pub events: E,
    pub engine: C,
    pub snapshots: watch::Receiver<EngineSnapshot>,
    pub metrics: watch::Receiver<Metrics>,
    pub log_activity: watch::Receiver<u64>,
    pub stop: CancellationToken,
    pub clock: Clock,
    pub max_fps: u32,
}

async fn at(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Runs until the app asks to exit.
pub async fn run_loop<S, E, C>(app: &mut App, log: &LogPane, mut io: LoopIo<S, E, C>) -> LoopEnd
where
    S: Screen,
    E: Stream<Item = io::Result<Event>> + Unpin,
    C: EngineControl,
{
    let mut pacer = FramePacer::new(io.max_fps);
    let mut frames = 0u64;
    let mut drawing = true;
    let mut cause = ExitReason::Quit;
    let (mut input_open, mut snaps_open, mut metrics_open, mut log_open) = (true, true, true, true);
    let mut stop_seen = false;
    let mut log_due: Option<Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);

    let size = io.screen.size().unwrap_or((80, 24));
    app.update(Msg::Resize(ui::viewport(size.0, size.1)));
    app.update(Msg::Snapshot(io.snapshots.borrow_and_update().clone()));
    app.update(Msg::Metrics(io.metrics.borrow_and_update().clone()));
    app.update(Msg::Tick {
        now_ms: (io.clock)(),
    });

    loop {
        let deadline = if drawing {
            pacer.deadline(app.redraw(), Instant::now())
        } else {
            None
        };
        let mut draw_now = false;
        let msg = tokio::select! {
            biased;
            _ = io.stop.cancelled(), if !stop_seen => {
                stop_seen = true;
                if !matches!(app.phase(), Phase::Stopping { .. }) {
                    cause = ExitReason::Signal;
                }
                Some(Msg::Stop { reason: "stop signal".into() })
            }
            ev = io.events.next(), if input_open => match ev {
                Some(Ok(ev)) => match translate(ev) {
                    Input::Key(k) => Some(Msg::Key(k)),
                    Input::Resize(w, h) => Some(Msg::Resize(ui::viewport(w, h))),
                    Input::Ignored => None,
                },
                Some(Err(_)) | None => {
                    input_open = false;
                    if !matches!(app.phase(), Phase::Stopping { .. }) {
                        cause = ExitReason::TerminalClosed;
                    }
                    Some(Msg::Stop { reason: "terminal closed".into() })
                }
            },
            r = io.snapshots.changed(), if snaps_open => match r {
                Ok(()) => Some(Msg::Snapshot(io.snapshots.borrow_and_update().clone())),
                Err(_) => {
                    snaps_open = false;
                    Some(Msg::EngineGone)
                }
            },
            r = io.metrics.changed(), if metrics_open => match r {
                Ok(()) => Some(Msg::Metrics(io.metrics.borrow_and_update().clone())),
                Err(_) => {
                    metrics_open = false;
                    None
                }
            },
            r = io.log_activity.changed(), if log_open => {
                match r {
                    Ok(()) => {
                        io.log_activity.borrow_and_update();
                        log_due.get_or_insert(Instant::now() + LOG_SETTLE);
                    }
                    Err(_) => log_open = false,
                }
                None
            }
            _ = at(log_due) => {
                log_due = None;
                Some(Msg::LogActivity)
            }
            _ = tick.tick() => Some(Msg::Tick { now_ms: (io.clock)() }),
            _ = at(deadline) => {
                draw_now = true;
                None
            }
        };
        if let Some(msg) = msg {
            let effects = app.update(msg);
            for effect in effects {
                match effect {
                    Effect::Command { selector, command } => {
                        if io.engine.command(selector, command).is_err() {
                            app.update(Msg::EngineUnreachable);
                        }
                    }
                    Effect::QueueGaps { selector } => {
                        if io.engine.queue_gaps(selector).is_err() {
                            app.update(Msg::EngineUnreachable);
                        }
                    }
                    Effect::SetParallel(n) => {
                        if io.engine.set_parallel(n).is_err() {
                            app.update(Msg::EngineUnreachable);
                        }
                    }
                    Effect::ShutdownEngine => io.engine.shutdown(),
                    Effect::ScrollLog(s) => log.scroll(s),
                    Effect::Exit => {
                        return LoopEnd {
                            reason: cause,
                            forced: !app.snapshot().stopped,
                            frames,
                        };
                    }
                }
            }
            // Input keeps coming: do not let it starve the screen.
            draw_now |= deadline.is_some_and(|d| Instant::now() >= d + MAX_OVERDUE);
        }
        if draw_now && drawing {
            match io.screen.draw(app, log) {
                Ok(()) => frames += 1,
                Err(e) => {
                    // The terminal is gone (e.g. the SSH session dropped): stop drawing,
                    // checkpoint and leave.
                    drawing = false;
                    tracing::warn!("cannot draw the dashboard: {e}");
                    if !matches!(app.phase(), Phase::Stopping { .. }) {
                        cause = ExitReason::TerminalClosed;
                    }
                    let effects = app.update(Msg::Stop {
                        reason: "terminal closed".into(),
                    });
                    if effects.contains(&Effect::ShutdownEngine) {
                        io.engine.shutdown();
                    }
                    if effects.contains(&Effect::Exit) {
                        return LoopEnd {
                            reason: cause,
                            forced: !app.snapshot().stopped,
                            frames,
                        };
                    }
                }
            }
            app.drawn();
            pacer.drawn(Instant::now());
        } else if !drawing {
            app.drawn();
        }
    }
}
