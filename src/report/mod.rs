//! `deribit-backfill report`: Markdown reports from a verification and the store's figures.
//! Pure text builders (no IO) so they are snapshot-tested; `cli::report` gathers the inputs.
//!
//! - completion: every acceptance criterion with its figure, then a table per series kind
//!   (per instrument);
//! - quality: the quarantine, duplicates, fillers and the recorded gaps;
//! - storage: rows, bytes and bytes/row per table, growth per day at steady state and the days
//!   until the volume is full.

mod completion;
mod quality;
mod storage;

pub use completion::completion;
pub use quality::quality;
pub use storage::{StorageFacts, TableGrowth, storage, storage_facts};

use crate::domain::time::format_ms;
use crate::verify::Verification;

/// File names in `--out DIR`.
pub const COMPLETION: &str = "completion-report.md";
pub const QUALITY: &str = "data-quality-report.md";
pub const STORAGE: &str = "storage-report.md";

/// The lines every report starts with.
fn preamble(title: &str, v: &Verification) -> String {
    format!(
        "# {title}\n\n\
         - Database: `{}`\n\
         - Currencies: {}\n\
         - Checked at: {}\n\
         - Expected ranges: from {} to {} ({})\n\n",
        v.database,
        v.currencies.join(", "),
        format_ms(v.checked_at),
        v.start
            .map_or_else(|| "each instrument's creation".into(), format_ms),
        format_ms(v.until),
        v.until_source,
    )
}

fn verdict(passed: bool) -> &'static str {
    if passed { "PASS" } else { "**FAIL**" }
}

/// Escapes a cell of a Markdown table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}
