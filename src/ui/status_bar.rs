//! The bottom line: the open prompt, else the last message, else key hints for what is on
//! screen (all generated from the keymap).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{Action, App, Overlay, Phase, PromptKind};

use super::Ctx;
use super::theme::Theme;

fn hint_spans<'a>(pairs: Vec<(String, String)>, theme: &Theme, width: usize) -> Vec<Span<'a>> {
    let mut pairs = pairs;
    let len = |p: &[(String, String)]| {
        p.iter()
            .map(|(k, l)| k.chars().count() + l.chars().count() + 3)
            .sum::<usize>()
    };
    // Drop hints from the end, but keep the last one (help) visible.
    while len(&pairs) > width && pairs.len() > 1 {
        let last = pairs.len() - 1;
        pairs.remove(last.saturating_sub(1));
    }
    let mut spans = Vec::new();
    for (k, l) in pairs {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(format!(" {l}  ")));
    }
    spans
}

/// The hints shown for the main view, in keymap order, with help last.
fn main_hints(app: &App) -> Vec<(String, String)> {
    let mut hints: Vec<(String, String)> = app
        .keymap()
        .hints()
        .into_iter()
        .map(|(k, l)| (k, l.to_string()))
        .collect();
    if let Some(i) = hints.iter().position(|(_, l)| l == "help") {
        let help = hints.remove(i);
        hints.push(help);
    }
    hints
}

fn keys(app: &App, action: Action) -> String {
    app.keymap().keys_text(action)
}

pub fn line<'a>(app: &App, theme: &Theme, width: usize) -> Line<'a> {
    if let Some(p) = app.prompt() {
        let lead = match p.kind {
            PromptKind::Filter => "/",
            PromptKind::Command => ":",
        };
        let mut spans = vec![
            Span::styled(lead, theme.key()),
            Span::raw(p.text.clone()),
            Span::styled("█", theme.key()),
        ];
        match &p.error {
            Some(e) => spans.push(Span::styled(format!("  {e}"), theme.error())),
            None if p.kind == PromptKind::Filter => spans.push(Span::styled(
                "  regex, ! inverts · Enter keep · Esc undo",
                theme.dim(),
            )),
            None => spans.push(Span::styled(
                "  Enter run · Esc cancel · :help",
                theme.dim(),
            )),
        }
        return Line::from(spans);
    }
    if let Some(f) = app.flash() {
        let style = if f.error { theme.error() } else { theme.info() };
        return Line::from(Span::styled(f.text.clone(), style));
    }
    if let Phase::Stopping { .. } = app.phase() {
        return Line::from(vec![
            Span::raw("stopping: running jobs commit their current request and checkpoint · "),
            Span::styled(keys(app, Action::Quit), theme.key()),
            Span::raw(" leave now (committed data is kept)"),
        ]);
    }
    let pairs = match app.overlay() {
        Overlay::Confirm(_) => {
            vec![
                (keys(app, Action::Confirm), "yes".to_string()),
                (keys(app, Action::Deny), "no".to_string()),
            ]
        }
        Overlay::Help { .. } => vec![
            (
                format!("{}/{}", keys(app, Action::Up), keys(app, Action::Down)),
                "scroll".into(),
            ),
            (keys(app, Action::Close), "close".into()),
        ],
        Overlay::None => {
            let mut hints = main_hints(app);
            let marks = app.jobs_view().marks().len();
            if marks > 0 {
                let keys: Vec<String> =
                    [Action::Pause, Action::Resume, Action::Retry, Action::Cancel]
                        .into_iter()
                        .filter_map(|a| app.keymap().first_key(a))
                        .collect();
                hints.insert(
                    0,
                    (
                        format!("{marks} marked:"),
                        format!("{} act on them", keys.join("/")),
                    ),
                );
            }
            hints
        }
    };
    Line::from(hint_spans(pairs, theme, width))
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, ctx: &Ctx) {
    let line = line(app, &ctx.theme, area.width as usize);
    frame.render_widget(Paragraph::new(line), area);
}
