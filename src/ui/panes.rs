//! Helpers shared by the side panes: the block around a pane and a scrolled list of lines.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::LayoutKind;

use super::theme::Theme;

/// A pane's block: bordered in the full layout, a title line in the compact one.
pub fn block<'a>(title: Line<'a>, focused: bool, kind: LayoutKind, theme: &Theme) -> Block<'a> {
    let block = match kind {
        LayoutKind::Full => Block::bordered(),
        _ => Block::new().borders(Borders::TOP),
    };
    let mut spans = Vec::new();
    if focused {
        spans.push(Span::styled("▸ ", theme.title()));
    }
    spans.extend(title.spans);
    spans.push(Span::raw(" "));
    block
        .border_style(theme.border(focused))
        .title(Line::from(spans).style(theme.title()))
}

/// Renders `lines` in `area`, starting at line `offset` (clamped so the last page stays full).
pub fn scrolled(frame: &mut Frame, area: Rect, lines: Vec<Line<'_>>, offset: usize) {
    let max = lines.len().saturating_sub(area.height as usize);
    let offset = offset.min(max) as u16;
    frame.render_widget(Paragraph::new(lines).scroll((offset, 0)), area);
}
