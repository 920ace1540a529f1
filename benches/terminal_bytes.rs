//! Bytes written to the terminal per minute while a backfill runs at steady state, 120×40
//! (issue 6; target ≤ 120 KB/min): `cargo bench --bench terminal_bytes`.
//!
//! The release binary runs the dashboard in tmux against an in-process simulator with the
//! client's budget at two requests a second (a backfill of six months of BTC and ETH that
//! takes minutes). Everything it writes to its terminal is copied to a file by tmux
//! `pipe-pane`, from before the first frame. After a warm-up the growth of that file over a
//! 60 s window is the figure, printed against:
//! - the 120 KB/min target;
//! - a baseline measured in the same run: the first frame (a full redraw of the screen)
//!   times the frames actually drawn in the window — what the same dashboard would send if
//!   it redrew every frame in full instead of ratatui's cell diff.
//!
//! Frames are counted by their synchronized-update markers (DEC 2026). Without `--bench`
//! (`cargo test --all-targets`) the window is 3 s: a smoke run, not a measurement.

#[path = "support/dashboard.rs"]
mod dashboard;
#[path = "../tests/support/tmux.rs"]
mod tmux;

use std::time::{Duration, Instant};

use dashboard::{
    ALT_SCREEN_ON, Dashboard, FRAME_START, STEADY_CONFIG, count, first_frame_bytes, full_run, size,
};

const TARGET_KB_PER_MIN: f64 = 120.0;

fn main() {
    if !tmux::usable("the terminal_bytes benchmark") {
        return;
    }
    let full = full_run();
    let (warmup, window) = if full {
        (Duration::from_secs(10), Duration::from_secs(60))
    } else {
        (Duration::from_secs(1), Duration::from_secs(3))
    };
    let scratch = tmux::Scratch::new("bench-bytes-out-");
    let out = scratch.path("terminal.out");
    let d = Dashboard::start("bytes", STEADY_CONFIG, Some(&out));
    d.wait_running();
    std::thread::sleep(warmup);

    let start = size(&out) as usize;
    let t0 = Instant::now();
    std::thread::sleep(window);
    let stream = std::fs::read(&out).expect("terminal output");
    let wall = t0.elapsed();
    let still_running = d.tmux.capture().contains(" running ");
    d.quit();

    assert!(
        count(&stream[..start.min(stream.len())], ALT_SCREEN_ON) == 1,
        "the copy of the terminal output must start before the dashboard's first frame"
    );
    let first = first_frame_bytes(&stream).expect("a first frame");
    let measured = &stream[start.min(stream.len())..];
    let bytes = measured.len() as f64;
    let frames = count(measured, FRAME_START);
    let per_min = |b: f64| b * 60.0 / wall.as_secs_f64() / 1000.0;
    let kb_min = per_min(bytes);
    let naive = per_min(first as f64 * frames as f64);

    println!(
        "bytes to the terminal, release binary in tmux {}x{}, backfill at 2 req/s, {:.0} s window after {:.0} s warm-up{}:",
        dashboard::WIDTH,
        dashboard::HEIGHT,
        wall.as_secs_f64(),
        warmup.as_secs_f64(),
        if full {
            ""
        } else {
            " — smoke run without --bench, figures not meaningful"
        }
    );
    println!(
        "  steady state                  {kb_min:8.1} KB/min  ({frames} frames, {:.1}/s, {:.0} B/frame){}",
        frames as f64 / wall.as_secs_f64(),
        bytes / frames.max(1) as f64,
        if still_running {
            ""
        } else {
            "  [WARNING: the backfill was no longer running at the end]"
        }
    );
    println!(
        "  vs target {TARGET_KB_PER_MIN} KB/min         {:8.2}x the target ({})",
        kb_min / TARGET_KB_PER_MIN,
        if kb_min <= TARGET_KB_PER_MIN {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  vs full redraw every frame    {naive:8.1} KB/min  (first frame {first} B x {frames} frames): the diff sends {:.1}% of it",
        kb_min / naive.max(f64::MIN_POSITIVE) * 100.0
    );
}
