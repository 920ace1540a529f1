//! `deribit-backfill plot basis`: the basis term structure (and one future's history) as an
//! image, PNG or SVG by the file's extension.

use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use super::args::{PlotArgs, PlotWhat};
use crate::config::Config;
use crate::domain::time::parse_instant;
use crate::plot;
use crate::store;

pub async fn run(config: &Config, args: &PlotArgs) -> Result<ExitCode> {
    let PlotWhat::Basis(a) = &args.what;
    let format = plot::ImageFormat::for_path(&a.out)?;
    plot::check_out_path(&a.out)?;
    let at =
        a.at.as_deref()
            .map(parse_instant)
            .transpose()
            .wrap_err("--at")?;
    super::require_database(&config.database_url, "plot")?;
    let store = store::connect(&config.database_url).await?;
    let data = plot::basis_data(&store, a.future.as_deref(), at).await?;
    store.close().await;
    plot::draw_basis(&data, &a.out, format, (a.width, a.height))?;
    let size = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    writeln!(
        std::io::stdout().lock(),
        "wrote {} ({} futures on the curve{}, {size} bytes)",
        a.out.display(),
        data.curve.len(),
        data.history
            .as_ref()
            .map(|(n, h)| format!(", {} points of {n}", h.len()))
            .unwrap_or_default()
    )?;
    Ok(ExitCode::SUCCESS)
}
