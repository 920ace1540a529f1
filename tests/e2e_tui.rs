//! End to end in a real terminal (issue 6): the built binary runs the dashboard inside tmux
//! against an in-process simulator and a fresh SQLite file. Keys go in with `send-keys`; the
//! tests read the screen with `capture-pane` and the database with the store API.
//!
//! The client's rate budget is cut to one request a second (config file), so jobs are still
//! running when the keys arrive, however loaded the machine is. Every wait polls with a
//! deadline; every tmux server and child process is killed on every path (the `Tmux` guard).
//!
//! Run: `cargo test --release --test e2e_tui` (skipped, with a note, where tmux is missing).

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deribit_backfill::domain::{Checkpoint, JobState, Pipeline};
use deribit_backfill::sim::{SimHandle, SimSettings};
use deribit_backfill::store::{self, DatabaseUrl, Store};
use support::tmux::{self, Scratch, Tmux};
use tokio::runtime::Runtime;

const BIN: &str = env!("CARGO_BIN_EXE_deribit-backfill");
/// Longest wait for anything on screen (a loaded 2-core machine, a debug build).
const WAIT: Duration = Duration::from_secs(60);

/// The client's budget: one request a second, a burst of two; quick retries, few of them.
const CONFIG: &str = r#"
[rate_limit]
credits_per_request = 500
pool = 1000
refill_per_second = 500
get_instruments_cost = 1000

[backfill]
max_retries = 2
backoff_base_ms = 50
backoff_max_ms = 200
request_timeout_seconds = 20
"#;

/// One test's world: a simulator (on its own runtime, so the test thread may block), a
/// scratch directory with the config file, the database and the log file.
struct World {
    scratch: Scratch,
    sim: SimHandle,
    rt: Runtime,
}

