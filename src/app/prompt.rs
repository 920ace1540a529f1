//! The status-bar prompts: `/` filters live as you type (an invalid regex keeps the last good
//! filter and says why), `:` runs a command on Enter. Enter accepts, Esc cancels, Backspace
//! deletes; these editing keys are fixed.

use super::command_line::{self, Parsed};
use super::effect::Effect;
use super::filter::TextFilter;
use super::keypress::{Key, KeyCode};
use super::state::{App, Prompt, PromptKind};

impl App {
    pub(crate) fn open_prompt(&mut self, kind: PromptKind) {
        let current = self.jobs.filter.as_ref().map(|f| f.source.clone());
        self.prompt = Some(Prompt {
            kind,
            text: match kind {
                PromptKind::Filter => current.clone().unwrap_or_default(),
                PromptKind::Command => String::new(),
            },
            error: None,
            previous: current,
        });
    }

    pub(crate) fn on_prompt_key(&mut self, key: Key) -> Vec<Effect> {
        let Some(mut prompt) = self.prompt.take() else {
            return vec![];
        };
        match key.code {
            KeyCode::Esc => {
                if prompt.kind == PromptKind::Filter {
                    let previous = prompt.previous.unwrap_or_default();
                    // The filter in force before was valid, so this cannot fail.
                    let _ = self.apply_filter(&previous);
                }
                return vec![];
            }
            KeyCode::Enter => {
                return match prompt.kind {
                    PromptKind::Filter if prompt.error.is_some() => {
                        self.prompt = Some(prompt);
                        vec![]
                    }
                    PromptKind::Filter => vec![],
                    PromptKind::Command => self.run_command_line(&prompt.text),
                };
            }
            KeyCode::Backspace => {
                if prompt.text.pop().is_none() && prompt.kind == PromptKind::Command {
                    return vec![];
                }
            }
            _ if key.ctrl && key.code == KeyCode::Char('u') => prompt.text.clear(),
            _ if key.ctrl && key.code == KeyCode::Char('c') => {
                if prompt.kind == PromptKind::Filter {
                    let _ = self.apply_filter(&prompt.previous.unwrap_or_default());
                }
                return vec![];
            }
            _ => {
                if let Some(c) = key.typed_char() {
                    prompt.text.push(c);
                }
            }
        }
        if prompt.kind == PromptKind::Filter {
            prompt.error = self.apply_filter(&prompt.text).err();
        }
        self.prompt = Some(prompt);
        vec![]
    }

    /// Sets the `/` filter; an invalid regex leaves the current one in force.
    pub(crate) fn apply_filter(&mut self, text: &str) -> Result<(), String> {
        let filter = TextFilter::parse(text)?;
        self.jobs.filter = filter;
        self.refresh_jobs();
        Ok(())
    }

    /// Runs a `:` command line.
    pub(crate) fn run_command_line(&mut self, line: &str) -> Vec<Effect> {
        let parsed = match command_line::parse(line) {
            Ok(p) => p,
            Err(e) => {
                self.flash_error(e);
                return vec![];
            }
        };
        match parsed {
            Parsed::Job {
                command,
                target,
                label,
            } => {
                let label = (!label.is_empty()).then(|| format!("jobs matching {label:?}"));
                self.command_target(command, target, label)
            }
            Parsed::Parallel(n) => self.set_parallel(n),
            Parsed::Sort(column, dir) => {
                self.jobs.sort = super::sort::Sort {
                    column,
                    dir: dir.unwrap_or(column.default_direction()),
                };
                self.refresh_jobs();
                vec![]
            }
            Parsed::Filter(text) => {
                if let Err(e) = self.apply_filter(&text) {
                    self.flash_error(e);
                }
                vec![]
            }
            Parsed::Show(q) => {
                self.jobs.quick = q;
                self.refresh_jobs();
                vec![]
            }
            Parsed::Action(a) => self.on_action(a),
        }
    }
}
