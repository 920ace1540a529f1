//! The evidence files `verify` writes into `--out DIR`: plain text, one instrument per line,
//! then one `GAP` line per missing range (start inclusive, end exclusive, UTC), so they read
//! well and grep well (`grep ^GAP futures-row-counts.txt`). Plus `verify-summary.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::time::{HOUR_MS, MINUTE_MS, format_ms};

use super::model::{CheckResult, SeriesCheck, Verification};

pub const FUTURES: &str = "futures-row-counts.txt";
pub const PERPETUALS: &str = "perpetuals-row-counts.txt";
pub const FUNDING: &str = "funding-rates-validation.txt";
pub const INDEX: &str = "index-prices-validation.txt";
pub const BASIS: &str = "basis-validation.txt";
pub const QUALITY: &str = "data-quality.txt";
pub const SUMMARY: &str = "verify-summary.json";

/// Every file `verify` writes.
pub const FILES: [&str; 7] = [FUTURES, PERPETUALS, FUNDING, INDEX, BASIS, QUALITY, SUMMARY];

/// Why the evidence folder cannot be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write evidence into {dir}: {reason} — pass --out with a writable folder (its parent must exist)"
)]
pub struct OutDirError {
    pub dir: PathBuf,
    pub reason: String,
}

/// Checks (and creates, if only its last component is missing) the evidence folder, before
/// any check runs.
pub fn prepare_dir(dir: &Path) -> Result<(), OutDirError> {
    let fail = |reason: String| OutDirError {
        dir: dir.to_path_buf(),
        reason,
    };
    if dir.exists() {
        if !dir.is_dir() {
            return Err(fail("it exists and is not a folder".into()));
        }
    } else {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(fail(format!(
                "its parent {} does not exist",
                parent.display()
            )));
        }
        std::fs::create_dir(dir).map_err(|e| fail(e.to_string()))?;
    }
    // Writable? Try a probe file.
    let probe = dir.join(".verify-probe");
    std::fs::write(&probe, b"").map_err(|e| fail(e.to_string()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn header(out: &mut String, title: &str, v: &Verification, lines: &[&str]) {
    let _ = writeln!(out, "# {title} — deribit-backfill verify");
    let _ = writeln!(
        out,
        "# database: {}  currencies: {}  checked at: {}",
        v.database,
        v.currencies.join(","),
        format_ms(v.checked_at)
    );
    let _ = writeln!(
        out,
        "# expected ranges: from {} to {} ({}), as the backfill plans them",
        v.start
            .map_or_else(|| "each instrument's creation".into(), format_ms),
        format_ms(v.until),
        v.until_source
    );
    for l in lines {
        let _ = writeln!(out, "# {l}");
    }
}

fn unit(step: i64) -> &'static str {
    match step {
        MINUTE_MS => "minutes",
        HOUR_MS => "hours",
        _ => "days",
    }
}

/// The table of series and their gaps.
fn series_table(out: &mut String, checks: &[SeriesCheck], with_series: bool) {
    let name_w = checks
        .iter()
        .map(|c| c.instrument.len())
        .max()
        .unwrap_or(10)
        .max(10);
    let _ = write!(out, "# {:<name_w$} ", "instrument");
    if with_series {
        let _ = write!(out, "{:<15}", "series");
    }
    let _ = writeln!(
        out,
        "{:<21} {:<21} {:>9} {:>9} {:>11} {:>9} {:>9} {:>9}  status",
        "range_start",
        "range_end",
        "expected",
        "rows",
        "quarantined",
        "missing",
        "empty_src",
        "coverage"
    );
    for c in checks {
        let _ = write!(out, "  {:<name_w$} ", c.instrument);
        if with_series {
            let _ = write!(out, "{:<15}", c.series);
        }
        let status = if !c.passed() {
            "SHORT"
        } else if c.missing_empty() > 0 {
            "OK (the exchange has no data for some)"
        } else {
            "OK"
        };
        let _ = writeln!(
            out,
            "{:<21} {:<21} {:>9} {:>9} {:>11} {:>9} {:>9} {:>8.3}%  {status}",
            format_ms(c.range.start),
            format_ms(c.range.end),
            c.expected_at_source(),
            c.rows,
            c.quarantined,
            c.missing_open(),
            c.missing_empty(),
            c.coverage() * 100.0
        );
    }
    for c in checks {
        if let Some(n) = &c.note {
            let _ = writeln!(out, "NOTE {} {n}", c.instrument);
        }
    }
    let gaps: usize = checks.iter().map(|c| c.gaps.len()).sum();
    let _ = writeln!(
        out,
        "\n# gaps: {gaps} (GAP instrument series start end points unit state; state open = \
         recorded for `run --gaps-only`, empty = the exchange answered empty for it: \
         empty at the source, not fetched again; `expected` counts only what the exchange has)"
    );
    for c in checks {
        for g in &c.gaps {
            let _ = writeln!(
                out,
                "GAP {} {} {} {} {} {} {}",
                c.instrument,
                c.series,
                format_ms(g.range.start),
                format_ms(g.range.end),
                g.points,
                unit(c.step_ms),
                g.state.as_str()
            );
        }
    }
    let short = checks.iter().filter(|c| !c.passed()).count();
    let missing: i64 = checks.iter().map(|c| c.missing_open()).sum();
    let _ = writeln!(
        out,
        "\n# total: {} series, {} complete, {short} short; {missing} points missing",
        checks.len(),
        checks.len() - short
    );
}

fn check_line(out: &mut String, c: Option<&CheckResult>) {
    if let Some(c) = c {
        let _ = writeln!(
            out,
            "# result: {} {}: {}\n#",
            c.id,
            if c.passed { "PASS" } else { "FAIL" },
            c.figure
        );
    }
}

fn find<'a>(v: &'a Verification, id: &str) -> Option<&'a CheckResult> {
    v.checks.iter().find(|c| c.id == id)
}

