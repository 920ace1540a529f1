//! Dashboard rendering cost (issue 6): `cargo bench --bench render`.
//!
//! 1. Time per frame with 2,000 jobs at 120×40 into a TestBackend (target ≤ 2 ms), next to a
//!    baseline measured in the same run: the same frame with no jobs. Also the cost of taking
//!    a new snapshot (filter + sort of 2,000 jobs) plus the frame.
//! 2. Bytes written to a terminal-like sink (crossterm backend, synchronized output, ratatui's
//!    cell diff) per frame when one job's numbers change, against a frame where nothing
//!    changed; and a steady-state minute (4 running jobs, header, rate-limit pane and the
//!    sparkline, at the dashboard's data cadence) against the 120 KB/min target.

use std::hint::black_box;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use deribit_backfill::app::{App, Msg, sample};
use deribit_backfill::domain::JobState;
use deribit_backfill::jobs::EngineSnapshot;
use deribit_backfill::tui::pacer::DATA_REFRESH;
use deribit_backfill::tui::screen::{Screen, TerminalScreen};
use deribit_backfill::ui::{self, LogPane};
use ratatui::{Terminal, backend::TestBackend};

const W: u16 = 120;
const H: u16 = 40;

/// Counts bytes written, like a terminal on the other end of an SSH link.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Counter {
    fn take(&self) -> u64 {
        self.0.swap(0, Ordering::Relaxed)
    }
}

fn app_with(snapshot: EngineSnapshot) -> App {
    sample::app_with(snapshot, ui::viewport(W, H), false)
}

/// Median and mean of `f` over `n` runs, after a warm-up.
fn time(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..n / 10 + 1 {
        f();
    }
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / n as u32;
    (samples[n / 2], mean)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn render_time() {
    let log = LogPane::default();
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    let n = 2_000;

    let empty = app_with(sample::snapshot_of(Vec::new(), 100));
    let (base_med, base_mean) = time(n, || {
        term.draw(|f| ui::render(f, black_box(&empty), &log))
            .unwrap();
    });

    let full = app_with(sample::snapshot_of(sample::many_jobs(2_000), 100));
    let (med, mean) = time(n, || {
        term.draw(|f| ui::render(f, black_box(&full), &log))
            .unwrap();
    });

    // A new snapshot every frame: App::update (filter + sort of 2,000 jobs) and the frame.
    let mut app = app_with(sample::snapshot_of(sample::many_jobs(2_000), 100));
    let mut snap = app.snapshot().clone();
    let (upd_med, upd_mean) = time(n, || {
        snap.version += 1;
        app.update(Msg::Snapshot(snap.clone()));
        term.draw(|f| ui::render(f, &app, &log)).unwrap();
    });

    println!("render, {W}x{H}, TestBackend, {n} frames each:");
    println!(
        "  baseline (no jobs)          median {:.3} ms  mean {:.3} ms",
        ms(base_med),
        ms(base_mean)
    );
    println!(
        "  2,000 jobs                  median {:.3} ms  mean {:.3} ms  = {:.2}x baseline  (target <= 2 ms: {})",
        ms(med),
        ms(mean),
        med.as_secs_f64() / base_med.as_secs_f64(),
        if med <= Duration::from_millis(2) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  2,000 jobs, new snapshot    median {:.3} ms  mean {:.3} ms  = {:.2}x baseline",
        ms(upd_med),
        ms(upd_mean),
        upd_med.as_secs_f64() / base_med.as_secs_f64()
    );
}

/// Advances `running` jobs as a steady backfill would between two data frames.
fn advance(snap: &mut EngineSnapshot, step: u64) {
    let mut jobs = (*snap.jobs).clone();
    let mut n = 0;
    for j in jobs.iter_mut().filter(|j| j.state == JobState::Running) {
        n += 1;
        j.rows_done = (j.rows_done + 450 + n * 37).min(j.rows_expected);
        j.cursor += (450 + n * 37) * 60_000;
        j.rows_per_second = 800.0 + ((step * 7 + n as u64 * 13) % 40) as f64;
        j.eta_seconds = j.eta_seconds.map(|e| (e - 0.5).max(0.0));
    }
    snap.totals = deribit_backfill::jobs::Totals::from_jobs(&jobs);
    snap.rows_per_second = 3_200.0 + (step % 50) as f64;
    snap.rate_limit.credits_left = 30_000.0 + ((step * 1_700) % 9_000) as f64;
    snap.rate_limit.requests_per_second = 19.0 + (step % 6) as f64 / 10.0;
    snap.jobs = Arc::new(jobs);
    snap.version += 1;
}

fn bytes_per_frame() {
    let log = LogPane::default();
    let counter = Counter::default();
    let mut screen = TerminalScreen::fixed(counter.clone(), W, H).unwrap();
    let mut app = app_with(sample::snapshot_of(sample::many_jobs(2_000), 100));
    screen.draw(&app, &log).unwrap();
    let first = counter.take();

    // Nothing changed (what a forced redraw costs): synchronized-output markers and cursor.
    let frames = 100;
    for _ in 0..frames {
        screen.draw(&app, &log).unwrap();
    }
    let idle = counter.take() as f64 / frames as f64;

    // One visible job's numbers change each frame.
    let mut snap = app.snapshot().clone();
    let first_shown = app.jobs_view().visible()[0];
    for i in 0..frames {
        let mut jobs = (*snap.jobs).clone();
        let j = &mut jobs[first_shown];
        j.rows_done += 5_000;
        j.cursor += 5_000 * 60_000;
        j.rows_per_second = 800.0 + (i % 30) as f64;
        j.eta_seconds = Some(3_000.0 - i as f64 * 10.0);
        j.state = JobState::Running;
        snap.jobs = Arc::new(jobs);
        snap.version += 1;
        app.update(Msg::Snapshot(snap.clone()));
        screen.draw(&app, &log).unwrap();
    }
    let one_job = counter.take() as f64 / frames as f64;

    // A steady minute with the sample dashboard (4 running jobs): a data frame every
    // DATA_REFRESH, the clock and sparkline once a second.
    let mut app = app_with(sample::snapshot());
    let mut snap = app.snapshot().clone();
    snap.version = 1_000;
    let mut screen = TerminalScreen::fixed(counter.clone(), W, H).unwrap();
    screen.draw(&app, &log).unwrap();
    counter.take();
    let per_second = (Duration::from_secs(1).as_millis() / DATA_REFRESH.as_millis()) as u64;
    let mut drawn = 0;
    for step in 0..60 * per_second {
        advance(&mut snap, step);
        app.update(Msg::Snapshot(snap.clone()));
        if step % per_second == 0 {
            let now = sample::NOW_MS + (step / per_second) as i64 * 1_000;
            app.update(Msg::Tick { now_ms: now });
        }
        screen.draw(&app, &log).unwrap();
        app.drawn();
        drawn += 1;
    }
    let minute = counter.take();

    println!("bytes to the terminal, {W}x{H}, crossterm backend + synchronized output:");
    println!("  first (full) frame                     {first} B");
    println!("  baseline: frame with nothing changed   {idle:.0} B");
    println!(
        "  one job's numbers changed              {one_job:.0} B/frame  = {:.1}x baseline",
        one_job / idle
    );
    println!(
        "  steady minute, 4 running jobs          {:.1} KB/min over {drawn} frames ({:.0} B/frame)  (target <= 120 KB/min: {})",
        minute as f64 / 1000.0,
        minute as f64 / drawn as f64,
        if minute <= 120_000 { "met" } else { "MISSED" }
    );
}

fn main() {
    render_time();
    bytes_per_frame();
}
