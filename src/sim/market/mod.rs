//! The deterministic synthetic market: index paths, instrument universe, candles, trades,
//! funding and delivery prices, each a pure function of (seed, settings, instant).
//!
//! [`Market`] is what the HTTP methods serve from and what tests use as ground truth
//! (see [`crate::sim::truth`] for the row-for-row API).

pub mod chart;
pub mod delivery;
pub mod funding;
pub mod index;
pub mod noise;
pub mod pricing;
pub mod series;
pub mod trades;
pub mod universe;

use crate::sim::clock::SimClock;
use crate::sim::hash::{h2, salt_of};
use crate::sim::settings::SimSettings;

pub use chart::{Resolution, parse_resolution};
pub use index::{Coin, IndexName};
pub use series::round_to;
pub use trades::{Sorting, Trade};
pub use universe::{InstrumentSpec, Missing};

use index::IndexModel;
use noise::Octaves;
use universe::Universe;

/// The synthetic exchange's data.
#[derive(Debug, Clone)]
pub struct Market {
    seed: u64,
    settings: SimSettings,
    clock: SimClock,
    universe: Universe,
    index: [IndexModel; 2],
    carry: [Octaves; 2],
}

/// The instrument does not exist (never listed, not listed yet, or hidden by the long-expired
/// policy): the API answers -32602 "instrument not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotFound;

impl Market {
    pub fn new(seed: u64, settings: SimSettings, clock: SimClock) -> Self {
        let coin_salt = |c: Coin| h2(seed, salt_of(c.as_str()));
        Self {
            universe: Universe::new(seed, settings.market.clone()),
            index: [
                IndexModel::new(Coin::Btc, seed),
                IndexModel::new(Coin::Eth, seed),
            ],
            carry: [
                pricing::carry_octaves(coin_salt(Coin::Btc)),
                pricing::carry_octaves(coin_salt(Coin::Eth)),
            ],
            seed,
            settings,
            clock,
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn settings(&self) -> &SimSettings {
        &self.settings
    }

    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// Simulated now, epoch ms.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The same market with a fixed clock at `now_ms`.
    pub fn at(&self, now_ms: i64) -> Market {
        Market {
            clock: SimClock::Fixed(now_ms),
            ..self.clone()
        }
    }

    pub fn universe(&self) -> &Universe {
        &self.universe
    }

    pub(crate) fn index_model(&self, coin: Coin) -> &IndexModel {
        &self.index[coin.idx()]
    }

    pub(crate) fn carry(&self, coin: Coin) -> &Octaves {
        &self.carry[coin.idx()]
    }

    /// The instrument with this name if it is listed at `now_ms` (expired ones included).
    pub fn lookup(&self, name: &str, now_ms: i64) -> Option<InstrumentSpec> {
        self.universe.lookup(name, now_ms)
    }

    /// Whether an instrument expired longer ago than the `expired=true` window at `now_ms`.
    pub fn is_long_expired(&self, spec: &InstrumentSpec, now_ms: i64) -> bool {
        now_ms - spec.expiration_timestamp > self.settings.api.expired_window_ms()
    }

    /// The raw index value at an instant (linear between minutes).
    pub fn index_value(&self, index: IndexName, ts_ms: i64) -> f64 {
        self.index_model(index.coin).at_ms(ts_ms, index.usdc)
    }

    /// The index as `get_index_price` and funding rows show it: rounded to 0.01.
    pub fn index_price(&self, index: IndexName, ts_ms: i64) -> f64 {
        round_to(self.index_value(index, ts_ms), 100.0)
    }
}
