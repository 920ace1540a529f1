//! `App::update` as plain unit tests: keys in, state and effects out.

use super::*;
use crate::domain::{JobKey, JobState, Pipeline};
use crate::jobs::{Command, EngineSnapshot, Selector};

fn k(s: &str) -> Key {
    s.parse().unwrap()
}

fn app() -> App {
    let mut a = App::new(AppConfig::default(), sample::NOW_MS);
    a.update(Msg::Resize(Viewport::default()));
    a.update(Msg::Snapshot(sample::snapshot()));
    a.update(Msg::Metrics(sample::metrics()));
    a
}

fn keys(a: &mut App, seq: &[&str]) -> Vec<Effect> {
    seq.iter().flat_map(|s| a.press(k(s))).collect()
}

fn type_text(a: &mut App, text: &str) {
    for c in text.chars() {
        a.press(Key::char(c));
    }
}

fn selected(a: &App) -> String {
    a.selected_job()
        .map(|j| j.key.to_string())
        .unwrap_or_default()
}

/// Moves the selection to a job by key text.
fn select(a: &mut App, key: &str) {
    keys(a, &["home"]);
    for _ in 0..a.snapshot().jobs.len() {
        if selected(a) == key {
            return;
        }
        keys(a, &["j"]);
    }
    panic!("{key} not shown");
}

fn key(p: Pipeline, i: &str) -> JobKey {
    JobKey::new(p, i)
}

fn with_state(
    mut snap: EngineSnapshot,
    instrument: &str,
    state: JobState,
    version: u64,
) -> EngineSnapshot {
    let mut jobs = (*snap.jobs).clone();
    for j in jobs.iter_mut().filter(|j| j.key.instrument == instrument) {
        j.state = state;
    }
    snap.totals = crate::jobs::Totals::from_jobs(&jobs);
    snap.jobs = std::sync::Arc::new(jobs);
    snap.version = version;
    snap
}

#[test]
fn pause_resume_retry_the_selected_job() {
    let mut a = app();
    select(&mut a, "futures/BTC-27DEC24");
    assert_eq!(
        keys(&mut a, &["p"]),
        [Effect::Command {
            selector: Selector::one(key(Pipeline::Futures, "BTC-27DEC24")),
            command: Command::Pause
        }]
    );
    select(&mut a, "futures/BTC-25OCT24");
    assert_eq!(
        keys(&mut a, &["x"]),
        [Effect::Command {
            selector: Selector::one(key(Pipeline::Futures, "BTC-25OCT24")),
            command: Command::Retry
        }]
    );
    select(&mut a, "futures/ETH-28MAR25");
    assert_eq!(keys(&mut a, &["r"]).len(), 1);
}

#[test]
fn a_command_that_cannot_apply_says_so_and_sends_nothing() {
    let mut a = app();
    select(&mut a, "futures/BTC-29NOV24");
    assert!(keys(&mut a, &["x"]).is_empty());
    let f = a.flash().unwrap();
    assert!(
        f.error && f.text.contains("is done: nothing to retry"),
        "{f:?}"
    );
    assert!(keys(&mut a, &["p"]).is_empty());
    // The next key clears the message.
    keys(&mut a, &["j"]);
    assert!(a.flash().is_none());
}

#[test]
fn marked_jobs_take_the_single_job_keys() {
    let mut a = app();
    select(&mut a, "futures/BTC-27DEC24");
    keys(&mut a, &["space"]);
    select(&mut a, "futures/BTC-28MAR25");
    keys(&mut a, &["space"]);
    assert_eq!(a.jobs_view().marks().len(), 2);
    let fx = keys(&mut a, &["p"]);
    assert_eq!(
        fx,
        [Effect::Command {
            selector: Selector::Keys(vec![
                key(Pipeline::Futures, "BTC-27DEC24"),
                key(Pipeline::Futures, "BTC-28MAR25")
            ]),
            command: Command::Pause
        }]
    );
    // Esc clears marks first, then p acts on the selection again.
    keys(&mut a, &["esc"]);
    assert!(a.jobs_view().marks().is_empty());
}

