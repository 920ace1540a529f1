//! Tells the dashboard that log lines arrived, so the log pane redraws without polling.
//! Add [`LogActivityLayer`] next to tui-logger's layer, under the same filter:
//!
//! ```ignore
//! let pane = deribit_backfill::tui::LogPaneLayer
//!     .and_then(deribit_backfill::tui::LogActivityLayer)
//!     .with_filter(filter);
//! ```

use std::sync::OnceLock;

use tokio::sync::watch;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

fn sender() -> &'static watch::Sender<u64> {
    static SEQ: OnceLock<watch::Sender<u64>> = OnceLock::new();
    SEQ.get_or_init(|| watch::channel(0).0)
}

/// Changes whenever a log line was recorded.
pub fn subscribe() -> watch::Receiver<u64> {
    sender().subscribe()
}

/// Counts events; see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogActivityLayer;

impl<S: Subscriber> Layer<S> for LogActivityLayer {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        sender().send_modify(|n| *n = n.wrapping_add(1));
    }
}
