//! A faithful local stand-in for Deribit's public REST API (issue 3).
//!
//! # Rules the simulator follows
//! - **Time**: everything is served up to the simulated now ([`SimClock`]): the real clock, a
//!   fixed instant, or time running `speed`× from an instant.
//! - **Universe** ([`market::universe`]): BTC-PERPETUAL, ETH-PERPETUAL, BTC_USDC-PERPETUAL and
//!   ETH_USDC-PERPETUAL with their real creation instants; inverse BTC/ETH futures on the
//!   calendar's Fridays at 08:00 UTC: quarterlies from 2018-08-01 (ETH futures from 2019-03-14),
//!   weeklies from 2019-03-01, monthlies from 2020-01-01 (earlier last Fridays are weeklies),
//!   listed 14 days / 2 months / 12 months ahead (plus up to 90 s of jitter; never before the
//!   coin's start). About 3 % of weeklies and the first-Friday-of-January weekly never exist
//!   ([`Market::nonexistent_expiries`]). All of it is in [`MarketSettings`].
//! - **Candles** ([`market::series`]): one per minute from the first minute starting at or
//!   after creation to the last minute starting before expiry (07:59 for an 08:00 expiry) or
//!   now's minute. Minutes without trades are flat fillers at the previous close (volume 0,
//!   cost 0); every 120th minute of an instrument's life trades (so its first minute does).
//!   The minute containing now aggregates only the trades so far. Volume is in base currency
//!   (8 decimals; linear: whole contracts), cost in quote currency (inverse: contracts × 10 USD
//!   for BTC, × 1 for ETH). Prices sit on the tick (0.5 BTC, 0.05 ETH, 0.1 BTC_USDC, 0.01
//!   ETH_USDC). Larger resolutions aggregate the minutes in UTC-aligned buckets.
//! - **Funding** ([`market::funding`]): hourly rows from the recorded first hour (BTC-PERPETUAL
//!   2019-04-30T10:00Z, whose `prev_index_price` is null) with seeded multi-hour gaps
//!   ([`settings::FundingSettings`]); delivery
//!   prices ([`market::delivery`]): daily 07:30–08:00 index averages from 2018-08-01.
//! - **Numbers** are written so that serde_json (float_roundtrip) parses back exactly the f64
//!   the ground truth returns.
//!
//! - [`market`]: the deterministic synthetic market (index paths, instruments, candles, trades,
//!   funding, delivery prices); any minute of any instrument in O(1).
//! - [`truth`]: the same data without HTTP, row for row, for tests.
//! - [`server`]: the HTTP server (GET `/api/v2/public/<method>`, POST JSON-RPC `/api/v2`) with
//!   the exchange's envelope, errors, per-IP credit limits and seeded faults.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use deribit_backfill::sim::{self, SimClock, SimConfig};
//! let handle = sim::spawn(SimConfig {
//!     clock: SimClock::fixed(1_717_200_000_000),
//!     ..SimConfig::default()
//! })
//! .await?;
//! let url = format!("{}/api/v2/public/get_time", handle.base_url());
//! let truth = handle.market().candle_count("BTC-PERPETUAL");
//! # let _ = (url, truth);
//! handle.shutdown().await;
//! # Ok(()) }
//! ```

pub mod args;
pub mod clock;
pub mod hash;
pub mod market;
pub mod server;
pub mod settings;
pub mod truth;

use std::net::SocketAddr;

pub use args::SimArgs;
pub use clock::SimClock;
pub use market::delivery::DeliveryPrice;
pub use market::{Coin, IndexName, InstrumentSpec, Market, Missing, NotFound};
pub use server::{SimHandle, SimStats, spawn};
pub use settings::{
    ApiSettings, FaultSettings, GENESIS_MS, LongExpiredPolicy, MarketSettings, RateLimitSettings,
    SimSettings, TruncationAnchor,
};
pub use truth::InstrumentTotals;

/// Everything a simulator needs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub clock: SimClock,
    /// Default `127.0.0.1:0` (a free port).
    pub listen: SocketAddr,
    pub settings: SimSettings,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            clock: SimClock::Real,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            settings: SimSettings::default(),
        }
    }
}

impl SimConfig {
    /// The market (ground truth) this configuration serves, without a server.
    pub fn market(&self) -> Market {
        Market::new(self.seed, self.settings.clone(), self.clock.clone())
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let term = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// `deribit-backfill sim`: serves until Ctrl-C or SIGTERM, printing the URL first and the
/// counters at the end.
pub async fn run_cli(args: SimArgs) -> color_eyre::Result<()> {
    let config = args.to_config();
    let clock = match &config.clock {
        SimClock::Real => "real clock".to_string(),
        SimClock::Fixed(ms) => format!("frozen at {}", crate::domain::time::format_ms(*ms)),
        SimClock::Scaled {
            origin_ms, speed, ..
        } => format!(
            "from {} at {speed}x",
            crate::domain::time::format_ms(*origin_ms)
        ),
    };
    let seed = config.seed;
    let handle = spawn(config).await.map_err(|e| {
        color_eyre::eyre::eyre!(
            "cannot listen on {}: {e} (pick another address with --listen, e.g. 127.0.0.1:0)",
            args.listen
        )
    })?;
    println!(
        "deribit-backfill sim listening on {} (API: {}/public/<method>; seed {seed}; {clock})",
        handle.base_url(),
        handle.api_url()
    );
    shutdown_signal().await;
    let s = handle.stats();
    handle.shutdown().await;
    println!(
        "sim stopped: {} requests, {} errors, {} too_many_requests, {} faults injected, {} candles served",
        s.requests,
        s.errors,
        s.too_many_requests(),
        s.faults_injected(),
        s.candles
    );
    Ok(())
}