#[test]
fn space_moves_down_after_marking() {
    let mut a = app();
    keys(&mut a, &["home"]);
    let first = selected(&a);
    keys(&mut a, &["space"]);
    assert_ne!(selected(&a), first);
    assert!(
        a.jobs_view().is_marked(
            &a.snapshot()
                .jobs
                .iter()
                .find(|j| j.key.to_string() == first)
                .unwrap()
                .key
        )
    );
}

#[test]
fn bulk_keys_use_all_when_unfiltered_and_the_shown_jobs_when_filtered() {
    let mut a = app();
    assert_eq!(
        keys(&mut a, &["P"]),
        [Effect::Command {
            selector: Selector::All,
            command: Command::Pause
        }]
    );
    assert_eq!(
        keys(&mut a, &["X"]),
        [Effect::Command {
            selector: Selector::State(JobState::Failed),
            command: Command::Retry
        }]
    );
    keys(&mut a, &["/"]);
    type_text(&mut a, "^futures/btc");
    keys(&mut a, &["enter"]);
    let Effect::Command {
        selector: Selector::Keys(shown),
        ..
    } = &keys(&mut a, &["P"])[0]
    else {
        panic!("expected keys")
    };
    assert!(
        shown
            .iter()
            .all(|k| k.pipeline == Pipeline::Futures && k.instrument.starts_with("BTC"))
    );
    assert_eq!(shown.len(), 6);
    // Nothing shown is paused: resuming the shown jobs says so and sends nothing.
    assert!(keys(&mut a, &["R"]).is_empty());
    assert!(
        a.flash().unwrap().text.contains("no job to resume"),
        "{:?}",
        a.flash()
    );
    let fx = keys(&mut a, &["X"]);
    assert_eq!(
        fx,
        [Effect::Command {
            selector: Selector::Keys(vec![key(Pipeline::Futures, "BTC-25OCT24")]),
            command: Command::Retry
        }],
        "only the failed jobs the filter shows"
    );
}

#[test]
fn filter_is_live_inverts_with_bang_and_esc_restores() {
    let mut a = app();
    let all = a.jobs_view().visible().len();
    keys(&mut a, &["/"]);
    type_text(&mut a, "eth");
    let eth = a.jobs_view().visible().len();
    assert!(eth > 0 && eth < all);
    keys(&mut a, &["enter"]);
    assert!(a.prompt().is_none());
    // Invert.
    keys(&mut a, &["/", "ctrl-u"]);
    type_text(&mut a, "!eth");
    keys(&mut a, &["enter"]);
    assert_eq!(a.jobs_view().visible().len(), all - eth);
    // An invalid regex keeps the last good filter and explains; Enter does not accept it.
    keys(&mut a, &["/"]);
    type_text(&mut a, "[");
    let p = a.prompt().unwrap();
    assert!(p.error.as_deref().unwrap().starts_with("invalid regex"));
    assert_eq!(a.jobs_view().visible().len(), all - eth);
    keys(&mut a, &["enter"]);
    assert!(a.prompt().is_some());
    // Esc restores the filter in force before the prompt opened.
    keys(&mut a, &["esc"]);
    assert!(a.prompt().is_none());
    assert_eq!(a.jobs_view().filter.as_ref().unwrap().source, "!eth");
    // Esc in the main view clears filters.
    keys(&mut a, &["esc"]);
    assert_eq!(a.jobs_view().visible().len(), all);
}

