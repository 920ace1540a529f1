//! Which jobs the table shows: a case-insensitive regex over the row's text (`!` in front
//! inverts it), and a quick filter by state or lag.

use std::collections::HashSet;

use regex::Regex;

use crate::domain::JobState;
use crate::jobs::JobView;

/// A compiled `/` filter.
#[derive(Debug, Clone)]
pub struct TextFilter {
    /// As typed, including a leading `!`.
    pub source: String,
    regex: Regex,
    inverted: bool,
}

impl TextFilter {
    /// Compiles `text`; `!` in front inverts. Returns `Ok(None)` for an empty filter.
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let (inverted, pattern) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if pattern.is_empty() {
            return Ok(None);
        }
        let regex = regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| match e {
                regex::Error::Syntax(s) => {
                    let last = s.lines().last().unwrap_or("").trim();
                    let last = last.strip_prefix("error: ").unwrap_or(last);
                    format!("invalid regex: {last}")
                }
                other => format!("invalid regex: {other}"),
            })?;
        Ok(Some(Self {
            source: text.to_string(),
            regex,
            inverted,
        }))
    }

    /// Whether the job is shown: the regex is matched against
    /// `pipeline/instrument state last-error`.
    pub fn matches(&self, job: &JobView) -> bool {
        let hit = self.regex.is_match(&haystack(job));
        hit != self.inverted
    }
}

fn haystack(job: &JobView) -> String {
    let err = job.last_error.as_deref().unwrap_or("");
    format!("{} {} {err}", job.key, job.state)
}

/// Filters one key press away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuickFilter {
    #[default]
    All,
    /// Failed jobs.
    Failed,
    /// Running, pausing or waiting to retry.
    Running,
    /// Paused or pausing.
    Paused,
    /// Jobs whose instrument's realtime lag is at warning or worse.
    Lagging,
}

impl QuickFilter {
    pub const CYCLE: [QuickFilter; 5] = [
        QuickFilter::All,
        QuickFilter::Failed,
        QuickFilter::Running,
        QuickFilter::Paused,
        QuickFilter::Lagging,
    ];

    pub fn next(self) -> Self {
        let i = Self::CYCLE.iter().position(|q| *q == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuickFilter::All => "all",
            QuickFilter::Failed => "failed",
            QuickFilter::Running => "running",
            QuickFilter::Paused => "paused",
            QuickFilter::Lagging => "lagging",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::CYCLE
            .into_iter()
            .find(|q| q.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether the job is shown; `lagging` holds the instruments whose lag is a warning or worse.
    pub fn matches(self, job: &JobView, lagging: &HashSet<String>) -> bool {
        match self {
            QuickFilter::All => true,
            QuickFilter::Failed => job.state == JobState::Failed,
            QuickFilter::Running => job.state.is_active(),
            QuickFilter::Paused => matches!(job.state, JobState::Paused | JobState::Pausing),
            QuickFilter::Lagging => lagging.contains(&job.key.instrument),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::sample;

    #[test]
    fn regex_is_case_insensitive_and_bang_inverts() {
        let job = sample::job("futures", "BTC-27DEC24", JobState::Failed, Some("timeout"));
        let f = TextFilter::parse("btc-27").unwrap().unwrap();
        assert!(f.matches(&job));
        let f = TextFilter::parse("!btc").unwrap().unwrap();
        assert!(!f.matches(&job));
        let f = TextFilter::parse("!eth").unwrap().unwrap();
        assert!(f.matches(&job));
        // State and last error are part of the text.
        assert!(
            TextFilter::parse("^futures/.* failed")
                .unwrap()
                .unwrap()
                .matches(&job)
        );
        assert!(TextFilter::parse("TIMEOUT").unwrap().unwrap().matches(&job));
    }

    #[test]
    fn empty_filters_are_none_and_bad_regexes_say_why() {
        assert!(TextFilter::parse("").unwrap().is_none());
        assert!(TextFilter::parse("!").unwrap().is_none());
        let e = TextFilter::parse("BTC-[").unwrap_err();
        assert_eq!(e, "invalid regex: unclosed character class");
    }

    #[test]
    fn quick_filters() {
        let lag: HashSet<String> = ["BTC-PERPETUAL".to_string()].into();
        let j = |state, inst| sample::job("perpetuals", inst, state, None);
        assert!(QuickFilter::Failed.matches(&j(JobState::Failed, "X"), &lag));
        assert!(!QuickFilter::Failed.matches(&j(JobState::Cancelled, "X"), &lag));
        assert!(QuickFilter::Running.matches(&j(JobState::Backoff, "X"), &lag));
        assert!(!QuickFilter::Running.matches(&j(JobState::Queued, "X"), &lag));
        assert!(QuickFilter::Paused.matches(&j(JobState::Pausing, "X"), &lag));
        assert!(QuickFilter::Lagging.matches(&j(JobState::Done, "BTC-PERPETUAL"), &lag));
        assert!(!QuickFilter::Lagging.matches(&j(JobState::Done, "ETH-PERPETUAL"), &lag));
        assert_eq!(QuickFilter::Lagging.next(), QuickFilter::All);
        assert_eq!(QuickFilter::parse("Failed"), Some(QuickFilter::Failed));
    }
}
