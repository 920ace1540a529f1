//! Charts as images (plotters): `plot basis` draws the basis term structure of the live
//! futures (basis % against days to expiry) and, optionally, one future's basis history — the
//! same data as the dashboard's basis tab. PNG or SVG by the file's extension; text uses an
//! embedded DejaVu font, so no system font is needed.

mod basis;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::domain::BasisPoint;
use crate::domain::time::format_ms;
use crate::store::{DataTable, Store};

pub use basis::draw_basis;

/// An image type `plot` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

/// Why a plot could not be made; each message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error(
        "cannot draw into {path}: unknown image type {ext:?} — use a file name ending in .png or .svg"
    )]
    Extension { path: PathBuf, ext: String },
    #[error(
        "cannot write {path}: {reason} — pass --out with a file in an existing, writable folder"
    )]
    Path { path: PathBuf, reason: String },
    #[error("no basis to draw: {reason}")]
    NoData { reason: String },
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl ImageFormat {
    pub fn for_path(path: &Path) -> Result<Self, PlotError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "png" => Ok(Self::Png),
            "svg" => Ok(Self::Svg),
            _ => Err(PlotError::Extension {
                path: path.to_path_buf(),
                ext: if ext.is_empty() {
                    "(none)".into()
                } else {
                    format!(".{ext}")
                },
            }),
        }
    }
}

/// Checks the output file can be created: its folder exists and it is not a folder itself.
pub fn check_out_path(path: &Path) -> Result<(), PlotError> {
    let fail = |reason: String| PlotError::Path {
        path: path.to_path_buf(),
        reason,
    };
    if path.is_dir() {
        return Err(fail("it is a folder".into()));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(fail(format!(
            "the folder {} does not exist",
            parent.display()
        )));
    }
    Ok(())
}

/// What a basis chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BasisData {
    /// The instant the term structure is taken at.
    pub at: i64,
    /// The latest basis of each future live at `at`, by expiry.
    pub curve: Vec<(String, BasisPoint)>,
    /// One future's history, if asked for.
    pub history: Option<(String, Vec<BasisPoint>)>,
}

/// Points drawn per history line at most (longer histories are thinned evenly).
pub const MAX_HISTORY_POINTS: usize = 2_000;

/// Keeps at most `max` points, evenly spaced, the first and the last among them.
pub fn thin(points: &[BasisPoint], max: usize) -> Vec<BasisPoint> {
    if points.len() <= max || max < 2 {
        return points.to_vec();
    }
    let step = (points.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|i| points[((i as f64 * step).round() as usize).min(points.len() - 1)])
        .collect()
}

/// Reads the curve at `at` (default: the newest basis row) and `future`'s history.
pub async fn basis_data(
    store: &Arc<dyn Store>,
    future: Option<&str>,
    at: Option<i64>,
) -> Result<BasisData, PlotError> {
    let coverage = store.coverage(DataTable::Basis).await?;
    let at = match at {
        Some(t) => t,
        None => coverage
            .iter()
            .map(|c| c.last_ts)
            .max()
            .ok_or_else(|| PlotError::NoData {
                reason: "futures_basis_spread is empty — run the basis pipeline first \
                         (`deribit-backfill run --pipelines basis`)"
                    .into(),
            })?,
    };
    let curve = store.latest_basis(at).await?;
    if curve.is_empty() {
        return Err(PlotError::NoData {
            reason: format!(
                "no future with basis rows is live at {} — pass --at with an instant inside the \
                 backfilled range",
                format_ms(at)
            ),
        });
    }
    let history = match future {
        None => None,
        Some(name) => {
            let name = name.trim().to_uppercase();
            let points = store.basis_history(&name, None).await.unwrap_or_default();
            if points.is_empty() {
                let known: Vec<&str> = coverage.iter().map(|c| c.instrument.as_str()).collect();
                return Err(PlotError::NoData {
                    reason: format!(
                        "--future {name} has no basis rows — pass one of: {}",
                        known.join(", ")
                    ),
                });
            }
            Some((name, thin(&points, MAX_HISTORY_POINTS)))
        }
    };
    Ok(BasisData { at, curve, history })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_the_cap() {
        let pts: Vec<BasisPoint> = (0..10_080)
            .map(|i| BasisPoint::compute(i * 60_000, 101.0, 100.0, 1 << 40))
            .collect();
        let t = thin(&pts, 240);
        assert_eq!(t.len(), 240);
        assert_eq!(t.first().unwrap().ts, 0);
        assert_eq!(t.last().unwrap().ts, 10_079 * 60_000);
        assert!(t.windows(2).all(|w| w[0].ts < w[1].ts));
        assert_eq!(thin(&pts[..10], 240).len(), 10);
    }
}
