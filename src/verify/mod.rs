//! `deribit-backfill verify`: checks the database against what the engine's plan says it
//! should hold, moves candles that fail the OHLC sanity check to a quarantine table, records
//! every gap as work (`backfill_gaps`, fetched by `run --gaps-only` or `g` in the dashboard),
//! and writes evidence files and a JSON summary.
//!
//! Checks: AC-007 futures coverage, AC-008 basis, AC-009 futures storage, AC-010 funding,
//! AC-011 index prices, plus perpetuals coverage (the basis and the index derive from it),
//! OHLC sanity, duplicates and the share of filler candles (informational).

mod basis;
pub mod evidence;
mod expect;
pub mod model;
mod quality;
mod series;
mod storage;

use std::sync::Arc;

use crate::domain::time::{MINUTE_MS, format_ms};
use crate::domain::{GapScope, GapState, Pipeline, TimeRange};
use crate::human::bytes;
use crate::human::thousands;
use crate::store::{Store, StoreError};

pub use model::{CheckResult, Verification};

/// The default budget of the futures table (AC-009), in GB.
pub const DEFAULT_BUDGET_GB: f64 = 1.5;

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub currencies: Vec<String>,
    /// Start of the expected ranges (default: each instrument's creation).
    pub start: Option<i64>,
    /// End of the expected ranges (default: the end of the last backfill).
    pub end: Option<i64>,
    /// Budget of the futures table in bytes.
    pub storage_budget_bytes: f64,
    /// The clock (epoch ms): when quarantined and recorded, and the latest possible end.
    pub now: i64,
}

/// The whole range of a series whose gaps have no time bound (the basis).
const ALL_TIME: TimeRange = TimeRange {
    start: crate::store::batch::MIN_TS,
    end: crate::store::batch::MAX_TS,
};

/// Runs every check; records gaps and quarantines violators on the way.
pub async fn verify(
    store: &Arc<dyn Store>,
    opts: &VerifyOptions,
) -> Result<Verification, StoreError> {
    verify_reporting(store, opts, &|_| {}).await
}

/// [`verify`], telling `progress` what it starts on (`futures coverage: 28 series`): at full
/// history a check scans hundreds of millions of rows, and the operator should see which.
pub async fn verify_reporting(
    store: &Arc<dyn Store>,
    opts: &VerifyOptions,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Verification, StoreError> {
    let started = std::time::Instant::now();
    progress("planning what the database should hold");
    let expected =
        expect::expected(store, &opts.currencies, opts.start, opts.end, opts.now).await?;
    let series = |n: usize| format!("{n} series");
    // Quarantine first: its minutes then count as accounted for in the coverage scans.
    progress(&format!(
        "OHLC sanity and duplicates: {}",
        series(expected.futures.len() + expected.perpetuals.len())
    ));
    let quality = quality::check(store, &expected.futures, &expected.perpetuals, opts.now).await?;
    let known = series::KnownEmpty::new(store.gaps().await?);
    progress(&format!(
        "AC-007 futures coverage: {}",
        series(expected.futures.len())
    ));
    let mut futures = series::candles(store, &known, &expected.futures, Pipeline::Futures).await?;
    for f in &mut futures {
        f.note = expected.notes.get(&f.instrument).cloned();
    }
    progress(&format!(
        "perpetuals coverage: {}",
        series(expected.perpetuals.len())
    ));
    let perpetuals =
        series::candles(store, &known, &expected.perpetuals, Pipeline::Perpetuals).await?;
    progress(&format!(
        "AC-010 funding: {}",
        series(expected.funding.len())
    ));
    let funding = series::funding(store, &known, &expected.funding).await?;
    progress(&format!(
        "AC-011 index prices: {}",
        series(expected.index.len())
    ));
    let index = series::index(store, &known, &expected).await?;
    progress(&format!(
        "AC-008 basis: {} futures against their perpetuals",
        expected.futures.len()
    ));
    let basis = basis::check(store, &expected.futures).await?;
    progress("AC-009 storage");
    let expected_candles: i64 = futures.iter().map(|f| f.expected).sum();
    let storage = storage::check(store, opts.storage_budget_bytes, expected_candles).await?;
    progress("recording gaps");

    // Every gap becomes work.
    let mut scopes: Vec<GapScope> = Vec::new();
    for c in futures
        .iter()
        .chain(&perpetuals)
        .chain(&funding)
        .chain(&index)
    {
        scopes.push(GapScope {
            pipeline: c.pipeline,
            instrument: c.instrument.clone(),
            range: c.range,
        });
    }
    for b in &basis {
        scopes.push(GapScope {
            pipeline: Pipeline::Basis,
            instrument: b.future.clone(),
            range: ALL_TIME,
        });
    }
    let all_series: Vec<model::SeriesCheck> = futures
        .iter()
        .chain(&perpetuals)
        .chain(&funding)
        .chain(&index)
        .cloned()
        .collect();
    let mut gaps = series::open_gaps(&all_series);
    gaps.extend(basis::open_gaps(&basis));
    store.record_gaps(&scopes, &gaps, opts.now).await?;

    let mut v = Verification {
        checked_at: opts.now,
        database: store.url().to_string(),
        currencies: opts.currencies.clone(),
        start: opts.start,
        until: expected.until,
        until_source: expected.until_source,
        futures,
        perpetuals,
        funding,
        index,
        basis,
        storage,
        quality,
        excluded: expected.excluded,
        gaps_recorded: gaps.len(),
        checks: Vec::new(),
        passed: false,
    };
    v.checks = results(&v);
    v.passed = v.checks.iter().all(|c| c.passed);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        passed = v.passed,
        gaps = v.gaps_recorded,
        "verification finished"
    );
    Ok(v)
}

