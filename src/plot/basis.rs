//! Drawing the basis chart with plotters: the term structure on top (basis % against days to
//! expiry, one labelled point per future), the selected future's history below (basis % over
//! time).

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BasisData, ImageFormat, PlotError};
use crate::domain::time::{DAY_MS, format_ms};

static FONT: Once = Once::new();

/// Registers the embedded font as plotters' "sans-serif" (once per process).
fn register_font() {
    FONT.call_once(|| {
        if plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_err()
        {
            tracing::warn!("cannot load the embedded font: the chart's text may be missing");
        }
    });
}

fn err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Pads a [lo, hi] range so points do not sit on the frame.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).abs();
    let pad = if span < 1e-9 {
        lo.abs().max(1.0) * 0.1
    } else {
        span * 0.1
    };
    (lo - pad, hi + pad)
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &BasisData) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = if data.history.is_some() {
        let h = root.dim_in_pixel().1;
        root.split_vertically(h / 2)
    } else {
        let h = root.dim_in_pixel().1;
        root.split_vertically(h)
    };
    let xs: Vec<f64> = data.curve.iter().map(|(_, p)| p.days_to_expiry).collect();
    let ys: Vec<f64> = data.curve.iter().map(|(_, p)| p.basis_spread_pct).collect();
    let (x0, x1) = padded(
        0.0f64.min(xs.iter().copied().fold(f64::MAX, f64::min)),
        xs.iter().copied().fold(f64::MIN, f64::max),
    );
    let (y0, y1) = padded(
        ys.iter().copied().fold(f64::MAX, f64::min).min(0.0),
        ys.iter().copied().fold(f64::MIN, f64::max).max(0.0),
    );
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("Basis term structure at {}", format_ms(data.at)),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0.max(0.0)..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("days to expiry")
        .y_desc("basis %")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            data.curve
                .iter()
                .map(|(_, p)| (p.days_to_expiry, p.basis_spread_pct)),
            &BLUE,
        ))
        .map_err(err)?;
    chart
        .draw_series(data.curve.iter().map(|(name, p)| {
            EmptyElement::at((p.days_to_expiry, p.basis_spread_pct))
                + Circle::new((0, 0), 4, BLUE.filled())
                + Text::new(
                    format!("{name} {:.2}%", p.basis_spread_pct),
                    (6, -14),
                    ("sans-serif", 13),
                )
        }))
        .map_err(err)?;
    if let Some((name, points)) = &data.history {
        let t0 = points.first().map_or(0, |p| p.ts);
        let t1 = points.last().map_or(1, |p| p.ts).max(t0 + 1);
        let lo = points
            .iter()
            .map(|p| p.basis_spread_pct)
            .fold(f64::MAX, f64::min);
        let hi = points
            .iter()
            .map(|p| p.basis_spread_pct)
            .fold(f64::MIN, f64::max);
        let (y0, y1) = padded(lo, hi);
        let mut chart = ChartBuilder::on(&bottom)
            .caption(
                format!(
                    "{name}: basis history {} to {}",
                    format_ms(t0),
                    format_ms(t1)
                ),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..((t1 - t0) as f64 / DAY_MS as f64), y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(format!("days since {}", format_ms(t0)))
            .y_desc("basis %")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .map(|p| ((p.ts - t0) as f64 / DAY_MS as f64, p.basis_spread_pct)),
                &RED,
            ))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// Draws `data` into `path`.
pub fn draw_basis(
    data: &BasisData,
    path: &Path,
    format: ImageFormat,
    size: (u32, u32),
) -> Result<(), PlotError> {
    register_font();
    let size = (size.0.clamp(200, 8000), size.1.clamp(150, 8000));
    let result = match format {
        ImageFormat::Png => draw(BitMapBackend::new(path, size).into_drawing_area(), data),
        ImageFormat::Svg => draw(SVGBackend::new(path, size).into_drawing_area(), data),
    };
    result.map_err(|e| match e {
        PlotError::Draw(reason)
            if reason.contains("os error") || reason.contains("No such file") =>
        {
            PlotError::Path {
                path: path.to_path_buf(),
                reason,
            }
        }
        other => other,
    })
}
