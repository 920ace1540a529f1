//! The jobs table: one row per (pipeline, instrument) with state as coloured text, progress,
//! rows, rate, ETA, retries and the last error. Only the rows on screen are built, so 2,000
//! jobs cost the same to draw as 20. Narrow terminals drop the least useful columns first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::app::display::{eta, percent, rate, sig3, thousands, truncate};
use crate::app::{App, Focus, LayoutKind, QuickFilter, SortColumn};
use crate::domain::Pipeline;
use crate::jobs::JobView;

use super::Ctx;
use super::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Mark,
    Pipeline,
    Instrument,
    State,
    Progress,
    Rows,
    Rate,
    Eta,
    Retries,
    Error,
}

impl Col {
    fn title(self, wide: bool) -> &'static str {
        match self {
            Col::Mark => "",
            Col::Pipeline if !wide => "Pipe",
            Col::Rows if !wide => "Rows",
            Col::Pipeline => "Pipeline",
            Col::Instrument => "Instrument",
            Col::State => "State",
            Col::Progress => "%",
            Col::Rows => "Rows done/expected",
            Col::Rate => "Rows/s",
            Col::Eta => "ETA",
            Col::Retries => "Retry",
            Col::Error => "Last error",
        }
    }

    fn sort(self) -> Option<SortColumn> {
        Some(match self {
            Col::Pipeline => SortColumn::Job,
            Col::State => SortColumn::State,
            Col::Progress => SortColumn::Progress,
            Col::Rows => SortColumn::Rows,
            Col::Rate => SortColumn::Rate,
            Col::Eta => SortColumn::Eta,
            Col::Retries => SortColumn::Retries,
            Col::Error => SortColumn::Error,
            Col::Mark | Col::Instrument => return None,
        })
    }
}

/// Which columns fit, in order, with their widths (the error column takes what is left).
fn columns(width: u16, wide: bool, instrument: u16) -> Vec<(Col, u16)> {
    const ERROR_MIN: u16 = 12;
    let mut cols = vec![
        (Col::Mark, 1),
        (Col::Pipeline, if wide { 10 } else { 5 }),
        (Col::Instrument, instrument),
        (Col::State, 11),
        (Col::Progress, 4),
        (Col::Rows, if wide { 21 } else { 11 }),
        (Col::Rate, 6),
        (Col::Eta, 6),
        (Col::Retries, 5),
        (Col::Error, ERROR_MIN),
    ];
    let total = |c: &[(Col, u16)]| c.iter().map(|(_, w)| *w).sum::<u16>() + c.len() as u16 - 1;
    for drop in [Col::Retries, Col::Error, Col::Rate, Col::Rows, Col::Eta] {
        if total(&cols) <= width {
            break;
        }
        cols.retain(|(c, _)| *c != drop);
    }
    let others = total(&cols) - ERROR_MIN;
    if let Some(last) = cols.iter_mut().find(|(c, _)| *c == Col::Error) {
        last.1 = width.saturating_sub(others).max(ERROR_MIN);
    }
    cols
}

fn short_pipeline(p: Pipeline) -> &'static str {
    match p {
        Pipeline::Instruments => "instr",
        Pipeline::Futures => "fut",
        Pipeline::Perpetuals => "perp",
        Pipeline::Funding => "fund",
        Pipeline::Index => "index",
        Pipeline::Basis => "basis",
    }
}

fn cell<'a>(
    col: Col,
    width: u16,
    job: &JobView,
    marked: bool,
    wide: bool,
    theme: &Theme,
) -> Cell<'a> {
    let active = job.state.is_active();
    let w = width as usize;
    match col {
        Col::Mark => Cell::from(if marked { "*" } else { " " }).style(theme.marked()),
        Col::Pipeline => Cell::from(if wide {
            job.key.pipeline.as_str()
        } else {
            short_pipeline(job.key.pipeline)
        }),
        Col::Instrument => Cell::from(truncate(&job.key.label(), w)),
        Col::State => Cell::from(job.state.as_str()).style(theme.state(job.state)),
        Col::Progress => Cell::from(Line::from(percent(job.fraction())).right_aligned()),
        Col::Rows => {
            let text = if wide {
                format!(
                    "{}/{}",
                    thousands(job.rows_done),
                    thousands(job.rows_expected)
                )
            } else {
                format!(
                    "{}/{}",
                    sig3(job.rows_done as f64),
                    sig3(job.rows_expected as f64)
                )
            };
            Cell::from(Line::from(truncate(&text, w)).right_aligned())
        }
        Col::Rate => {
            let text = if active {
                rate(job.rows_per_second)
            } else {
                "-".into()
            };
            Cell::from(Line::from(text).right_aligned())
        }
        Col::Eta => {
            let text = if active {
                eta(job.eta_seconds)
            } else {
                "-".into()
            };
            Cell::from(Line::from(text).right_aligned())
        }
        Col::Retries => {
            let text = if job.retries > 0 {
                job.retries.to_string()
            } else {
                String::new()
            };
            Cell::from(Line::from(text).right_aligned())
        }
        Col::Error => {
            let text = truncate(job.last_error.as_deref().unwrap_or(""), w);
            let style = if job.state == crate::domain::JobState::Failed {
                theme.error()
            } else {
                theme.dim()
            };
            Cell::from(text).style(style)
        }
    }
}