impl World {
    fn new(name: &str) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sim = rt.block_on(support::spawn_sim(SimSettings::default()));
        let scratch = Scratch::new(&format!("e2e-{name}-"));
        std::fs::write(scratch.path("config.toml"), CONFIG).unwrap();
        Self { scratch, sim, rt }
    }

    fn log_file(&self) -> PathBuf {
        self.scratch.path("backfill.log")
    }

    /// `deribit-backfill tui …` over six months of BTC and ETH, every pipeline unless
    /// `extra` says otherwise.
    fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = self.scratch.tui_args(&self.sim.base_url());
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    }

    /// The dashboard in a `width`×`height` tmux window, with `env` added.
    fn dashboard(&self, name: &str, width: u16, height: u16, env: &[(&str, &str)]) -> Tmux {
        self.dashboard_with(name, width, height, env, &[])
    }

    /// The same with more flags for `tui`.
    fn dashboard_with(
        &self,
        name: &str,
        width: u16,
        height: u16,
        env: &[(&str, &str)],
        extra: &[&str],
    ) -> Tmux {
        Tmux::start(
            name,
            width,
            height,
            self.scratch.dir.path(),
            env,
            std::path::Path::new(BIN),
            &self.args(extra),
        )
    }

    /// Every checkpoint, read while the dashboard may still be writing (no migrations).
    fn checkpoints(&self) -> BTreeMap<String, Checkpoint> {
        self.rt.block_on(async {
            let url = DatabaseUrl::parse(&self.scratch.database_url()).unwrap();
            let store = store::connect_url(&url, false)
                .await
                .expect("open database");
            let cps = store.load_checkpoints().await.expect("load checkpoints");
            store.close().await;
            cps.into_iter().map(|c| (c.key.to_string(), c)).collect()
        })
    }

    /// The database after the process exited, opened the ordinary way.
    fn open(&self) -> Arc<dyn Store> {
        self.rt
            .block_on(store::connect(&self.scratch.database_url()))
            .expect("open database")
    }

    /// Polls the checkpoints until `pred` holds.
    fn wait_checkpoints(
        &self,
        what: &str,
        pred: impl Fn(&BTreeMap<String, Checkpoint>) -> bool,
    ) -> BTreeMap<String, Checkpoint> {
        let deadline = Instant::now() + WAIT;
        loop {
            let cps = self.checkpoints();
            if pred(&cps) {
                return cps;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; checkpoints: {:#?}",
                summary(&cps)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn summary(cps: &BTreeMap<String, Checkpoint>) -> Vec<String> {
    cps.values()
        .map(|c| {
            format!(
                "{} {} cursor {} rows {}",
                c.key,
                c.state,
                c.cursor - c.range.start,
                c.rows
            )
        })
        .collect()
}

/// States a cleanly stopped engine never leaves in the database.
fn in_flight(state: JobState) -> bool {
    matches!(
        state,
        JobState::Running | JobState::Pausing | JobState::Backoff
    )
}

fn assert_consistent(cps: &BTreeMap<String, Checkpoint>) {
    assert!(!cps.is_empty(), "no checkpoints saved");
    let stuck: Vec<_> = cps.values().filter(|c| in_flight(c.state)).collect();
    assert!(
        stuck.is_empty(),
        "jobs left in flight after a clean exit: {:#?}",
        summary(cps)
    );
    for c in cps.values() {
        assert!(
            c.range.start <= c.cursor && c.cursor <= c.range.end,
            "{}: cursor outside its range",
            c.key
        );
    }
}

/// One row of the jobs table as shown: pipeline (full or short name), instrument, state.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    pipeline: String,
    instrument: String,
    state: String,
    /// The whole line, for the remaining columns.
    line: String,
}

const PIPELINES: &[&str] = &[
    "futures",
    "perpetuals",
    "funding",
    "index",
    "basis",
    "fut",
    "perp",
    "fund",
];

/// The jobs table's rows on screen (full and compact layouts).
fn rows(screen: &str) -> Vec<Row> {
    screen
        .lines()
        .filter_map(|l| {
            let inner = l.trim_start_matches('│').trim_start();
            let inner = inner.strip_prefix('*').unwrap_or(inner).trim_start();
            let mut words = inner.split_whitespace();
            let (p, i, s) = (words.next()?, words.next()?, words.next()?);
            let known_state = JobState::ALL.iter().any(|st| st.as_str() == s);
            (PIPELINES.contains(&p) && known_state).then(|| Row {
                pipeline: p.to_string(),
                instrument: i.to_string(),
                state: s.to_string(),
                line: l.to_string(),
            })
        })
        .collect()
}

fn row(screen: &str, pipeline: &str, instrument: &str) -> Option<Row> {
    rows(screen)
        .into_iter()
        .find(|r| r.pipeline == pipeline && r.instrument == instrument)
}

fn state_of(screen: &str, pipeline: &str, instrument: &str) -> Option<String> {
    row(screen, pipeline, instrument).map(|r| r.state)
}

/// The status bar (the last line on screen).
fn status_bar(screen: &str) -> &str {
    screen.lines().last().unwrap_or("").trim_end()
}

/// Opens the `/` prompt, replaces its text, sees it typed, accepts it.
fn filter(t: &Tmux, text: &str) {
    t.keys(&["/"]);
    t.wait_for("the filter prompt", WAIT, |s| {
        status_bar(s).starts_with('/')
    });
    t.keys(&["C-u"]);
    t.text(text);
    let typed = format!("/{text}");
    t.wait_for(&format!("{typed:?} in the prompt"), WAIT, |s| {
        status_bar(s).starts_with(&typed)
    });
    t.keys(&["Enter"]);
    t.wait_for("the prompt to close", WAIT, |s| {
        !status_bar(s).starts_with('/')
    });
}

/// Skips the test where tmux is not installed; fails instead under `CI=true`.
fn have_tmux() -> bool {
    tmux::usable("end-to-end terminal tests")
}

/// Waits until the dashboard shows running jobs.
fn wait_running(t: &Tmux) -> String {
    t.wait_for("running jobs in the table", WAIT, |s| {
        rows(s).iter().any(|r| r.state == "running")
    })
}

/// `q`, the question, `y`; then the process exits with the terminal given back.
fn quit_confirmed(t: &Tmux) -> (i32, String) {
    t.keys(&["q"]);
    let dialog = t.wait_text("Quit?", WAIT);
    assert!(
        dialog.contains("running") && dialog.contains("checkpoint"),
        "the quit question says what happens:\n{dialog}"
    );
    t.keys(&["y"]);
    let (status, screen) = t.wait_exit(WAIT);
    assert_terminal_restored(t, &screen);
    (status, screen)
}

/// The primary screen is back: no alternate screen, a visible cursor, cooked mode with echo.
fn assert_terminal_restored(t: &Tmux, screen: &str) {
    assert_eq!(t.pane_var("alternate_on"), "0", "left the alternate screen");
    assert_eq!(t.pane_var("cursor_flag"), "1", "cursor shown again");
    let stty = screen
        .lines()
        .find_map(|l| l.trim().strip_prefix(tmux::STTY_MARKER))
        .expect("terminal modes printed");
    let modes: Vec<&str> = stty.split_whitespace().collect();
    assert!(
        modes.contains(&"icanon") && modes.contains(&"echo"),
        "raw mode left on: {stty:?}"
    );
    assert!(
        !screen.contains("┌Rate limit") && !screen.contains("Jobs "),
        "dashboard left on the screen:\n{screen}"
    );
}

/// `job started job=perpetuals/ETH-PERPETUAL cursor=…` lines of the log file, in order.
fn started_cursors(log: &std::path::Path, job: &str) -> Vec<i64> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter(|l| l.contains("job started") && l.contains(&format!("job={job} ")))
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("cursor="))
                .and_then(|c| c.parse().ok())
        })
        .collect()
}

