//! Bad usage: input that asks for something that cannot be done (a malformed flag, a range
//! with nothing in it, a currency the exchange does not list, a path with no database). The
//! process exits [`EXIT_USAGE`] for it, as clap does for a malformed command line, so a
//! script that retries on 1 ("a job failed, run again") never loops on a typo.
//!
//! A leaf module: any layer may refuse input with a [`UsageError`].

use std::fmt;

/// The exit status of bad usage (clap's, and the README's).
pub const EXIT_USAGE: u8 = 2;

/// Refused input. The message is one line: `<problem> — <fix>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Marks any error as bad usage, keeping its message and causes (`{:#}` of an eyre report
/// is `problem: cause`).
pub fn usage<E: fmt::Display>(e: E) -> UsageError {
    UsageError(format!("{e:#}"))
}
