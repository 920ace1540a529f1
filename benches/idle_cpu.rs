//! CPU of a dashboard with nothing changing (issue 6; target < 2% of one core):
//! `cargo bench --bench idle_cpu`.
//!
//! The release binary runs the dashboard in tmux at 120×40 over a rate-limited backfill
//! (in-process simulator, fresh SQLite). Its CPU time (utime + stime of every thread, from
//! `/proc/<pid>/stat`) is divided by wall time over a window:
//!
//! 1. busy, the comparison measured in the same run: the backfill running at two requests
//!    a second, the screen updating;
//! 2. idle: every job paused with `P` (the engine does nothing, the metrics sampler and the
//!    1 s clock still run), right after the pause, while the two-minute charts (requests/s
//!    sparkline, disk growth rate) still scroll the last requests away;
//! 3. settled: the same two minutes later, when nothing on screen changes any more.
//!
//! Printed with each: % of one core, against the 2% target and against the busy figure, plus
//! wake-ups (context switches) per second and bytes written to the terminal per minute (an
//! idle dashboard should draw nothing). Without `--bench` (`cargo test --all-targets`) the
//! windows are 2 s: a smoke run, not a measurement.

#[path = "support/dashboard.rs"]
mod dashboard;
#[path = "../tests/support/tmux.rs"]
mod tmux;

use std::time::Duration;

use dashboard::{Dashboard, STEADY_CONFIG, WAIT, full_run, sample_cpu, size};

const TARGET_PERCENT: f64 = 2.0;

fn main() {
    if !tmux::usable("the idle_cpu benchmark") {
        return;
    }
    let full = full_run();
    let window = if full {
        Duration::from_secs(25)
    } else {
        Duration::from_secs(2)
    };
    let settle = if full {
        Duration::from_secs(5)
    } else {
        Duration::from_secs(1)
    };
    let scratch = tmux::Scratch::new("bench-idle-out-");
    let out = scratch.path("terminal.out");
    let d = Dashboard::start("idle", STEADY_CONFIG, Some(&out));
    d.wait_running();
    std::thread::sleep(settle);

    let b0 = size(&out);
    let busy = sample_cpu(&d, window);
    let busy_bytes = size(&out) - b0;

    // Pause everything; wait until no job is running or pausing.
    d.tmux.keys(&["P"]);
    d.tmux.wait_for("every job paused", WAIT, |s| {
        let header = s.lines().next().unwrap_or("");
        header.contains(" 0 running") && !header.contains("pausing")
    });
    std::thread::sleep(settle);
    let i0 = size(&out);
    let idle = sample_cpu(&d, window);
    let idle_bytes = size(&out) - i0;

    // Settled: the two-minute windows (requests/s sparkline, disk growth rate) have passed
    // since the last request, so nothing on screen changes at all.
    let settled_after = Duration::from_secs(if full { 130 } else { 2 });
    std::thread::sleep(settled_after.saturating_sub(window + settle));
    let s0 = size(&out);
    let settled = sample_cpu(&d, window);
    let settled_bytes = size(&out) - s0;
    d.quit();

    let per_min = |bytes: u64, wall: Duration| bytes as f64 * 60.0 / wall.as_secs_f64() / 1000.0;
    let hz = tmux::clock_ticks_per_second();
    println!(
        "dashboard CPU, release binary in tmux {}x{}, {:.0} s windows (accounting resolution {:.2}% at {hz} ticks/s){}:",
        dashboard::WIDTH,
        dashboard::HEIGHT,
        window.as_secs_f64(),
        100.0 / hz as f64 / window.as_secs_f64(),
        if full {
            ""
        } else {
            " — smoke run without --bench, figures not meaningful"
        }
    );
    println!(
        "  busy (comparison): backfill at 2 req/s   {:6.2}% of one core  {:7.1} wake-ups/s  {:7.1} KB/min to the terminal",
        busy.percent(),
        busy.switches_per_second(),
        per_min(busy_bytes, busy.wall)
    );
    println!(
        "  idle: every job paused                 {:6.2}% of one core  {:7.1} wake-ups/s  {:7.1} KB/min to the terminal  (charts still scrolling)",
        idle.percent(),
        idle.switches_per_second(),
        per_min(idle_bytes, idle.wall)
    );
    println!(
        "  settled: paused for {:.0} s              {:6.2}% of one core  {:7.1} wake-ups/s  {:7.1} KB/min to the terminal  (nothing changes)",
        settled_after.as_secs_f64(),
        settled.percent(),
        settled.switches_per_second(),
        per_min(settled_bytes, settled.wall)
    );
    for (name, s) in [("idle", idle), ("settled", settled)] {
        println!(
            "  {name:<7} vs target {TARGET_PERCENT}%: {:.2}x the target ({}); vs busy: {:.2}x",
            s.percent() / TARGET_PERCENT,
            if s.percent() < TARGET_PERCENT {
                "met"
            } else {
                "MISSED"
            },
            s.percent() / busy.percent().max(f64::MIN_POSITIVE)
        );
    }
}
