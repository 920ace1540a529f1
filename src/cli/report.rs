//! `deribit-backfill report`: runs the checks of `verify`, then writes Markdown reports.

use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use super::args::{ReportArgs, ReportKind};
use crate::config::Config;
use crate::report;
use crate::store;
use crate::verify::{self, evidence};

pub async fn run(config: &Config, args: &ReportArgs) -> Result<ExitCode> {
    let now = chrono::Utc::now().timestamp_millis();
    let opts = super::verify::options(config, &args.check, now)?;
    super::require_database(&config.database_url, "report")?;
    evidence::prepare_dir(&args.out)?;
    let store = store::connect(&config.database_url).await?;
    super::verify::check_currencies(&store, &opts.currencies).await?;
    let v = verify::verify(&store, &opts).await?;
    let mut files: Vec<(&str, String)> = Vec::new();
    if matches!(args.kind, ReportKind::Completion | ReportKind::All) {
        files.push((report::COMPLETION, report::completion(&v)));
    }
    if matches!(args.kind, ReportKind::Quality | ReportKind::All) {
        let gaps = store.gaps().await?;
        files.push((report::QUALITY, report::quality(&v, &gaps)));
    }
    if matches!(args.kind, ReportKind::Storage | ReportKind::All) {
        let facts = report::storage_facts(&store, &v).await?;
        files.push((report::STORAGE, report::storage(&v, &facts)));
    }
    store.close().await;
    let mut out = std::io::stdout().lock();
    for (name, text) in files {
        let path = args.out.join(name);
        std::fs::write(&path, text).wrap_err_with(|| {
            format!(
                "cannot write {} — pass --out with a writable folder",
                path.display()
            )
        })?;
        writeln!(out, "wrote {}", path.display())?;
    }
    writeln!(
        out,
        "checks: {}",
        if v.passed {
            "every check passes".to_string()
        } else {
            format!("FAILED {}", v.failed().join(", "))
        }
    )?;
    Ok(ExitCode::SUCCESS)
}
