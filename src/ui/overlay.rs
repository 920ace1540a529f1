//! Overlays: the `?` help (generated from the live keymap, so a remapped key shows its new
//! binding) and the confirmation dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::help::{help_text, popup_size, wrap};
use crate::app::{Action, App, Confirm};

use super::Ctx;
use super::layout::centered;

pub fn render_help(frame: &mut Frame, app: &App, scroll: usize, ctx: &Ctx) {
    let area = frame.area();
    let (w, h) = popup_size(area.width, area.height);
    let rect = centered(area, w, h);
    let close = app.keymap().keys_text(Action::Close);
    let block = Block::bordered()
        .border_style(ctx.theme.border(true))
        .title(Line::from(format!(" Keys · {close} closes ")).style(ctx.theme.title()));
    let inner = block.inner(rect);
    let width = inner.width as usize;
    let lines: Vec<Line> = help_text(app.keymap())
        .into_iter()
        .flat_map(|l| {
            let heading = !l.starts_with(' ') && !l.is_empty() && !l.contains(':');
            wrap(&l, width).into_iter().map(move |t| {
                if heading {
                    Line::styled(t, ctx.theme.title())
                } else {
                    Line::raw(t)
                }
            })
        })
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    super::panes::scrolled(frame, inner, lines, scroll);
}

pub fn render_confirm(frame: &mut Frame, app: &App, c: &Confirm, ctx: &Ctx) {
    let area = frame.area();
    let longest = c
        .lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(20) as u16;
    let w = (longest + 4).clamp(30, area.width.saturating_sub(2));
    let h = (c.lines.len() as u16 + 4).min(area.height);
    let rect = centered(area, w, h);
    let yes = app.keymap().keys_text(Action::Confirm);
    let no = app.keymap().keys_text(Action::Deny);
    let mut lines: Vec<Line> = c.lines.iter().map(|l| Line::raw(l.clone())).collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(yes, ctx.theme.key()),
        Span::raw(" yes   "),
        Span::styled(no, ctx.theme.key()),
        Span::raw(" no"),
    ]));
    let block = Block::bordered()
        .border_style(ctx.theme.border(true))
        .title(Line::from(format!(" {} ", c.title)).style(ctx.theme.title()));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// The whole screen when it is below the minimum size.
pub fn render_too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small: {}×{} (need {}×{})",
        area.width,
        area.height,
        super::layout::MIN_WIDTH,
        super::layout::MIN_HEIGHT
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
