//! The log pane: tui-logger's widget over the lines tracing sends it, following the selected
//! job: lines that mention the job (`job: futures/BTC-27DEC24`) are marked `▶` and bold.
//! The widget scrolls by pages; End (bottom) goes back to following the newest line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use tui_logger::{ExtLogRecord, LogFormatter, TuiLoggerWidget, TuiWidgetEvent, TuiWidgetState};

use crate::app::{App, Focus, LogScroll};

use super::Ctx;
use super::theme::Theme;

/// The log widget's scroll state, owned by the loop (it is not app state: it lives in the
/// widget).
pub struct LogPane {
    state: TuiWidgetState,
}

impl Default for LogPane {
    fn default() -> Self {
        Self {
            state: TuiWidgetState::new().set_default_display_level(tui_logger::LevelFilter::Info),
        }
    }
}

impl std::fmt::Debug for LogPane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogPane")
    }
}

impl LogPane {
    pub fn scroll(&self, s: LogScroll) {
        let event = match s {
            LogScroll::Up | LogScroll::PageUp => TuiWidgetEvent::PrevPageKey,
            LogScroll::Down | LogScroll::PageDown => TuiWidgetEvent::NextPageKey,
            LogScroll::Follow => TuiWidgetEvent::EscapeKey,
        };
        self.state.transition(event);
    }
}

/// Whether a log message is about the job with this key text.
pub fn mentions(message: &str, job: &str) -> bool {
    message.match_indices(job).any(|(i, _)| {
        let after = message[i + job.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
    })
}

struct FollowFormatter {
    job: Option<String>,
    theme: Theme,
}

impl FollowFormatter {
    /// Style and fixed-width label for a level (`log::Level::as_str`).
    fn level_style(&self, level: &str) -> (Style, &'static str) {
        use crate::health::Level as L;
        match level {
            "ERROR" => (self.theme.level(L::Critical), "ERROR"),
            "WARN" => (self.theme.level(L::Warning), "WARN "),
            "INFO" => (Style::new(), "INFO "),
            "DEBUG" => (self.theme.dim(), "DEBUG"),
            _ => (self.theme.dim(), "TRACE"),
        }
    }
}

impl LogFormatter for FollowFormatter {
    fn min_width(&self) -> u16 {
        20
    }

    fn format(&self, width: usize, evt: &ExtLogRecord) -> Vec<Line<'_>> {
        let (style, level) = self.level_style(evt.level.as_str());
        let hit = self.job.as_deref().is_some_and(|j| mentions(evt.msg(), j));
        let (marker, style) = if hit {
            ("▶", style.add_modifier(Modifier::BOLD))
        } else {
            (" ", style)
        };
        let prefix = format!("{marker}{} {level} ", evt.timestamp.strftime("%H:%M:%S"));
        let indent = prefix.chars().count();
        let text: String = evt.msg().replace('\n', " ");
        let room = width.saturating_sub(indent).max(1);
        let chars: Vec<char> = text.chars().collect();
        let mut lines = Vec::new();
        for (n, chunk) in chars.chunks(room).enumerate() {
            let lead = if n == 0 {
                prefix.clone()
            } else {
                " ".repeat(indent)
            };
            lines.push(Line::from(vec![
                Span::styled(lead, style),
                Span::styled(chunk.iter().collect::<String>(), style),
            ]));
        }
        if lines.is_empty() {
            lines.push(Line::from(Span::styled(prefix, style)));
        }
        lines
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, pane: &LogPane, ctx: &Ctx) {
    let theme = &ctx.theme;
    let kind = ctx.kind;
    let focused = app.focus() == Focus::Log || app.log_fullscreen();
    let job = app.selected_job().map(|j| j.key.to_string());
    let mut title = vec![Span::raw("Log")];
    if let Some(j) = &job {
        title.push(Span::raw(format!(" · ▶ marks {j}")));
    }
    if app.log_fullscreen() {
        let keys = app.keymap().keys_text(crate::app::Action::LogFullscreen);
        title.push(Span::raw(format!(" · {keys} back")));
    }
    let block = super::panes::block(Line::from(title), focused, kind, theme);
    let widget = TuiLoggerWidget::default()
        .block(block)
        .formatter(Box::new(FollowFormatter { job, theme: *theme }))
        .state(&pane.state);
    frame.render_widget(widget, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_needs_the_whole_key() {
        let job = "futures/BTC-27DEC24";
        assert!(mentions(
            "job started job: futures/BTC-27DEC24 cursor: 5",
            job
        ));
        assert!(mentions("job: futures/BTC-27DEC24", job));
        assert!(!mentions("job: futures/BTC-27DEC245", job));
        assert!(!mentions("job: futures/BTC-27DEC24-X", job));
        assert!(!mentions("job: perpetuals/BTC-PERPETUAL", job));
    }
}
