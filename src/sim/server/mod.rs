//! The HTTP server: routes, envelope, methods, credits and faults over a [`Market`].

pub mod envelope;
pub mod error;
pub mod faults;
pub mod json;
pub mod methods;
pub mod params;
pub mod ratelimit;
mod router;
pub mod stats;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::sim::SimConfig;
use crate::sim::market::Market;
use faults::Faults;
use ratelimit::RateLimiter;
pub use stats::SimStats;
use stats::Stats;

/// Shared state of one running server.
#[derive(Debug)]
pub struct ServerState {
    pub market: Arc<Market>,
    pub limiter: Mutex<RateLimiter>,
    pub faults: Faults,
    pub stats: Stats,
    pub started: Instant,
}

/// A running simulator. Dropping it stops the server (in the background); [`SimHandle::shutdown`]
/// stops it and waits.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    state: Arc<ServerState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts a simulator on `config.listen` (port 0 picks a free port) in the current tokio
/// runtime and returns once it accepts connections.
pub async fn spawn(config: SimConfig) -> std::io::Result<SimHandle> {
    use axum::serve::ListenerExt;
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let market = Arc::new(Market::new(
        config.seed,
        config.settings.clone(),
        config.clock,
    ));
    let state = Arc::new(ServerState {
        limiter: Mutex::new(RateLimiter::new(config.settings.limits.clone())),
        faults: Faults::new(config.settings.faults.clone(), config.seed),
        stats: Stats::default(),
        started: Instant::now(),
        market,
    });
    let app = router::build(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await;
        if let Err(e) = served {
            tracing::error!("simulator server stopped: {e}");
        }
    });
    Ok(SimHandle {
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`; the API is under `/api/v2/...`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/api/v2`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/v2", self.addr)
    }

    /// The market this server serves: ground truth for tests.
    pub fn market(&self) -> &Arc<Market> {
        &self.state.market
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SimStats {
        self.state.stats.snapshot()
    }

    /// Forces a 10028 storm on or off (on top of any schedule).
    pub fn set_storm(&self, on: bool) {
        self.state.faults.set_storm(on);
    }

    /// Forces maintenance on or off (on top of any schedule).
    pub fn set_maintenance(&self, on: bool) {
        self.state.faults.set_maintenance(on);
    }

    /// Stops accepting, lets in-flight requests finish (at most 5 s), and waits.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    /// Waits until the server stops (after [`SimHandle::stop`] or forever).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Asks the server to stop without waiting.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