fn pct(part: i64, whole: i64) -> String {
    if whole == 0 {
        "100.000%".into()
    } else {
        format!("{:.3}%", part as f64 / whole as f64 * 100.0)
    }
}

/// "n of m series complete: rows of expected ...": `expected` counts only what the exchange
/// has; grid points it answered empty for (funding before its first row, its gaps, a future
/// before its first trade) are reported apart, never as missing.
fn coverage_figure(checks: &[model::SeriesCheck], what: &str, unit: &str) -> String {
    let complete = checks.iter().filter(|c| c.passed()).count();
    let empty: i64 = checks.iter().map(|c| c.missing_empty()).sum();
    let expected: i64 = checks.iter().map(|c| c.expected).sum::<i64>() - empty;
    let rows: i64 = checks.iter().map(|c| c.rows).sum();
    let missing: i64 = checks.iter().map(|c| c.missing_open()).sum();
    let quarantined: i64 = checks.iter().map(|c| c.quarantined).sum();
    let gaps: usize = checks
        .iter()
        .map(|c| c.gaps.iter().filter(|g| g.state == GapState::Open).count())
        .sum();
    let mut s = format!(
        "{complete} of {} {what} complete: {} of {} {unit} the exchange has ({}), {} missing in {gaps} gaps",
        checks.len(),
        thousands(rows),
        thousands(expected),
        pct(rows, expected),
        thousands(missing),
    );
    if quarantined > 0 {
        s.push_str(&format!(", {} quarantined", thousands(quarantined)));
    }
    if empty > 0 {
        s.push_str(&format!(
            "; {} more empty at the source (the exchange has none)",
            thousands(empty)
        ));
    }
    s
}

