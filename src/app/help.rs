//! The help overlay's text, generated from the live keymap (so a remapped key shows its new
//! binding), and its wrapping to the terminal width. Kept here so the app can bound the help
//! scroll by the number of lines actually shown.

use super::display::truncate;
use super::keymap::Keymap;

/// Outer size of the help popup on a `width`×`height` terminal.
pub fn popup_size(width: u16, height: u16) -> (u16, u16) {
    (width.saturating_sub(2).min(110), height.saturating_sub(2))
}

/// The help text, one string per line: every action under its group with its keys, config
/// name and description, then how prompts and remapping work.
pub fn help_text(keymap: &Keymap) -> Vec<String> {
    let mut out = Vec::new();
    let mut group = None;
    for e in keymap.help() {
        if group != Some(e.group) {
            if group.is_some() {
                out.push(String::new());
            }
            out.push(e.group.title().to_string());
            group = Some(e.group);
        }
        out.push(format!("  {:<12} {:<15} {}", e.keys, e.name, e.description));
    }
    out.push(String::new());
    out.push(
        "Prompts (/ and :): Enter applies, Esc cancels, Backspace deletes, ctrl-u clears".into(),
    );
    out.push("Remap in the config file, e.g. [keys] pause = \"ctrl-p\"  (names as above)".into());
    out
}

/// Column where an entry's description starts.
const DESCRIPTION_AT: usize = 2 + 12 + 1 + 15 + 1;

/// Wraps one help line to `width`, continuing descriptions under their column.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let entry = line.starts_with("  ") && line.chars().count() > DESCRIPTION_AT;
    let indent = if entry { DESCRIPTION_AT } else { 2 };
    if line.chars().count() <= width || width <= indent + 10 {
        return vec![truncate(line, width)];
    }
    let (head, text): (String, String) = if entry {
        (
            line.chars().take(indent).collect(),
            line.chars().skip(indent).collect(),
        )
    } else {
        (String::new(), line.to_string())
    };
    let room = width - indent;
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > room {
            out.push(std::mem::take(&mut current));
        } else if len > 0 {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push(current);
    let pad = " ".repeat(indent);
    out.into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 && entry {
                head.as_str()
            } else if i == 0 {
                ""
            } else {
                pad.as_str()
            };
            truncate(&format!("{lead}{l}"), width)
        })
        .collect()
}

/// The help as shown in a popup on a `width`×`height` terminal: wrapped lines, and how far it
/// can scroll.
pub fn shown_lines(keymap: &Keymap, width: u16, height: u16) -> (Vec<String>, usize) {
    let (w, h) = popup_size(width, height);
    let inner_w = w.saturating_sub(2) as usize;
    let inner_h = h.saturating_sub(2) as usize;
    let lines: Vec<String> = help_text(keymap)
        .iter()
        .flat_map(|l| wrap(l, inner_w))
        .collect();
    let max_scroll = lines.len().saturating_sub(inner_h);
    (lines, max_scroll)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_continues_under_the_description() {
        let line = format!(
            "  {:<12} {:<15} {}",
            "p", "pause", "pause the selected job (the marked jobs, if any)"
        );
        let lines = wrap(&line, 50);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 50), "{lines:?}");
        assert!(
            lines[1].starts_with(&" ".repeat(DESCRIPTION_AT)),
            "{lines:?}"
        );
        assert!(lines[0].starts_with("  p            pause"), "{lines:?}");
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(
            words.join(" "),
            line.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
}
