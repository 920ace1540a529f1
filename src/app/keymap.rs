//! The live key bindings: the defaults from [`ACTIONS`], with the config file's `[keys]`
//! table applied (`action = "key another-key"`; `"none"` unbinds). Bad names and conflicts are
//! reported together, each with the fix.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::action::{ACTIONS, Action, Context, Group};
use super::keypress::{KEY_SYNTAX, Key};

/// Key bindings by action, and the reverse lookup per context.
#[derive(Debug, Clone)]
pub struct Keymap {
    keys: HashMap<Action, Vec<Key>>,
    lookup: HashMap<(Context, Key), Action>,
}

/// One problem in the `[keys]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeymapProblem {
    UnknownAction {
        name: String,
        suggestion: Option<&'static str>,
    },
    BadKey {
        action: String,
        text: String,
    },
    Conflict {
        key: Key,
        first: Action,
        second: Action,
    },
    Unbound {
        action: Action,
    },
}

impl fmt::Display for KeymapProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownAction { name, suggestion } => {
                write!(f, "[keys] {name:?} is not an action")?;
                if let Some(s) = suggestion {
                    write!(f, " — did you mean {s:?}?")?;
                }
                let names: Vec<&str> = ACTIONS.iter().map(|s| s.name).collect();
                write!(f, " Actions: {}", names.join(", "))
            }
            Self::BadKey { action, text } => {
                write!(
                    f,
                    "[keys] {action} = {text:?}: unknown key {text:?} — use {KEY_SYNTAX}"
                )
            }
            Self::Conflict { key, first, second } => write!(
                f,
                "[keys] key {:?} is bound to both {} and {} — give one of them another key in [keys]",
                key.to_string(),
                first.name(),
                second.name()
            ),
            Self::Unbound { action } => write!(
                f,
                "[keys] {} needs at least one key — bind it to a key instead of \"none\"",
                action.name()
            ),
        }
    }
}

/// Everything wrong with a `[keys]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct KeymapError {
    pub problems: Vec<KeymapProblem>,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(|p| p.to_string()).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// Actions that must stay reachable.
const REQUIRED: &[Action] = &[Action::Quit, Action::Close, Action::Confirm, Action::Deny];

/// One line of the help overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpEntry {
    pub group: Group,
    pub keys: String,
    pub name: &'static str,
    pub description: &'static str,
}

impl Default for Keymap {
    fn default() -> Self {
        Self::with_overrides(&BTreeMap::new()).expect("the default keymap is valid")
    }
}

