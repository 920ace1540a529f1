//! Command-line arguments (clap derive). Every option also has a config-file key; flags and
//! their environment variables override the file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "deribit-backfill",
    version,
    about = "Backfill Deribit market data into SQLite or PostgreSQL, with a terminal dashboard",
    long_about = None,
    propagate_version = true,
    after_help = "Without a subcommand the dashboard opens (same flags as `run`; headless when there is no terminal)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Flags of the dashboard when no subcommand is given.
    #[command(flatten)]
    pub backfill: BackfillArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses the process arguments; prints the error (or help) and exits on bad ones.
    pub fn parse_checked() -> Self {
        Self::try_parse_checked(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Parses `args`. Global options (`--database-url`, `--config`, `--log-file`,
    /// `--no-color`) go before or after a subcommand; the dashboard's own flags (`--start`,
    /// `--pipelines`, …) without a subcommand only, so `deribit-backfill --start X status`
    /// is an error rather than a silently ignored flag.
    pub fn try_parse_checked<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::parser::ValueSource;
        use clap::{CommandFactory, FromArgMatches};
        let mut command = Self::command();
        let matches = command.try_get_matches_from_mut(args)?;
        if let Some((sub, _)) = matches.subcommand() {
            let dashboard_only = BackfillArgs::augment_args(clap::Command::new("flags"));
            for arg in dashboard_only.get_arguments() {
                if matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine) {
                    let flag = arg.get_long().unwrap_or(arg.get_id().as_str());
                    return Err(command.error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!(
                            "the subcommand '{sub}' cannot be used with '--{flag}' before it: '--{flag}' is a flag of the dashboard (no subcommand), or of 'run' and 'tui' given after them"
                        ),
                    ));
                }
            }
        }
        Self::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
    }
}

/// Options every subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Database: sqlite://path/to/file.db or postgres://user:password@host:5432/db
    /// [default: sqlite://data/deribit.db]
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// Config file (TOML) [default: ~/.config/deribit-backfill/config.toml when present]
    #[arg(
        long,
        global = true,
        env = "DERIBIT_BACKFILL_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// Log file [default: data/deribit-backfill.log]
    #[arg(
        long,
        global = true,
        env = "DERIBIT_BACKFILL_LOG_FILE",
        value_name = "FILE"
    )]
    pub log_file: Option<String>,
    /// Never use colour (every state stays readable as text)
    #[arg(
        long,
        global = true,
        env = "NO_COLOR",
        hide_env_values = true,
        value_parser = no_color_value,
        default_value = ""
    )]
    pub no_color: bool,
}

