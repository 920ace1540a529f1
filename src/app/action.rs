//! Every bindable action, as data: its config name, default keys, description, where it
//! applies and how the status bar abbreviates it. The key handler, the `?` help overlay, the
//! status-bar hints and the `:` command line all read this one table.

/// What the operator can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    FocusNext,
    FocusPrev,
    Pause,
    Resume,
    Retry,
    Cancel,
    Mark,
    PauseAll,
    ResumeAll,
    RetryFailed,
    Gaps,
    ParallelUp,
    ParallelDown,
    Filter,
    QuickFilter,
    Sort,
    SortReverse,
    LogFullscreen,
    Basis,
    Command,
    Help,
    Close,
    Quit,
    Confirm,
    Deny,
}

/// Where a binding is active. Keys only conflict within one context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// The dashboard, the help overlay and the fullscreen log.
    Main,
    /// A confirmation dialog (cancel, quit).
    Dialog,
}

impl Context {
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Main => "main",
            Context::Dialog => "dialog",
        }
    }
}

/// Help-overlay section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Navigate,
    Jobs,
    View,
    App,
    Dialog,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Navigate => "Navigate",
            Group::Jobs => "Jobs",
            Group::View => "View",
            Group::App => "App",
            Group::Dialog => "Dialogs",
        }
    }
}

/// One row of the action table.
#[derive(Debug, Clone, Copy)]
pub struct ActionSpec {
    pub action: Action,
    /// Name used in the config file's `[keys]` table and on the `:` command line.
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub description: &'static str,
    pub group: Group,
    pub context: Context,
    /// Status-bar label, if the action is worth a hint there.
    pub hint: Option<&'static str>,
}

const fn spec(
    action: Action,
    name: &'static str,
    keys: &'static [&'static str],
    group: Group,
    hint: Option<&'static str>,
    description: &'static str,
) -> ActionSpec {
    let context = match group {
        Group::Dialog => Context::Dialog,
        _ => Context::Main,
    };
    ActionSpec {
        action,
        name,
        keys,
        description,
        group,
        context,
        hint,
    }
}

use Action as A;
use Group as G;