#[test]
fn quick_filters_cycle() {
    let mut a = app();
    keys(&mut a, &["f"]);
    assert_eq!(a.jobs_view().quick, QuickFilter::Failed);
    let shown: Vec<JobState> = a
        .jobs_view()
        .visible()
        .iter()
        .map(|&i| a.snapshot().jobs[i].state)
        .collect();
    assert_eq!(shown, [JobState::Failed, JobState::Failed]);
    keys(&mut a, &["f"]);
    assert!(
        a.jobs_view()
            .visible()
            .iter()
            .all(|&i| a.snapshot().jobs[i].state.is_active())
    );
    keys(&mut a, &["f", "f"]);
    assert_eq!(a.jobs_view().quick, QuickFilter::Lagging);
    let lagging: Vec<String> = a
        .jobs_view()
        .visible()
        .iter()
        .map(|&i| a.snapshot().jobs[i].key.instrument.clone())
        .collect();
    assert!(!lagging.is_empty());
    assert!(
        lagging
            .iter()
            .all(|i| i == "ETH-PERPETUAL" || i == "BTC-27DEC24"),
        "{lagging:?}"
    );
    keys(&mut a, &["f"]);
    assert_eq!(a.jobs_view().quick, QuickFilter::All);
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut a = app();
    assert_eq!(a.jobs_view().sort.column, SortColumn::Job);
    keys(&mut a, &["s"]);
    assert_eq!(
        a.jobs_view().sort,
        Sort {
            column: SortColumn::State,
            dir: SortDir::Asc
        }
    );
    let first = a.jobs_view().visible()[0];
    assert_eq!(
        a.snapshot().jobs[first].state,
        JobState::Failed,
        "most urgent first"
    );
    keys(&mut a, &["S"]);
    assert_eq!(a.jobs_view().sort.dir, SortDir::Desc);
    let first = a.jobs_view().visible()[0];
    assert_eq!(a.snapshot().jobs[first].state, JobState::Done);
}

#[test]
fn cancel_asks_and_only_yes_sends() {
    let mut a = app();
    select(&mut a, "futures/BTC-27DEC24");
    assert!(keys(&mut a, &["c"]).is_empty());
    let Overlay::Confirm(c) = a.overlay() else {
        panic!("no dialog")
    };
    assert!(c.lines[0].contains("futures/BTC-27DEC24"), "{c:?}");
    // Other keys do nothing while the dialog is up.
    assert!(keys(&mut a, &["p", "q", "j"]).is_empty());
    assert!(matches!(a.overlay(), Overlay::Confirm(_)));
    assert!(keys(&mut a, &["n"]).is_empty());
    assert_eq!(a.overlay(), &Overlay::None);
    keys(&mut a, &["c"]);
    assert_eq!(
        keys(&mut a, &["y"]),
        [Effect::Command {
            selector: Selector::one(key(Pipeline::Futures, "BTC-27DEC24")),
            command: Command::Cancel
        }]
    );
}

#[test]
fn quit_asks_while_jobs_run_then_checkpoints_and_exits_once_stopped() {
    let mut a = app();
    assert!(keys(&mut a, &["q"]).is_empty());
    let Overlay::Confirm(c) = a.overlay() else {
        panic!("no dialog")
    };
    assert!(c.lines.iter().any(|l| l.contains("checkpoint")), "{c:?}");
    assert_eq!(keys(&mut a, &["y"]), [Effect::ShutdownEngine]);
    assert!(matches!(a.phase(), Phase::Stopping { .. }));
    // A snapshot without `stopped` keeps waiting; the stopped one exits.
    let mut s = sample::snapshot();
    s.version = 2;
    assert!(a.update(Msg::Snapshot(s.clone())).is_empty());
    s.version = 3;
    s.stopped = true;
    assert_eq!(a.update(Msg::Snapshot(s)), [Effect::Exit]);
}

#[test]
fn quit_while_stopping_leaves_at_once() {
    let mut a = app();
    keys(&mut a, &["q", "y"]);
    assert!(keys(&mut a, &["p"]).is_empty());
    assert_eq!(keys(&mut a, &["q"]), [Effect::Exit]);
}