pub fn futures(v: &Verification) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "AC-007 futures coverage: rows against the minutes between creation (or --start) and expiry",
        v,
        &[
            "status: OK = every minute present (quarantined candles count as present); SHORT = minutes missing",
        ],
    );
    check_line(&mut out, find(v, "AC-007"));
    series_table(&mut out, &v.futures, false);
    let _ = writeln!(
        &mut out,
        "\n# excluded: {} instruments the exchange has no data for",
        v.excluded.len()
    );
    for e in &v.excluded {
        let _ = writeln!(&mut out, "EXCLUDED {} {}", e.instrument, e.reason);
    }
    out
}

pub fn perpetuals(v: &Verification) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "perpetuals coverage: a candle every minute",
        v,
        &[],
    );
    check_line(&mut out, find(v, "PERP"));
    series_table(&mut out, &v.perpetuals, false);
    out
}

pub fn funding(v: &Verification) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "AC-010 funding rates: a row every hour since each perpetual's creation (or --start)",
        v,
        &[],
    );
    check_line(&mut out, find(v, "AC-010"));
    series_table(&mut out, &v.funding, false);
    out
}

pub fn index(v: &Verification) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "AC-011 index prices: a price at every minute, gaps by source",
        v,
        &[
            "series index          = any source, every minute",
            "series index_official = funding_history at every hour whose funding row has an index price",
            "(daily delivery prices are 30-minute averages, kept in delivery_prices, never an index minute)",
        ],
    );
    check_line(&mut out, find(v, "AC-011"));
    series_table(&mut out, &v.index, true);
    out
}

pub fn basis(v: &Verification) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "AC-008 basis: a row for every minute where a future and its perpetual both have a candle",
        v,
        &["stale = basis rows whose legs are gone or whose prices differ from the legs' closes"],
    );
    check_line(&mut out, find(v, "AC-008"));
    let name_w = v
        .basis
        .iter()
        .map(|b| b.future.len())
        .max()
        .unwrap_or(10)
        .max(10);
    let _ = writeln!(
        &mut out,
        "# {:<name_w$} {:>9} {:>9} {:>9} {:>9}  status",
        "future", "shared", "basis", "missing", "stale"
    );
    for b in &v.basis {
        let _ = writeln!(
            &mut out,
            "  {:<name_w$} {:>9} {:>9} {:>9} {:>9}  {}",
            b.future,
            b.expected,
            b.rows,
            b.missing_count,
            b.stale_count,
            if b.passed() { "OK" } else { "INCOMPLETE" }
        );
    }
    let _ = writeln!(&mut out, "\n# MISSING/STALE future start end minutes");
    for b in &v.basis {
        for (label, ranges) in [("MISSING", &b.missing), ("STALE", &b.stale)] {
            for r in ranges {
                let _ = writeln!(
                    &mut out,
                    "{label} {} {} {} {}",
                    b.future,
                    format_ms(r.start),
                    format_ms(r.end),
                    (r.end - r.start) / MINUTE_MS
                );
            }
        }
    }
    out
}

