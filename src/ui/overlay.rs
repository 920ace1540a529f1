//! Overlays: the `?` help (generated from the live keymap, so a remapped key shows its new
//! binding) and the confirmation dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::display::truncate;
use crate::app::{Action, App, Confirm, Keymap};

use super::Ctx;
use super::layout::centered;

/// The help text, one string per line: every action under its group with its keys, config
/// name and description, then how prompts and remapping work.
pub fn help_text(keymap: &Keymap) -> Vec<String> {
    let mut out = Vec::new();
    let mut group = None;
    for e in keymap.help() {
        if group != Some(e.group) {
            if group.is_some() {
                out.push(String::new());
            }
            out.push(e.group.title().to_string());
            group = Some(e.group);
        }
        out.push(format!("  {:<12} {:<15} {}", e.keys, e.name, e.description));
    }
    out.push(String::new());
    out.push(
        "Prompts (/ and :): Enter applies, Esc cancels, Backspace deletes, ctrl-u clears".into(),
    );
    out.push("Remap in the config file, e.g. [keys] pause = \"ctrl-p\"  (names as above)".into());
    out
}

pub fn render_help(frame: &mut Frame, app: &App, scroll: usize, ctx: &Ctx) {
    let area = frame.area();
    let w = area.width.saturating_sub(4).min(110);
    let h = area.height.saturating_sub(2);
    let rect = centered(area, w, h);
    let close = app.keymap().keys_text(Action::Close);
    let block = Block::bordered()
        .border_style(ctx.theme.border(true))
        .title(Line::from(format!(" Keys · {close} closes ")).style(ctx.theme.title()));
    let inner = block.inner(rect);
    let width = inner.width as usize;
    let lines: Vec<Line> = help_text(app.keymap())
        .into_iter()
        .map(|l| {
            let text = truncate(&l, width);
            if !l.starts_with(' ') && !l.is_empty() && !l.contains(':') && !l.contains('=') {
                Line::styled(text, ctx.theme.title())
            } else {
                Line::raw(text)
            }
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
