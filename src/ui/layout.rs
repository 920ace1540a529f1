//! Where each pane goes, by terminal size. Full at about 110×34 and up: header, a row of
//! rate-limit / collectors / rows-and-disk panes, the jobs table, the log, the status bar.
//! Compact (80×24): header, a two-line summary of the side panes, the focused pane big (jobs
//! by default), a short log, the status bar. Below [`MIN_WIDTH`]×[`MIN_HEIGHT`]: one line
//! saying so.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{LayoutKind, Viewport};

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
pub const FULL_WIDTH: u16 = 110;
pub const FULL_HEIGHT: u16 = 34;

const HEADER: u16 = 2;
const STATUS: u16 = 1;
const SIDE_PANES: u16 = 10;
const FULL_LOG: u16 = 9;
const SUMMARY: u16 = 2;
const COMPACT_LOG: u16 = 5;
/// Rows the jobs block spends on its border/title and the column header.
const FULL_TABLE_CHROME: u16 = 3;
const COMPACT_TABLE_CHROME: u16 = 2;

pub fn kind(width: u16, height: u16) -> LayoutKind {
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        LayoutKind::TooSmall
    } else if width >= FULL_WIDTH && height >= FULL_HEIGHT {
        LayoutKind::Full
    } else {
        LayoutKind::Compact
    }
}

/// The rectangles of one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// Rate limit, collectors, rows & disk (full layout).
    pub side: Option<[Rect; 3]>,
    /// Two-line summary of the side panes (compact layout).
    pub summary: Option<Rect>,
    /// The jobs table, or in the compact layout the focused pane.
    pub main: Rect,
    pub log: Option<Rect>,
    pub status: Rect,
}

/// Splits the screen. With `log_fullscreen` the log takes everything but header and status.
pub fn areas(area: Rect, kind: LayoutKind, log_fullscreen: bool) -> Areas {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(HEADER),
        Constraint::Min(0),
        Constraint::Length(STATUS),
    ])
    .areas(area);
    let mut a = Areas {
        header,
        status,
        ..Default::default()
    };
    if log_fullscreen {
        a.log = Some(body);
        return a;
    }
    match kind {
        LayoutKind::Full => {
            let [side, main, log] = Layout::vertical([
                Constraint::Length(SIDE_PANES),
                Constraint::Min(0),
                Constraint::Length(FULL_LOG),
            ])
            .areas(body);
            a.side = Some(Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(side));
            a.main = main;
            a.log = Some(log);
        }
        LayoutKind::Compact => {
            let log_h = if body.height >= 18 { COMPACT_LOG } else { 0 };
            let [summary, main, log] = Layout::vertical([
                Constraint::Length(SUMMARY),
                Constraint::Min(0),
                Constraint::Length(log_h),
            ])
            .areas(body);
            a.summary = Some(summary);
            a.main = main;
            a.log = (log_h > 0).then_some(log);
        }
        LayoutKind::TooSmall => {}
    }
    a
}

/// What the app needs to know about the layout at this size.
pub fn viewport(width: u16, height: u16) -> Viewport {
    let kind = kind(width, height);
    let a = areas(Rect::new(0, 0, width, height), kind, false);
    let chrome = match kind {
        LayoutKind::Full => FULL_TABLE_CHROME,
        _ => COMPACT_TABLE_CHROME,
    };
    Viewport {
        width,
        height,
        layout: kind,
        table_rows: a.main.height.saturating_sub(chrome).max(1) as usize,
    }
}

/// Whether the jobs block has a full border (full layout) or only a title line (compact).
pub fn bordered(kind: LayoutKind) -> bool {
    kind == LayoutKind::Full
}

/// A `w`×`h` rectangle centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakpoints() {
        assert_eq!(kind(120, 40), LayoutKind::Full);
        assert_eq!(kind(80, 24), LayoutKind::Compact);
        assert_eq!(kind(109, 40), LayoutKind::Compact);
        assert_eq!(kind(59, 24), LayoutKind::TooSmall);
        assert_eq!(kind(80, 15), LayoutKind::TooSmall);
    }

    #[test]
    fn table_rows_match_the_drawn_table() {
        // 120×40: 40 - header 2 - side 10 - log 9 - status 1 = 18; minus borders and header.
        assert_eq!(viewport(120, 40).table_rows, 15);
        // 80×24: 24 - 2 - summary 2 - log 5 - 1 = 14; minus title and column header.
        assert_eq!(viewport(80, 24).table_rows, 12);
        // A short compact terminal drops the log.
        let a = areas(Rect::new(0, 0, 80, 20), LayoutKind::Compact, false);
        assert!(a.log.is_none());
    }

    #[test]
    fn fullscreen_log_takes_the_body() {
        let a = areas(Rect::new(0, 0, 80, 24), LayoutKind::Compact, true);
        assert_eq!(a.log, Some(Rect::new(0, 2, 80, 21)));
        assert!(a.side.is_none() && a.summary.is_none());
    }
}