#[test]
fn quit_does_not_ask_when_nothing_runs() {
    let mut a = app();
    let mut s = sample::snapshot_of(vec![sample::job("futures", "A", JobState::Done, None)], 5);
    s.idle = true;
    a.update(Msg::Snapshot(s));
    assert_eq!(keys(&mut a, &["q"]), [Effect::ShutdownEngine]);
}

#[test]
fn a_stop_signal_checkpoints_without_asking() {
    let mut a = app();
    keys(&mut a, &["?"]);
    assert_eq!(
        a.update(Msg::Stop {
            reason: "SIGHUP".into()
        }),
        [Effect::ShutdownEngine]
    );
    assert_eq!(a.overlay(), &Overlay::None);
    assert_eq!(
        a.phase(),
        &Phase::Stopping {
            reason: "SIGHUP".into()
        }
    );
    assert!(
        a.update(Msg::Stop {
            reason: "SIGTERM".into()
        })
        .is_empty(),
        "asked once"
    );
}

#[test]
fn concurrency_steps_from_the_requested_value_until_the_engine_shows_it() {
    let mut a = app();
    let p = a.snapshot().parallel;
    assert_eq!(keys(&mut a, &["+"]), [Effect::SetParallel(p + 1)]);
    assert_eq!(keys(&mut a, &["+"]), [Effect::SetParallel(p + 2)]);
    assert_eq!(a.requested_parallel(), Some(p + 2));
    let mut s = sample::snapshot();
    s.version = 9;
    s.parallel = p + 2;
    a.update(Msg::Snapshot(s));
    assert_eq!(a.requested_parallel(), None);
    assert_eq!(keys(&mut a, &["-"]), [Effect::SetParallel(p + 1)]);
    let mut a = app();
    let mut s = sample::snapshot();
    s.version = 10;
    s.parallel = 1;
    a.update(Msg::Snapshot(s));
    assert!(keys(&mut a, &["-"]).is_empty(), "not below 1");
    assert!(a.flash().unwrap().error);
}

#[test]
fn focus_cycles_and_navigation_follows_it() {
    let mut a = app();
    assert_eq!(a.focus(), Focus::Jobs);
    keys(&mut a, &["tab"]);
    assert_eq!(a.focus(), Focus::Collectors);
    keys(&mut a, &["j", "j"]);
    assert_eq!(a.collectors_scroll(), 2);
    keys(&mut a, &["tab", "tab"]);
    assert_eq!(a.focus(), Focus::Log);
    assert_eq!(keys(&mut a, &["k"]), [Effect::ScrollLog(LogScroll::Up)]);
    assert_eq!(keys(&mut a, &["G"]), [Effect::ScrollLog(LogScroll::Follow)]);
    keys(&mut a, &["backtab", "backtab", "backtab"]);
    assert_eq!(a.focus(), Focus::Jobs);
    // The compact layout adds the rate-limit pane to the cycle.
    a.update(Msg::Resize(Viewport {
        width: 80,
        height: 24,
        layout: LayoutKind::Compact,
        table_rows: 10,
    }));
    keys(&mut a, &["tab"]);
    assert_eq!(a.focus(), Focus::RateLimit);
}

#[test]
fn fullscreen_log_scrolls_the_log_and_esc_leaves_it() {
    let mut a = app();
    keys(&mut a, &["l"]);
    assert!(a.log_fullscreen());
    assert_eq!(
        keys(&mut a, &["pgup"]),
        [Effect::ScrollLog(LogScroll::PageUp)]
    );
    keys(&mut a, &["esc"]);
    assert!(!a.log_fullscreen());
}

#[test]
fn help_captures_navigation_and_closes() {
    let mut a = app();
    keys(&mut a, &["?"]);
    assert_eq!(a.overlay(), &Overlay::Help { scroll: 0 });
    keys(&mut a, &["j", "j"]);
    assert_eq!(a.overlay(), &Overlay::Help { scroll: 2 });
    assert!(
        keys(&mut a, &["p"]).is_empty(),
        "job keys do nothing under help"
    );
    keys(&mut a, &["esc"]);
    assert_eq!(a.overlay(), &Overlay::None);
}

