//! The command line: parse, load the configuration, dispatch to a mode.

mod args;
mod instruments;
mod plot;
mod report;
mod run;
mod verify;

use std::path::Path;
use std::process::ExitCode;

pub use args::{
    BackfillArgs, CheckArgs, Cli, Command, GlobalArgs, InstrumentsArgs, PlotArgs, PlotBasisArgs,
    PlotWhat, ReportArgs, ReportKind, RunArgs, VerifyArgs,
};
use color_eyre::eyre::Result;
pub use instruments::{parse_currencies, parse_range};
pub use run::EXIT_INCOMPLETE;
pub use verify::EXIT_CHECKS_FAILED;

use crate::config::{self, Config, Overrides};
use crate::telemetry::LogMode;

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
            log_file: self.log_file.clone(),
            no_color: self.no_color,
        }
    }
}

/// Loads the layered configuration for these arguments.
pub fn load_config(global: &GlobalArgs, extra: Overrides) -> Result<config::Loaded> {
    let mut o = global.overrides();
    if extra.exchange_url.is_some() {
        o.exchange_url = extra.exchange_url;
    }
    Ok(config::load(global.config.as_deref(), &o)?)
}

/// Runs the parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        use clap::CommandFactory;
        Cli::command().print_help()?;
        return Ok(ExitCode::from(2));
    };
    let extra = match &command {
        Command::Run(a) => Overrides {
            exchange_url: a.backfill.exchange_url.clone(),
            ..Overrides::default()
        },
        _ => Overrides::default(),
    };
    let loaded = load_config(&cli.global, extra)?;
    let mode = match &command {
        Command::Run(_) => LogMode::Headless,
        _ => LogMode::Quiet,
    };
    let _log = crate::telemetry::init(
        mode,
        Path::new(&loaded.config.log_file),
        loaded.config.no_color,
    )?;
    match command {
        Command::Migrate => migrate(&loaded.config).await,
        Command::Run(args) => run::run(&loaded.config, &args).await,
        Command::Sim(args) => {
            crate::sim::run_cli(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            print_config(&loaded.config, loaded.file.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Instruments(args) => instruments::run(&loaded.config, &args).await,
        Command::Verify(args) => verify::run(&loaded.config, &args).await,
        Command::Report(args) => report::run(&loaded.config, &args).await,
        Command::Plot(args) => plot::run(&loaded.config, &args).await,
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

/// Formats an error and its causes on one line: `problem: cause: cause`.
pub fn one_line(report: &color_eyre::eyre::Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in report.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