impl Keymap {
    /// The defaults with `overrides` (action name → whitespace-separated keys) applied.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Self, KeymapError> {
        let mut problems = Vec::new();
        let mut keys: HashMap<Action, Vec<Key>> = ACTIONS
            .iter()
            .map(|s| {
                let parsed = s
                    .keys
                    .iter()
                    .map(|k| k.parse().expect("default key parses"));
                (s.action, parsed.collect())
            })
            .collect();
        for (name, text) in overrides {
            let Some(action) = Action::from_name(name) else {
                problems.push(KeymapProblem::UnknownAction {
                    name: name.clone(),
                    suggestion: suggest(name),
                });
                continue;
            };
            let mut bound = Vec::new();
            for word in text.split_whitespace() {
                if word.eq_ignore_ascii_case("none") {
                    continue;
                }
                match word.parse::<Key>() {
                    Ok(k) if !bound.contains(&k) => bound.push(k),
                    Ok(_) => {}
                    Err(_) => problems.push(KeymapProblem::BadKey {
                        action: name.clone(),
                        text: word.to_string(),
                    }),
                }
            }
            if bound.is_empty() && REQUIRED.contains(&action) {
                problems.push(KeymapProblem::Unbound { action });
            }
            keys.insert(action, bound);
        }
        let mut lookup = HashMap::new();
        for spec in ACTIONS {
            for key in &keys[&spec.action] {
                if let Some(first) = lookup.insert((spec.context, *key), spec.action) {
                    problems.push(KeymapProblem::Conflict {
                        key: *key,
                        first,
                        second: spec.action,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(Self { keys, lookup })
        } else {
            Err(KeymapError { problems })
        }
    }

    /// The action a key triggers in a context.
    pub fn action(&self, context: Context, key: Key) -> Option<Action> {
        self.lookup.get(&(context, key)).copied()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.keys.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Keys of an action as shown to the operator: `q/ctrl-c`, or `(unbound)`.
    pub fn keys_text(&self, action: Action) -> String {
        let keys = self.keys(action);
        if keys.is_empty() {
            return "(unbound)".into();
        }
        keys.iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of an action, for hints.
    pub fn first_key(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(Key::to_string)
    }

    /// Every action with its keys, in table order (the help overlay's content).
    pub fn help(&self) -> Vec<HelpEntry> {
        ACTIONS
            .iter()
            .map(|s| HelpEntry {
                group: s.group,
                keys: self.keys_text(s.action),
                name: s.name,
                description: s.description,
            })
            .collect()
    }

    /// Status-bar hints for the main view: `(key, label)` in table order.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        ACTIONS
            .iter()
            .filter_map(|s| Some((self.first_key(s.action)?, s.hint?)))
            .collect()
    }

    /// A plain-text table of the bindings (for a `keys` subcommand or the docs).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let mut group = None;
        for e in self.help() {
            if group != Some(e.group) {
                if group.is_some() {
                    out.push('\n');
                }
                out.push_str(&format!("[{}]\n", e.group.title()));
                group = Some(e.group);
            }
            out.push_str(&format!(
                "{:<16} {:<14} {}\n",
                e.name, e.keys, e.description
            ));
        }
        out
    }
}

/// The action name closest to a misspelt one.
fn suggest(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    ACTIONS
        .iter()
        .map(|s| (edit_distance(&name, s.name), s.name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keypress::KeyCode;

    fn remap(pairs: &[(&str, &str)]) -> Result<Keymap, KeymapError> {
        let m = pairs
            .iter()
            .map(|(a, k)| (a.to_string(), k.to_string()))
            .collect();
        Keymap::with_overrides(&m)
    }

    #[test]
    fn defaults_follow_the_issue() {
        let k = Keymap::default();
        let main = |s: &str| k.action(Context::Main, s.parse().unwrap());
        assert_eq!(main("p"), Some(Action::Pause));
        assert_eq!(main("P"), Some(Action::PauseAll));
        assert_eq!(main("r"), Some(Action::Resume));
        assert_eq!(main("R"), Some(Action::ResumeAll));
        assert_eq!(main("x"), Some(Action::Retry));
        assert_eq!(main("X"), Some(Action::RetryFailed));
        assert_eq!(main("space"), Some(Action::Mark));
        assert_eq!(main("j"), Some(Action::Down));
        assert_eq!(main("k"), Some(Action::Up));
        assert_eq!(main("pgdn"), Some(Action::PageDown));
        assert_eq!(main("G"), Some(Action::Bottom));
        assert_eq!(main("esc"), Some(Action::Close));
        assert_eq!(
            k.action(Context::Dialog, Key::plain(KeyCode::Esc)),
            Some(Action::Deny)
        );
        assert_eq!(k.action(Context::Dialog, Key::char('p')), None);
    }

    #[test]
    fn remapping_replaces_the_defaults_of_that_action() {
        let k = remap(&[("pause", "ctrl-p F2")]).unwrap();
        assert_eq!(k.action(Context::Main, Key::char('p')), None);
        assert_eq!(k.action(Context::Main, Key::ctrl('p')), Some(Action::Pause));
        assert_eq!(
            k.action(Context::Main, Key::plain(KeyCode::F(2))),
            Some(Action::Pause)
        );
        assert_eq!(k.keys_text(Action::Pause), "ctrl-p/f2");
        assert!(k.hints().contains(&("ctrl-p".to_string(), "pause")));
    }

    #[test]
    fn a_key_taken_by_another_action_is_a_conflict_naming_both() {
        let e = remap(&[("pause", "r")]).unwrap_err();
        assert_eq!(e.problems.len(), 1);
        let text = e.to_string();
        assert!(text.contains("\"r\"") && text.contains("pause") && text.contains("resume"));
        assert!(text.contains("give one of them another key"), "{text}");
        // Moving the other action away resolves it.
        assert!(remap(&[("pause", "r"), ("resume", "u")]).is_ok());
        // The same key in different contexts is fine.
        assert!(remap(&[("confirm", "p")]).is_ok());
    }

    #[test]
    fn unknown_actions_and_keys_are_reported_together_with_fixes() {
        let e = remap(&[("pasue", "p"), ("resume", "ctl-r"), ("quit", "none")]).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.problems.len(), 3, "{text}");
        assert!(text.contains("did you mean \"pause\""), "{text}");
        assert!(
            text.contains("unknown key \"ctl-r\"") && text.contains("ctrl-"),
            "{text}"
        );
        assert!(text.contains("quit needs at least one key"), "{text}");
    }

    #[test]
    fn none_unbinds_optional_actions() {
        let k = remap(&[("sort_reverse", "none")]).unwrap();
        assert_eq!(k.action(Context::Main, Key::char('S')), None);
        assert_eq!(k.keys_text(Action::SortReverse), "(unbound)");
    }

    #[test]
    fn hints_and_help_follow_the_table() {
        let k = Keymap::default();
        let hints = k.hints();
        assert_eq!(hints.first(), Some(&("tab".to_string(), "focus")));
        assert!(hints.contains(&("q".to_string(), "quit")));
        assert_eq!(k.help().len(), ACTIONS.len());
        assert_eq!(k.keys_text(Action::Quit), "q/ctrl-c");
    }
}
