//! Key handling: the mode decides the context (dialog, prompt, help, main), the keymap turns
//! the key into an action, and the action changes state or produces effects.

use super::action::{Action, Context};
use super::effect::{Effect, LogScroll, Msg};
use super::filter::QuickFilter;
use super::keypress::Key;
use super::state::{App, ConfirmKind, Focus, Overlay, Phase, Redraw};
use crate::jobs::Command;
use crate::jobs::supervisor::MAX_PARALLEL;

impl App {
    pub(crate) fn on_key(&mut self, key: Key) -> Vec<Effect> {
        self.flash = None;
        self.want(Redraw::Now);
        if let Phase::Stopping { .. } = self.phase {
            // Only quitting again does something: leave without waiting for the checkpoints
            // (safe: every write is committed with its checkpoint in one transaction).
            return match self.keymap().action(Context::Main, key) {
                Some(Action::Quit) => vec![Effect::Exit],
                _ => vec![],
            };
        }
        if let Overlay::Confirm(c) = &self.overlay {
            let kind = c.kind.clone();
            return match self.keymap().action(Context::Dialog, key) {
                Some(Action::Confirm) => {
                    self.overlay = Overlay::None;
                    self.on_confirmed(kind)
                }
                Some(Action::Deny) => {
                    self.overlay = Overlay::None;
                    vec![]
                }
                _ => vec![],
            };
        }
        if self.prompt.is_some() {
            return self.on_prompt_key(key);
        }
        let Some(action) = self.keymap().action(Context::Main, key) else {
            return vec![];
        };
        if let Overlay::Help { scroll } = self.overlay {
            let v = self.viewport;
            let (_, last) = super::help::shown_lines(self.keymap(), v.width, v.height);
            let page = v.height.saturating_sub(5).max(1) as usize;
            let to = |s: isize| Overlay::Help {
                scroll: s.clamp(0, last as isize) as usize,
            };
            self.overlay = match action {
                Action::Help | Action::Close | Action::Quit => Overlay::None,
                Action::Up => to(scroll as isize - 1),
                Action::Down => to(scroll as isize + 1),
                Action::PageUp => to(scroll as isize - page as isize),
                Action::PageDown => to(scroll as isize + page as isize),
                Action::Top => to(0),
                Action::Bottom => to(last as isize),
                _ => Overlay::Help { scroll },
            };
            return vec![];
        }
        self.on_action(action)
    }