/// The defaults, in help-overlay order.
pub const ACTIONS: &[ActionSpec] = &[
    spec(
        A::Up,
        "up",
        &["up", "k"],
        G::Navigate,
        None,
        "move up in the focused pane",
    ),
    spec(
        A::Down,
        "down",
        &["down", "j"],
        G::Navigate,
        None,
        "move down in the focused pane",
    ),
    spec(
        A::PageUp,
        "page_up",
        &["pgup"],
        G::Navigate,
        None,
        "one page up",
    ),
    spec(
        A::PageDown,
        "page_down",
        &["pgdn"],
        G::Navigate,
        None,
        "one page down",
    ),
    spec(
        A::Top,
        "top",
        &["home"],
        G::Navigate,
        None,
        "go to the first row",
    ),
    spec(
        A::Bottom,
        "bottom",
        &["G", "end"],
        G::Navigate,
        None,
        "go to the last row",
    ),
    spec(
        A::FocusNext,
        "focus_next",
        &["tab"],
        G::Navigate,
        Some("focus"),
        "focus the next pane",
    ),
    spec(
        A::FocusPrev,
        "focus_prev",
        &["backtab"],
        G::Navigate,
        None,
        "focus the previous pane",
    ),
    spec(
        A::Pause,
        "pause",
        &["p"],
        G::Jobs,
        Some("pause"),
        "pause the selected job (or the marked jobs)",
    ),
    spec(
        A::Resume,
        "resume",
        &["r"],
        G::Jobs,
        Some("resume"),
        "resume the selected job (or the marked jobs)",
    ),
    spec(
        A::Retry,
        "retry",
        &["x"],
        G::Jobs,
        Some("retry"),
        "retry the selected failed job (or the marked jobs)",
    ),
    spec(
        A::Cancel,
        "cancel",
        &["c"],
        G::Jobs,
        Some("cancel"),
        "cancel the selected job (or the marked jobs); asks first",
    ),
    spec(
        A::Mark,
        "mark",
        &["space"],
        G::Jobs,
        Some("mark"),
        "mark or unmark the selected job for pause, resume, retry and cancel",
    ),
    spec(
        A::PauseAll,
        "pause_all",
        &["P"],
        G::Jobs,
        None,
        "pause every job shown (every job when no filter is set)",
    ),
    spec(
        A::ResumeAll,
        "resume_all",
        &["R"],
        G::Jobs,
        None,
        "resume every job shown (every job when no filter is set)",
    ),
    spec(
        A::RetryFailed,
        "retry_failed",
        &["X"],
        G::Jobs,
        None,
        "retry every failed job shown",
    ),
    spec(
        A::Gaps,
        "gaps",
        &["g"],
        G::Jobs,
        None,
        "re-fetch the gaps verify recorded for the selected (or marked) jobs' instruments",
    ),
    spec(
        A::ParallelUp,
        "parallel_up",
        &["+", "="],
        G::Jobs,
        None,
        "work on one more job at once",
    ),
    spec(
        A::ParallelDown,
        "parallel_down",
        &["-"],
        G::Jobs,
        None,
        "work on one job fewer at once",
    ),
    spec(
        A::Filter,
        "filter",
        &["/"],
        G::View,
        Some("filter"),
        "filter jobs by regex; start with ! to invert",
    ),
    spec(
        A::QuickFilter,
        "quick_filter",
        &["f"],
        G::View,
        None,
        "cycle quick filters: failed, running, paused, lagging, all",
    ),
    spec(
        A::Sort,
        "sort",
        &["s"],
        G::View,
        Some("sort"),
        "sort by the next column",
    ),
    spec(
        A::SortReverse,
        "sort_reverse",
        &["S"],
        G::View,
        None,
        "reverse the sort direction",
    ),
    spec(
        A::LogFullscreen,
        "log_fullscreen",
        &["l"],
        G::View,
        Some("log"),
        "show the log fullscreen, or back",
    ),
    spec(
        A::Basis,
        "basis",
        &["b"],
        G::View,
        None,
        "show the basis curve (term structure, a future's history), or back",
    ),
    spec(
        A::Command,
        "command",
        &[":"],
        G::App,
        None,
        "command line: :pause BTC-*, :resume all, :retry failed, :parallel 8",
    ),
    spec(
        A::Help,
        "help",
        &["?"],
        G::App,
        Some("help"),
        "show or hide this help",
    ),
    spec(
        A::Close,
        "close",
        &["esc"],
        G::App,
        None,
        "close the overlay or basis tab, else clear marks, else clear filters",
    ),
    spec(
        A::Quit,
        "quit",
        &["q", "ctrl-c"],
        G::App,
        Some("quit"),
        "quit; asks while jobs run, which checkpoint first so the next start resumes",
    ),
    spec(
        A::Confirm,
        "confirm",
        &["y", "enter"],
        G::Dialog,
        None,
        "confirm the dialog",
    ),
    spec(
        A::Deny,
        "deny",
        &["n", "esc"],
        G::Dialog,
        None,
        "dismiss the dialog",
    ),
];

impl Action {
    /// Every action, in table order.
    pub fn all() -> impl Iterator<Item = Action> {
        ACTIONS.iter().map(|s| s.action)
    }

    pub fn spec(self) -> &'static ActionSpec {
        ACTIONS
            .iter()
            .find(|s| s.action == self)
            .expect("every action has a row in ACTIONS")
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<Action> {
        let name = name.trim().replace('-', "_").to_ascii_lowercase();
        ACTIONS.iter().find(|s| s.name == name).map(|s| s.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_exactly_one_row_and_a_unique_name() {
        let mut names = std::collections::HashSet::new();
        for s in ACTIONS {
            assert!(names.insert(s.name), "duplicate name {}", s.name);
            assert_eq!(Action::from_name(s.name), Some(s.action));
            assert_eq!(ACTIONS.iter().filter(|o| o.action == s.action).count(), 1);
        }
        // Unique rows and as many rows as variants: every variant is in the table.
        assert_eq!(
            ACTIONS.len(),
            Action::Deny as usize + 1,
            "add the new action to ACTIONS"
        );
        assert_eq!(Action::from_name("Pause-All"), Some(Action::PauseAll));
        assert_eq!(Action::from_name("pasue"), None);
    }
}
