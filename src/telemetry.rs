//! Logging setup. While the dashboard owns the terminal nothing is written to stdout or
//! stderr: logs go to the log file and the dashboard's log pane. Headless runs also log to
//! stderr. `RUST_LOG` overrides the default level (`info` for this crate, `warn` otherwise).

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogMode {
    /// One-shot commands: warnings and errors on stderr only.
    Quiet,
    /// Headless long runs: stderr (human lines) plus the log file.
    Headless,
    /// The dashboard: the log file plus the in-app log pane, nothing on the terminal.
    Dashboard,
}

/// Keeps the file writer flushing until dropped (at exit).
pub struct LogGuard {
    _file: Option<WorkerGuard>,
    pub file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot open log file {path}: {source} — pass --log-file with a writable path")]
pub struct LogFileError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

fn filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
}

fn open_log_file(path: &Path) -> Result<std::fs::File, LogFileError> {
    let err = |source| LogFileError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(err)
}

/// Installs the global subscriber. Call once, early.
pub fn init(mode: LogMode, log_file: &Path, no_color: bool) -> Result<LogGuard, LogFileError> {
    let default_level = "warn,deribit_backfill=info";
    match mode {
        LogMode::Quiet => {
            let stderr = tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(!no_color)
                .with_target(false)
                .with_filter(filter("warn"));
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            Ok(LogGuard {
                _file: None,
                file: None,
            })
        }
        LogMode::Headless | LogMode::Dashboard => {
            let file = open_log_file(log_file)?;
            let (writer, guard) = tracing_appender::non_blocking(file);
            let file_layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(filter(default_level));
            let registry = tracing_subscriber::registry().with(file_layer);
            if mode == LogMode::Headless {
                let stderr = tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(!no_color)
                    .with_target(false)
                    .with_filter(filter("warn,deribit_backfill=warn"));
                let _ = registry.with(stderr).try_init();
            } else {
                // Not `tui_logger::init_logger`: its thread wakes every 10 ms for the life of
                // the program (100 wake-ups a second on an idle dashboard). Our layer moves
                // each line into the pane's buffer as it writes it instead.
                tui_logger::set_default_level(tui_logger::LevelFilter::Info);
                // Emptied after every line, so a small hot buffer is plenty (each move
                // allocates a fresh one of this depth).
                tui_logger::set_hot_buffer_depth(64);
                let pane = crate::tui::LogPaneLayer
                    .and_then(crate::tui::LogActivityLayer)
                    .with_filter(filter(default_level));
                let _ = registry.with(pane).try_init();
            }
            Ok(LogGuard {
                _file: Some(guard),
                file: Some(log_file.to_path_buf()),
            })
        }
    }
}