#[test]
fn command_line_runs_actions_by_name() {
    let mut a = app();
    keys(&mut a, &[":"]);
    type_text(&mut a, "pause BTC-*");
    let fx = keys(&mut a, &["enter"]);
    assert_eq!(
        fx,
        [Effect::Command {
            selector: Selector::Pattern("BTC-*".into()),
            command: Command::Pause
        }]
    );
    keys(&mut a, &[":"]);
    type_text(&mut a, "parallel 8");
    assert_eq!(keys(&mut a, &["enter"]), [Effect::SetParallel(8)]);
    keys(&mut a, &[":"]);
    type_text(&mut a, "cancel queued");
    assert!(keys(&mut a, &["enter"]).is_empty());
    let Overlay::Confirm(c) = a.overlay() else {
        panic!("cancel asks")
    };
    assert!(
        matches!(
            c.kind,
            ConfirmKind::Cancel {
                selector: Selector::State(JobState::Queued),
                count: 5
            }
        ),
        "{c:?}"
    );
    assert_eq!(
        c.lines[0],
        "Cancel jobs matching \"queued\" (5 can be cancelled)?"
    );
    keys(&mut a, &["n"]);
    // Failed jobs have ended: there is nothing to cancel, and nothing is asked.
    keys(&mut a, &[":"]);
    type_text(&mut a, "cancel failed");
    keys(&mut a, &["enter"]);
    assert_eq!(a.overlay(), &Overlay::None);
    assert!(a.flash().unwrap().text.contains("no job to cancel"));
    keys(&mut a, &[":"]);
    type_text(&mut a, "sort rows asc");
    keys(&mut a, &["enter"]);
    assert_eq!(
        a.jobs_view().sort,
        Sort {
            column: SortColumn::Rows,
            dir: SortDir::Asc
        }
    );
    keys(&mut a, &[":"]);
    type_text(&mut a, "bogus");
    keys(&mut a, &["enter"]);
    assert!(a.flash().unwrap().error);
}

#[test]
fn redraw_only_when_something_changed() {
    let mut a = app();
    a.drawn();
    // The same snapshot version again: nothing to draw.
    a.update(Msg::Snapshot(sample::snapshot()));
    assert_eq!(a.redraw(), Redraw::None);
    a.update(Msg::Metrics(sample::metrics()));
    assert_eq!(a.redraw(), Redraw::None);
    // The sampler publishes the same picture again under a new version: still nothing.
    let mut again = sample::metrics();
    again.version += 1;
    again.sampled_at = again.sampled_at.map(|t| t + 2_000);
    a.update(Msg::Metrics(again.clone()));
    assert_eq!(a.redraw(), Redraw::None);
    assert_eq!(
        a.metrics().version,
        again.version,
        "the latest sample is kept"
    );
    // A different number is drawn.
    again.version += 1;
    again.storage.write_rate_bytes_per_day = Some(1.0);
    a.update(Msg::Metrics(again));
    assert_eq!(a.redraw(), Redraw::Data);
    a.drawn();
    a.update(Msg::Snapshot(with_state(
        sample::snapshot(),
        "BTC-27DEC24",
        JobState::Pausing,
        2,
    )));
    assert_eq!(a.redraw(), Redraw::Data);
    a.drawn();
    a.press(k("j"));
    assert_eq!(a.redraw(), Redraw::Now);
    // An unbound key still redraws (it clears the message line) but produces no effect.
    a.drawn();
    assert!(a.press(k("F")).is_empty());
}