fn title<'a>(app: &App, theme: &Theme, focused: bool) -> Line<'a> {
    let v = app.jobs_view();
    let total = app.snapshot().jobs.len();
    let mut spans = vec![Span::styled(
        format!(
            "{}Jobs {}/{}",
            if focused { "▸ " } else { "" },
            thousands(v.visible().len() as i64),
            thousands(total as i64)
        ),
        theme.title(),
    )];
    spans.push(Span::raw(format!(
        " · sort {} {}",
        v.sort.column.as_str(),
        v.sort.dir.arrow()
    )));
    if let Some(f) = &v.filter {
        spans.push(Span::raw(" · filter /"));
        spans.push(Span::styled(f.source.clone(), theme.key()));
        spans.push(Span::raw("/"));
    }
    if v.quick != QuickFilter::All {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("only {}", v.quick.as_str()),
            theme.key(),
        ));
    }
    let marks = v.marks().len();
    if marks > 0 {
        spans.push(Span::styled(format!(" · {marks} marked"), theme.marked()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let theme = &ctx.theme;
    let kind = ctx.kind;
    let focused = app.focus() == Focus::Jobs;
    let block = if super::layout::bordered(kind) {
        Block::bordered()
    } else {
        Block::new().borders(Borders::TOP)
    }
    .border_style(theme.border(focused))
    .title(title(app, theme, focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let jobs = &app.snapshot().jobs;
    let v = app.jobs_view();
    if v.visible().is_empty() {
        let text = if jobs.is_empty() {
            "no jobs yet: waiting for the engine's first snapshot".to_string()
        } else {
            let esc = app.keymap().keys_text(crate::app::Action::Close);
            format!("no job matches the filter ({esc} clears it)")
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), inner);
        return;
    }
    let wide = inner.width >= 100 && kind == LayoutKind::Full;
    // As wide as the longest instrument name (at most 18), so the layout does not jump.
    let longest = jobs
        .iter()
        .map(|j| j.key.label().chars().count())
        .max()
        .unwrap_or(0);
    let cols = columns(inner.width, wide, longest.clamp(10, 18) as u16);
    let sort = v.sort;
    let header = Row::new(cols.iter().map(|(c, _)| {
        let mut t = c.title(wide).to_string();
        if c.sort() == Some(sort.column) {
            t.push_str(sort.dir.arrow());
        }
        let line = match c {
            Col::Progress | Col::Rows | Col::Rate | Col::Eta | Col::Retries => {
                Line::from(t).right_aligned()
            }
            _ => Line::from(t),
        };
        Cell::from(line)
    }))
    .style(theme.title());
    let page = inner.height.saturating_sub(1) as usize;
    let start = v.offset().min(v.visible().len().saturating_sub(1));
    let rows = v.visible()[start..]
        .iter()
        .take(page)
        .enumerate()
        .map(|(n, &i)| {
            let job = &jobs[i];
            let marked = v.is_marked(&job.key);
            let row = Row::new(
                cols.iter()
                    .map(|(c, w)| cell(*c, *w, job, marked, wide, theme)),
            );
            if start + n == v.selected_pos() {
                row.style(theme.selected())
            } else {
                row
            }
        });
    let widths = cols.iter().map(|(_, w)| Constraint::Length(*w));
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_tables_drop_retries_then_errors() {
        let names = |w, wide, inst| {
            columns(w, wide, inst)
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
        };
        assert!(names(118, true, 18).contains(&Col::Retries));
        // 80 columns with 13-character instruments (BTC-PERPETUAL): the error stays.
        let compact = names(80, false, 13);
        assert!(
            !compact.contains(&Col::Retries) && compact.contains(&Col::Error),
            "{compact:?}"
        );
        let long_names = names(80, false, 18);
        assert!(
            !long_names.contains(&Col::Error) && long_names.contains(&Col::Rate),
            "{long_names:?}"
        );
        let tiny = names(60, false, 18);
        assert!(
            !tiny.contains(&Col::Rows) && tiny.contains(&Col::State),
            "{tiny:?}"
        );
        // What is kept always fits.
        for w in super::super::layout::MIN_WIDTH..140 {
            let cols = columns(w, w >= 100, 18);
            let total: u16 = cols.iter().map(|(_, w)| *w).sum::<u16>() + cols.len() as u16 - 1;
            assert!(total <= w, "{w}: {total}");
        }
    }
}
