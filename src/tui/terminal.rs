//! Taking over the terminal and giving it back on every exit path: the guard's `Drop`, a
//! panic hook that restores first and then hands over to the hook installed before it
//! (color-eyre's report), and [`restore`] for anyone else about to exit (e.g. on a second
//! stop signal). Restoring twice is harmless.

use std::io::{self, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode,
    enable_raw_mode,
};

/// Whether the dashboard currently owns the terminal.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Raw mode and the alternate screen for as long as it lives.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, and hides the cursor; discards keys typed
    /// before. Installs the panic hook on first use, chained after whatever hook is
    /// installed now.
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        discard_typeahead();
        if let Err(e) = execute!(io::stdout(), EnterAlternateScreen, Hide) {
            restore();
            return Err(e);
        }
        Ok(Self { _private: () })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Drops keys typed before the dashboard was on screen (e.g. during instrument discovery).
/// They were not typed at the dashboard: a stray `P` would pause every job, and that pause
/// survives restarts.
fn discard_typeahead() {
    #[cfg(unix)]
    {
        let _ = rustix::termios::tcflush(io::stdin(), rustix::termios::QueueSelector::IFlush);
    }
}

/// Gives the terminal back if the dashboard holds it: ends any synchronized update, leaves
/// the alternate screen, shows the cursor, leaves raw mode. Safe to call at any time.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(out, EndSynchronizedUpdate, LeaveAlternateScreen, Show);
        let _ = out.flush();
        let _ = disable_raw_mode();
    }
}

/// Whether the dashboard currently holds the terminal.
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::SeqCst)
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
