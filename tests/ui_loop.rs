//! The dashboard loop without a terminal: scripted key events, a fake engine, watch channels
//! for snapshots and metrics, and tokio's paused clock. Checks what reaches the engine, how
//! the loop ends, and how often it draws.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use deribit_backfill::app::{App, AppConfig, Metrics, sample};
use deribit_backfill::jobs::{Command, EngineSnapshot, EngineStopped, Selector};
use deribit_backfill::tui::engine::EngineControl;
use deribit_backfill::tui::screen::Screen;
use deribit_backfill::tui::{ExitReason, LoopEnd, LoopIo, run_loop};
use deribit_backfill::ui::{self, LogPane};
use futures::channel::mpsc;
use ratatui::{Terminal, backend::TestBackend};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, PartialEq)]
enum Call {
    Command(Selector, Command),
    Parallel(usize),
    Gaps(Selector),
    Shutdown,
}

#[derive(Clone, Default)]
struct FakeEngine(Arc<Mutex<Vec<Call>>>);

impl EngineControl for FakeEngine {
    fn command(&self, selector: Selector, command: Command) -> Result<(), EngineStopped> {
        self.0
            .lock()
            .unwrap()
            .push(Call::Command(selector, command));
        Ok(())
    }
    fn set_parallel(&self, n: usize) -> Result<(), EngineStopped> {
        self.0.lock().unwrap().push(Call::Parallel(n));
        Ok(())
    }
    fn queue_gaps(&self, selector: Selector) -> Result<(), EngineStopped> {
        self.0.lock().unwrap().push(Call::Gaps(selector));
        Ok(())
    }
    fn shutdown(&self) {
        self.0.lock().unwrap().push(Call::Shutdown);
    }
}

/// Renders into a TestBackend and counts frames.
struct FakeScreen {
    terminal: Terminal<TestBackend>,
    frames: Arc<Mutex<u64>>,
    last: Arc<Mutex<String>>,
}

impl Screen for FakeScreen {
    fn size(&self) -> io::Result<(u16, u16)> {
        let a = self.terminal.backend().buffer().area;
        Ok((a.width, a.height))
    }
    fn draw(&mut self, app: &App, log: &LogPane) -> io::Result<()> {
        self.terminal.draw(|f| ui::render(f, app, log)).unwrap();
        *self.frames.lock().unwrap() += 1;
        *self.last.lock().unwrap() = self.terminal.backend().to_string();
        Ok(())
    }
}

struct Rig {
    keys: mpsc::UnboundedSender<io::Result<Event>>,
    snaps: watch::Sender<EngineSnapshot>,
    _metrics: watch::Sender<Metrics>,
    _log: watch::Sender<u64>,
    stop: CancellationToken,
    engine: FakeEngine,
    frames: Arc<Mutex<u64>>,
    screen_text: Arc<Mutex<String>>,
    task: tokio::task::JoinHandle<LoopEnd>,
}

impl Rig {
    fn start(snapshot: EngineSnapshot, max_fps: u32) -> Rig {
        let (keys, events) = mpsc::unbounded();
        let (snaps, snap_rx) = watch::channel(snapshot);
        let (metrics, metrics_rx) = watch::channel(sample::metrics());
        let (log, log_rx) = watch::channel(0);
        let stop = CancellationToken::new();
        let engine = FakeEngine::default();
        let frames = Arc::new(Mutex::new(0));
        let last = Arc::new(Mutex::new(String::new()));
        let screen = FakeScreen {
            terminal: Terminal::new(TestBackend::new(120, 40)).unwrap(),
            frames: frames.clone(),
            last: last.clone(),
        };
        let io = LoopIo {
            screen,
            events,
            engine: engine.clone(),
            snapshots: snap_rx,
            metrics: metrics_rx,
            log_activity: log_rx,
            stop: stop.clone(),
            clock: Arc::new(|| sample::NOW_MS),
            max_fps,
        };
        let task = tokio::spawn(async move {
            let mut app = App::new(AppConfig::default(), sample::NOW_MS);
            let log = LogPane::default();
            run_loop(&mut app, &log, io).await
        });
        Rig {
            keys,
            snaps,
            _metrics: metrics,
            _log: log,
            stop,
            engine,
            frames,
            screen_text: last,
            task,
        }
    }

    fn press(&self, c: KeyCode) {
        let ev = KeyEvent {
            code: c,
            modifiers: if matches!(c, KeyCode::Char(ch) if ch.is_ascii_uppercase()) {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            },
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        };
        self.keys.unbounded_send(Ok(Event::Key(ev))).unwrap();
    }

    fn frames(&self) -> u64 {
        *self.frames.lock().unwrap()
    }

    fn calls(&self) -> Vec<Call> {
        self.engine.0.lock().unwrap().clone()
    }

    fn publish_stopped(&self) {
        self.snaps.send_modify(|s| {
            s.version += 1;
            s.stopped = true;
        });
    }
}

