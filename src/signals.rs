//! SIGINT, SIGTERM and SIGHUP (a dropped SSH session) ask for a clean stop: every running job
//! commits the request in flight, checkpoints and stops. A second signal exits at once, which
//! is still safe: every write is one transaction with its checkpoint.

use tokio_util::sync::CancellationToken;

/// Exit status after a forced second interrupt (128 + SIGINT).
pub const FORCED_EXIT_CODE: i32 = 130;

/// Returns a token cancelled by the first stop signal; `on_first` runs then (e.g. to print a
/// notice). A second signal terminates the process.
pub fn listen(on_first: impl Fn(&'static str) + Send + 'static) -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let name = next_signal().await;
        on_first(name);
        t.cancel();
        let again = next_signal().await;
        tracing::warn!(signal = again, "second stop signal: exiting now");
        // Give the terminal back first if the dashboard holds it.
        crate::tui::restore();
        std::process::exit(FORCED_EXIT_CODE);
    });
    token
}

#[cfg(unix)]
async fn next_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");
    tokio::select! {
        _ = int.recv() => "SIGINT",
        _ = term.recv() => "SIGTERM",
        _ = hup.recv() => "SIGHUP",
    }
}

#[cfg(not(unix))]
async fn next_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}
