//! The keymap drives the help overlay and the status bar: every action is listed with its
//! keys (trippy's binding-commands test), remaps show up, bad `[keys]` tables are refused
//! before the terminal is touched.

use std::collections::BTreeMap;

use deribit_backfill::app::help::help_text;
use deribit_backfill::app::{ACTIONS, Key, Keymap, Msg, sample};
use deribit_backfill::config::Config;
use deribit_backfill::tui::app_for;
use deribit_backfill::ui::{self, LogPane};
use ratatui::{Terminal, backend::TestBackend};

#[test]
fn help_lists_every_action_with_its_keys() {
    let keymap = Keymap::default();
    let text = help_text(&keymap).join("\n");
    for spec in ACTIONS {
        let keys = keymap.keys_text(spec.action);
        let row = text
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(spec.name))
            .unwrap_or_else(|| panic!("{} is not in the help", spec.name));
        assert!(
            row.contains(&keys) && row.contains(spec.description),
            "{row}"
        );
    }
    insta::assert_snapshot!("help_text", text);
}

#[test]
fn remapped_keys_show_in_help_and_hints() {
    let config = Config {
        keys: BTreeMap::from([
            ("pause".to_string(), "ctrl-p".to_string()),
            ("help".to_string(), "f1".to_string()),
        ]),
        ..Config::default()
    };
    let mut app = app_for(&config, sample::NOW_MS).unwrap();
    app.update(Msg::Resize(ui::viewport(120, 40)));
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| ui::render(f, &app, &LogPane::default()))
        .unwrap();
    let bar = t.backend().to_string().lines().last().unwrap().to_string();
    assert!(
        bar.contains("ctrl-p pause") && bar.contains("f1 help"),
        "{bar}"
    );
    assert!(!bar.contains("? help"), "{bar}");
    // The old key does nothing; the new one opens help.
    app.update(Msg::Key(Key::char('?')));
    assert_eq!(app.overlay(), &deribit_backfill::app::Overlay::None);
    app.update(Msg::Key("f1".parse().unwrap()));
    t.draw(|f| ui::render(f, &app, &LogPane::default()))
        .unwrap();
    let screen = t.backend().to_string();
    assert!(
        screen.contains("ctrl-p") && screen.contains("pause the selected job"),
        "{screen}"
    );
}

#[test]
fn a_bad_keys_table_is_refused_with_the_fix() {
    let config = Config {
        keys: BTreeMap::from([
            ("pasue".to_string(), "p".to_string()),
            ("retry".to_string(), "r".to_string()),
        ]),
        ..Config::default()
    };
    let err = app_for(&config, 0).unwrap_err().to_string();
    insta::assert_snapshot!("bad_keys_error", err);
    assert!(err.contains("did you mean \"pause\""), "{err}");
    assert!(err.contains("bound to both resume and retry"), "{err}");
}
