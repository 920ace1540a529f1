//! The real dashboard in a real terminal for the benchmarks: the built binary inside tmux at
//! 120×40, against an in-process simulator (frozen at 2024-03-01, its own rate limit off) and
//! a fresh SQLite file. The client's budget in the config file sets the pace.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deribit_backfill::domain::time::parse_instant;
use deribit_backfill::sim::{self, SimClock, SimConfig, SimHandle};

use crate::tmux::{self, Scratch, Tmux};

pub const BIN: &str = env!("CARGO_BIN_EXE_deribit-backfill");
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;
pub const WAIT: Duration = Duration::from_secs(90);

/// Two requests a second (Deribit's real budget is 20): a backfill that runs for minutes.
pub const STEADY_CONFIG: &str = r#"
[rate_limit]
credits_per_request = 500
pool = 1000
refill_per_second = 1000
get_instruments_cost = 1000
"#;

/// `cargo bench` passes `--bench`; `cargo test --all-targets` runs the bench binary without
/// it: then only a smoke run of a few seconds.
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A running dashboard and everything it needs; dropping it stops all of it (fields drop in
/// order: the tmux guard kills the program and the server first, the simulator last).
pub struct Dashboard {
    pub tmux: Tmux,
    pub pid: u32,
    pub scratch: Scratch,
    sim: SimHandle,
    rt: tokio::runtime::Runtime,
}

impl Dashboard {
    /// Starts `deribit-backfill tui` over BTC and ETH, six months, every pipeline, with
    /// `config` as the config file. With `output`, everything the program writes to the
    /// terminal is appended there (tmux `pipe-pane`), from before its first frame.
    pub fn start(name: &str, config: &str, output: Option<&Path>) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut sim_config = SimConfig {
            seed: 7,
            clock: SimClock::fixed(parse_instant("2024-03-01T00:00:00Z").unwrap()),
            ..SimConfig::default()
        };
        sim_config.settings.limits.enabled = false;
        let sim = rt
            .block_on(sim::spawn(sim_config))
            .expect("simulator starts");
        let scratch = Scratch::new(&format!("bench-{name}-"));
        std::fs::write(scratch.path("config.toml"), config).unwrap();
        let args = scratch.tui_args(&sim.base_url());
        let mut tmux = Tmux::start(
            name,
            WIDTH,
            HEIGHT,
            scratch.dir.path(),
            &[],
            Path::new(BIN),
            &args,
        );
        if let Some(out) = output {
            // Instrument discovery takes seconds at this budget: the pipe is in place long
            // before the first frame (checked by the caller: the stream starts with the
            // alternate-screen switch).
            tmux.pipe_output_to(out);
        }
        let pid = tmux.program_pid();
        Self {
            tmux,
            pid,
            scratch,
            sim,
            rt,
        }
    }

    /// Waits until the table shows a running job.
    pub fn wait_running(&self) {
        self.tmux
            .wait_for("running jobs", WAIT, |s| s.contains(" running "));
    }

    /// CPU time the process has used so far (all threads).
    pub fn cpu(&self) -> Duration {
        tmux::ProcStat::read(self.pid)
            .expect("the dashboard is running")
            .cpu()
    }

    /// Voluntary plus involuntary context switches of all threads: how often it wakes up.
    pub fn context_switches(&self) -> u64 {
        let mut total = 0;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", self.pid)) else {
            return 0;
        };
        for t in tasks.flatten() {
            let status = std::fs::read_to_string(t.path().join("status")).unwrap_or_default();
            for line in status.lines() {
                if let Some(v) = line
                    .strip_prefix("voluntary_ctxt_switches:")
                    .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                {
                    total += v.trim().parse::<u64>().unwrap_or(0);
                }
            }
        }
        total
    }

    /// Quits (answering the question if one is asked) and waits for the process to exit.
    pub fn quit(&self) {
        self.tmux.keys(&["q"]);
        let deadline = Instant::now() + WAIT;
        while tmux::alive(self.pid) && Instant::now() < deadline {
            if self.tmux.capture().contains("Quit?") {
                self.tmux.keys(&["y"]);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn log_file(&self) -> PathBuf {
        self.scratch.path("backfill.log")
    }
}

/// CPU used by a process over a wall-clock window, both measured here.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    pub cpu: Duration,
    pub wall: Duration,
    pub switches: u64,
}

impl CpuSample {
    /// Share of one core, in percent.
    pub fn percent(&self) -> f64 {
        self.cpu.as_secs_f64() / self.wall.as_secs_f64() * 100.0
    }

    pub fn switches_per_second(&self) -> f64 {
        self.switches as f64 / self.wall.as_secs_f64()
    }
}

/// Measures the dashboard's CPU over `window`.
pub fn sample_cpu(d: &Dashboard, window: Duration) -> CpuSample {
    let (c0, s0, t0) = (d.cpu(), d.context_switches(), Instant::now());
    std::thread::sleep(window);
    let (c1, s1, wall) = (d.cpu(), d.context_switches(), t0.elapsed());
    CpuSample {
        cpu: c1.saturating_sub(c0),
        wall,
        switches: s1.saturating_sub(s0),
    }
}

/// File size now (0 when missing).
pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Start of a synchronized update (DEC 2026): the dashboard opens every frame with it.
pub const FRAME_START: &[u8] = b"\x1b[?2026h";
pub const FRAME_END: &[u8] = b"\x1b[?2026l";
pub const ALT_SCREEN_ON: &[u8] = b"\x1b[?1049h";

/// Occurrences of `needle` in `hay`.
pub fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Bytes of the first frame after the switch to the alternate screen: a full redraw.
pub fn first_frame_bytes(stream: &[u8]) -> Option<usize> {
    let alt = find(stream, ALT_SCREEN_ON, 0)?;
    let start = find(stream, FRAME_START, alt)?;
    let end = find(stream, FRAME_END, start)?;
    Some(end + FRAME_END.len() - start)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}
