//! Fair prices of perpetuals and futures relative to the index.
//!
//! - carry: an annualised rate per coin (slow noise around 8 %), shared by all its contracts;
//! - perpetual: `index × (1 + premium)`, premium = carry / 1095 (per 8 h) + fast noise; funding
//!   is computed from the same premium;
//! - future: `index × (1 + basis)`, basis = carry × years-to-expiry + noise × min(1, √(days/14)),
//!   so the basis decays to exactly 0 at expiry and the last price ≈ the delivery price.

use super::index::{IndexCursor, IndexModel};
use super::noise::{NoiseCursor, Octaves};
use crate::sim::hash::h2;

const CARRY_MEAN: f64 = 0.08;
const MINUTES_PER_YEAR: f64 = 525_600.0;
/// Carry (annual) expressed per 8 hours.
const PERIODS_8H_PER_YEAR: f64 = 1_095.0;

/// The shared annualised carry of a coin.
pub fn carry_octaves(coin_salt: u64) -> Octaves {
    Octaves::flat(h2(coin_salt, 0xca22), 11, 17, 0.0327)
}

/// What kind of price an instrument has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PriceKind {
    Perpetual,
    /// Expiry in epoch minutes.
    Future {
        expiry_min: i64,
    },
}

/// The fair-price model of one instrument.
#[derive(Debug, Clone)]
pub struct PriceModel<'a> {
    pub index: &'a IndexModel,
    pub usdc: bool,
    carry: &'a Octaves,
    own: Octaves,
    kind: PriceKind,
}

/// Sequential-evaluation state of a [`PriceModel`].
#[derive(Debug, Clone, Default)]
pub struct PriceCursor {
    pub index: IndexCursor,
    carry: NoiseCursor,
    own: NoiseCursor,
}

impl<'a> PriceModel<'a> {
    pub fn new(
        index: &'a IndexModel,
        usdc: bool,
        carry: &'a Octaves,
        kind: PriceKind,
        salt: u64,
    ) -> Self {
        let own = match kind {
            PriceKind::Perpetual => Octaves::flat(h2(salt, 0x9e4), 2, 9, 2.9e-4),
            PriceKind::Future { .. } => Octaves::flat(h2(salt, 0xba5), 3, 10, 9.2e-4),
        };
        Self {
            index,
            usdc,
            carry,
            own,
            kind,
        }
    }

    /// Annualised carry at minute `m`.
    #[inline]
    pub fn carry(&self, cur: &mut PriceCursor, m: i64) -> f64 {
        CARRY_MEAN + self.carry.eval(&mut cur.carry, m)
    }

    /// Perpetual premium (per 8 h) or future basis at minute `m`.
    #[inline]
    pub fn spread(&self, cur: &mut PriceCursor, m: i64) -> f64 {
        let carry = self.carry(cur, m);
        match self.kind {
            PriceKind::Perpetual => carry / PERIODS_8H_PER_YEAR + self.own.eval(&mut cur.own, m),
            PriceKind::Future { expiry_min } => {
                let left = (expiry_min - m).max(0) as f64;
                let damp = (left / (14.0 * 1440.0)).sqrt().min(1.0);
                carry * (left / MINUTES_PER_YEAR) + self.own.eval(&mut cur.own, m) * damp
            }
        }
    }

    /// Fair price at the start of minute `m`.
    #[inline]
    pub fn fair(&self, cur: &mut PriceCursor, m: i64) -> f64 {
        let index = self.index.value(&mut cur.index, m, self.usdc);
        index * (1.0 + self.spread(cur, m))
    }

    /// Index at the start of minute `m` (for trades' `index_price` and funding rows).
    #[inline]
    pub fn index_at(&self, cur: &mut PriceCursor, m: i64) -> f64 {
        self.index.value(&mut cur.index, m, self.usdc)
    }
}
