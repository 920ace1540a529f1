//! A real terminal for end-to-end tests and benchmarks: one tmux server per test on its own
//! socket (`tmux -S`, in a temp dir of its own, so parallel tests never share a server and
//! no socket file is left behind), a detached session of a fixed size running a command, keys in with
//! `send-keys`, text out with `capture-pane`. Dropping the guard kills the program it started
//! and the tmux server, on every path (panics included), so nothing is left behind.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Marker the wrapper shell prints after the program exits: `<marker><exit status>`.
pub const EXIT_MARKER: &str = "e2e-exit-status=";
/// Marker the wrapper shell prints with the terminal modes after the program exits.
pub const STTY_MARKER: &str = "e2e-stty:";

/// Whether tmux can be run here.
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether terminal tests can run: tmux is here. Without it they are skipped with a line on
/// stderr, except under `CI=true`, where a missing tmux fails instead (`./scripts/test`
/// installs it, so CI never reports a skipped terminal test as a pass).
pub fn usable(what: &str) -> bool {
    if available() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "tmux not found under CI=true: {what} cannot run — install tmux (./scripts/test does)"
    );
    eprintln!("tmux not found: {what} skipped");
    false
}

/// Quotes a word for `sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A tmux server with one session running one program.
pub struct Tmux {
    socket: PathBuf,
    /// Holds the socket; removed last.
    _dir: tempfile::TempDir,
    session: String,
    /// The program's process id (the wrapper shell's child), once known.
    program: Option<u32>,
    shell: u32,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl Tmux {
    /// Starts `program args…` in a `width`×`height` session, in `cwd`, with `env` added.
    /// A wrapper shell runs it, then prints [`EXIT_MARKER`] with its status and
    /// [`STTY_MARKER`] with the terminal modes, and stays (so the pane can be read).
    pub fn start(
        name: &str,
        width: u16,
        height: u16,
        cwd: &Path,
        env: &[(&str, &str)],
        program: &Path,
        args: &[String],
    ) -> Self {
        // Short path: unix socket paths are limited to about 100 bytes.
        let dir = tempfile::Builder::new()
            .prefix(&format!(
                "tmux-{}-{}-",
                &name[..name.len().min(12)],
                SEQ.fetch_add(1, Ordering::Relaxed)
            ))
            .tempdir_in("/tmp")
            .expect("temp dir for the tmux socket");
        let socket = dir.path().join("s");
        let mut line = String::new();
        for (k, v) in env {
            line.push_str(&format!("{k}={} ", sh_quote(v)));
        }
        line.push_str(&sh_quote(&program.display().to_string()));
        for a in args {
            line.push(' ');
            line.push_str(&sh_quote(a));
        }
        // The shell waits for the program, reports, and then idles until the server is
        // killed (bounded anyway, in case a test forgets).
        let script = format!(
            "{line}; echo {EXIT_MARKER}$?; echo {STTY_MARKER} $(stty -a | tr ' ;' '\\n\\n' | grep -E -x -- '-?(icanon|echo)' | tr '\\n' ' '); exec sleep 600"
        );
        let mut t = Self {
            socket,
            _dir: dir,
            session: "e2e".into(),
            program: None,
            shell: 0,
        };
        let out = t.tmux_raw(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-c",
            &cwd.display().to_string(),
            "sh",
            "-c",
            &script,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Keep the window at the requested size whatever clients (none) attach.
        t.tmux(&["set-option", "-t", "e2e", "window-size", "manual"]);
        t.tmux(&["set-option", "-t", "e2e", "remain-on-exit", "on"]);
        let pid = t.tmux(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
        t.shell = pid.trim().parse().expect("pane pid");
        t
    }

    fn tmux_raw(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Runs a tmux command on this server; returns its stdout. Panics on failure.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = self.tmux_raw(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible pane as text (no colours).
    pub fn capture(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// The visible pane with colours and attributes as escape sequences (`capture-pane -e`).
    pub fn capture_escapes(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-e", "-t", "e2e"])
    }

    /// Sends keys by tmux name (`Enter`, `Down`, `Escape`, …) or literal text with `-l`.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Sends literal text (each character one key press).
    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
    }

    /// Resizes the window (the program gets SIGWINCH).
    pub fn resize(&self, width: u16, height: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// A format variable of the pane, e.g. `alternate_on`, `cursor_flag`.
    pub fn pane_var(&self, var: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", "e2e", &format!("#{{{var}}}")])
            .trim()
            .to_string()
    }

    /// Sends output of the pane (what the program writes to the terminal) to `file`.
    pub fn pipe_output_to(&self, file: &Path) {
        let cmd = format!("cat >> {}", sh_quote(&file.display().to_string()));
        self.tmux(&["pipe-pane", "-O", "-t", "e2e", &cmd]);
    }

    /// Polls the pane until `pred` holds; panics with the last screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() >= deadline {
                panic!("timed out after {timeout:?} waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls until the screen contains `text`.
    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{text:?}"), timeout, |s| s.contains(text))
    }

    /// The program's pid: the wrapper shell's child. Waits for it to appear.
    pub fn program_pid(&mut self) -> u32 {
        if let Some(p) = self.program {
            return p;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(p) = children(self.shell).into_iter().next() {
                self.program = Some(p);
                return p;
            }
            assert!(Instant::now() < deadline, "the program did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The program's exit status, once the wrapper shell has printed it.
    pub fn wait_exit(&self, timeout: Duration) -> (i32, String) {
        let screen = self.wait_text(STTY_MARKER, timeout);
        let status = screen
            .lines()
            .find_map(|l| l.trim().strip_prefix(EXIT_MARKER))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("no exit status on the screen:\n{screen}"));
        (status, screen)
    }

    /// Kills the tmux server: the pane's terminal goes away and its processes get SIGHUP,
    /// as when an SSH session drops.
    pub fn kill_server(&self) {
        let _ = self.tmux_raw(&["kill-server"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if let Some(pid) = self.program
            && alive(pid)
        {
            // SAFETY-free: plain kill(1) so nothing leaks if a test failed mid-way.
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = self.tmux_raw(&["kill-server"]);
    }
}

/// Children of `pid`, from `/proc`.
pub fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(stat) = ProcStat::read(child)
            && stat.ppid == pid
        {
            out.push(child);
        }
    }
    out.sort();
    out
}

/// Whether `pid` is running (not gone, not a zombie).
pub fn alive(pid: u32) -> bool {
    ProcStat::read(pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
}

/// Waits until `pid` has exited; false on timeout.
pub fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// The fields of `/proc/<pid>/stat` the tests use.
#[derive(Debug, Clone, Copy)]
pub struct ProcStat {
    pub state: char,
    pub ppid: u32,
    /// User and system CPU time, in clock ticks.
    pub utime: u64,
    pub stime: u64,
}

impl ProcStat {
    pub fn read(pid: u32) -> Option<Self> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name is in parentheses and may hold spaces: split after the last ')'.
        let rest = &text[text.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some(Self {
            state: f.first()?.chars().next()?,
            ppid: f.get(1)?.parse().ok()?,
            utime: f.get(11)?.parse().ok()?,
            stime: f.get(12)?.parse().ok()?,
        })
    }

    /// CPU time used so far.
    pub fn cpu(&self) -> Duration {
        let hz = clock_ticks_per_second();
        Duration::from_secs_f64((self.utime + self.stime) as f64 / hz as f64)
    }
}

/// `getconf CLK_TCK` (100 on Linux nearly everywhere).
pub fn clock_ticks_per_second() -> u64 {
    static HZ: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// A scratch directory for one run: the database, the config file and the log file.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new(prefix: &str) -> Self {
        Self {
            dir: tempfile::Builder::new()
                .prefix(prefix)
                .tempdir()
                .expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.path("backfill.db").display())
    }

    /// `deribit-backfill tui …` over six months of BTC and ETH, every pipeline, against
    /// `exchange_url`, with this folder's `config.toml`, database and `backfill.log`.
    pub fn tui_args(&self, exchange_url: &str) -> Vec<String> {
        [
            "tui",
            "--config",
            &self.path("config.toml").display().to_string(),
            "--database-url",
            &self.database_url(),
            "--log-file",
            &self.path("backfill.log").display().to_string(),
            "--exchange-url",
            exchange_url,
            "--currencies",
            "BTC,ETH",
            "--start",
            "2023-09-01",
            "--end",
            "2024-03-01",
        ]
        .map(String::from)
        .to_vec()
    }
}
