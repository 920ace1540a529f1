//! The rows-and-disk pane: rows and bytes per table, free space, growth per day and the days
//! until the disk is full at that rate. Rows are the store's exact counts; sizes extrapolated
//! from a sample of pages carry `~`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::display::{bytes, days, thousands, truncate};
use crate::app::{App, Focus};

use super::Ctx;
use super::theme::Theme;

pub fn lines<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let m = app.metrics();
    let s = &m.storage;
    let mut out = Vec::new();
    if m.sampled_at.is_none() {
        out.push(Line::styled("waiting for the first sample", theme.dim()));
        return out;
    }
    let rows: Vec<String> = s.tables.iter().map(|t| thousands(t.rows)).collect();
    // Extrapolated sizes (large SQLite tables are sampled) carry `~`.
    let sizes: Vec<String> = s
        .tables
        .iter()
        .map(|t| match t.bytes {
            Some(b) if t.bytes_exact => bytes(b),
            Some(b) => format!("~{}", bytes(b)),
            None => "-".into(),
        })
        .collect();
    let rows_w = rows.iter().map(String::len).max().unwrap_or(0).max(4);
    let size_w = sizes
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let name_w = width.saturating_sub(rows_w + size_w + 2).max(6);
    out.push(Line::styled(
        format!(
            "{:<name_w$} {:>rows_w$} {:>size_w$}",
            "table", "rows", "size"
        ),
        theme.title(),
    ));
    for ((t, rows), size) in s.tables.iter().zip(&rows).zip(&sizes) {
        out.push(Line::raw(format!(
            "{:<name_w$} {rows:>rows_w$} {size:>size_w$}",
            truncate(t.table.name(), name_w)
        )));
    }
    let total = s.total_bytes().map(bytes).unwrap_or_else(|| "?".into());
    let free = s
        .free_bytes()
        .map(|b| bytes(b.min(i64::MAX as u64) as i64))
        .unwrap_or_else(|| "? (not measured)".into());
    out.push(Line::raw(format!("total {total}, disk free {free}")));
    // What the backfill still needs, at the bytes per row this database has measured.
    if let Some(need) = backfill_bytes_left(app) {
        let fits = s
            .free_bytes()
            .map(|f| need <= f.min(i64::MAX as u64) as i64);
        let (verdict, style) = match fits {
            Some(true) => ("fits", theme.info()),
            Some(false) => ("DOES NOT FIT", theme.error()),
            None => ("free space unknown", theme.dim()),
        };
        out.push(Line::from(vec![
            Span::raw(format!("backfill needs ~{} more: ", bytes(need))),
            Span::styled(verdict, style),
        ]));
    }
    let full = match (s.write_rate_bytes_per_day, s.days_until_full()) {
        (Some(rate), Some(d)) => {
            let style = if d < 7.0 { theme.error() } else { theme.info() };
            Line::from(vec![
                Span::raw(format!("growing {}/day, full in ", bytes(rate as i64))),
                Span::styled(days(d), style),
            ])
        }
        (Some(rate), None) if rate <= 0.0 => Line::raw("not growing"),
        _ => Line::styled("growth rate not measured yet", theme.dim()),
    };
    out.push(full);
    out
}

/// Bytes the rows the backfill has left will take: rows left (expected minus done, never
/// negative) times this database's bytes per stored row. `None` when nothing is left or
/// nothing has been measured yet.
fn backfill_bytes_left(app: &App) -> Option<i64> {
    let t = &app.snapshot().totals;
    let left = (t.rows_expected - t.rows_done).max(0);
    let s = &app.metrics().storage;
    let rows: i64 = s
        .tables
        .iter()
        .filter(|t| t.bytes.is_some())
        .map(|t| t.rows)
        .sum();
    let bytes = s.total_bytes()?;
    (left > 0 && rows > 0).then(|| (left as f64 * bytes as f64 / rows as f64).round() as i64)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let theme = &ctx.theme;
    let kind = ctx.kind;
    let block = super::panes::block(
        Line::from("Rows & disk"),
        app.focus() == Focus::Storage,
        kind,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = lines(app, theme, inner.width as usize);
    super::panes::scrolled(frame, inner, lines, app.storage_scroll());
}
