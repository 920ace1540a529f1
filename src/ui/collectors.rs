//! The collectors pane: realtime lag per instrument, worst first, with the thresholds; then
//! each collector's heartbeat age, rows written and last error. Levels are text (`ok`, `WARN`,
//! `CRIT`, `?`) as well as colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::display::{elapsed, thousands, threshold, truncate};
use crate::app::{App, Focus, Lag, Level};

use super::Ctx;
use super::theme::Theme;

/// Lag entries, worst first: by level, then by lag, then by name.
pub fn worst_first(lag: &[Lag]) -> Vec<&Lag> {
    let mut v: Vec<&Lag> = lag.iter().collect();
    v.sort_by(|a, b| {
        b.level
            .severity()
            .cmp(&a.level.severity())
            .then(
                b.lag_seconds
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&a.lag_seconds.unwrap_or(f64::INFINITY)),
            )
            .then(a.instrument.cmp(&b.instrument))
    });
    v
}

fn age(seconds: Option<f64>) -> String {
    seconds.map(elapsed).unwrap_or_else(|| "never".into())
}

fn level<'a>(l: Level, theme: &Theme) -> Span<'a> {
    Span::styled(format!("{:<4}", l.label()), theme.level(l))
}

pub fn lines<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let h = app.health();
    let m = &app.metrics().health;
    let mut out = Vec::new();
    out.push(Line::styled(
        format!(
            "Lag (warn {}, crit {})",
            threshold(h.lag_warning_seconds),
            threshold(h.lag_critical_seconds)
        ),
        theme.title(),
    ));
    if m.lag.is_empty() {
        out.push(Line::styled("  no lag measured yet", theme.dim()));
    }
    let name_w = width.saturating_sub(4 + 1 + 1 + 8).clamp(8, 20);
    for l in worst_first(&m.lag) {
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
        format!(
            "Heartbeats (warn {}, crit {})",
            threshold(h.heartbeat_warning_seconds),
            threshold(h.heartbeat_critical_seconds)
        ),
        theme.title(),
    ));
    if m.collectors.is_empty() {
        out.push(Line::styled("  no collector heartbeats", theme.dim()));
    }
    let room = width.saturating_sub(5);
    for c in &m.collectors {
        let pid = c.pid.map(|p| format!(":{p}")).unwrap_or_default();
        let who = format!(" {} {}{pid}", c.id, c.host);
        let beat = format!(
            "beat {} ago, {} rows",
            age(c.heartbeat_age_seconds),
            thousands(c.rows_written)
        );
        out.push(Line::from(vec![
            level(c.level, theme),
            Span::raw(truncate(&who, room + 1)),
        ]));
        out.push(Line::raw(format!("     {}", truncate(&beat, room))));
        if let Some(e) = &c.last_error {
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
    let kind = ctx.kind;
    let block = super::panes::block(
        Line::from("Collectors"),
        app.focus() == Focus::Collectors,
        kind,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = lines(app, theme, inner.width as usize);
    super::panes::scrolled(frame, inner, lines, app.collectors_scroll());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HealthConfig;

    #[test]
    fn worst_first_orders_by_level_then_lag() {
        let h = HealthConfig::default();
        let lag = vec![
            Lag::new("OK-BIG", Some(100.0), &h),
            Lag::new("CRIT", Some(1000.0), &h),
            Lag::new("UNKNOWN", None, &h),
            Lag::new("WARN", Some(200.0), &h),
            Lag::new("OK-SMALL", Some(5.0), &h),
        ];
        let names: Vec<&str> = worst_first(&lag)
            .iter()
            .map(|l| l.instrument.as_str())
            .collect();
        assert_eq!(names, ["CRIT", "WARN", "UNKNOWN", "OK-BIG", "OK-SMALL"]);
    }
}