async fn settle(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

fn idle() -> EngineSnapshot {
    let mut s = sample::snapshot_of(
        vec![sample::job(
            "futures",
            "BTC-27DEC24",
            deribit_backfill::domain::JobState::Done,
            None,
        )],
        1,
    );
    s.idle = true;
    s.rate_limit.requests_per_second = 0.0;
    s
}

#[tokio::test(start_paused = true)]
async fn nothing_changes_nothing_is_drawn() {
    let rig = Rig::start(idle(), 10);
    settle(1_000).await;
    let after_start = rig.frames();
    assert!(after_start >= 1, "the first frame is drawn");
    settle(60_000).await;
    assert_eq!(
        rig.frames(),
        after_start,
        "a minute of an idle engine draws nothing"
    );
    rig.task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_keys_is_drawn_once() {
    let rig = Rig::start(sample::snapshot(), 10);
    settle(2_000).await;
    let before = rig.frames();
    for _ in 0..50 {
        rig.press(KeyCode::Char('j'));
    }
    settle(1_000).await;
    assert_eq!(rig.frames(), before + 1, "50 keys handled, then one frame");
    rig.task.abort();
}

#[tokio::test(start_paused = true)]
async fn frame_rate_is_capped() {
    let rig = Rig::start(sample::snapshot(), 10);
    settle(2_000).await;
    let before = rig.frames();
    // A key every 10 ms for 2 s: at most 10 frames a second.
    for _ in 0..200 {
        rig.press(KeyCode::Char('j'));
        settle(10).await;
    }
    let input_frames = rig.frames() - before;
    assert!(
        (15..=21).contains(&input_frames),
        "{input_frames} frames for 2 s of typing"
    );
    // A snapshot every 10 ms for 2 s: data frames at most every 500 ms.
    let before = rig.frames();
    for _ in 0..200 {
        rig.snaps.send_modify(|s| s.version += 1);
        settle(10).await;
    }
    let data_frames = rig.frames() - before;
    assert!(
        (3..=5).contains(&data_frames),
        "{data_frames} frames for 2 s of snapshots"
    );
    rig.task.abort();
}

#[tokio::test(start_paused = true)]
async fn keys_reach_the_engine() {
    let rig = Rig::start(sample::snapshot(), 10);
    settle(100).await;
    rig.press(KeyCode::Char('P'));
    rig.press(KeyCode::Char('+'));
    settle(100).await;
    assert_eq!(
        rig.calls(),
        [
            Call::Command(Selector::All, Command::Pause),
            Call::Parallel(sample::snapshot().parallel + 1)
        ]
    );
    rig.task.abort();
}

#[tokio::test(start_paused = true)]
async fn g_asks_the_engine_for_the_selected_jobs_gaps() {
    let rig = Rig::start(idle(), 10);
    settle(100).await;
    rig.press(KeyCode::Char('g'));
    settle(100).await;
    assert_eq!(
        rig.calls(),
        [Call::Gaps(Selector::one(
            deribit_backfill::domain::JobKey::new(
                deribit_backfill::domain::Pipeline::Futures,
                "BTC-27DEC24"
            )
        ))]
    );
    rig.task.abort();
}

#[tokio::test(start_paused = true)]
async fn quit_asks_then_checkpoints_and_leaves_when_the_engine_has_stopped() {
    let rig = Rig::start(sample::snapshot(), 10);
    settle(100).await;
    rig.press(KeyCode::Char('q'));
    settle(200).await;
    assert!(rig.calls().is_empty());
    assert!(rig.screen_text.lock().unwrap().contains("Quit?"));
    rig.press(KeyCode::Char('y'));
    settle(200).await;
    assert_eq!(rig.calls(), [Call::Shutdown]);
    assert!(
        rig.screen_text.lock().unwrap().contains("STOPPING"),
        "{}",
        rig.screen_text.lock().unwrap()
    );
    assert!(!rig.task.is_finished(), "waits for the engine");
    rig.publish_stopped();
    let end = rig.task.await.unwrap();
    assert_eq!((end.reason, end.forced), (ExitReason::Quit, false));
}

#[tokio::test(start_paused = true)]
async fn quit_again_while_stopping_leaves_at_once() {
    let rig = Rig::start(sample::snapshot(), 10);
    settle(100).await;
    for c in ['q', 'y', 'q'] {
        rig.press(KeyCode::Char(c));
    }
    let end = rig.task.await.unwrap();
    assert_eq!((end.reason, end.forced), (ExitReason::Quit, true));
}

#[tokio::test(start_paused = true)]
async fn a_stop_signal_checkpoints_without_asking() {
    let rig = Rig::start(sample::snapshot(), 10);
    settle(100).await;
    rig.stop.cancel();
    settle(100).await;
    assert_eq!(rig.calls(), [Call::Shutdown]);
    rig.publish_stopped();
    let end = rig.task.await.unwrap();
    assert_eq!((end.reason, end.forced), (ExitReason::Signal, false));
}

#[tokio::test(start_paused = true)]
async fn a_closed_terminal_checkpoints_and_leaves() {
    let rig = Rig::start(sample::snapshot(), 10);
    settle(100).await;
    rig.keys.close_channel();
    settle(100).await;
    assert_eq!(rig.calls(), [Call::Shutdown]);
    drop(rig.snaps); // the engine task ended
    let end = rig.task.await.unwrap();
    assert_eq!(end.reason, ExitReason::TerminalClosed);
}
