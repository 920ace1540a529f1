//! `--on-finish CMD` (config `backfill.on_finish`): a shell command run once a backfill has
//! ended, however it ended, so an operator hears about a multi-hour job without watching it
//! (a mail, a chat message, `curl` to a webhook). Like pueue's callback, it learns the outcome
//! from the environment:
//!
//! | variable | value |
//! |---|---|
//! | `DERIBIT_BACKFILL_RESULT` | `done`, `failed`, `incomplete`, or `error` (it could not run) |
//! | `DERIBIT_BACKFILL_EXIT_CODE` | the exit code the backfill is about to return (0, 1, 2, 3) |
//! | `DERIBIT_BACKFILL_JOBS_DONE`, `_FAILED`, `_UNAVAILABLE`, `_LEFT` | job counts |
//! | `DERIBIT_BACKFILL_ROWS_WRITTEN` | rows written by this run |
//! | `DERIBIT_BACKFILL_DATABASE` | the database URL, password redacted |
//! | `DERIBIT_BACKFILL_SUMMARY` | the summary text printed at the end (or the error) |
//!
//! The command runs under `sh -c` with stdin closed, its output going where ours goes (the
//! terminal is already restored). It cannot change the exit code: a failing or hanging
//! command (stopped after [`TIMEOUT`]) is reported on stderr and in the log.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::jobs::EngineSnapshot;

/// How long the command may run before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The run's outcome word for an exit code of [`super::run::exit_status`].
pub fn result_word(exit: u8) -> &'static str {
    match exit {
        0 => "done",
        1 => "failed",
        _ => "incomplete",
    }
}

/// The environment the command sees.
pub fn environment(
    snapshot: &EngineSnapshot,
    exit: u8,
    database: &str,
    summary: &str,
) -> Vec<(&'static str, String)> {
    let t = &snapshot.totals;
    let left = t.queued + t.running + t.pausing + t.paused + t.backoff + t.cancelled;
    vec![
        ("DERIBIT_BACKFILL_RESULT", result_word(exit).to_string()),
        ("DERIBIT_BACKFILL_EXIT_CODE", exit.to_string()),
        ("DERIBIT_BACKFILL_JOBS_DONE", t.done.to_string()),
        ("DERIBIT_BACKFILL_JOBS_FAILED", t.failed.to_string()),
        (
            "DERIBIT_BACKFILL_JOBS_UNAVAILABLE",
            t.unavailable.to_string(),
        ),
        ("DERIBIT_BACKFILL_JOBS_LEFT", left.to_string()),
        ("DERIBIT_BACKFILL_ROWS_WRITTEN", t.rows_written.to_string()),
        ("DERIBIT_BACKFILL_DATABASE", crate::redact::redact(database)),
        ("DERIBIT_BACKFILL_SUMMARY", crate::redact::redact(summary)),
    ]
}

/// The environment for a backfill that could not start or broke off with an error (exit 1,
/// or 2 for bad usage).
pub fn error_environment(error: &str, exit: u8, database: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DERIBIT_BACKFILL_RESULT", "error".to_string()),
        ("DERIBIT_BACKFILL_EXIT_CODE", exit.to_string()),
        ("DERIBIT_BACKFILL_DATABASE", crate::redact::redact(database)),
        (
            "DERIBIT_BACKFILL_SUMMARY",
            format!("{}\n", crate::redact::redact(error)),
        ),
    ]
}

/// Runs `command` (nothing when it is blank) and waits for it, at most [`TIMEOUT`].
pub async fn run(command: &str, env: Vec<(&'static str, String)>) {
    run_with_timeout(command, env, TIMEOUT).await;
}

async fn run_with_timeout(command: &str, env: Vec<(&'static str, String)>, timeout: Duration) {
    if command.trim().is_empty() {
        return;
    }
    // On stderr (the dashboard has already given the terminal back) and in the log file; not
    // as a tracing warning, which headless mode would print on stderr a second time.
    let warn = |msg: String| {
        tracing::info!("{msg}");
        let _ = writeln!(std::io::stderr(), "warning: {msg}");
    };
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .envs(env)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            warn(format!(
                "cannot start the on-finish command ({e}) — check `sh` is on PATH"
            ));
            return;
        }
    };
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) if status.success() => {
            tracing::info!("on-finish command finished");
        }
        Ok(Ok(status)) => warn(format!(
            "the on-finish command failed ({status}); the backfill's own result is unchanged"
        )),
        Ok(Err(e)) => warn(format!("cannot wait for the on-finish command: {e}")),
        Err(_) => {
            let _ = child.kill().await;
            warn(format!(
                "the on-finish command ran longer than {} s and was stopped",
                timeout.as_secs()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_read_as_words() {
        assert_eq!(result_word(0), "done");
        assert_eq!(result_word(1), "failed");
        assert_eq!(result_word(3), "incomplete");
    }

    #[test]
    fn the_environment_redacts_the_password() {
        let env = environment(
            &EngineSnapshot::default(),
            0,
            "postgres://u:hunter2@db/x",
            "s",
        );
        let db = &env
            .iter()
            .find(|(k, _)| *k == "DERIBIT_BACKFILL_DATABASE")
            .unwrap()
            .1;
        assert!(!db.contains("hunter2"), "{db}");
        assert!(db.contains("db/x"), "{db}");
    }

    #[tokio::test]
    async fn a_hanging_command_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("after");
        let started = std::time::Instant::now();
        run_with_timeout(
            &format!("sleep 30; touch {}", marker.display()),
            vec![],
            Duration::from_millis(200),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            !marker.exists(),
            "the command was killed before it finished"
        );
    }
}
