//! Every pane rendered to ratatui's TestBackend from fixed sample data and a fixed clock,
//! compared with committed insta snapshots at 120×40 (full), 80×24 (compact) and below the
//! minimum size. Review changes with `cargo insta review`; CI runs with `INSTA_UPDATE=no`.

use deribit_backfill::app::{App, Key, Msg, sample};
use deribit_backfill::domain::JobState;
use deribit_backfill::jobs::EngineSnapshot;
use deribit_backfill::ui::{self, LogPane};
use ratatui::{Terminal, backend::TestBackend};

fn draw(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let log = LogPane::default();
    t.draw(|f| ui::render(f, app, &log)).unwrap();
    t.backend().to_string()
}

fn sample_app(w: u16, h: u16) -> App {
    let mut s = sample::snapshot();
    s.version = 100;
    sample::app_with(s, ui::viewport(w, h), false)
}

fn keys(app: &mut App, keys: &[&str]) {
    for k in keys {
        app.update(Msg::Key(k.parse::<Key>().unwrap()));
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Msg::Key(Key::char(c)));
    }
}

macro_rules! snap {
    ($name:expr, $app:expr, $w:expr, $h:expr) => {
        insta::assert_snapshot!($name, draw(&$app, $w, $h))
    };
}

#[test]
fn full_120x40() {
    snap!("full_120x40", sample_app(120, 40), 120, 40);
}

#[test]
fn compact_80x24() {
    snap!("compact_80x24", sample_app(80, 24), 80, 24);
}

#[test]
fn too_small() {
    snap!("too_small_50x12", sample_app(50, 12), 50, 12);
    snap!("too_small_80x15", sample_app(80, 15), 80, 15);
}

#[test]
fn compact_shows_the_focused_pane_big() {
    let mut app = sample_app(80, 24);
    keys(&mut app, &["tab"]);
    snap!("compact_rate_limit", app, 80, 24);
    keys(&mut app, &["tab"]);
    snap!("compact_collectors", app, 80, 24);
    keys(&mut app, &["tab"]);
    snap!("compact_storage", app, 80, 24);
    keys(&mut app, &["tab"]);
    snap!("compact_log", app, 80, 24);
}

#[test]
fn sorted_filtered_and_marked() {
    let mut app = sample_app(120, 40);
    keys(&mut app, &["s", "/"]);
    type_text(&mut app, "btc");
    keys(&mut app, &["enter", "j", "space", "space"]);
    snap!("full_sorted_filtered_marked", app, 120, 40);
    keys(&mut app, &["esc", "esc", ":"]);
    type_text(&mut app, "sort eta");
    keys(&mut app, &["enter", "f", "f"]);
    snap!("compact_eta_sorted_running_only", app, 80, 24);
}

#[test]
fn prompts_show_in_the_status_bar() {
    let mut app = sample_app(80, 24);
    keys(&mut app, &["/"]);
    type_text(&mut app, "!eth");
    snap!("filter_prompt", app, 80, 24);
    type_text(&mut app, "[");
    snap!("filter_prompt_invalid", app, 80, 24);
    keys(&mut app, &["esc", ":"]);
    type_text(&mut app, "pause BTC-*");
    snap!("command_prompt", app, 80, 24);
}

#[test]
fn help_overlay() {
    let mut app = sample_app(120, 40);
    keys(&mut app, &["?"]);
    snap!("help_120x40", app, 120, 40);
    let mut app = sample_app(80, 24);
    keys(&mut app, &["?"]);
    snap!("help_80x24", app, 80, 24);
    keys(&mut app, &["pgdn"]);
    snap!("help_80x24_scrolled", app, 80, 24);
}

#[test]
fn dialogs() {
    let mut app = sample_app(80, 24);
    keys(&mut app, &["q"]);
    snap!("quit_dialog", app, 80, 24);
    keys(&mut app, &["n", "home", "j", "j", "c"]);
    snap!("cancel_dialog", app, 80, 24);
    keys(&mut app, &["n", "x"]);
    snap!("retry_refused_message", app, 80, 24);
}

#[test]
fn stopping_and_stopped() {
    let mut app = sample_app(120, 40);
    keys(&mut app, &["q", "y"]);
    snap!("stopping", app, 120, 40);
    let mut s: EngineSnapshot = sample::snapshot();
    s.version = 200;
    s.stopped = true;
    let app = sample::app_with(s, ui::viewport(80, 24), false);
    snap!("engine_stopped", app, 80, 24);
}

#[test]
fn fullscreen_log() {
    let mut app = sample_app(80, 24);
    keys(&mut app, &["l"]);
    snap!("log_fullscreen", app, 80, 24);
}

#[test]
fn before_any_data() {
    let app = App::new(Default::default(), sample::NOW_MS);
    snap!("empty_120x40", app, 120, 40);
    snap!("empty_80x24", app, 80, 24);
}

#[test]
fn penalty_after_a_10028() {
    let mut s = sample::snapshot();
    s.version = 300;
    s.rate_limit.penalty_seconds = 11.2;
    s.rate_limit.rate_limited_recent = 3;
    s.rate_limit.credits_left = 0.0;
    let app = sample::app_with(s, ui::viewport(120, 40), false);
    let text = draw(&app, 120, 40);
    assert!(text.contains("PAUSED by a 10028: 12s left"), "{text}");
    assert!(text.contains("10028 in last 5 min: 3"), "{text}");
    let app = sample::app_with(
        {
            let mut s = sample::snapshot();
            s.version = 300;
            s.rate_limit.penalty_seconds = 11.2;
            s
        },
        ui::viewport(80, 24),
        false,
    );
    assert!(draw(&app, 80, 24).contains("PAUSED 12s"));
}

#[test]
fn pausing_is_shown_until_the_engine_confirms() {
    // The sample has one job pausing: the header says so.
    let app = sample_app(120, 40);
    assert!(draw(&app, 120, 40).contains("Pausing… 1"));
    let mut jobs = sample::jobs();
    for j in jobs.iter_mut().filter(|j| j.state == JobState::Pausing) {
        j.state = JobState::Paused;
    }
    let app = sample::app_with(sample::snapshot_of(jobs, 100), ui::viewport(120, 40), false);
    assert!(!draw(&app, 120, 40).contains("Pausing…"));
}

#[test]
fn basis_tab() {
    let mut app = sample_app(120, 40);
    keys(&mut app, &["b", "j"]);
    snap!("basis_120x40", app, 120, 40);
    let mut app = sample_app(80, 24);
    keys(&mut app, &["b", "j", "j"]);
    snap!("basis_80x24", app, 80, 24);
    // Esc goes back to the jobs table.
    keys(&mut app, &["esc"]);
    assert!(!app.basis_view());
}

#[test]
fn lowered_concurrency_says_how_many_jobs_are_finishing() {
    let mut s = sample::snapshot();
    s.version = 100;
    let active = s.totals.running + s.totals.backoff + s.totals.pausing;
    assert!(active > 1, "the sample runs several jobs");
    s.parallel = 1;
    let app = sample::app_with(s, ui::viewport(120, 40), false);
    let screen = draw(&app, 120, 40);
    let want = format!("parallel 1, {} finishing", active - 1);
    assert!(screen.contains(&want), "{want} not in:\n{screen}");
}
