//! Styles. ANSI 16 colours plus modifiers; with `no_color` only modifiers (bold, reversed,
//! dim), so every state stays readable from its text alone and the selection from REVERSED.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::JobState;
use crate::health::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(no_color: bool) -> Self {
        Self { color: !no_color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn state(&self, s: JobState) -> Style {
        match s {
            JobState::Queued => Style::new(),
            JobState::Running => self.fg(Color::Green),
            JobState::Pausing => self.fg(Color::Yellow),
            JobState::Paused => self.fg(Color::Cyan),
            JobState::Backoff => self.fg(Color::Yellow),
            JobState::Failed => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            JobState::Done => self.fg(Color::Blue),
            JobState::Unavailable => self.fg(Color::DarkGray),
            JobState::Cancelled => self.fg(Color::Magenta),
        }
    }

    pub fn level(&self, l: Level) -> Style {
        match l {
            Level::Ok => self.fg(Color::Green),
            Level::Warning => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Level::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Level::Unknown => Style::new(),
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The selected row: reversed, readable in any palette and without colour.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn marked(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn info(&self) -> Style {
        self.fg(Color::Green)
    }

    /// Attention badges such as `Pausing…` and `STOPPING`.
    pub fn badge(&self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    pub fn gauge(&self, fraction: f64) -> Style {
        let c = if fraction < 0.1 {
            Color::Red
        } else if fraction < 0.3 {
            Color::Yellow
        } else {
            Color::Green
        };
        self.fg(c)
    }
}
