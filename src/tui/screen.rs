//! Drawing frames to a terminal: each frame is one synchronized update (DEC 2026), so slow
//! links and multiplexers never show half a frame. Terminals without support ignore it.

use std::io::{self, Write};

use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use crate::app::App;
use crate::ui::{self, LogPane};

/// Where frames go. The real terminal, or a test double.
pub trait Screen {
    /// The size to lay out for (columns, rows).
    fn size(&self) -> io::Result<(u16, u16)>;
    fn draw(&mut self, app: &App, log: &LogPane) -> io::Result<()>;
}

/// A ratatui terminal over any writer, drawing through the crossterm backend.
pub struct TerminalScreen<W: Write> {
    terminal: Terminal<CrosstermBackend<W>>,
    fixed: Option<(u16, u16)>,
}

impl<W: Write> TerminalScreen<W> {
    /// Full screen, following the real terminal's size.
    pub fn new(writer: W) -> io::Result<Self> {
        Ok(Self {
            terminal: Terminal::new(CrosstermBackend::new(writer))?,
            fixed: None,
        })
    }

    /// A fixed `width`×`height` area (benchmarks and tests, where there is no terminal).
    pub fn fixed(writer: W, width: u16, height: u16) -> io::Result<Self> {
        let options = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
        };
        Ok(Self {
            terminal: Terminal::with_options(CrosstermBackend::new(writer), options)?,
            fixed: Some((width, height)),
        })
    }
}

impl<W: Write> Screen for TerminalScreen<W> {
    fn size(&self) -> io::Result<(u16, u16)> {
        match self.fixed {
            Some(s) => Ok(s),
            None => crossterm::terminal::size(),
        }
    }

    fn draw(&mut self, app: &App, log: &LogPane) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        let drawn = self.terminal.draw(|f| ui::render(f, app, log)).map(|_| ());
        // End the update even when the draw failed, so the terminal is never left frozen.
        let ended = execute!(self.terminal.backend_mut(), EndSynchronizedUpdate);
        drawn.and(ended)
    }
}