/// The summary lines, one per check.
fn results(v: &Verification) -> Vec<CheckResult> {
    let mut out = Vec::new();
    out.push(CheckResult {
        id: "AC-007",
        title: "futures coverage",
        passed: v.futures.iter().all(|c| c.passed()),
        figure: coverage_figure(&v.futures, "futures", "minutes"),
        evidence: Some(evidence::FUTURES),
    });
    let b_expected: i64 = v.basis.iter().map(|b| b.expected).sum();
    let b_missing: i64 = v.basis.iter().map(|b| b.missing_count).sum();
    let b_stale: i64 = v.basis.iter().map(|b| b.stale_count).sum();
    out.push(CheckResult {
        id: "AC-008",
        title: "basis completeness",
        passed: v.basis.iter().all(|b| b.passed()),
        figure: format!(
            "basis for {} of {} shared minutes ({}) over {} futures; {} missing, {} stale",
            thousands(b_expected - b_missing),
            thousands(b_expected),
            pct(b_expected - b_missing, b_expected),
            v.basis.len(),
            thousands(b_missing),
            thousands(b_stale)
        ),
        evidence: Some(evidence::BASIS),
    });
    let s = &v.storage;
    out.push(CheckResult {
        id: "AC-009",
        title: "futures storage budget",
        passed: s.passed(),
        figure: match s.bytes {
            Some(b) => format!(
                "{} holds {} candles in {}{} of a {:.2} GB budget ({}), {} bytes/candle; \
                 {} at full coverage of the checked futures",
                s.table,
                thousands(s.rows),
                if s.bytes_exact { "" } else { "~" },
                gb(b as f64),
                s.budget_bytes / 1e9,
                pct(b, s.budget_bytes as i64),
                s.bytes_per_candle.map_or("-".into(), |p| format!("{p:.1}")),
                s.projected_bytes.map_or("-".into(), gb),
            ),
            None => format!("{} size unknown", s.table),
        },
        evidence: None,
    });
    out.push(CheckResult {
        id: "AC-010",
        title: "funding rates hourly",
        passed: v.funding.iter().all(|c| c.passed()),
        figure: coverage_figure(&v.funding, "perpetuals", "hours"),
        evidence: Some(evidence::FUNDING),
    });
    out.push(CheckResult {
        id: "AC-011",
        title: "index prices every minute",
        passed: v.index.iter().all(|c| c.passed()),
        figure: coverage_figure(
            &v.index
                .iter()
                .filter(|c| c.series == "index")
                .cloned()
                .collect::<Vec<_>>(),
            "currencies",
            "minutes",
        ) + &format!(
            "; official hourly points (funding history) missing: {}",
            thousands(
                v.index
                    .iter()
                    .filter(|c| c.series != "index")
                    .map(|c| c.missing_open())
                    .sum()
            )
        ),
        evidence: Some(evidence::INDEX),
    });
    out.push(CheckResult {
        id: "PERP",
        title: "perpetuals coverage",
        passed: v.perpetuals.iter().all(|c| c.passed()),
        figure: coverage_figure(&v.perpetuals, "perpetuals", "minutes"),
        evidence: Some(evidence::PERPETUALS),
    });
    let q = &v.quality;
    let new = q.newly_quarantined();
    out.push(CheckResult {
        id: "OHLC",
        title: "OHLC sanity",
        passed: new == 0,
        figure: format!(
            "{new} candles failed (low <= open, close <= high; prices > 0; volume >= 0) and were \
             moved to quarantined_candles by this run; {} in quarantine in all",
            q.quarantine.len()
        ),
        evidence: Some(evidence::QUALITY),
    });
    out.push(CheckResult {
        id: "DUP",
        title: "duplicates",
        passed: q.off_grid == 0,
        figure: format!(
            "{} duplicate candles: primary keys (instrument, timestamp) are unique and {} \
             timestamps are off the minute grid",
            q.off_grid, q.off_grid
        ),
        evidence: Some(evidence::QUALITY),
    });
    let fillers: Vec<String> = q
        .fillers
        .iter()
        .map(|f| {
            format!(
                "{} {} of {} ({:.2}%)",
                f.table,
                thousands(f.fillers),
                thousands(f.rows),
                f.share() * 100.0
            )
        })
        .collect();
    out.push(CheckResult {
        id: "FILL",
        title: "filler candles (informational)",
        passed: true,
        figure: format!(
            "flat candles without volume (minutes without trades): {}",
            fillers.join("; ")
        ),
        evidence: Some(evidence::QUALITY),
    });
    out
}

/// Decimal gigabytes, as the budget is given.
pub fn gb(b: f64) -> String {
    if b >= 1e8 {
        format!("{:.2} GB", b / 1e9)
    } else {
        format!("{:.1} MB", b / 1e6)
    }
}

/// A one-line-per-check text summary for the terminal.
pub fn console(v: &Verification) -> String {
    let mut out = format!(
        "verify {}: {} up to {} ({})\n",
        v.database,
        v.currencies.join(","),
        format_ms(v.until),
        v.until_source
    );
    for c in &v.checks {
        out.push_str(&format!(
            "  {:<6} {}  {}: {}\n",
            c.id,
            if c.passed { "PASS" } else { "FAIL" },
            c.title,
            c.figure
        ));
    }
    if !v.excluded.is_empty() {
        out.push_str(&format!(
            "  excluded: {} instruments the exchange has no data for (listed in {})\n",
            v.excluded.len(),
            evidence::FUTURES
        ));
    }
    out
}

/// Unused-import guard for helpers shared with reports.
#[doc(hidden)]
pub fn _minute() -> i64 {
    let _ = bytes(0);
    MINUTE_MS
}