#[test]
fn ticks_sample_requests_per_second_and_redraw_on_visible_change() {
    let mut a = app();
    a.drawn();
    for i in 1..=130 {
        a.update(Msg::Tick {
            now_ms: sample::NOW_MS + i * 1000,
        });
    }
    assert_eq!(a.rate_history().len(), state::RATE_HISTORY);
    assert_eq!(a.redraw(), Redraw::Data);
    // In the compact layout with the jobs focused, the sparkline is hidden: a tick within the
    // same displayed minute draws nothing.
    a.update(Msg::Resize(Viewport {
        width: 80,
        height: 24,
        layout: LayoutKind::Compact,
        table_rows: 10,
    }));
    a.drawn();
    let base = sample::STARTED_AT + 3_600_000 * 2; // elapsed shown to the minute
    a.update(Msg::Tick {
        now_ms: base + 1_000,
    });
    a.drawn();
    a.update(Msg::Tick {
        now_ms: base + 2_000,
    });
    assert_eq!(a.redraw(), Redraw::None);
}

#[test]
fn selection_stays_on_its_job_when_a_snapshot_reorders() {
    let mut a = app();
    keys(&mut a, &["s"]); // by state
    select(&mut a, "futures/BTC-27DEC24");
    a.update(Msg::Snapshot(with_state(
        sample::snapshot(),
        "BTC-27DEC24",
        JobState::Failed,
        2,
    )));
    assert_eq!(selected(&a), "futures/BTC-27DEC24");
    // Now failed: it moved up among the failed jobs (ties sort by key), the selection with it.
    assert_eq!(a.jobs_view().selected_pos(), 1);
    assert_eq!(a.selected_job().unwrap().state, JobState::Failed);
}

#[test]
fn an_idle_engine_stops_the_clock_and_constant_samples_draw_nothing() {
    let mut a = app();
    let mut s = sample::snapshot_of(vec![sample::job("futures", "A", JobState::Done, None)], 7);
    s.idle = true;
    s.rate_limit.requests_per_second = 0.0;
    a.update(Msg::Snapshot(s));
    let frozen = a.elapsed_seconds().unwrap();
    // The first zero samples may still change the sparkline; after that nothing does.
    for i in 1..=3 {
        a.update(Msg::Tick {
            now_ms: sample::NOW_MS + i * 1000,
        });
    }
    a.drawn();
    for i in 4..=10 {
        a.update(Msg::Tick {
            now_ms: sample::NOW_MS + i * 1000,
        });
        assert_eq!(a.redraw(), Redraw::None, "tick {i}");
    }
    assert_eq!(a.elapsed_seconds().unwrap(), frozen);
    // Work resumes: the clock runs again from now.
    let mut s = sample::snapshot();
    s.version = 8;
    a.update(Msg::Snapshot(s));
    assert!(a.elapsed_seconds().unwrap() > frozen);
}

#[test]
fn g_asks_for_the_gaps_of_the_selected_or_marked_jobs() {
    let mut a = app();
    select(&mut a, "futures/BTC-27DEC24");
    assert_eq!(
        keys(&mut a, &["g"]),
        [Effect::QueueGaps {
            selector: Selector::one(key(Pipeline::Futures, "BTC-27DEC24"))
        }]
    );
    assert!(a.flash().unwrap().text.contains("BTC-27DEC24"));
    select(&mut a, "futures/BTC-25OCT24");
    keys(&mut a, &["space"]);
    let marked = a.jobs_view().marked_keys();
    assert_eq!(
        keys(&mut a, &["g"]),
        [Effect::QueueGaps {
            selector: Selector::Keys(marked)
        }]
    );
}

#[test]
fn b_shows_the_basis_tab_and_arrows_pick_a_future() {
    let mut a = app();
    let before = selected(&a);
    keys(&mut a, &["b"]);
    assert!(a.basis_view());
    assert_eq!(a.basis_selected(), 0);
    keys(&mut a, &["j", "j", "j", "j", "j"]);
    assert_eq!(a.basis_selected(), 3, "clamped to the curve's four futures");
    keys(&mut a, &["k"]);
    assert_eq!(a.basis_selected(), 2);
    assert_eq!(selected(&a), before, "the jobs selection does not move");
    keys(&mut a, &["b"]);
    assert!(!a.basis_view());
}
