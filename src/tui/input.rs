//! Terminal events in, app keys out. Key releases and repeats (sent by terminals with the
//! kitty keyboard protocol) are dropped, so one press is one action.

use crossterm::event::KeyCode as CtKey;
use crossterm::event::{Event, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::{Key, KeyCode};

/// What a terminal event means to the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Key(Key),
    Resize(u16, u16),
    /// Focus changes, mouse, paste, releases: nothing to do.
    Ignored,
}

pub fn translate(event: Event) -> Input {
    match event {
        Event::Key(k) => key(&k).map(Input::Key).unwrap_or(Input::Ignored),
        Event::Resize(w, h) => Input::Resize(w, h),
        _ => Input::Ignored,
    }
}

/// The app key for a key press; `None` for releases, repeats and keys the app has no name for.
pub fn key(k: &KeyEvent) -> Option<Key> {
    if k.kind != KeyEventKind::Press {
        return None;
    }
    let code = match k.code {
        CtKey::Char(c) => KeyCode::Char(c),
        CtKey::Up => KeyCode::Up,
        CtKey::Down => KeyCode::Down,
        CtKey::Left => KeyCode::Left,
        CtKey::Right => KeyCode::Right,
        CtKey::PageUp => KeyCode::PageUp,
        CtKey::PageDown => KeyCode::PageDown,
        CtKey::Home => KeyCode::Home,
        CtKey::End => KeyCode::End,
        CtKey::Enter => KeyCode::Enter,
        CtKey::Esc => KeyCode::Esc,
        CtKey::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        CtKey::Tab => KeyCode::Tab,
        CtKey::BackTab => KeyCode::BackTab,
        CtKey::Backspace => KeyCode::Backspace,
        CtKey::Delete => KeyCode::Delete,
        CtKey::Insert => KeyCode::Insert,
        CtKey::F(n) => KeyCode::F(n),
        _ => return None,
    };
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let code = match code {
        // Ctrl-letters arrive lower or upper case depending on the terminal.
        KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
        other => other,
    };
    Some(Key {
        code,
        ctrl,
        alt: k.modifiers.contains(KeyModifiers::ALT),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn ev(code: CtKey, modifiers: KeyModifiers, kind: KeyEventKind) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn presses_only() {
        let press = ev(CtKey::Char('p'), KeyModifiers::NONE, KeyEventKind::Press);
        assert_eq!(key(&press), Some(Key::char('p')));
        for kind in [KeyEventKind::Release, KeyEventKind::Repeat] {
            assert_eq!(key(&ev(CtKey::Char('p'), KeyModifiers::NONE, kind)), None);
        }
    }

    #[test]
    fn shift_is_in_the_character_and_ctrl_is_a_flag() {
        let shifted = ev(CtKey::Char('P'), KeyModifiers::SHIFT, KeyEventKind::Press);
        assert_eq!(key(&shifted), Some(Key::char('P')));
        let ctrl = ev(CtKey::Char('C'), KeyModifiers::CONTROL, KeyEventKind::Press);
        assert_eq!(key(&ctrl), Some(Key::ctrl('c')));
        let backtab = ev(CtKey::Tab, KeyModifiers::SHIFT, KeyEventKind::Press);
        assert_eq!(key(&backtab), Some(Key::plain(KeyCode::BackTab)));
        assert_eq!(translate(Event::Resize(80, 24)), Input::Resize(80, 24));
        assert_eq!(translate(Event::FocusGained), Input::Ignored);
    }
}