#[test]
fn pause_resume_filter_quit_and_the_next_start_resumes() {
    if !have_tmux() {
        return;
    }
    let world = World::new("pause");
    let mut t = world.dashboard("pause", 120, 40, &[]);
    let first = wait_running(&t);
    // The log pane reads naturally: the message, then its fields.
    t.wait_for("a job start in the log pane", WAIT, |s| {
        s.contains("job started job=")
    });
    assert!(
        first.contains("┌Rate limit"),
        "full layout at 120×40:\n{first}"
    );
    assert!(
        first.contains("q quit") && first.contains("p pause"),
        "key hints in the status bar:\n{first}"
    );
    let pid = t.program_pid();

    // `/` regex filter: only the BTC perpetual's row.
    filter(&t, "perpetuals/BTC");
    let screen = t.wait_for("the filter to apply", WAIT, |s| {
        let r = rows(s);
        r.len() == 1 && r[0].instrument == "BTC-PERPETUAL"
    });
    assert!(screen.contains("filter /perpetuals/BTC/"), "{screen}");
    assert!(screen.contains("Jobs 1/"), "{screen}");

    // `!` inverts: everything but the futures.
    filter(&t, "!futures");
    let screen = t.wait_for("the inverted filter", WAIT, |s| {
        let r = rows(s);
        r.len() >= 8 && r.iter().all(|r| r.pipeline != "futures")
    });
    for p in ["perpetuals", "funding", "index", "basis"] {
        assert!(
            rows(&screen).iter().any(|r| r.pipeline == p),
            "{p} shown when futures are filtered out:\n{screen}"
        );
    }

    // Pause the BTC perpetual: pausing…, then paused once the worker checkpointed.
    filter(&t, "perpetuals/BTC");
    t.wait_for("the BTC perpetual running", WAIT, |s| {
        state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref() == Some("running")
    });
    t.keys(&["p"]);
    let screen = t.wait_for("pausing or paused", WAIT, |s| {
        matches!(
            state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref(),
            Some("pausing" | "paused")
        )
    });
    assert!(
        screen.contains("pause sent to perpetuals/BTC-PERPETUAL"),
        "the status bar confirms:\n{screen}"
    );
    t.wait_for("paused", WAIT, |s| {
        state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref() == Some("paused")
    });
    let cps = world.wait_checkpoints("the pause in the database", |c| {
        c.get("perpetuals/BTC-PERPETUAL")
            .is_some_and(|c| c.state == JobState::Paused)
    });
    let paused_at = cps["perpetuals/BTC-PERPETUAL"].cursor;

    // Nothing moves while paused: the checkpoint stays where it stopped.
    std::thread::sleep(Duration::from_secs(2));
    let cps = world.checkpoints();
    assert_eq!(cps["perpetuals/BTC-PERPETUAL"].cursor, paused_at);
    assert_eq!(cps["perpetuals/BTC-PERPETUAL"].state, JobState::Paused);

    // Resume: queued (or straight back to running), and rows flow again.
    t.keys(&["r"]);
    t.wait_for("resumed", WAIT, |s| {
        matches!(
            state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref(),
            Some("queued" | "running")
        )
    });
    world.wait_checkpoints("the BTC perpetual to move on after resume", |c| {
        c.get("perpetuals/BTC-PERPETUAL")
            .is_some_and(|c| c.cursor > paused_at && c.state != JobState::Paused)
    });

    // Pause it again and quit with the ETH perpetual mid-way: the pause must survive, the
    // running job must resume from its checkpoint next time.
    t.wait_for("the BTC perpetual running again", WAIT, |s| {
        state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref() == Some("running")
    });
    t.keys(&["p"]);
    t.wait_for("paused again", WAIT, |s| {
        state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref() == Some("paused")
    });
    world.wait_checkpoints("the ETH perpetual to have progress", |c| {
        c.get("perpetuals/ETH-PERPETUAL")
            .is_some_and(|c| c.cursor > c.range.start)
    });

    let (status, screen) = quit_confirmed(&t);
    assert!(tmux::wait_gone(pid, WAIT), "the process exited");
    assert_eq!(
        status,
        i32::from(deribit_backfill::cli::EXIT_INCOMPLETE),
        "unfinished jobs: exit status says so\n{screen}"
    );
    assert!(
        screen.contains("summary after") && screen.contains("run again to resume"),
        "the summary is printed after the dashboard:\n{screen}"
    );

    let store = world.open();
    let cps: BTreeMap<String, Checkpoint> = world
        .rt
        .block_on(store.load_checkpoints())
        .unwrap()
        .into_iter()
        .map(|c| (c.key.to_string(), c))
        .collect();
    world.rt.block_on(store.close());
    assert_consistent(&cps);
    let btc = &cps["perpetuals/BTC-PERPETUAL"];
    assert_eq!(btc.state, JobState::Paused, "the pause is saved");
    assert!(btc.cursor > paused_at);
    let eth = &cps["perpetuals/ETH-PERPETUAL"];
    assert!(
        matches!(eth.state, JobState::Queued | JobState::Done),
        "interrupted work resumes next start: {}",
        eth.state
    );
    let eth_cursor = eth.cursor;
    let btc_rows = btc.rows;
    drop(t);

    // The next start: the pause survived, and the ETH perpetual carries on from its cursor.
    let mut t = world.dashboard("pause2", 120, 40, &[]);
    let pid = t.program_pid();
    t.wait_text("▸ Jobs", WAIT);
    filter(&t, "PERPETUAL");
    let screen = t.wait_for("both perpetuals listed", WAIT, |s| {
        state_of(s, "perpetuals", "BTC-PERPETUAL").is_some()
            && state_of(s, "perpetuals", "ETH-PERPETUAL").is_some()
    });
    let btc_row = row(&screen, "perpetuals", "BTC-PERPETUAL").unwrap();
    assert_eq!(
        btc_row.state, "paused",
        "pauses survive a restart:\n{screen}"
    );
    let shown_rows = thousands(btc_rows);
    assert!(
        btc_row.line.contains(&shown_rows),
        "the paused job shows its saved rows ({shown_rows}):\n{screen}"
    );
    if eth_cursor < cps["perpetuals/ETH-PERPETUAL"].range.end {
        let log = world.log_file();
        let deadline = Instant::now() + WAIT;
        loop {
            let starts = started_cursors(&log, "perpetuals/ETH-PERPETUAL");
            if starts.len() >= 2 {
                assert_eq!(
                    *starts.last().unwrap(),
                    eth_cursor,
                    "the second run starts the ETH perpetual at its checkpoint ({starts:?})"
                );
                assert_eq!(starts[0], cps["perpetuals/ETH-PERPETUAL"].range.start);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the ETH perpetual did not start again; log starts: {starts:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let (status, _) = quit_confirmed(&t);
    assert!(tmux::wait_gone(pid, WAIT));
    assert_eq!(status, i32::from(deribit_backfill::cli::EXIT_INCOMPLETE));
    let cps = world.checkpoints();
    assert_consistent(&cps);
    assert_eq!(cps["perpetuals/BTC-PERPETUAL"].state, JobState::Paused);
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn a_failed_job_is_retried_with_x() {
    if !have_tmux() {
        return;
    }
    let world = World::new("retry");
    // Only the perpetuals: two jobs, both running, so both fail quickly in maintenance.
    let mut t = world.dashboard_with("retry", 120, 40, &[], &["--pipelines", "perpetuals"]);
    wait_running(&t);
    let pid = t.program_pid();
    filter(&t, "perpetuals/BTC");
    t.wait_for("the BTC perpetual running", WAIT, |s| {
        state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref() == Some("running")
    });

    // `x` on a running job does nothing and says why.
    t.keys(&["x"]);
    t.wait_text("is running: nothing to retry", WAIT);

    // Maintenance: every call answers 11051; after its retries the job fails.
    world.sim.set_maintenance(true);
    let screen = t.wait_for("the BTC perpetual failed", WAIT, |s| {
        state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref() == Some("failed")
    });
    let r = row(&screen, "perpetuals", "BTC-PERPETUAL").unwrap();
    assert!(
        r.line.to_lowercase().contains("maintenance"),
        "the last error is shown: {}",
        r.line
    );
    let cps = world.wait_checkpoints("the failure in the database", |c| {
        c.get("perpetuals/BTC-PERPETUAL")
            .is_some_and(|c| c.state == JobState::Failed)
    });
    let failed = &cps["perpetuals/BTC-PERPETUAL"];
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("11051") || e.to_lowercase().contains("maintenance")),
        "{:?}",
        failed.last_error
    );
    let failed_at = failed.cursor;

    // The quick filter `f` (first stop: failed jobs) shows the failures only.
    filter(&t, "");
    t.wait_for("both perpetuals failed", WAIT, |s| {
        state_of(s, "perpetuals", "ETH-PERPETUAL").as_deref() == Some("failed")
    });
    // Nothing is being requested any more, and the rate pane says so (it used to keep the
    // last rate seen until the next job event).
    t.wait_text("requests/s 0 of", WAIT);
    t.keys(&["f"]);
    let screen = t.wait_for("the failed quick filter", WAIT, |s| {
        let r = rows(s);
        !r.is_empty() && r.iter().all(|r| r.state == "failed")
    });
    assert!(
        state_of(&screen, "perpetuals", "BTC-PERPETUAL").is_some(),
        "{screen}"
    );
    // Round the cycle back to every job (all, failed, running, paused, lagging).
    t.keys(&["f", "f", "f", "f"]);
    filter(&t, "perpetuals/BTC");
    t.wait_for("the BTC perpetual alone again", WAIT, |s| {
        let r = rows(s);
        r.len() == 1 && r[0].instrument == "BTC-PERPETUAL"
    });

    // The exchange is back: `x` retries the selected failed job.
    world.sim.set_maintenance(false);
    t.keys(&["x"]);
    t.wait_text("retry sent to perpetuals/BTC-PERPETUAL", WAIT);
    t.wait_for("the BTC perpetual back at work", WAIT, |s| {
        matches!(
            state_of(s, "perpetuals", "BTC-PERPETUAL").as_deref(),
            Some("queued" | "running" | "done")
        )
    });
    let cps = world.wait_checkpoints("the retried job to make progress", |c| {
        c.get("perpetuals/BTC-PERPETUAL")
            .is_some_and(|c| c.cursor > failed_at && c.state != JobState::Failed)
    });
    assert_eq!(
        cps["perpetuals/BTC-PERPETUAL"].last_error, None,
        "a retry clears the error"
    );

    let (_, _) = quit_confirmed(&t);
    assert!(tmux::wait_gone(pid, WAIT));
    let cps = world.checkpoints();
    assert_consistent(&cps);
    assert_ne!(cps["perpetuals/BTC-PERPETUAL"].state, JobState::Failed);
}

#[test]
fn compact_layout_too_small_message_and_back() {
    if !have_tmux() {
        return;
    }
    let world = World::new("compact");
    let mut t = world.dashboard("compact", 80, 24, &[]);
    // Typed while instruments are being discovered, before the dashboard is up: not a
    // command to the dashboard (`P` would pause every job).
    t.text("P");
    let screen = wait_running(&t);
    assert!(
        screen.contains(" 0 paused") && !rows(&screen).iter().any(|r| r.state == "paused"),
        "keys typed before the dashboard was up are discarded:\n{screen}"
    );
    let pid = t.program_pid();
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), 24, "{screen}");
    assert!(
        !screen.contains("┌Rate limit"),
        "no side panes at 80×24:\n{screen}"
    );
    assert!(
        screen.contains("credits") && screen.contains("req/s"),
        "the rate limit in the summary lines:\n{screen}"
    );
    assert!(screen.contains("▸ Jobs"), "{screen}");
    assert!(
        rows(&screen)
            .iter()
            .all(|r| ["fut", "perp", "fund", "index", "basis"].contains(&r.pipeline.as_str())),
        "short pipeline names:\n{screen}"
    );
    assert!(
        lines.iter().all(|l| l.chars().count() <= 80),
        "nothing wider than the terminal"
    );
    // Colour is on by default: running is green.
    let coloured = colours(&t.capture_escapes());
    assert!(!coloured.is_empty(), "states are coloured without NO_COLOR");

    // Too small: one plain line saying so.
    t.resize(50, 12);
    let small = t.wait_text("terminal too small", WAIT);
    assert!(
        small.contains("50×12") && small.contains("need 60×16"),
        "{small}"
    );
    assert!(rows(&small).is_empty(), "{small}");

    // Back to full size: the full layout again, still working.
    t.resize(120, 40);
    let full = t.wait_text("┌Rate limit", WAIT);
    assert!(!full.contains("terminal too small"), "{full}");
    assert!(!rows(&full).is_empty(), "{full}");

    let (status, _) = quit_confirmed(&t);
    assert!(tmux::wait_gone(pid, WAIT));
    assert_eq!(status, i32::from(deribit_backfill::cli::EXIT_INCOMPLETE));
    assert_consistent(&world.checkpoints());
}

/// The parameters of every SGR sequence (`ESC [ … m`) in `text`, split at `;`.
fn sgr_params(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        rest = &rest[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('m') {
            out.extend(rest[..end].split(';').map(String::from));
        }
        rest = &rest[end..];
    }
    out
}

/// The colours set on screen: SGR parameters that choose a foreground or background colour
/// (16-colour codes, or the 256-colour / RGB introducers 38 and 48), defaults excluded.
fn colours(escapes: &str) -> Vec<String> {
    sgr_params(escapes)
        .into_iter()
        .filter(|p| {
            matches!(
                p.parse::<u32>(),
                Ok(30..=37 | 38 | 40..=47 | 48 | 90..=97 | 100..=107)
            )
        })
        .collect()
}

#[test]
fn no_color_keeps_states_as_text_and_sighup_restores_the_terminal() {
    if !have_tmux() {
        return;
    }
    let world = World::new("nocolor");
    let mut t = world.dashboard("nocolor", 120, 40, &[("NO_COLOR", "1")]);
    let screen = wait_running(&t);
    let pid = t.program_pid();
    let states: Vec<String> = rows(&screen).into_iter().map(|r| r.state).collect();
    assert!(states.iter().any(|s| s == "running"), "{screen}");
    assert!(states.iter().any(|s| s == "queued"), "{screen}");
    assert!(screen.contains("running") && screen.contains("queued"));
    let escapes = t.capture_escapes();
    let found = colours(&escapes);
    assert!(
        found.is_empty(),
        "NO_COLOR: no colours on screen, found SGR {found:?}"
    );
    // The selection is still visible without colour (reverse video).
    assert!(
        sgr_params(&escapes).iter().any(|p| p == "7"),
        "the selected row is shown in reverse video"
    );

    // SIGHUP with the terminal still there: a clean stop, the terminal given back.
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let (status, screen) = t.wait_exit(WAIT);
    assert_terminal_restored(&t, &screen);
    assert!(tmux::wait_gone(pid, WAIT));
    assert_eq!(
        status,
        i32::from(deribit_backfill::cli::EXIT_INCOMPLETE),
        "stopped by a signal with work left:\n{screen}"
    );
    assert!(screen.contains("summary after"), "{screen}");
    assert_consistent(&world.checkpoints());
}

#[test]
fn a_dropped_session_sighup_checkpoints_and_exits() {
    if !have_tmux() {
        return;
    }
    let world = World::new("hup");
    let mut t = world.dashboard("hup", 120, 40, &[]);
    wait_running(&t);
    let pid = t.program_pid();
    world.wait_checkpoints("some progress", |c| {
        c.values()
            .any(|c| c.key.pipeline == Pipeline::Perpetuals && c.cursor > c.range.start)
    });

    // The SSH session drops: the terminal disappears and the process gets SIGHUP.
    t.kill_server();
    assert!(
        tmux::wait_gone(pid, WAIT),
        "the dashboard did not exit after its terminal went away"
    );
    let cps = world.checkpoints();
    assert_consistent(&cps);
    assert!(
        cps.values()
            .any(|c| c.state == JobState::Queued && c.cursor > c.range.start),
        "interrupted jobs saved as queued, with their progress: {:#?}",
        summary(&cps)
    );
    let log = std::fs::read_to_string(world.log_file()).unwrap();
    assert!(
        log.contains("engine stopped"),
        "the engine checkpointed and stopped:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}
