//! The `:` command line: the same actions as the keys, by name, with a target.
//!
//! ```text
//! :pause BTC-*        :resume all        :retry failed       :cancel futures
//! :parallel 8         :sort rows desc    :filter !ETH        :show failed
//! :quit               :help              :<any action name from the keymap>
//! ```
//! A target is `all`, `shown` (the jobs the table shows), `marked`, a state (`failed`,
//! `paused`, …), a pipeline (`futures`, `funding`, …) or an instrument glob (`BTC-*`). No
//! target means the marked jobs, else the selected one, like the keys.

use crate::domain::{JobState, Pipeline};
use crate::jobs::{Command, Selector};

use super::action::Action;
use super::filter::QuickFilter;
use super::sort::{SortColumn, SortDir};

/// Which jobs a command names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The marked jobs, else the selected one.
    Current,
    Marked,
    Shown,
    Engine(Selector),
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Job {
        command: Command,
        target: Target,
        label: String,
    },
    Parallel(usize),
    Sort(SortColumn, Option<SortDir>),
    /// An empty text clears the filter.
    Filter(String),
    Show(QuickFilter),
    Action(Action),
}

pub const USAGE: &str = "commands: pause|resume|retry|cancel [all|shown|marked|STATE|PIPELINE|GLOB], \
     parallel N, sort COLUMN [asc|desc], filter [REGEX], show failed|running|paused|lagging|all, quit, help";

fn job_command(word: &str) -> Option<Command> {
    Some(match word {
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        "retry" => Command::Retry,
        "cancel" => Command::Cancel,
        _ => return None,
    })
}

fn target(arg: &str) -> Result<Target, String> {
    let lower = arg.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "" | "selected" => Target::Current,
        "all" | "*" => Target::Engine(Selector::All),
        "marked" => Target::Marked,
        "shown" | "filtered" => Target::Shown,
        _ => {
            if let Ok(state) = lower.parse::<JobState>() {
                Target::Engine(Selector::State(state))
            } else if let Ok(p) = lower.parse::<Pipeline>() {
                Target::Engine(Selector::Pipeline(p))
            } else {
                globset::Glob::new(&arg.to_uppercase()).map_err(|e| {
                    format!("{arg:?} is not a target: use all, shown, marked, a state, a pipeline or a glob like BTC-* ({})", e.kind())
                })?;
                Target::Engine(Selector::Pattern(arg.to_string()))
            }
        }
    })
}

/// Parses one command line (without the `:`).
pub fn parse(line: &str) -> Result<Parsed, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let word = word.to_ascii_lowercase();
    if let Some(command) = job_command(&word) {
        let label = if rest.is_empty() {
            String::new()
        } else {
            rest.to_string()
        };
        return Ok(Parsed::Job {
            command,
            target: target(rest)?,
            label,
        });
    }
    match word.as_str() {
        "" => Err(USAGE.to_string()),
        "parallel" | "concurrency" => rest
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(Parsed::Parallel)
            .ok_or_else(|| {
                format!("parallel needs a number of jobs, e.g. :parallel 8 (got {rest:?})")
            }),
        "sort" => {
            let mut words = rest.split_whitespace();
            let col = words.next().unwrap_or("");
            let column = SortColumn::parse(col).ok_or_else(|| {
                let names: Vec<&str> = SortColumn::CYCLE.iter().map(|c| c.as_str()).collect();
                format!("sort by one of: {}", names.join(", "))
            })?;
            let dir = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None => None,
                Some("asc" | "up") => Some(SortDir::Asc),
                Some("desc" | "down") => Some(SortDir::Desc),
                Some(other) => return Err(format!("sort direction {other:?}: use asc or desc")),
            };
            Ok(Parsed::Sort(column, dir))
        }
        "filter" => Ok(Parsed::Filter(rest.to_string())),
        "show" => QuickFilter::parse(rest)
            .map(Parsed::Show)
            .ok_or_else(|| "show failed, running, paused, lagging or all".to_string()),
        "q" | "quit" | "exit" => Ok(Parsed::Action(Action::Quit)),
        "h" | "help" => Ok(Parsed::Action(Action::Help)),
        other => Action::from_name(other)
            .filter(|a| !matches!(a, Action::Command))
            .map(Parsed::Action)
            .ok_or_else(|| format!("unknown command {other:?}; {USAGE}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_commands_take_targets() {
        let p = parse("pause BTC-*").unwrap();
        assert_eq!(
            p,
            Parsed::Job {
                command: Command::Pause,
                target: Target::Engine(Selector::Pattern("BTC-*".into())),
                label: "BTC-*".into()
            }
        );
        let t = |s: &str| match parse(s).unwrap() {
            Parsed::Job { target, .. } => target,
            other => panic!("{other:?}"),
        };
        assert_eq!(t("resume all"), Target::Engine(Selector::All));
        assert_eq!(
            t("retry failed"),
            Target::Engine(Selector::State(JobState::Failed))
        );
        assert_eq!(
            t("cancel futures"),
            Target::Engine(Selector::Pipeline(Pipeline::Futures))
        );
        assert_eq!(t("pause"), Target::Current);
        assert_eq!(t("pause marked"), Target::Marked);
        assert_eq!(t("Pause shown"), Target::Shown);
    }

    #[test]
    fn other_commands() {
        assert_eq!(parse("parallel 8").unwrap(), Parsed::Parallel(8));
        assert!(parse("parallel 0").unwrap_err().contains(":parallel 8"));
        assert_eq!(
            parse("sort rows desc").unwrap(),
            Parsed::Sort(SortColumn::Rows, Some(SortDir::Desc))
        );
        assert_eq!(
            parse("sort eta").unwrap(),
            Parsed::Sort(SortColumn::Eta, None)
        );
        assert!(parse("sort colour").unwrap_err().contains("rows"));
        assert_eq!(parse("filter !ETH").unwrap(), Parsed::Filter("!ETH".into()));
        assert_eq!(parse("filter").unwrap(), Parsed::Filter(String::new()));
        assert_eq!(
            parse("show failed").unwrap(),
            Parsed::Show(QuickFilter::Failed)
        );
        assert_eq!(parse("quit").unwrap(), Parsed::Action(Action::Quit));
        assert_eq!(
            parse("log_fullscreen").unwrap(),
            Parsed::Action(Action::LogFullscreen)
        );
    }

    #[test]
    fn errors_say_what_is_accepted() {
        assert!(parse("frobnicate").unwrap_err().contains("commands: pause"));
        assert!(
            parse("pause BTC-[")
                .unwrap_err()
                .contains("glob like BTC-*")
        );
        assert!(parse("").is_err());
    }
}
