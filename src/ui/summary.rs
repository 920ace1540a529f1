//! The compact layout's two summary lines: rate limit on one, lag, collectors and disk on
//! the other. Tab shows any of those panes in full.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::display::{bar, bytes, days, elapsed, rate, sig3, thousands};
use crate::health::Level;

use super::Ctx;
use super::collectors::label;
use super::theme::Theme;

fn rate_line<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let r = &app.snapshot().rate_limit;
    let f = if r.pool > 0.0 {
        r.credits_left / r.pool
    } else {
        0.0
    };
    let (status, alert) = super::rate_limit::status_text(r, true);
    let mut spans = vec![
        Span::styled("credits ", theme.title()),
        Span::styled(bar(f, 8), theme.gauge(f)),
        Span::raw(format!(
            " {}/{}  {}/{} req/s  10028: ",
            sig3(r.credits_left),
            sig3(r.pool),
            rate(r.requests_per_second),
            rate(r.budget_per_second)
        )),
        Span::styled(
            format!("{}/5m", thousands(r.rate_limited_recent as i64)),
            if r.rate_limited_recent > 0 {
                theme.error()
            } else {
                Default::default()
            },
        ),
    ];
    if alert {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(status, theme.error()));
    }
    Line::from(spans)
}

fn health_line<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let m = app.metrics();
    let report = m.health.as_ref();
    let mut spans = vec![Span::styled("lag ", theme.title())];
    match report.and_then(|r| r.lag.first()) {
        Some(l) => {
            spans.push(Span::styled(label(l.level), theme.level(l.level)));
            let lag = l.lag_seconds.map(elapsed).unwrap_or_else(|| "never".into());
            spans.push(Span::raw(format!(" {} {lag}", l.instrument)));
        }
        None => spans.push(Span::styled("-", theme.dim())),
    }
    let c = report.map(|r| r.collectors.as_slice()).unwrap_or_default();
    spans.push(Span::styled("  collectors ", theme.title()));
    if c.is_empty() {
        spans.push(Span::styled("-", theme.dim()));
    } else {
        let ok = c.iter().filter(|c| c.level == Level::Ok).count();
        let worst = c.iter().map(|c| c.level).max().unwrap_or(Level::Ok);
        spans.push(Span::styled(
            format!("{ok}/{} ok", c.len()),
            theme.level(worst),
        ));
    }
    spans.push(Span::styled("  free ", theme.title()));
    let s = &m.storage;
    match s.free_bytes() {
        Some(free) => spans.push(Span::raw(bytes(free.min(i64::MAX as u64) as i64))),
        None => spans.push(Span::styled("?", theme.dim())),
    }
    if let Some(d) = s.days_until_full() {
        spans.push(Span::raw(", full in "));
        spans.push(Span::styled(
            days(d),
            if d < 7.0 {
                theme.error()
            } else {
                Default::default()
            },
        ));
    }
    Line::from(spans)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let theme = &ctx.theme;
    let lines = vec![rate_line(app, theme), health_line(app, theme)];
    frame.render_widget(Paragraph::new(lines), area);
}
