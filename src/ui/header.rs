//! The two header lines: job counts per state; elapsed, ETA, throughput, rows, concurrency,
//! and badges for things in progress (`Pausing…`, `STOPPING`, `ENGINE STOPPED`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::display::{elapsed, eta, rate, sig3, thousands};
use crate::app::{App, Phase};
use crate::domain::JobState;

use super::Ctx;
use super::theme::Theme;

/// `(count, long label, short label, state for the colour, always shown)`.
fn counts(app: &App) -> Vec<(usize, &'static str, &'static str, JobState, bool)> {
    let t = &app.snapshot().totals;
    vec![
        (t.done, "done", "done", JobState::Done, true),
        (t.running, "running", "run", JobState::Running, true),
        (t.backoff, "backoff", "backoff", JobState::Backoff, false),
        (t.queued, "queued", "queue", JobState::Queued, true),
        (t.pausing, "pausing", "pausing", JobState::Pausing, false),
        (t.paused, "paused", "paused", JobState::Paused, true),
        (t.failed, "failed", "failed", JobState::Failed, true),
        (
            t.unavailable,
            "unavailable",
            "unavail",
            JobState::Unavailable,
            true,
        ),
        (
            t.cancelled,
            "cancelled",
            "cancel",
            JobState::Cancelled,
            false,
        ),
    ]
}

fn width(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.width()).sum()
}

fn totals_line<'a>(app: &App, theme: &Theme, avail: usize) -> Line<'a> {
    let t = &app.snapshot().totals;
    // Longest form that fits: with the program name, plain, short labels, short labels alone.
    let build = |short: bool, title: bool, total: bool| {
        let mut spans: Vec<Span> = Vec::new();
        if title {
            spans.push(Span::styled("deribit-backfill  ", theme.title()));
        }
        if total {
            spans.push(Span::styled(
                format!("{} jobs:", thousands(t.jobs() as i64)),
                theme.title(),
            ));
        }
        for (n, long, abbr, state, always) in counts(app) {
            if n == 0 && !always {
                continue;
            }
            let style = if n > 0 {
                theme.state(state)
            } else {
                Style::new()
            };
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(
                format!(
                    "{} {}",
                    thousands(n as i64),
                    if short { abbr } else { long }
                ),
                style,
            ));
        }
        spans
    };
    let forms = [
        (false, true, true),
        (false, false, true),
        (true, false, true),
        (true, false, false),
    ];
    let mut spans = Vec::new();
    for (short, title, total) in forms {
        spans = build(short, title, total);
        if width(&spans) <= avail {
            break;
        }
    }
    Line::from(spans)
}

fn detail_line<'a>(app: &App, theme: &Theme, avail: usize) -> Line<'a> {
    let s = app.snapshot();
    let t = &s.totals;
    // Items in order of importance; each is shown only if it fits after the ones before.
    let mut items: Vec<Vec<Span>> = Vec::new();
    let badge = if let Phase::Stopping { reason } = app.phase() {
        let active = t.running + t.pausing + t.backoff;
        Some(format!(
            " STOPPING ({reason}): {active} jobs checkpointing… "
        ))
    } else if s.stopped && s.fatal.is_some() {
        Some(" ENGINE STOPPED: database failure (see message) ".into())
    } else if s.stopped {
        Some(" ENGINE STOPPED ".into())
    } else if s.waiting_for_database() > 0 {
        Some(format!(
            " DATABASE UNAVAILABLE, retrying ({} waiting) ",
            s.waiting_for_database()
        ))
    } else if t.pausing > 0 {
        Some(format!(" Pausing… {} ", t.pausing))
    } else if s.idle && t.jobs() > 0 {
        Some(" IDLE ".into())
    } else {
        None
    };
    if let Some(b) = badge {
        items.push(vec![Span::styled(b, theme.badge())]);
    }
    if let Some(secs) = app.elapsed_seconds() {
        items.push(vec![Span::raw(format!("elapsed {}", elapsed(secs)))]);
        items.push(vec![Span::raw(format!("ETA {}", eta(s.eta_seconds)))]);
    }
    items.push(vec![Span::raw(format!(
        "{} rows/s",
        rate(s.rows_per_second)
    ))]);
    if t.rows_expected > 0 {
        let pct = (t.rows_done as f64 / t.rows_expected as f64 * 100.0).floor();
        items.push(vec![Span::raw(format!(
            "rows {}/{} {pct:.0}%",
            sig3(t.rows_done as f64),
            sig3(t.rows_expected as f64)
        ))]);
    }
    // Lowering concurrency lets the jobs beyond the new limit run to their end: say so.
    let active = t.running + t.backoff + t.pausing;
    let parallel = match app.requested_parallel() {
        Some(n) if n != s.parallel => format!("parallel {}→{n}", s.parallel),
        _ if active > s.parallel => {
            format!("parallel {}, {} finishing", s.parallel, active - s.parallel)
        }
        _ => format!("parallel {}", s.parallel),
    };
    items.push(vec![Span::raw(parallel)]);
    let mut spans: Vec<Span> = Vec::new();
    for item in items {
        let sep = usize::from(!spans.is_empty()) * 2;
        if width(&spans) + sep + width(&item) > avail {
            continue;
        }
        if sep > 0 {
            spans.push(Span::raw("  "));
        }
        spans.extend(item);
    }
    Line::from(spans)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let theme = &ctx.theme;
    let lines = vec![
        totals_line(app, theme, area.width as usize),
        detail_line(app, theme, area.width as usize),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}
