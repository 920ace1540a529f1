//! The data-quality report: OHLC sanity (the quarantine), duplicates, fillers, and the gaps
//! recorded as work with where they stand.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::domain::time::format_ms;
use crate::domain::{Gap, GapState};
use crate::human::thousands;
use crate::verify::Verification;

use super::{cell, preamble, verdict};

/// Gap rows listed in full; more are summarised.
const MAX_GAP_ROWS: usize = 50;

pub fn quality(v: &Verification, gaps: &[Gap]) -> String {
    let mut out = preamble("Data quality report", v);
    let _ = writeln!(out, "## Checks\n");
    let _ = writeln!(out, "| Check | Result | Figure |");
    let _ = writeln!(out, "|---|---|---|");
    for c in v
        .checks
        .iter()
        .filter(|c| matches!(c.id, "OHLC" | "DUP" | "FILL"))
    {
        let _ = writeln!(
            out,
            "| {} {} | {} | {} |",
            c.id,
            c.title,
            verdict(c.passed),
            cell(&c.figure)
        );
    }
    let q = &v.quality;
    let _ = writeln!(out, "\n## Quarantine\n");
    let _ = writeln!(
        out,
        "Candles failing the OHLC sanity check are moved to `quarantined_candles` with the reason, \
         never dropped. Their minutes count as present: the exchange would serve the same candle \
         again, so they are not re-fetched. Delete a quarantine row to make its minute a gap again.\n"
    );
    if q.quarantine.is_empty() {
        let _ = writeln!(out, "Empty.\n");
    } else {
        let _ = writeln!(
            out,
            "| Table | Instrument | Minute | O | H | L | C | Volume | Moved | Reason |"
        );
        let _ = writeln!(out, "|---|---|---|--:|--:|--:|--:|--:|---|---|");
        for l in &q.quarantine {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                l.table,
                l.instrument,
                format_ms(l.ts),
                l.open,
                l.high,
                l.low,
                l.close,
                l.volume,
                if l.new { "this run" } else { "earlier" },
                cell(&l.reason)
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Filler candles\n");
    let _ = writeln!(out, "| Table | Candles | Fillers | Share |");
    let _ = writeln!(out, "|---|--:|--:|--:|");
    for f in &q.fillers {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2}% |",
            f.table,
            thousands(f.rows),
            thousands(f.fillers),
            f.share() * 100.0
        );
    }
    let _ = writeln!(
        out,
        "\nDuplicates: {} (primary keys keep (instrument, timestamp) unique; {} timestamps off \
         the minute grid).\n",
        q.off_grid, q.off_grid
    );
    let _ = writeln!(out, "## Gaps recorded as work\n");
    let mut by: BTreeMap<(String, &'static str), (usize, i64)> = BTreeMap::new();
    for g in gaps {
        let e = by
            .entry((g.pipeline.to_string(), g.state.as_str()))
            .or_default();
        e.0 += 1;
        e.1 += g.range.duration_ms() / 60_000;
    }
    if by.is_empty() {
        let _ = writeln!(out, "None: nothing to fetch.");
        return out;
    }
    let _ = writeln!(out, "| Pipeline | State | Gaps | Minutes spanned |");
    let _ = writeln!(out, "|---|---|--:|--:|");
    for ((p, s), (n, m)) in &by {
        let _ = writeln!(out, "| {p} | {s} | {n} | {} |", thousands(*m));
    }
    let open: Vec<&Gap> = gaps.iter().filter(|g| g.state == GapState::Open).collect();
    let _ = writeln!(
        out,
        "\nOpen gaps are fetched by `deribit-backfill run --gaps-only` (or `g` on a job in the \
         dashboard).\n"
    );
    if !open.is_empty() {
        let _ = writeln!(out, "| Pipeline | Series | Kind | From | To |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for g in open.iter().take(MAX_GAP_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                g.pipeline,
                g.instrument,
                g.kind.as_str(),
                format_ms(g.range.start),
                format_ms(g.range.end)
            );
        }
        if open.len() > MAX_GAP_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more (see the evidence files).",
                open.len() - MAX_GAP_ROWS
            );
        }
    }
    out
}
