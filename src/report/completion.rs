//! The completion report: every acceptance criterion with its figure, a table per instrument.

use std::fmt::Write as _;

use crate::domain::GapState;
use crate::domain::time::format_ms;
use crate::human::thousands;
use crate::verify::Verification;
use crate::verify::model::SeriesCheck;

use super::{cell, preamble, verdict};

fn series_table(out: &mut String, title: &str, checks: &[SeriesCheck], unit: &str) {
    let _ = writeln!(out, "## {title}\n");
    if checks.is_empty() {
        let _ = writeln!(out, "Nothing expected.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Series | From | To | Expected {unit} (the exchange has) | Rows | Quarantined | Missing | Empty at source | Gaps | Coverage | Status |"
    );
    let _ = writeln!(out, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|");
    for c in checks {
        let name = if c.series.starts_with("index_") {
            format!("{} ({})", c.instrument, &c.series[6..])
        } else {
            c.instrument.clone()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.3}% | {} |",
            cell(&name),
            format_ms(c.range.start),
            format_ms(c.range.end),
            thousands(c.expected_at_source()),
            thousands(c.rows),
            thousands(c.quarantined),
            thousands(c.missing_open()),
            thousands(c.missing_empty()),
            c.gaps.iter().filter(|g| g.state == GapState::Open).count(),
            c.coverage() * 100.0,
            if c.passed() { "complete" } else { "**short**" }
        );
    }
    let _ = writeln!(out);
    for c in checks {
        if let Some(n) = &c.note {
            let _ = writeln!(out, "- {}: {}", c.instrument, cell(n));
        }
    }
    if checks.iter().any(|c| c.note.is_some()) {
        let _ = writeln!(out);
    }
}

/// The completion report.
pub fn completion(v: &Verification) -> String {
    let mut out = preamble("Completion report", v);
    let _ = writeln!(
        out,
        "Overall: {} ({} of {} checks pass).\n",
        if v.passed { "**PASS**" } else { "**FAIL**" },
        v.checks.iter().filter(|c| c.passed).count(),
        v.checks.len()
    );
    let _ = writeln!(out, "## Acceptance criteria\n");
    let _ = writeln!(out, "| Check | What | Result | Figure |");
    let _ = writeln!(out, "|---|---|---|---|");
    for c in &v.checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            c.id,
            c.title,
            verdict(c.passed),
            cell(&c.figure)
        );
    }
    let _ = writeln!(out);
    series_table(&mut out, "Futures (AC-007)", &v.futures, "minutes");
    let _ = writeln!(out, "## Basis (AC-008)\n");
    if v.basis.is_empty() {
        let _ = writeln!(out, "No future to check.\n");
    } else {
        let _ = writeln!(
            out,
            "| Future | Shared minutes | Basis rows | Missing | Stale | Status |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|---|");
        for b in &v.basis {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                b.future,
                thousands(b.expected),
                thousands(b.rows),
                thousands(b.missing_count),
                thousands(b.stale_count),
                if b.passed() {
                    "complete"
                } else {
                    "**incomplete**"
                }
            );
        }
        let _ = writeln!(out);
    }
    series_table(&mut out, "Funding rates (AC-010)", &v.funding, "hours");
    series_table(&mut out, "Index prices (AC-011)", &v.index, "points");
    series_table(&mut out, "Perpetuals", &v.perpetuals, "minutes");
    let _ = writeln!(out, "## Excluded instruments\n");
    if v.excluded.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        for e in &v.excluded {
            let _ = writeln!(out, "- {}: {}", e.instrument, cell(&e.reason));
        }
    }
    out
}
