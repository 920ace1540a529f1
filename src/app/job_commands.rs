//! Turning "pause this" into an engine command: which jobs (selected, marked, shown, or an
//! engine selector), whether the command can apply, and the cancel confirmation.

use crate::domain::JobState;
use crate::jobs::lifecycle::applies;
use crate::jobs::{Command, JobView, Selector};

use super::command_line::Target;
use super::effect::Effect;
use super::state::{App, Confirm, ConfirmKind, Overlay};

fn past(command: Command) -> &'static str {
    match command {
        Command::Pause => "pause",
        Command::Resume => "resume",
        Command::Retry => "retry",
        Command::Cancel => "cancel",
    }
}

impl App {
    /// `p`/`r`/`x`/`c`: the marked jobs, else the selected one.
    pub(crate) fn command_current(&mut self, command: Command) -> Vec<Effect> {
        self.command_target(command, Target::Current, None)
    }

    /// `g`: gap jobs for the marked jobs' instruments, else the selected job's.
    pub(crate) fn queue_gaps(&mut self) -> Vec<Effect> {
        let (selector, label) = if self.jobs.marks().is_empty() {
            let Some(job) = self.jobs.selected_job(&self.snapshot.jobs) else {
                self.flash_error("no job selected");
                return vec![];
            };
            (Selector::one(job.key.clone()), job.key.instrument.clone())
        } else {
            let keys = self.jobs.marked_keys();
            let n = keys.len();
            (Selector::Keys(keys), format!("{n} marked jobs"))
        };
        self.flash_info(format!(
            "gap re-fetch asked for {label}: its gap jobs join the table (none if `verify` recorded no open gap)"
        ));
        vec![Effect::QueueGaps { selector }]
    }

    /// `P`/`R`: every shown job (`Selector::All` when nothing is filtered); `X`: every shown
    /// failed job.
    pub(crate) fn command_shown(&mut self, command: Command) -> Vec<Effect> {
        let only = (command == Command::Retry).then_some(JobState::Failed);
        if !self.jobs.is_filtered() {
            let selector = match only {
                Some(s) => Selector::State(s),
                None => Selector::All,
            };
            let label = match only {
                Some(_) => "every failed job",
                None => "every job",
            };
            return self.command_target(command, Target::Engine(selector), Some(label.into()));
        }
        let keys = self.jobs.shown_keys(&self.snapshot.jobs, only);
        let what = if only.is_some() {
            "failed jobs shown"
        } else {
            "jobs shown"
        };
        if keys.is_empty() {
            self.flash_error(format!("no {what}"));
            return vec![];
        }
        let label = format!("{} {what}", keys.len());
        self.command_target(command, Target::Engine(Selector::Keys(keys)), Some(label))
    }

    /// Resolves a target and sends (or, for cancel, confirms) the command. `label` names an
    /// engine selector's jobs in messages (default: "N jobs").
    pub(crate) fn command_target(
        &mut self,
        command: Command,
        target: Target,
        label: Option<String>,
    ) -> Vec<Effect> {
        let jobs = self.snapshot.jobs.clone();
        let resolved = match target {
            Target::Current if self.jobs.marks().is_empty() => {
                let Some(job) = self.jobs.selected_job(&jobs) else {
                    self.flash_error("no job selected");
                    return vec![];
                };
                if !applies(command, job.state) {
                    self.flash_error(format!(
                        "{} is {}: nothing to {}",
                        job.key,
                        job.state,
                        past(command)
                    ));
                    return vec![];
                }
                (Selector::one(job.key.clone()), 1, job.key.to_string())
            }
            Target::Current | Target::Marked => {
                let keys = self.jobs.marked_keys();
                if keys.is_empty() {
                    self.flash_error("no jobs marked (space marks the selected job)");
                    return vec![];
                }
                let n = keys.len();
                (Selector::Keys(keys), n, format!("{n} marked jobs"))
            }
            Target::Shown => {
                let keys = self.jobs.shown_keys(&jobs, None);
                let n = keys.len();
                (Selector::Keys(keys), n, format!("{n} jobs shown"))
            }
            Target::Engine(selector) => {
                let n = count(&selector, &jobs);
                let label = label.unwrap_or_else(|| format!("{n} jobs"));
                (selector, n, label)
            }
        };
        let (selector, n, label) = resolved;
        let eligible = eligible(command, &selector, &jobs);
        if n == 0 || eligible == 0 {
            self.flash_error(format!("{label}: no job to {}", past(command)));
            return vec![];
        }
        if command == Command::Cancel {
            self.overlay = Overlay::Confirm(Confirm {
                kind: ConfirmKind::Cancel {
                    selector,
                    count: eligible,
                },
                title: "Cancel?".into(),
                lines: vec![
                    if n == 1 {
                        format!("Cancel {label}?")
                    } else {
                        format!("Cancel {label} ({eligible} can be cancelled)?")
                    },
                    "Running jobs stop after committing their current request.".into(),
                    format!(
                        "Retry ({}) starts them again from their checkpoint.",
                        self.keymap().keys_text(super::action::Action::Retry)
                    ),
                ],
            });
            return vec![];
        }
        if n == 1 {
            self.flash_info(format!("{} sent to {label}", past(command)));
        } else {
            self.flash_info(format!(
                "{} sent to {label} ({eligible} eligible)",
                past(command)
            ));
        }
        vec![Effect::Command { selector, command }]
    }
}

/// Jobs a selector names.
fn count(selector: &Selector, jobs: &[JobView]) -> usize {
    let g = selector.matcher();
    jobs.iter()
        .filter(|j| selector.matches(&j.key, j.state, g.as_ref()))
        .count()
}

/// Jobs a selector names that the command would change.
fn eligible(command: Command, selector: &Selector, jobs: &[JobView]) -> usize {
    let g = selector.matcher();
    jobs.iter()
        .filter(|j| selector.matches(&j.key, j.state, g.as_ref()) && applies(command, j.state))
        .count()
}
