//! The basis tab (`b`): the term structure of the live futures (basis % against days to
//! expiry) and the selected future's recent basis history, as ratatui charts, beside a list
//! of the futures on the curve (↑/↓ selects). Data from `Metrics::basis`, sampled every 30 s.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};

use crate::app::display::truncate;
use crate::app::{App, BasisMetrics};
use crate::domain::time::{DAY_MS, format_ms};

use super::Ctx;
use super::theme::Theme;

/// Width of the futures list beside the charts.
const LIST_W: u16 = 30;

/// `[lo, hi]` widened so a flat line is visible and points do not sit on the frame.
fn bounds(values: impl Iterator<Item = f64>) -> [f64; 2] {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return [0.0, 1.0];
    }
    let pad = ((hi - lo) * 0.1).max(0.01);
    [lo - pad, hi + pad]
}

fn labels(b: [f64; 2], decimals: usize, unit: &str) -> Vec<Line<'static>> {
    let mid = (b[0] + b[1]) / 2.0;
    [b[0], mid, b[1]]
        .iter()
        .map(|v| Line::from(format!("{v:.decimals$}{unit}")))
        .collect()
}

fn list<'a>(b: &BasisMetrics, selected: usize, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let mut out = vec![Line::styled(
        format!("{:<13} {:>6} {:>7}", "future", "days", "basis"),
        theme.title(),
    )];
    for (i, f) in b.futures.iter().enumerate() {
        let text = format!(
            "{:<13} {:>6.1} {:>+6.2}%",
            truncate(&f.name, 13),
            f.latest.days_to_expiry,
            f.latest.basis_spread_pct
        );
        let text = truncate(&text, width);
        out.push(if i == selected {
            Line::from(vec![Span::styled(format!("▸{text}"), theme.selected())])
        } else {
            Line::raw(format!(" {text}"))
        });
    }
    out
}

fn term_structure(frame: &mut Frame, area: Rect, b: &BasisMetrics, selected: usize, theme: &Theme) {
    let points: Vec<(f64, f64)> = b
        .futures
        .iter()
        .map(|f| (f.latest.days_to_expiry, f.latest.basis_spread_pct))
        .collect();
    let sel: Vec<(f64, f64)> = points.get(selected).copied().into_iter().collect();
    let mut x = bounds(points.iter().map(|p| p.0).chain([0.0]));
    x[0] = 0.0;
    let y = bounds(points.iter().map(|p| p.1).chain([0.0]));
    let chart = Chart::new(vec![
        Dataset::default()
            .name("basis % by days to expiry")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.info())
            .data(&points),
        Dataset::default()
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(theme.selected())
            .data(&sel),
    ])
    .x_axis(axis(x, 0, "d", theme))
    .y_axis(axis(y, 2, "%", theme))
    .legend_position(None);
    frame.render_widget(chart, area);
}

fn history(frame: &mut Frame, area: Rect, b: &BasisMetrics, selected: usize, theme: &Theme) {
    let Some(f) = b.futures.get(selected) else {
        return;
    };
    let end = f.history.last().map_or(b.at, |p| p.0);
    let points: Vec<(f64, f64)> = f
        .history
        .iter()
        .map(|(ts, pct)| ((ts - end) as f64 / DAY_MS as f64, *pct))
        .collect();
    let x = [points.first().map_or(-1.0, |p| p.0.min(-0.01)), 0.0];
    let y = bounds(points.iter().map(|p| p.1));
    let chart = Chart::new(vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.info())
            .data(&points),
    ])
    .x_axis(axis(x, 1, "d", theme))
    .y_axis(axis(y, 2, "%", theme));
    frame.render_widget(chart, area);
}

/// An axis over `bounds`, labelled at both ends and the middle with `decimals` and `unit`, dimmed.
fn axis<'a>(bounds: [f64; 2], decimals: usize, unit: &str, theme: &Theme) -> Axis<'a> {
    Axis::default()
        .bounds(bounds)
        .labels(labels(bounds, decimals, unit))
        .style(theme.dim())
}

/// Days of history shown for the selected future (rounded).
fn history_days(b: &BasisMetrics, selected: usize) -> i64 {
    b.futures.get(selected).map_or(0, |f| {
        let (first, last) = (
            f.history.first().map_or(0, |p| p.0),
            f.history.last().map_or(0, |p| p.0),
        );
        ((last - first) as f64 / DAY_MS as f64).round() as i64
    })
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let theme = &ctx.theme;
    let basis = app.metrics().basis.as_ref();
    let title = match basis {
        Some(b) if !b.futures.is_empty() => format!(
            "Basis curve at {} (↑/↓ future, b back)",
            &format_ms(b.at)[..16]
        ),
        _ => "Basis curve (b back)".to_string(),
    };
    let block = super::panes::block(Line::from(title), true, ctx.kind, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(b) = basis.filter(|b| !b.futures.is_empty()) else {
        let text = if basis.is_none() {
            "basis not sampled yet (every 30 s)"
        } else {
            "no basis yet: the basis pipeline fills it once futures and their perpetual are in"
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), inner);
        return;
    };
    let selected = app.basis_selected();
    // Wide: the futures list beside the charts. Narrow (80 columns): the charts alone, the
    // selected future named in the caption.
    let wide = inner.width >= LIST_W + 60;
    let charts = if wide {
        let [list_area, c] =
            Layout::horizontal([Constraint::Length(LIST_W), Constraint::Min(0)]).areas(inner);
        let lines = list(
            b,
            selected,
            theme,
            list_area.width.saturating_sub(1) as usize,
        );
        super::panes::scrolled(
            frame,
            list_area,
            lines,
            (selected + 1).saturating_sub(list_area.height.saturating_sub(1) as usize),
        );
        c
    } else {
        inner
    };
    let [left, right] =
        Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(charts);
    let mut caption = |area: Rect, text: String| {
        let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(&text, top.width as usize),
                theme.title(),
            )),
            top,
        );
        rest
    };
    let sel_name = b.futures.get(selected).map_or(String::new(), |f| {
        if wide {
            f.name.clone()
        } else {
            format!(
                "{} {:+.2}% {:.0}d ({}/{})",
                f.name,
                f.latest.basis_spread_pct,
                f.latest.days_to_expiry,
                selected + 1,
                b.futures.len()
            )
        }
    });
    let left = caption(
        left,
        format!("basis % by days to expiry, {} futures", b.futures.len()),
    );
    let right = caption(
        right,
        format!("{sel_name}: last {} days", history_days(b, selected)),
    );
    term_structure(frame, left, b, selected, theme);
    history(frame, right, b, selected, theme);
}