    /// Carries out an action in the main view (keys and the `:` command line).
    pub(crate) fn on_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Up => return self.navigate(-1),
            Action::Down => return self.navigate(1),
            Action::PageUp => return self.navigate(-(self.page() as isize)),
            Action::PageDown => return self.navigate(self.page() as isize),
            Action::Top => return self.navigate(isize::MIN),
            Action::Bottom => return self.navigate(isize::MAX),
            Action::FocusNext => self.move_focus(1),
            Action::FocusPrev => self.move_focus(-1),
            Action::Pause => return self.command_current(Command::Pause),
            Action::Resume => return self.command_current(Command::Resume),
            Action::Retry => return self.command_current(Command::Retry),
            Action::Cancel => return self.command_current(Command::Cancel),
            Action::Mark => {
                match self.jobs.toggle_mark() {
                    Some(_) => self.navigate_jobs(1),
                    None => self.flash_error("no job selected"),
                };
            }
            Action::PauseAll => return self.command_shown(Command::Pause),
            Action::ResumeAll => return self.command_shown(Command::Resume),
            Action::RetryFailed => return self.command_shown(Command::Retry),
            Action::Gaps => return self.queue_gaps(),
            Action::Basis => {
                self.basis_view = !self.basis_view;
                if self.basis_view {
                    self.focus = Focus::Jobs;
                    self.log_fullscreen = false;
                }
            }
            Action::ParallelUp => return self.change_parallel(1),
            Action::ParallelDown => return self.change_parallel(-1),
            Action::Filter => self.open_prompt(super::state::PromptKind::Filter),
            Action::Command => self.open_prompt(super::state::PromptKind::Command),
            Action::QuickFilter => {
                self.jobs.quick = self.jobs.quick.next();
                self.refresh_jobs();
                self.flash_info(format!("showing {} jobs", self.jobs.quick.as_str()));
            }
            Action::Sort => {
                let column = self.jobs.sort.column.next();
                self.jobs.sort = super::sort::Sort {
                    column,
                    dir: column.default_direction(),
                };
                self.refresh_jobs();
            }
            Action::SortReverse => {
                self.jobs.sort.dir = self.jobs.sort.dir.flip();
                self.refresh_jobs();
            }
            Action::LogFullscreen => self.log_fullscreen = !self.log_fullscreen,
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::Close => self.close(),
            Action::Quit => return self.quit(),
            Action::Confirm | Action::Deny => {}
        }
        vec![]
    }

    fn page(&self) -> usize {
        self.viewport.table_rows.max(1)
    }

    /// Moves within the focused pane (or the fullscreen log).
    fn navigate(&mut self, delta: isize) -> Vec<Effect> {
        let focus = if self.log_fullscreen {
            Focus::Log
        } else {
            self.focus
        };
        match focus {
            Focus::Jobs if self.basis_view => {
                let len = self.metrics.basis.as_ref().map_or(0, |b| b.futures.len());
                self.basis_selected = step(self.basis_selected(), delta, len);
            }
            Focus::Jobs => self.navigate_jobs(delta),
            Focus::Log => {
                let scroll = match delta {
                    isize::MAX => LogScroll::Follow,
                    isize::MIN => LogScroll::PageUp,
                    -1 => LogScroll::Up,
                    1 => LogScroll::Down,
                    d if d < 0 => LogScroll::PageUp,
                    _ => LogScroll::PageDown,
                };
                return vec![Effect::ScrollLog(scroll)];
            }
            Focus::Collectors => {
                let len = self
                    .metrics
                    .health
                    .as_ref()
                    .map_or(0, |h| h.lag.len() + 2 * h.collectors.len());
                self.collectors_scroll = step(self.collectors_scroll, delta, len);
            }
            Focus::Storage => {
                let len = self.metrics.storage.tables.len();
                self.storage_scroll = step(self.storage_scroll, delta, len);
            }
            Focus::RateLimit => {}
        }
        vec![]
    }

    fn navigate_jobs(&mut self, delta: isize) {
        let jobs = self.snapshot.jobs.clone();
        let page = self.page();
        match delta {
            isize::MIN => self.jobs.select_first(&jobs, page),
            isize::MAX => self.jobs.select_last(&jobs, page),
            d => self.jobs.move_by(&jobs, d, page),
        }
    }

    fn move_focus(&mut self, dir: isize) {
        let cycle = Focus::cycle(self.viewport.layout);
        let i = cycle.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let n = cycle.len() as isize;
        self.focus = cycle[((i + dir).rem_euclid(n)) as usize];
    }

    fn change_parallel(&mut self, delta: isize) -> Vec<Effect> {
        let base = self
            .requested_parallel
            .unwrap_or(self.snapshot.parallel)
            .max(1);
        let n = (base as isize + delta).clamp(1, MAX_PARALLEL as isize) as usize;
        if n == base {
            self.flash_error(format!("parallel stays at {base} (1 to {MAX_PARALLEL})"));
            return vec![];
        }
        self.requested_parallel = Some(n);
        self.flash_info(format!("parallel {base} → {n}"));
        vec![Effect::SetParallel(n)]
    }

    pub(crate) fn set_parallel(&mut self, n: usize) -> Vec<Effect> {
        let n = n.clamp(1, MAX_PARALLEL);
        self.requested_parallel = Some(n);
        self.flash_info(format!("parallel → {n}"));
        vec![Effect::SetParallel(n)]
    }

    /// Esc: the fullscreen log, else the basis tab, else the marks, else the filters.
    fn close(&mut self) {
        if self.log_fullscreen {
            self.log_fullscreen = false;
        } else if self.basis_view {
            self.basis_view = false;
        } else if self.jobs.clear_marks() {
            self.flash_info("marks cleared");
        } else if self.jobs.is_filtered() {
            self.jobs.filter = None;
            self.jobs.quick = QuickFilter::All;
            self.refresh_jobs();
            self.flash_info("filters cleared");
        }
    }

    fn quit(&mut self) -> Vec<Effect> {
        if !self.jobs_running() {
            return self.begin_stop("quit".into());
        }
        let t = &self.snapshot.totals;
        let active = t.running + t.pausing + t.backoff;
        self.overlay = Overlay::Confirm(super::state::Confirm {
            kind: ConfirmKind::Quit,
            title: "Quit?".into(),
            lines: vec![
                format!("{active} jobs are running and {} queued.", t.queued),
                "Running jobs first commit their current request and checkpoint,".into(),
                "so the next start resumes where they stopped.".into(),
            ],
        });
        vec![]
    }

    fn on_confirmed(&mut self, kind: ConfirmKind) -> Vec<Effect> {
        match kind {
            ConfirmKind::Quit => self.begin_stop("quit".into()),
            ConfirmKind::Cancel { selector, count } => {
                self.flash_info(format!("cancel sent to {count} job(s)"));
                vec![Effect::Command {
                    selector,
                    command: Command::Cancel,
                }]
            }
        }
    }

    /// Feeds a message through `update` (for tests and the command line).
    pub fn press(&mut self, key: Key) -> Vec<Effect> {
        self.update(Msg::Key(key))
    }
}

/// Scrolls a list offset by `delta` within `len` rows.
fn step(offset: usize, delta: isize, len: usize) -> usize {
    let last = len.saturating_sub(1) as isize;
    match delta {
        isize::MIN => 0,
        isize::MAX => last.max(0) as usize,
        d => (offset as isize + d).clamp(0, last.max(0)) as usize,
    }
}
