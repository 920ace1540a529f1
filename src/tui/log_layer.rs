//! Feeds tracing events to the log pane as lines that read naturally: the message first, then
//! the fields in the order the code wrote them (`job started job=futures/BTC-27DEC24
//! from=2024-01-01 00:00`). tui-logger's own layer puts the fields first, sorted by name
//! (`cursor: 1704067200000 job: … job started`), which hides the message.
//!
//! The line goes straight into tui-logger's buffer (`tui_logger::Drain`), as its own layer
//! does. Not through `log::logger()`: with tui-logger's tracing support that is not
//! tui-logger but tracing's `LogTracer`, which would send the line back to the log file.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The layer; see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogPaneLayer;

/// The message and `key=value` fields of one event, in order.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Line {
    fn field(&mut self, name: &str, value: fmt::Arguments<'_>) {
        if name == "message" {
            let _ = self.message.write_fmt(value);
        } else if !name.starts_with("log.") {
            // (`log.*` fields come from the `log` bridge: target, file, line; not for people.)
            let _ = write!(self.fields, " {name}={value}");
        }
    }

    fn text(&self) -> String {
        format!("{}{}", self.message, self.fields)
    }
}

/// Epoch milliseconds as a UTC minute, for fields that are instants (`cursor`).
fn instant(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M").to_string())
}

impl Visit for Line {
    fn record_i64(&mut self, field: &Field, value: i64) {
        match (field.name(), instant(value)) {
            ("cursor", Some(t)) => self.field("from", format_args!("{t}")),
            (name, _) => self.field(name, format_args!("{value}")),
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field.name(), format_args!("{value}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.field(field.name(), format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field.name(), format_args!("{value:?}"));
    }
}

/// Formats one event as the pane shows it (message, then fields).
pub fn format_event(event: &tracing::Event<'_>) -> String {
    let mut line = Line::default();
    event.record(&mut line);
    line.text()
}

impl<S> Layer<S> for LogPaneLayer
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = match *meta.level() {
            tracing::Level::ERROR => log::Level::Error,
            tracing::Level::WARN => log::Level::Warn,
            tracing::Level::INFO => log::Level::Info,
            tracing::Level::DEBUG => log::Level::Debug,
            tracing::Level::TRACE => log::Level::Trace,
        };
        let text = format_event(event);
        tui_logger::Drain::new().log(
            &log::Record::builder()
                .args(format_args!("{text}"))
                .level(level)
                .target(meta.target())
                .file(meta.file())
                .line(meta.line())
                .module_path(meta.module_path())
                .build(),
        );
        // From tui-logger's hot buffer into the one the widget reads, now: no mover thread
        // polling every 10 ms, and no line lost when a burst overflows the hot buffer.
        tui_logger::move_events();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Records what the pane would show.
    struct Capture(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
            self.0.lock().unwrap().push(format_event(event));
        }
    }

    #[test]
    fn message_first_then_fields_in_order() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let key = "futures/BTC-27DEC24";
            tracing::info!(job = %key, cursor = 1_704_067_200_000_i64, "job started");
            tracing::info!(job = %key, state = "done", "job stopped");
            tracing::warn!(parallel = 4, "concurrency changed");
            tracing::info!("plain message");
        });
        let lines = lines.lock().unwrap();
        assert_eq!(
            *lines,
            [
                "job started job=futures/BTC-27DEC24 from=2024-01-01 00:00",
                "job stopped job=futures/BTC-27DEC24 state=done",
                "concurrency changed parallel=4",
                "plain message",
            ]
        );
        // The pane still finds the selected job in these lines.
        assert!(crate::ui::log::mentions(&lines[0], "futures/BTC-27DEC24"));
    }
}
