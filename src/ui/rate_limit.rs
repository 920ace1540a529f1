//! The rate-limit pane: credits left as a gauge, requests/s against the budget with a
//! sparkline of the last two minutes, 10028 rejections in the last five minutes, and any
//! penalty or slowdown spelt out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use crate::app::display::{bar, rate, sig3, thousands};
use crate::app::{App, Focus};
use crate::exchange::RateLimitSnapshot;

use super::Ctx;
use super::theme::Theme;

fn credit_fraction(r: &RateLimitSnapshot) -> f64 {
    if r.pool > 0.0 {
        r.credits_left / r.pool
    } else {
        0.0
    }
}

/// `credits ████░░ 31.5k/50.0k`, the bar filling what the text leaves.
pub fn credits_line<'a>(r: &RateLimitSnapshot, width: usize, theme: &Theme) -> Line<'a> {
    let text = format!(" {}/{}", sig3(r.credits_left), sig3(r.pool));
    let label = "credits ";
    let bar_w = width.saturating_sub(label.len() + text.len()).clamp(4, 30);
    let f = credit_fraction(r);
    Line::from(vec![
        Span::raw(label),
        Span::styled(bar(f, bar_w), theme.gauge(f)),
        Span::raw(text),
    ])
}

/// Penalty, slowdown or neither, as text (`short` for the compact summary); whether it needs
/// attention.
pub fn status_text(r: &RateLimitSnapshot, short: bool) -> (String, bool) {
    let secs = r.penalty_seconds.ceil() as u64;
    let pct = r.slowdown * 100.0;
    if r.penalty_seconds > 0.0 {
        let text = if short {
            format!("PAUSED {secs}s")
        } else {
            format!("PAUSED by a 10028: {secs}s left")
        };
        (text, true)
    } else if r.slowdown > 0.0 && r.slowdown < 1.0 {
        let text = if short {
            format!("budget {pct:.0}%")
        } else {
            format!("budget cut to {pct:.0}% after a 10028")
        };
        (text, true)
    } else {
        ("no penalty, full budget".into(), false)
    }
}

/// `requests/s 19.4 of 19.6 budget`. Above the sustained budget the client is spending the
/// credits it saved up (the pool allows a burst: at start, or after a quiet spell), which
/// the line says when it fits.
fn requests_line<'a>(r: &RateLimitSnapshot, width: usize) -> Line<'a> {
    let text = format!(
        "requests/s {} of {} budget",
        rate(r.requests_per_second),
        rate(r.budget_per_second)
    );
    let burst = " (burst)";
    if r.requests_per_second > r.budget_per_second * 1.005
        && text.chars().count() + burst.len() <= width
    {
        Line::from(format!("{text}{burst}"))
    } else {
        Line::from(text)
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let theme = &ctx.theme;
    let r = &app.snapshot().rate_limit;
    let kind = ctx.kind;
    let block = super::panes::block(
        Line::from("Rate limit"),
        app.focus() == Focus::RateLimit,
        kind,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let (status, alert) = status_text(r, false);
    let text = vec![
        credits_line(r, w, theme),
        requests_line(r, w),
        Line::from(vec![
            Span::raw("10028 in last 5 min: "),
            Span::styled(
                thousands(r.rate_limited_recent as i64),
                if r.rate_limited_recent > 0 {
                    theme.error()
                } else {
                    theme.info()
                },
            ),
            Span::raw(format!(
                " (total {})",
                thousands(r.rate_limited_total as i64)
            )),
        ]),
        Line::from(Span::styled(
            status,
            if alert { theme.error() } else { theme.dim() },
        )),
    ];
    let [text_area, spark_area] =
        Layout::vertical([Constraint::Length(text.len() as u16), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(text), text_area);
    if spark_area.height == 0 {
        return;
    }
    // Tenths of a request per second; the scale is the budget, so a full bar means "at budget".
    let history = app.rate_history();
    let n = history.len().min(spark_area.width as usize);
    let data: Vec<u64> = history
        .iter()
        .skip(history.len() - n)
        .map(|v| (v.max(0.0) * 10.0).round() as u64)
        .collect();
    let top = data
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max((r.budget_per_second * 10.0).round() as u64)
        .max(1);
    let spark = Sparkline::default()
        .data(&data)
        .max(top)
        .style(theme.info());
    frame.render_widget(spark, spark_area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_rate_above_the_budget_is_called_a_burst() {
        let mut r = RateLimitSnapshot {
            requests_per_second: 19.4,
            budget_per_second: 19.6,
            ..Default::default()
        };
        assert_eq!(
            text(requests_line(&r, 38)),
            "requests/s 19.4 of 19.6 budget"
        );
        r.requests_per_second = 39.6;
        assert_eq!(
            text(requests_line(&r, 38)),
            "requests/s 39.6 of 19.6 budget (burst)"
        );
        assert_eq!(
            text(requests_line(&r, 30)),
            "requests/s 39.6 of 19.6 budget",
            "said only when it fits"
        );
    }
}
