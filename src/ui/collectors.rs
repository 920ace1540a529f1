//! The collectors pane: realtime lag per instrument, worst first, with the thresholds; then
//! each collector's heartbeat age, rows written and last error (from `health::assess`).
//! Levels are text (`ok`, `WARN`, `CRIT`, `?`) as well as colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::display::{elapsed, thousands, threshold, truncate};
use crate::app::{App, Focus};
use crate::health::{Level, Thresholds, heartbeat_thresholds, lag_thresholds};

use super::Ctx;
use super::theme::Theme;

/// A level as a short word that reads without colour.
pub fn label(l: Level) -> &'static str {
    match l {
        Level::Ok => "ok",
        Level::Unknown => "?",
        Level::Warning => "WARN",
        Level::Critical => "CRIT",
    }
}

pub fn level<'a>(l: Level, theme: &Theme) -> Span<'a> {
    Span::styled(format!("{:<4}", label(l)), theme.level(l))
}

fn age(seconds: Option<f64>) -> String {
    seconds.map(elapsed).unwrap_or_else(|| "never".into())
}

fn limits(t: &Thresholds) -> String {
    format!(
        "warn {}, crit {}",
        threshold(t.warning_seconds.round() as u64),
        threshold(t.critical_seconds.round() as u64)
    )
}

pub fn lines<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let report = app.metrics().health.as_ref();
    let (lag_t, beat_t) = match report {
        Some(r) => (r.lag_thresholds, r.heartbeat_thresholds),
        None => (
            lag_thresholds(app.health()),
            heartbeat_thresholds(app.health()),
        ),
    };
    let mut out = Vec::new();
    out.push(Line::styled(
        format!("Lag ({})", limits(&lag_t)),
        theme.title(),
    ));
    let lag = report.map(|r| r.lag.as_slice()).unwrap_or_default();
    if lag.is_empty() {
        out.push(Line::styled("  no lag measured yet", theme.dim()));
    }
    let name_w = width.saturating_sub(4 + 1 + 1 + 8).clamp(8, 20);
    // The report lists the worst first.
    for l in lag {
        out.push(Line::from(vec![
            level(l.level, theme),
            Span::raw(format!(
                " {:<name_w$} {:>8}",
                truncate(&l.instrument, name_w),
                age(l.lag_seconds)
            )),
        ]));
    }
    out.push(Line::styled(
        format!("Heartbeats ({})", limits(&beat_t)),
        theme.title(),
    ));
    let collectors = report.map(|r| r.collectors.as_slice()).unwrap_or_default();
    if collectors.is_empty() {
        out.push(Line::styled("  no collector heartbeats", theme.dim()));
    }
    let room = width.saturating_sub(5);
    for c in collectors {
        let h = &c.heartbeat;
        let who = format!(" {} {}:{}", h.collector_id, h.host, h.pid);
        let beat = format!(
            "beat {} ago, {} rows",
            age(Some(c.age_seconds)),
            thousands(h.rows_written)
        );
        out.push(Line::from(vec![
            level(c.level, theme),
            Span::raw(truncate(&who, room + 1)),
        ]));
        out.push(Line::raw(format!("     {}", truncate(&beat, room))));
        if let Some(e) = &h.last_error {
            out.push(Line::from(vec![
                Span::raw("     "),
                Span::styled(truncate(&format!("error: {e}"), room), theme.error()),
            ]));
        }
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let theme = &ctx.theme;
    let block = super::panes::block(
        Line::from("Collectors"),
        app.focus() == Focus::Collectors,
        ctx.kind,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = lines(app, theme, inner.width as usize);
    super::panes::scrolled(frame, inner, lines, app.collectors_scroll());
}
