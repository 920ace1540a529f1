use std::process::ExitCode;

use deribit_backfill::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse_checked();
    if let Err(e) = color_eyre::install() {
        eprintln!("warning: cannot install the panic reporter: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(report) if cli::is_broken_pipe(&report) => ExitCode::SUCCESS,
        Err(report) => {
            eprintln!("error: {}", cli::one_line(&report));
            cli::exit_code_of(&report)
        }
    }
}
