//! The job state machine, pure: commands and worker exits in, new state and effects out.
//! Pause and cancel are requests: a running job shows `pausing` until its worker has
//! committed the request in flight and stopped (tokio-console's Pausing…, pueue's semantics).

use crate::domain::JobState;

/// What an operator can ask of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Pause,
    Resume,
    Retry,
    Cancel,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Retry => "retry",
            Self::Cancel => "cancel",
        }
    }
}

/// Why a worker is being stopped; decides the state once it has stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopIntent {
    Pause,
    Cancel,
    /// The process is shutting down: the job resumes on the next start.
    Shutdown,
    /// A pause was taken back before the worker stopped: queue it again.
    Requeue,
}

/// How a worker ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerExit {
    Done,
    Unavailable(String),
    Failed(String),
    /// The database failed in a way no retry heals (a full disk, a permission): the job
    /// stops as failed and the whole engine stops, naming the cause and the fix.
    Fatal(String),
    /// Stopped at a safe point because it was asked to.
    Interrupted,
}

/// The result of applying a command or an exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub state: JobState,
    /// Stop the running worker (cancel its token).
    pub stop_worker: bool,
    /// The intent to remember until the worker confirms.
    pub intent: Option<StopIntent>,
    /// Whether anything changed.
    pub changed: bool,
}

impl Step {
    fn same(state: JobState, intent: Option<StopIntent>) -> Self {
        Self {
            state,
            stop_worker: false,
            intent,
            changed: false,
        }
    }

    fn to(state: JobState) -> Self {
        Self {
            state,
            stop_worker: false,
            intent: None,
            changed: true,
        }
    }

    fn stopping(intent: StopIntent) -> Self {
        Self {
            state: JobState::Pausing,
            stop_worker: true,
            intent: Some(intent),
            changed: true,
        }
    }
}

/// Applies an operator command.
pub fn on_command(state: JobState, intent: Option<StopIntent>, cmd: Command) -> Step {
    use JobState::*;
    match (cmd, state) {
        (Command::Pause, Queued) => Step::to(Paused),
        (Command::Pause, Running | Backoff) => Step::stopping(StopIntent::Pause),
        (Command::Pause, Pausing) if intent == Some(StopIntent::Requeue) => Step {
            intent: Some(StopIntent::Pause),
            changed: true,
            ..Step::same(Pausing, None)
        },
        (Command::Resume, Paused) => Step::to(Queued),
        (Command::Resume, Pausing) if intent == Some(StopIntent::Pause) => Step {
            intent: Some(StopIntent::Requeue),
            changed: true,
            ..Step::same(Pausing, None)
        },
        (Command::Retry, Failed | Cancelled | Unavailable) => Step::to(Queued),
        (Command::Cancel, Queued | Paused) => Step::to(Cancelled),
        (Command::Cancel, Running | Backoff) => Step::stopping(StopIntent::Cancel),
        (Command::Cancel, Pausing) if intent != Some(StopIntent::Cancel) => Step {
            intent: Some(StopIntent::Cancel),
            changed: true,
            ..Step::same(Pausing, None)
        },
        _ => Step::same(state, intent),
    }
}

/// Whether `command` changes a job in `state`: the one rule the dashboard (which keys apply,
/// what a bulk command would touch) and the engine share. A job shown as pausing is taken to
/// be pausing on an operator's pause, the usual intent.
pub fn applies(command: Command, state: JobState) -> bool {
    let intent = (state == JobState::Pausing).then_some(StopIntent::Pause);
    on_command(state, intent, command).changed
}

/// The state after a worker has ended, given why it was stopped (if it was).
pub fn on_exit(intent: Option<StopIntent>, exit: &WorkerExit) -> JobState {
    match exit {
        WorkerExit::Done => JobState::Done,
        WorkerExit::Unavailable(_) => JobState::Unavailable,
        WorkerExit::Failed(_) | WorkerExit::Fatal(_) => JobState::Failed,
        WorkerExit::Interrupted => match intent {
            Some(StopIntent::Pause) => JobState::Paused,
            Some(StopIntent::Cancel) => JobState::Cancelled,
            Some(StopIntent::Shutdown) | Some(StopIntent::Requeue) | None => JobState::Queued,
        },
    }
}

