//! The dashboard's state and logic, without a terminal: view-models of the engine snapshot and
//! the sampled [`Metrics`], selection, sorting, filtering, marks, dialogs, the keymap, and
//! `App::update(msg) -> Vec<Effect>`. `ui` renders an [`App`]; `tui` feeds it messages and
//! carries out its effects. Tests drive it directly.

pub mod action;
pub mod command_line;
pub mod display;
pub mod effect;
pub mod filter;
pub mod help;
pub mod job_commands;
pub mod jobs_view;
mod key_handling;
pub mod keymap;
pub mod keypress;
pub mod metrics;
mod prompt;
pub mod sample;
pub mod sort;
pub mod state;
mod update;

pub use action::{ACTIONS, Action, Context};
pub use effect::{Effect, LayoutKind, LogScroll, Msg, Viewport};
pub use filter::{QuickFilter, TextFilter};
pub use keymap::{Keymap, KeymapError};
pub use keypress::{Key, KeyCode};
pub use metrics::{BasisFuture, BasisMetrics, Metrics, Storage};
pub use sort::{Sort, SortColumn, SortDir};
pub use state::{
    App, AppConfig, Confirm, ConfirmKind, Flash, Focus, Overlay, Phase, Prompt, PromptKind, Redraw,
};

#[cfg(test)]
mod tests;
