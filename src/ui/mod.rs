//! Pure rendering of an [`App`] into a ratatui frame: no IO, no awaits, no clock (the app
//! carries the time of its last tick). Layout by terminal size (see [`layout`]); every pane
//! is a function of the app state.

pub mod basis;
pub mod collectors;
pub mod header;
pub mod jobs;
pub mod layout;
pub mod log;
pub mod overlay;
mod panes;
pub mod rate_limit;
pub mod status_bar;
pub mod storage;
pub mod summary;
pub mod theme;

use ratatui::Frame;

use crate::app::{App, Focus, LayoutKind, Overlay};

pub use layout::viewport;
pub use log::LogPane;
pub use theme::Theme;

/// What every pane needs besides the app: the styles and the layout actually drawn.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub theme: Theme,
    pub kind: LayoutKind,
}

/// Draws the whole dashboard.
pub fn render(frame: &mut Frame, app: &App, log_pane: &LogPane) {
    let area = frame.area();
    let kind = layout::kind(area.width, area.height);
    let ctx = Ctx {
        theme: Theme::new(app.no_color()),
        kind,
    };
    if kind == LayoutKind::TooSmall {
        overlay::render_too_small(frame, area);
        return;
    }
    let a = layout::areas(area, kind, app.log_fullscreen());
    header::render(frame, a.header, app, &ctx);
    if let Some([rate, coll, store]) = a.side {
        rate_limit::render(frame, rate, app, &ctx);
        collectors::render(frame, coll, app, &ctx);
        storage::render(frame, store, app, &ctx);
    }
    if let Some(s) = a.summary {
        summary::render(frame, s, app, &ctx);
    }
    let mut log_area = a.log;
    if !app.log_fullscreen() {
        let focus = if kind == LayoutKind::Compact {
            app.focus()
        } else {
            Focus::Jobs
        };
        match focus {
            Focus::Jobs if app.basis_view() => basis::render(frame, a.main, app, &ctx),
            Focus::Jobs => jobs::render(frame, a.main, app, &ctx),
            Focus::RateLimit => rate_limit::render(frame, a.main, app, &ctx),
            Focus::Collectors => collectors::render(frame, a.main, app, &ctx),
            Focus::Storage => storage::render(frame, a.main, app, &ctx),
            // The focused log takes the main area and its own.
            Focus::Log => log_area = Some(log_area.map_or(a.main, |l| a.main.union(l))),
        }
    }
    if let Some(l) = log_area {
        log::render(frame, l, app, log_pane, &ctx);
    }
    status_bar::render(frame, a.status, app, &ctx);
    match app.overlay() {
        Overlay::Help { scroll } => overlay::render_help(frame, app, *scroll, &ctx),
        Overlay::Confirm(c) => overlay::render_confirm(frame, app, c, &ctx),
        Overlay::None => {}
    }
}