/// The state a stored checkpoint resumes in on the next start: pauses and cancels survive a
/// restart; work interrupted by a crash or shutdown resumes; failures are retried by a new run.
pub fn on_restart(stored: JobState, complete: bool) -> JobState {
    use JobState::*;
    match stored {
        Paused => Paused,
        Cancelled => Cancelled,
        Unavailable => Unavailable,
        Done if complete => Done,
        Done | Failed | Queued | Running | Pausing | Backoff => Queued,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JobState::*;

    #[test]
    fn pause_of_a_running_job_waits_for_the_worker() {
        let s = on_command(Running, None, Command::Pause);
        assert_eq!(
            (s.state, s.stop_worker, s.intent),
            (Pausing, true, Some(StopIntent::Pause))
        );
        assert_eq!(on_exit(s.intent, &WorkerExit::Interrupted), Paused);
        // If the worker finished its last window anyway, done wins.
        assert_eq!(on_exit(s.intent, &WorkerExit::Done), Done);
    }

    #[test]
    fn pause_and_resume_of_queued_jobs_are_immediate() {
        assert_eq!(on_command(Queued, None, Command::Pause).state, Paused);
        assert_eq!(on_command(Paused, None, Command::Resume).state, Queued);
        assert!(!on_command(Paused, None, Command::Resume).stop_worker);
    }

    #[test]
    fn resume_while_pausing_requeues_after_the_worker_stops() {
        let s = on_command(Pausing, Some(StopIntent::Pause), Command::Resume);
        assert_eq!(
            (s.state, s.intent, s.changed),
            (Pausing, Some(StopIntent::Requeue), true)
        );
        assert_eq!(on_exit(s.intent, &WorkerExit::Interrupted), Queued);
        let again = on_command(Pausing, s.intent, Command::Pause);
        assert_eq!(again.intent, Some(StopIntent::Pause));
    }

    #[test]
    fn which_commands_apply_where() {
        use JobState::*;
        let table = [
            (Command::Pause, vec![Queued, Running, Backoff]),
            (Command::Resume, vec![Paused, Pausing]),
            (Command::Retry, vec![Failed, Cancelled, Unavailable]),
            (
                Command::Cancel,
                vec![Queued, Running, Backoff, Pausing, Paused],
            ),
        ];
        for (cmd, states) in table {
            for state in JobState::ALL {
                assert_eq!(
                    applies(cmd, state),
                    states.contains(&state),
                    "{cmd:?} on {state}"
                );
            }
        }
    }

    #[test]
    fn retry_only_applies_to_ended_jobs() {
        for st in [Failed, Cancelled, Unavailable] {
            assert_eq!(on_command(st, None, Command::Retry).state, Queued, "{st}");
        }
        for st in [Done, Running, Queued, Paused] {
            let s = on_command(st, None, Command::Retry);
            assert!(!s.changed, "{st}");
        }
    }

    #[test]
    fn cancel() {
        assert_eq!(on_command(Queued, None, Command::Cancel).state, Cancelled);
        let s = on_command(Running, None, Command::Cancel);
        assert!(s.stop_worker);
        assert_eq!(on_exit(s.intent, &WorkerExit::Interrupted), Cancelled);
        let s = on_command(Pausing, Some(StopIntent::Pause), Command::Cancel);
        assert_eq!(s.intent, Some(StopIntent::Cancel));
        assert!(!on_command(Done, None, Command::Cancel).changed);
    }

    #[test]
    fn shutdown_resumes_next_start() {
        assert_eq!(
            on_exit(Some(StopIntent::Shutdown), &WorkerExit::Interrupted),
            Queued
        );
        assert_eq!(on_restart(Running, false), Queued, "crash mid-run resumes");
        assert_eq!(on_restart(Pausing, false), Queued);
        assert_eq!(
            on_restart(Paused, false),
            Paused,
            "pause survives a restart"
        );
        assert_eq!(on_restart(Cancelled, false), Cancelled);
        assert_eq!(on_restart(Done, true), Done);
        assert_eq!(on_restart(Done, false), Queued, "the range grew since");
        assert_eq!(on_restart(Failed, false), Queued);
    }
}
