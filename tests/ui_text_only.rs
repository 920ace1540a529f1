//! Without colour (NO_COLOR / --no-color) every state is still readable as text, the
//! selection is REVERSED and no cell carries a colour.

use deribit_backfill::app::{App, sample};
use deribit_backfill::domain::JobState;
use deribit_backfill::ui::{self, LogPane};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::{Terminal, backend::TestBackend};

fn buffer(app: &App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(f, app, &LogPane::default())).unwrap();
    t.backend().buffer().clone()
}

fn text(b: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            s.push_str(b[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

fn coloured_cells(b: &Buffer) -> usize {
    b.content
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count()
}

#[test]
fn no_colour_anywhere_and_every_state_is_text() {
    for (w, h) in [(120, 40), (80, 24)] {
        // A 40-row table shows every sample job.
        let mut s = sample::snapshot();
        s.version = 100;
        let app = sample::app_with(s, ui::viewport(w, h), true);
        let b = buffer(&app, w, h);
        assert_eq!(coloured_cells(&b), 0, "{w}×{h} uses colour with no_color");
        let t = text(&b);
        let table_rows = ui::viewport(w, h).table_rows;
        let shown: Vec<JobState> = sample::jobs()
            .iter()
            .take(table_rows)
            .map(|j| j.state)
            .collect();
        for state in shown {
            assert!(
                t.contains(state.as_str()),
                "{w}×{h}: {state} not written out\n{t}"
            );
        }
        // Levels of lag and heartbeats are words too (full layout shows them all).
        if w == 120 {
            for level in ["CRIT", "WARN", "ok", "?"] {
                assert!(t.contains(&format!("{level} ")), "{level} missing\n{t}");
            }
        }
        // The selection is visible without colour.
        let reversed = b
            .content
            .iter()
            .filter(|c| c.modifier.contains(Modifier::REVERSED))
            .count();
        assert!(
            reversed >= (w as usize) / 2,
            "{w}×{h}: selection not reversed"
        );
    }
}

#[test]
fn with_colour_states_are_coloured_too() {
    let mut s = sample::snapshot();
    s.version = 100;
    let app = sample::app_with(s, ui::viewport(120, 40), false);
    let b = buffer(&app, 120, 40);
    assert!(coloured_cells(&b) > 0);
    // The failed job's state cell is red.
    let t = text(&b);
    let (y, line) = t
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("BTC-25OCT24"))
        .unwrap();
    let x = line.find("failed").unwrap();
    let x = line[..x].chars().count() as u16;
    assert_eq!(b[(x, y as u16)].fg, Color::Red);
}
