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
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
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
    // NO_COLOR is set to any value by convention (`NO_COLOR=1`): falsey words turn it off.
    #[arg(
        long,
        global = true,
        env = "NO_COLOR",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_color: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database schema, then exit
    Migrate,
    /// Print the effective configuration (defaults < file < environment < flags), passwords redacted
    Config,
    /// List the instruments to backfill: the expiry calendar's prediction per currency
    Instruments(InstrumentsArgs),
    /// Run the backfill headless: progress on stderr, a summary at the end
    Run(RunArgs),
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

/// What to backfill (shared by `run`, `tui` and `demo`).
#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// Exchange base URL (or a `deribit-backfill sim`) [default: https://www.deribit.com]
    #[arg(long, env = "DERIBIT_EXCHANGE_URL", value_name = "URL")]
    pub exchange_url: Option<String>,
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
}
