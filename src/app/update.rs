//! `App::update`: one message in, the state changed, effects out. No IO, no clock reads.

use super::display;
use super::effect::{Effect, LayoutKind, Msg};
use super::state::{App, Focus, Overlay, Phase, RATE_HISTORY, Redraw};

impl App {
    /// Applies one message; returns what the loop must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Snapshot(s) => self.on_snapshot(s),
            Msg::Metrics(m) => {
                // The sampler publishes every few seconds whether or not anything changed;
                // only a different picture is worth refreshing the table and a frame.
                let changed = self.metrics.sampled_at.is_none()
                    || m.storage != self.metrics.storage
                    || m.health != self.metrics.health;
                self.metrics = m;
                if changed {
                    self.lagging = self
                        .metrics
                        .health
                        .iter()
                        .flat_map(|h| &h.lag)
                        .filter(|l| l.level >= crate::health::Level::Warning)
                        .map(|l| l.instrument.clone())
                        .collect();
                    self.refresh_jobs();
                    self.want(Redraw::Data);
                }
                vec![]
            }
            Msg::Resize(v) => {
                self.viewport = v;
                if !Focus::cycle(v.layout).contains(&self.focus) {
                    self.focus = Focus::Jobs;
                }
                self.jobs.scroll_into_view(v.table_rows);
                self.want(Redraw::Now);
                vec![]
            }
            Msg::Tick { now_ms } => {
                self.on_tick(now_ms);
                vec![]
            }
            Msg::Stop { reason } => self.begin_stop(reason),
            Msg::EngineGone => {
                if !self.snapshot.stopped {
                    let mut s = self.snapshot.clone();
                    s.stopped = true;
                    return self.on_snapshot(s);
                }
                if matches!(self.phase, Phase::Stopping { .. }) {
                    return vec![Effect::Exit];
                }
                vec![]
            }
            Msg::LogActivity => {
                if self.viewport.layout != LayoutKind::TooSmall {
                    self.want(Redraw::Data);
                }
                vec![]
            }
            Msg::EngineUnreachable => {
                self.flash_error(
                    "the engine is not taking commands (stopped or busy): nothing sent",
                );
                vec![]
            }
        }
    }

    fn on_snapshot(&mut self, s: crate::jobs::EngineSnapshot) -> Vec<Effect> {
        let new = s.version != self.snapshot.version || s.stopped != self.snapshot.stopped;
        if !new {
            return vec![];
        }
        if self.requested_parallel == Some(s.parallel) {
            self.requested_parallel = None;
        }
        self.idle_since = match (s.idle || s.stopped, self.idle_since) {
            (true, Some(t)) => Some(t),
            (true, None) => Some(self.now_ms),
            (false, _) => None,
        };
        if let Some(fatal) = &s.fatal
            && self.snapshot.fatal.is_none()
        {
            self.flash_error(format!("engine stopped: {fatal}"));
        }
        self.snapshot = s;
        self.refresh_jobs();
        self.want(Redraw::Data);
        if self.snapshot.stopped && matches!(self.phase, Phase::Stopping { .. }) {
            return vec![Effect::Exit];
        }
        vec![]
    }

    fn on_tick(&mut self, now_ms: i64) {
        let before = self.elapsed_seconds().map(display::elapsed);
        self.now_ms = now_ms;
        let clock_changed = self.elapsed_seconds().map(display::elapsed) != before;
        let mut history_changed = false;
        if !self.snapshot.stopped && self.snapshot.version > 0 {
            let v = self.snapshot.rate_limit.requests_per_second;
            // Pushing a value the whole history already holds changes nothing on screen
            // (all zeros draw as blank; a full constant history stays the same).
            let all_same = self.rate_history.iter().all(|x| *x == v);
            history_changed = !(all_same && (v == 0.0 || self.rate_history.len() == RATE_HISTORY));
            if self.rate_history.len() == RATE_HISTORY {
                self.rate_history.pop_front();
            }
            self.rate_history.push_back(v);
        }
        let history_visible = !self.log_fullscreen
            && match self.viewport.layout {
                LayoutKind::Full => true,
                LayoutKind::Compact => self.focus == Focus::RateLimit,
                LayoutKind::TooSmall => false,
            };
        if clock_changed || (history_changed && history_visible) {
            self.want(Redraw::Data);
        }
    }

    /// Recomputes the jobs table from the latest snapshot.
    pub(crate) fn refresh_jobs(&mut self) {
        let jobs = self.snapshot.jobs.clone();
        self.jobs
            .refresh(&jobs, &self.lagging, self.viewport.table_rows);
    }

    /// Stop the engine at its checkpoints and leave once it has stopped.
    pub(crate) fn begin_stop(&mut self, reason: String) -> Vec<Effect> {
        self.overlay = Overlay::None;
        self.prompt = None;
        self.want(Redraw::Now);
        if matches!(self.phase, Phase::Stopping { .. }) {
            return vec![];
        }
        self.phase = Phase::Stopping { reason };
        if self.snapshot.stopped {
            vec![Effect::Exit]
        } else {
            vec![Effect::ShutdownEngine]
        }
    }

    pub(crate) fn flash_info(&mut self, text: impl Into<String>) {
        self.flash = Some(super::state::Flash {
            text: text.into(),
            error: false,
        });
        self.want(Redraw::Now);
    }

    pub(crate) fn flash_error(&mut self, text: impl Into<String>) {
        self.flash = Some(super::state::Flash {
            text: text.into(),
            error: true,
        });
        self.want(Redraw::Now);
    }
}
