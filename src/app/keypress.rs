//! A key press, independent of the terminal library, and its text form for the config file
//! (`p`, `P`, `shift-r`, `ctrl-c`, `pgdn`, `space`, `f5`).

use std::fmt;

/// Which key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    /// A character; upper case means the shifted key.
    Char(char),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    /// Shift-Tab.
    BackTab,
    Backspace,
    Delete,
    Insert,
    F(u8),
}

/// A key with its modifiers. Shift is folded into the character (`R`, not shift+`r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub const fn char(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    /// The character this key types into a prompt, if it types one.
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }
}

/// Names accepted in the config file, first one is how the key is shown.
const NAMED: &[(&[&str], KeyCode)] = &[
    (&["up"], KeyCode::Up),
    (&["down"], KeyCode::Down),
    (&["left"], KeyCode::Left),
    (&["right"], KeyCode::Right),
    (&["pgup", "pageup"], KeyCode::PageUp),
    (&["pgdn", "pagedown", "pgdown"], KeyCode::PageDown),
    (&["home"], KeyCode::Home),
    (&["end"], KeyCode::End),
    (&["enter", "return"], KeyCode::Enter),
    (&["esc", "escape"], KeyCode::Esc),
    (&["tab"], KeyCode::Tab),
    (&["backtab"], KeyCode::BackTab),
    (&["backspace", "bs"], KeyCode::Backspace),
    (&["delete", "del"], KeyCode::Delete),
    (&["insert", "ins"], KeyCode::Insert),
    (&["space"], KeyCode::Char(' ')),
];

/// What a key string may look like, for error messages.
pub const KEY_SYNTAX: &str = "a character (p, P, +, /), a name (up, down, left, right, pgup, pgdn, home, end, \
     enter, esc, tab, backtab, space, backspace, delete, f1..f12), optionally prefixed by \
     ctrl-, alt- or shift-";

/// A key string that does not name a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key {text:?}: use {KEY_SYNTAX}")]
pub struct KeyParseError {
    pub text: String,
}

impl std::str::FromStr for Key {
    type Err = KeyParseError;

    fn from_str(text: &str) -> Result<Self, KeyParseError> {
        let err = || KeyParseError {
            text: text.to_string(),
        };
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(err());
        }
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        // Strip modifiers; a lone "-" (or "ctrl--") is the minus key itself.
        loop {
            let lower = rest.to_ascii_lowercase();
            let prefix = ["ctrl-", "control-", "alt-", "shift-"]
                .into_iter()
                .find(|p| lower.starts_with(p) && rest.len() > p.len());
            let Some(p) = prefix else { break };
            match p {
                "ctrl-" | "control-" => ctrl = true,
                "alt-" => alt = true,
                _ => shift = true,
            }
            rest = &rest[p.len()..];
        }
        let lower = rest.to_ascii_lowercase();
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => {
                if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    if !(1..=12).contains(&n) {
                        return Err(err());
                    }
                    KeyCode::F(n)
                } else {
                    NAMED
                        .iter()
                        .find(|(names, _)| names.contains(&lower.as_str()))
                        .map(|(_, code)| *code)
                        .ok_or_else(err)?
                }
            }
        };
        let code = match code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            KeyCode::Char(c) if shift => KeyCode::Char(c.to_ascii_uppercase()),
            KeyCode::Tab if shift => KeyCode::BackTab,
            other if shift && !matches!(other, KeyCode::Char(_)) => return Err(err()),
            other => other,
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            code => {
                let name = NAMED
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map(|(names, _)| names[0])
                    .unwrap_or("?");
                f.write_str(name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Key {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_characters_names_and_modifiers() {
        assert_eq!(k("p"), Key::char('p'));
        assert_eq!(k("P"), Key::char('P'));
        assert_eq!(k("shift-r"), Key::char('R'));
        assert_eq!(k("ctrl-c"), Key::ctrl('c'));
        assert_eq!(k("Ctrl-C"), Key::ctrl('c'));
        assert_eq!(k("pgdn"), Key::plain(KeyCode::PageDown));
        assert_eq!(k("PageUp"), Key::plain(KeyCode::PageUp));
        assert_eq!(k("space"), Key::char(' '));
        assert_eq!(k("shift-tab"), Key::plain(KeyCode::BackTab));
        assert_eq!(k("f5"), Key::plain(KeyCode::F(5)));
        assert_eq!(k("-"), Key::char('-'));
        assert_eq!(k("+"), Key::char('+'));
        assert_eq!(
            k("alt--"),
            Key {
                alt: true,
                ..Key::char('-')
            }
        );
    }

    #[test]
    fn rejects_unknown_names_with_the_syntax() {
        for bad in ["", "ctl-p", "pagedwn", "f13", "shift-up", "ctrl-"] {
            let e = bad.parse::<Key>();
            if bad == "ctrl-" {
                // "ctrl-" is the two-char string; not a key.
                assert!(e.is_err());
                continue;
            }
            let e = e.expect_err(bad).to_string();
            assert!(e.contains("unknown key") && e.contains("pgdn"), "{e}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "p", "P", "ctrl-c", "pgdn", "pgup", "space", "esc", "backtab", "f12", "+",
        ] {
            assert_eq!(k(s).to_string(), s);
            assert_eq!(k(&k(s).to_string()), k(s));
        }
    }
}