/// `NO_COLOR` means no colour whatever its value, when it is not empty (no-color.org):
/// `NO_COLOR=1`, `NO_COLOR=true` and `NO_COLOR=0` all turn colour off. `--no-color` itself
/// takes no value; absent, the default is the empty string (colour on).
fn no_color_value(value: &str) -> Result<bool, std::convert::Infallible> {
    Ok(!value.is_empty())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database schema, then exit
    Migrate,
    /// Print the effective configuration (defaults < file < environment < flags), passwords redacted
    Config,
    /// List the instruments to backfill: the exchange's list united with the expiry calendar
    Instruments(InstrumentsArgs),
    /// Run the backfill headless: progress on stderr, a summary at the end
    Run(RunArgs),
    /// Open the dashboard over a backfill (the default without a subcommand)
    Tui(BackfillArgs),
    /// The whole product on a simulator: a fresh database, a real backfill, a collector, the dashboard
    Demo(DemoArgs),
    /// Keep the perpetuals (and optionally the live futures) current, until stopped
    Collect(CollectArgs),
    /// One-shot summary of jobs, collectors, lag, rows and disk; exit 0 healthy, 1 warning, 2 critical
    Status(StatusArgs),
    /// Serve a faithful local Deribit simulator (for tests, demos and dry runs)
    Sim(crate::sim::SimArgs),
    /// Check the database (coverage, basis, storage, funding, index, OHLC sanity, duplicates),
    /// write evidence files, record every gap for `run --gaps-only`. Exit 0 only when every
    /// check passes, 4 when one fails
    Verify(VerifyArgs),
    /// Write Markdown reports: completion, data quality, storage
    Report(ReportArgs),
    /// Draw charts from the database (`plot basis --out basis.png`)
    Plot(PlotArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Days of history to backfill (about a minute of work at Deribit's real rate limits)
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Seed of the simulated market
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Jobs worked on at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(usize))]
    pub parallel: usize,
    /// Do not run the realtime collector beside the backfill
    #[arg(long)]
    pub no_collector: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CollectArgs {
    /// Exchange base URL (or a `deribit-backfill sim`) [default: https://www.deribit.com]
    #[arg(long, env = "DERIBIT_EXCHANGE_URL", value_name = "URL")]
    pub exchange_url: Option<String>,
    /// Currencies whose perpetuals are kept current [default: BTC,ETH]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub currencies: Vec<String>,
    /// Also keep the live futures current
    #[arg(long)]
    pub futures: bool,
    /// Seconds between polls [default: 10]
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<u64>,
    /// This collector's id in `collector_heartbeats` [default: host:pid]
    #[arg(long)]
    pub id: Option<String>,
    /// For an instrument with nothing stored, start this many minutes back
    #[arg(long, default_value_t = 60, value_name = "MINUTES")]
    pub lookback_minutes: u64,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// What to backfill (shared by `run`, `tui` and `demo`).
#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// Exchange base URL (or a `deribit-backfill sim`) [default: https://www.deribit.com]
    #[arg(long, env = "DERIBIT_EXCHANGE_URL", value_name = "URL")]
    pub exchange_url: Option<String>,
    /// Host that lists every expired future (same API); when it fails, the main host's list
    /// and the expiry calendar stand in [default: exchange.history_url, https://history.deribit.com]
    #[arg(long, env = "DERIBIT_HISTORY_URL", value_name = "URL")]
    pub history_url: Option<String>,
    /// Pipelines, comma-separated: futures, perpetuals, funding, index, basis [default: all]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub pipelines: Vec<String>,
    /// Currencies, comma-separated [default: BTC,ETH]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub currencies: Vec<String>,
    /// Only these instruments: names or globs, comma-separated (e.g. 'BTC-*,ETH-PERPETUAL')
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub instruments: Vec<String>,
    /// Start: YYYY-MM-DD (UTC) or RFC 3339 [default: each instrument's creation]
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// End (exclusive): YYYY-MM-DD or RFC 3339 [default: now, or the future's expiry]
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Jobs worked on at once [default: 4]
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Resume jobs paused in an earlier session (pauses survive restarts otherwise)
    #[arg(long)]
    pub resume_paused: bool,
    /// Shell command run when the backfill ends, however it ends (e.g. a mail or a webhook);
    /// it reads DERIBIT_BACKFILL_RESULT (done, failed, incomplete, error), _EXIT_CODE, _JOBS_DONE,
    /// _JOBS_FAILED, _JOBS_UNAVAILABLE, _JOBS_LEFT, _ROWS_WRITTEN, _DATABASE and _SUMMARY
    /// from its environment [default: backfill.on_finish in the config file]
    #[arg(long, value_name = "CMD")]
    pub on_finish: Option<String>,
}

impl BackfillArgs {
    /// No flag was given.
    pub fn is_empty(&self) -> bool {
        self.exchange_url.is_none()
            && self.history_url.is_none()
            && self.pipelines.is_empty()
            && self.currencies.is_empty()
            && self.instruments.is_empty()
            && self.start.is_none()
            && self.end.is_none()
            && self.parallel.is_none()
            && !self.resume_paused
            && self.on_finish.is_none()
    }
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub backfill: BackfillArgs,
    /// Print the plan (jobs, expected candles, requests, time at the rate budget, disk
    /// estimate) and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Progress and summary as JSON lines
    #[arg(long)]
    pub json: bool,
    /// Fetch only the gaps `verify` recorded (exact ranges), then settle them
    #[arg(long)]
    pub gaps_only: bool,
}

/// What the database is checked against (shared by `verify` and `report`).
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Start of the expected ranges: YYYY-MM-DD or RFC 3339 [default: each instrument's creation]
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// End (exclusive) of the expected ranges [default: the end of the last backfill]
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Currencies, comma-separated [default: the config's, BTC,ETH]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub currencies: Vec<String>,
    /// Budget of the futures table, in GB (AC-009)
    #[arg(long, value_name = "GB", default_value_t = crate::verify::DEFAULT_BUDGET_GB)]
    pub storage_budget_gb: f64,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// Folder for the evidence files (created if only its last part is missing)
    #[arg(long, value_name = "DIR", default_value = "evidence")]
    pub out: PathBuf,
    /// Print the summary as one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Which Markdown report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    Completion,
    Quality,
    Storage,
    All,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// Folder for the reports (created if only its last part is missing); runs the checks
    /// of `verify` first (recording gaps and quarantining like it)
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// Which report
    #[arg(long, value_enum, default_value = "all")]
    pub kind: ReportKind,
}

#[derive(Debug, Clone, Args)]
pub struct PlotArgs {
    #[command(subcommand)]
    pub what: PlotWhat,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PlotWhat {
    /// The basis term structure of the live futures, and one future's basis history
    Basis(PlotBasisArgs),
}

#[derive(Debug, Clone, Args)]
pub struct PlotBasisArgs {
    /// Image file: .png or .svg
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also draw this future's basis history (e.g. BTC-27DEC24)
    #[arg(long, value_name = "NAME")]
    pub future: Option<String>,
    /// The instant the curve is drawn at: YYYY-MM-DD or RFC 3339 [default: the newest basis row]
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// Image width in pixels
    #[arg(long, default_value_t = 1200)]
    pub width: u32,
    /// Image height in pixels
    #[arg(long, default_value_t = 800)]
    pub height: u32,
}

#[derive(Debug, Clone, Args)]
pub struct InstrumentsArgs {
    /// Currencies, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "BTC,ETH")]
    pub currencies: Vec<String>,
    /// Start of the range: YYYY-MM-DD (UTC midnight) or RFC 3339
    #[arg(long, value_name = "DATE")]
    pub start: String,
    /// End of the range (exclusive): YYYY-MM-DD or RFC 3339 [default: now]
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Also write the list as JSON to this file
    #[arg(long, value_name = "FILE.json")]
    pub export: Option<PathBuf>,
    /// Exchange base URL (or a `deribit-backfill sim`) [default: https://www.deribit.com]
    #[arg(long, env = "DERIBIT_EXCHANGE_URL", value_name = "URL")]
    pub exchange_url: Option<String>,
    /// Host that lists every expired future (same API); when it fails, the main host's list
    /// and the expiry calendar stand in [default: exchange.history_url, https://history.deribit.com]
    #[arg(long, env = "DERIBIT_HISTORY_URL", value_name = "URL")]
    pub history_url: Option<String>,
    /// Only the expiry calendar's prediction; do not ask the exchange
    #[arg(long)]
    pub calendar_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_checked(std::iter::once("deribit-backfill").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        // What the demo prints at the end: `deribit-backfill --database-url … status`.
        let before = parse(&["--database-url", "sqlite://x.db", "status"]).unwrap();
        assert_eq!(before.global.database_url.as_deref(), Some("sqlite://x.db"));
        assert!(matches!(before.command, Some(Command::Status(_))));
        let after = parse(&["status", "--database-url", "sqlite://x.db"]).unwrap();
        assert_eq!(after.global.database_url.as_deref(), Some("sqlite://x.db"));
        let tui = parse(&[
            "--config",
            "c.toml",
            "--no-color",
            "tui",
            "--start",
            "2024-01-01",
        ])
        .unwrap();
        assert!(tui.global.no_color);
        assert!(
            matches!(tui.command, Some(Command::Tui(ref a)) if a.start.as_deref() == Some("2024-01-01"))
        );
    }

    #[test]
    fn dashboard_flags_without_a_subcommand_only() {
        let plain = parse(&["--start", "2024-01-01", "--pipelines", "futures"]).unwrap();
        assert!(plain.command.is_none());
        assert_eq!(plain.backfill.pipelines, vec!["futures".to_string()]);
        let err = parse(&["--start", "2024-01-01", "status"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        let text = err.to_string();
        assert!(
            text.contains("'status'") && text.contains("--start"),
            "{text}"
        );
    }

    #[test]
    fn no_color_env_values() {
        // NO_COLOR's convention: any non-empty value turns colour off.
        for v in ["1", "true", "0", "yes"] {
            assert_eq!(no_color_value(v), Ok(true), "{v}");
        }
        assert_eq!(no_color_value(""), Ok(false));
        assert!(parse(&["--no-color", "status"]).unwrap().global.no_color);
        assert!(
            !parse(&["status"]).unwrap().global.no_color || std::env::var_os("NO_COLOR").is_some()
        );
    }
}