pub fn quality(v: &Verification) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "data quality: OHLC sanity (quarantine), duplicates, filler candles",
        v,
        &[
            "OHLC sanity: prices > 0, volume >= 0, low <= min(open, close), max(open, close) <= high",
            "violators are MOVED to the table quarantined_candles with the reason (never dropped);",
            "their minutes count as present (a re-fetch would bring the same candle back); delete",
            "a quarantine row to turn its minute back into a gap on the next verify",
        ],
    );
    for id in ["OHLC", "DUP", "FILL"] {
        check_line(&mut out, find(v, id));
    }
    let q = &v.quality;
    let _ = writeln!(
        &mut out,
        "# QUARANTINED table instrument timestamp open high low close volume moved reason"
    );
    for l in &q.quarantine {
        let _ = writeln!(
            &mut out,
            "QUARANTINED {} {} {} {} {} {} {} {} {} {}",
            l.table,
            l.instrument,
            format_ms(l.ts),
            l.open,
            l.high,
            l.low,
            l.close,
            l.volume,
            if l.new { "now" } else { "earlier" },
            l.reason
        );
    }
    let _ = writeln!(&mut out, "\n# FILLERS table fillers rows share");
    for f in &q.fillers {
        let _ = writeln!(
            &mut out,
            "FILLERS {} {} {} {:.4}%",
            f.table,
            f.fillers,
            f.rows,
            f.share() * 100.0
        );
    }
    let _ = writeln!(&mut out, "\nOFF_GRID_TIMESTAMPS {}", q.off_grid);
    out
}

/// `verify-summary.json`: the verdicts and figures, not the gap lists.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub passed: bool,
    pub failed: Vec<&'static str>,
    pub checked_at: String,
    pub database: &'a str,
    pub currencies: &'a [String],
    pub start: Option<String>,
    pub until: String,
    pub until_source: &'a str,
    pub checks: &'a [CheckResult],
    pub futures: usize,
    pub perpetuals: usize,
    pub excluded: usize,
    pub gaps_recorded: usize,
    pub quarantined: usize,
    pub quarantined_now: usize,
    pub futures_table_bytes: Option<i64>,
    pub bytes_per_candle: Option<f64>,
    pub evidence: [&'static str; 7],
}

pub fn summary(v: &Verification) -> Summary<'_> {
    Summary {
        passed: v.passed,
        failed: v.failed(),
        checked_at: format_ms(v.checked_at),
        database: &v.database,
        currencies: &v.currencies,
        start: v.start.map(format_ms),
        until: format_ms(v.until),
        until_source: &v.until_source,
        checks: &v.checks,
        futures: v.futures.len(),
        perpetuals: v.perpetuals.len(),
        excluded: v.excluded.len(),
        gaps_recorded: v.gaps_recorded,
        quarantined: v.quality.quarantine.len(),
        quarantined_now: v.quality.newly_quarantined(),
        futures_table_bytes: v.storage.bytes,
        bytes_per_candle: v.storage.bytes_per_candle,
        evidence: FILES,
    }
}

/// Writes every evidence file into `dir` (which [`prepare_dir`] checked).
pub fn write_all(dir: &Path, v: &Verification) -> std::io::Result<Vec<PathBuf>> {
    let json = serde_json::to_string_pretty(&summary(v)).map_err(std::io::Error::other)?;
    let files = [
        (FUTURES, futures(v)),
        (PERPETUALS, perpetuals(v)),
        (FUNDING, funding(v)),
        (INDEX, index(v)),
        (BASIS, basis(v)),
        (QUALITY, quality(v)),
        (SUMMARY, json + "\n"),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}
