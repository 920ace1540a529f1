//! The command line: parse, load the configuration, dispatch to a mode.

mod args;
mod collect;
mod dashboard;
mod demo;
mod instruments;
mod on_finish;
mod plot;
mod report;
mod run;
mod status;
mod verify;

use std::path::Path;
use std::process::ExitCode;

pub use args::{
    BackfillArgs, CheckArgs, Cli, CollectArgs, Command, DemoArgs, GlobalArgs, InstrumentsArgs,
    PlotArgs, PlotBasisArgs, PlotWhat, ReportArgs, ReportKind, RunArgs, StatusArgs, VerifyArgs,
};
use color_eyre::eyre::Result;
pub use instruments::{parse_currencies, parse_range};
pub use run::EXIT_INCOMPLETE;
pub use verify::EXIT_CHECKS_FAILED;

use crate::config::{self, Config, Overrides};
use crate::telemetry::LogMode;
use crate::usage::{EXIT_USAGE, UsageError, usage};

async fn migrate(config: &Config) -> Result<ExitCode> {
    let url = crate::store::DatabaseUrl::parse(&config.database_url)?;
    let store = crate::store::connect_url(&url, false).await?;
    let report = store.migrate().await?;
    if report.applied.is_empty() {
        println!("{}: schema is up to date", store.url());
    } else {
        println!("{}: applied {}", store.url(), report.applied.join(", "));
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

impl GlobalArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            database_url: self.database_url.clone(),
            exchange_url: None,
            history_url: None,
            log_file: self.log_file.clone(),
            no_color: self.no_color,
        }
    }
}

/// Loads the layered configuration for these arguments. A bad file or value (the `[keys]`
/// table included) is bad usage, refused before anything contacts the exchange or the database.
pub fn load_config(global: &GlobalArgs, extra: Overrides) -> Result<config::Loaded> {
    let mut o = global.overrides();
    if extra.exchange_url.is_some() {
        o.exchange_url = extra.exchange_url;
    }
    if extra.history_url.is_some() {
        o.history_url = extra.history_url;
    }
    let loaded = config::load(global.config.as_deref(), &o).map_err(usage)?;
    if let Err(e) = crate::app::Keymap::with_overrides(&loaded.config.keys) {
        let file = loaded
            .file
            .as_deref()
            .map(|f| format!("config file {}: ", f.display()))
            .unwrap_or_default();
        let problems: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
        return Err(UsageError::new(format!("{file}{}", problems.join("; "))).into());
    }
    Ok(loaded)
}

/// Refuses (as bad usage) a SQLite URL whose file is not there, for commands that read an
/// existing database: they never create one.
pub fn require_database(url: &str, what: &str) -> Result<()> {
    let parsed = crate::store::DatabaseUrl::parse(url)?;
    match parsed.sqlite_path() {
        Some(path) if !path.exists() => Err(UsageError::new(format!(
            "no database at {}: `{what}` reads an existing database and creates none — check --database-url (or DATABASE_URL), or run a backfill first (`deribit-backfill run`)",
            path.display()
        ))
        .into()),
        _ => Ok(()),
    }
}

/// The exit status of an error: [`EXIT_USAGE`] for bad usage, 1 otherwise.
pub fn exit_code_of(report: &color_eyre::eyre::Report) -> ExitCode {
    if report.chain().any(|c| c.is::<UsageError>()) {
        ExitCode::from(EXIT_USAGE)
    } else {
        ExitCode::FAILURE
    }
}

/// Runs the parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    if cli.command.is_some() && !cli.backfill.is_empty() {
        color_eyre::eyre::bail!(
            "backfill flags given before the subcommand: put them after it, e.g. `deribit-backfill run --currencies BTC`"
        );
    }
    let command = cli.command.unwrap_or(Command::Tui(cli.backfill));
    let exchange_url = match &command {
        Command::Run(a) => a.backfill.exchange_url.clone(),
        Command::Tui(a) => a.exchange_url.clone(),
        Command::Collect(a) => a.exchange_url.clone(),
        Command::Instruments(a) => a.exchange_url.clone(),
        _ => None,
    };
    let history_url = match &command {
        Command::Run(a) => a.backfill.history_url.clone(),
        Command::Tui(a) => a.history_url.clone(),
        Command::Instruments(a) => a.history_url.clone(),
        _ => None,
    };
    let loaded = load_config(
        &cli.global,
        Overrides {
            exchange_url,
            history_url,
            ..Overrides::default()
        },
    )?;
    let terminal = dashboard::has_terminal();
    let mode = match &command {
        Command::Tui(_) | Command::Demo(_) if terminal => LogMode::Dashboard,
        Command::Run(_) | Command::Tui(_) | Command::Demo(_) | Command::Collect(_) => {
            LogMode::Headless
        }
        _ => LogMode::Quiet,
    };
    let _log = crate::telemetry::init(
        mode,
        Path::new(&loaded.config.log_file),
        loaded.config.no_color,
    )?;
    let config = &loaded.config;
    match command {
        Command::Migrate => migrate(config).await,
        Command::Run(args) => run::run(config, &args).await,
        Command::Tui(args) => dashboard::run(config, &args).await,
        Command::Demo(args) => demo::run(config, &args).await,
        Command::Collect(args) => collect::run(config, &args).await,
        Command::Status(args) => status::run(config, &args).await,
        Command::Sim(args) => {
            crate::sim::run_cli(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            print_config(config, loaded.file.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Instruments(args) => instruments::run(config, &args).await,
        Command::Verify(args) => verify::run(config, &args).await,
        Command::Report(args) => report::run(config, &args).await,
        Command::Plot(args) => plot::run(config, &args).await,
    }
}

fn print_config(config: &Config, file: Option<&Path>) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match file {
        Some(f) => writeln!(out, "# config file: {}", f.display())?,
        None => writeln!(
            out,
            "# config file: none (built-in defaults; environment and flags applied)"
        )?,
    }
    write!(out, "{}", config.to_toml_redacted())
}

/// A closed stdout (`deribit-backfill ... | head`) is not an error worth reporting.
pub fn is_broken_pipe(report: &color_eyre::eyre::Report) -> bool {
    report.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Formats an error and its causes on one line: `problem: cause: cause`, secrets redacted.
pub fn one_line(report: &color_eyre::eyre::Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in report.chain() {
        let text = cause.to_string().replace('\n', "; ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    crate::redact::redact(&parts.join(": "))
}
