//! Trades and one-minute candles of one instrument, any minute in O(1).
//!
//! Every minute of an instrument's life is either liquid (1–4 synthetic trades) or illiquid.
//! A liquid minute's candle is the aggregate of its trades: open = first trade (the fair price at
//! the minute's start), close = last trade (the fair price at its end), high/low from the trades
//! in between, volume in base currency and cost in quote currency. An illiquid minute is a flat
//! filler candle: o = h = l = c = the previous close, volume 0, cost 0. Every
//! `max_flat_minutes`-th minute of the instrument's life (from its first minute, which is
//! therefore liquid) is forced liquid, so "the previous close" is never more than that many
//! minutes back and any minute is computable without history.
//!
//! The minute that contains "now" is forming: it aggregates only the trades at or before now
//! (a filler if there are none yet), and becomes final once the minute has passed.

use super::Market;
use super::pricing::{PriceCursor, PriceKind, PriceModel};
use super::universe::InstrumentSpec;
use crate::domain::rows::Candle;
use crate::domain::time::MINUTE_MS;
use crate::sim::hash::{det_exp, gaussian, h2, h3, mix, signed_unit, unit};
use crate::sim::settings::GENESIS_MS;

/// 2022-01-01: liquidity ramps from its early to its late level between genesis and this.
const MATURE_MS: i64 = 1_640_995_200_000;

/// Rounds `x` to a multiple of `1 / per_unit`, returning the nearest f64 to that decimal.
#[inline(always)]
pub fn round_to(x: f64, per_unit: f64) -> f64 {
    crate::sim::hash::round(x * per_unit) / per_unit
}

/// Up to four trades of one minute.
#[derive(Debug, Clone, Copy, Default)]
pub struct MinuteTrades {
    pub n: usize,
    pub ts: [i64; 4],
    pub price: [f64; 4],
    /// Number of contracts.
    pub contracts: [u64; 4],
    /// Fair (mark) price at the trade.
    pub fair: [f64; 4],
}

#[derive(Debug, Clone, Copy)]
struct Liquidity {
    p_early: f64,
    p_late: f64,
    mean_early: f64,
    mean_late: f64,
    /// Futures: days to expiry at which liquidity is halved; 0 for perpetuals.
    half_days: f64,
}

fn liquidity(spec: &InstrumentSpec) -> Liquidity {
    use super::index::Coin::*;
    use crate::domain::calendar::ExpiryCycle;
    let quarterly = spec.cycle == Some(ExpiryCycle::Quarterly);
    let l = |p_early, p_late, mean_early, mean_late, half_days| Liquidity {
        p_early,
        p_late,
        mean_early,
        mean_late,
        half_days,
    };
    match (spec.coin, spec.linear, spec.is_perpetual()) {
        (Btc, false, true) => l(0.92, 0.995, 1_500.0, 3_000.0, 0.0),
        (Eth, false, true) => l(0.55, 0.97, 2_500.0, 8_000.0, 0.0),
        (Btc, true, _) => l(0.5, 0.5, 300.0, 300.0, 0.0),
        (Eth, true, _) => l(0.45, 0.45, 300.0, 300.0, 0.0),
        (Btc, false, false) => l(
            0.5,
            0.92,
            800.0,
            1_500.0,
            if quarterly { 24.0 } else { 12.0 },
        ),
        (Eth, false, false) => l(
            0.25,
            0.8,
            1_500.0,
            4_000.0,
            if quarterly { 16.0 } else { 8.0 },
        ),
    }
}

/// The trading activity of one instrument.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    pub spec: &'a InstrumentSpec,
    pub price: PriceModel<'a>,
    liq: Liquidity,
    first_min: i64,
    expiry_min: i64,
    max_flat: i64,
    salt: u64,
}

impl<'a> Series<'a> {
    pub fn new(market: &'a Market, spec: &'a InstrumentSpec) -> Self {
        let expiry_min = spec.expiration_timestamp.div_euclid(MINUTE_MS);
        let kind = if spec.is_perpetual() {
            PriceKind::Perpetual
        } else {
            PriceKind::Future { expiry_min }
        };
        let salt = h3(market.seed(), spec.salt, 0x5e41e5);
        Self {
            spec,
            price: PriceModel::new(
                market.index_model(spec.coin),
                spec.linear,
                market.carry(spec.coin),
                kind,
                salt,
            ),
            liq: liquidity(spec),
            first_min: spec.first_minute_ms() / MINUTE_MS,
            expiry_min,
            max_flat: market.settings().market.max_flat_minutes.max(1),
            salt,
        }
    }

    /// First minute with data, epoch minutes.
    pub fn first_min(&self) -> i64 {
        self.first_min
    }

    #[inline]
    fn maturity(&self, m: i64) -> f64 {
        let t = (m * MINUTE_MS - GENESIS_MS) as f64 / (MATURE_MS - GENESIS_MS) as f64;
        t.clamp(0.0, 1.0)
    }

    /// (probability of trading, mean contracts) at minute `m`.
    #[inline]
    fn activity(&self, m: i64) -> (f64, f64) {
        let t = self.maturity(m);
        let l = &self.liq;
        let p = l.p_early + (l.p_late - l.p_early) * t;
        let mean = l.mean_early + (l.mean_late - l.mean_early) * t;
        if l.half_days > 0.0 {
            let days = (self.expiry_min - m) as f64 / 1440.0;
            let near = 1.0 / (1.0 + days / l.half_days);
            (p * near, mean * (0.3 + 0.7 * near))
        } else {
            (p, mean)
        }
    }

    /// The hash all of minute `m`'s random draws derive from.
    #[inline(always)]
    fn minute_hash(&self, m: i64) -> u64 {
        h2(self.salt, m as u64)
    }

    /// Whether minute `m` has trades.
    #[inline]
    pub fn liquid(&self, m: i64) -> bool {
        self.liquid_with(m, self.minute_hash(m), self.activity(m).0)
    }

    #[inline(always)]
    fn liquid_with(&self, m: i64, mh: u64, p: f64) -> bool {
        (m - self.first_min).rem_euclid(self.max_flat) == 0 || unit(sub(mh, 0)) < p
    }

    #[inline]
    fn tick(&self, x: f64) -> f64 {
        if self.spec.tick_size > 1.0 {
            // A tick above 1 (2.5): multiples of the tick itself are exact.
            crate::sim::hash::round(x / self.spec.tick_size) * self.spec.tick_size
        } else {
            round_to(x, self.spec.ticks_per_unit)
        }
    }

    /// The trades of liquid minute `m`, given the fair prices at its start (`s`) and end (`e`).
    #[inline]
    pub fn trades(&self, m: i64, s: f64, e: f64, out: &mut MinuteTrades) {
        let (p, mean) = self.activity(m);
        self.trades_with(m, self.minute_hash(m), p, mean, s, e, out)
    }

    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    #[inline]
    fn trades_with(
        &self,
        m: i64,
        mh: u64,
        p: f64,
        mean: f64,
        s: f64,
        e: f64,
        out: &mut MinuteTrades,
    ) {
        let kmax = if p > 0.5 { 4 } else { 2 };
        let mut k = 1 + (sub(mh, 1) % kmax) as usize;
        let g = gaussian(sub(mh, 2));
        let total = (crate::sim::hash::round(mean * det_exp(0.8 * g)) as u64).max(1);
        k = k.min(total as usize);
        let rest = total - k as u64;
        let mut w = [0.0; 4];
        let mut wsum = 0.0;
        for (i, wi) in w.iter_mut().enumerate().take(k) {
            *wi = 1.0 + unit(sub(mh, 10 + i as u64));
            wsum += *wi;
        }
        let share = rest as f64 / wsum;
        let mut given = 0;
        let slot = 60_000 / k as u64;
        let start = m * MINUTE_MS;
        for i in 0..k {
            let c = if i + 1 == k {
                total - given
            } else {
                1 + (share * w[i]) as u64
            };
            given += c;
            out.contracts[i] = c;
            let off = (i as u64 * slot + sub(mh, 20 + i as u64) % slot) as i64;
            out.ts[i] = start + off;
            let f = off as f64 * (1.0 / 60_000.0);
            let fair = s + (e - s) * f;
            out.fair[i] = fair;
            out.price[i] = if i + 1 == k {
                self.tick(e)
            } else if i == 0 {
                self.tick(s)
            } else {
                let amp = (e - s).abs() * 0.5 + s * 0.000_12;
                self.tick(fair + amp * signed_unit(sub(mh, 30 + i as u64)))
            };
        }
        out.n = k;
    }

    /// Volume rounding scale: 8 decimals for inverse instruments, the contract size's decimals
    /// for linear ones.
    #[inline]
    pub fn volume_scale(&self) -> f64 {
        if self.spec.linear {
            self.spec.contracts_per_unit
        } else {
            1e8
        }
    }

    /// (amount, base volume, quote cost) of one trade.
    #[inline]
    pub fn trade_amounts(&self, contracts: u64, price: f64) -> (f64, f64, f64) {
        if self.spec.linear {
            let amount = contracts as f64 / self.spec.contracts_per_unit;
            (amount, amount, amount * price)
        } else {
            let amount = contracts as f64 * self.spec.contract_size;
            (amount, amount / price, amount)
        }
    }

    /// The candle of liquid minute `m` from the trades at or before `cutoff_ms`; a filler at
    /// `prev_close` if there are none.
    #[inline]
    fn candle(&self, m: i64, t: &MinuteTrades, cutoff_ms: i64, prev_close: f64) -> Candle {
        let n = t.ts[..t.n]
            .iter()
            .take_while(|&&ts| ts <= cutoff_ms)
            .count();
        if n == 0 {
            return filler(m, prev_close);
        }
        let (mut hi, mut lo) = (t.price[0], t.price[0]);
        let (mut vol, mut cost, mut contracts) = (0.0, 0.0, 0u64);
        for i in 0..n {
            let p = t.price[i];
            hi = hi.max(p);
            lo = lo.min(p);
            let (_, v, c) = self.trade_amounts(t.contracts[i], p);
            vol += v;
            cost += c;
            contracts += t.contracts[i];
        }
        let (volume, cost) = if self.spec.linear {
            (
                contracts as f64 / self.spec.contracts_per_unit,
                round_to(cost, 1e6),
            )
        } else {
            (round_to(vol, 1e8), cost)
        };
        Candle {
            ts: m * MINUTE_MS,
            open: t.price[0],
            high: hi,
            low: lo,
            close: t.price[n - 1],
            volume,
            cost,
        }
    }

    /// The close of the last liquid minute before `m` (`m` > first minute).
    pub fn prev_close(&self, m: i64) -> f64 {
        let stop = (m - self.max_flat).max(self.first_min);
        let mut j = m - 1;
        while j > stop && !self.liquid(j) {
            j -= 1;
        }
        debug_assert!(self.liquid(j), "a forced trade within max_flat minutes");
        self.tick(self.price.fair(&mut PriceCursor::default(), j + 1))
    }

    /// One-minute candles for minutes `from_min..=to_min` (epoch minutes), which must lie within
    /// the instrument's data at `now_ms` (see [`InstrumentSpec::last_minute_ms`]).
    pub fn candles(&self, from_min: i64, to_min: i64, now_ms: i64, out: &mut Vec<Candle>) {
        self.for_each_candle(from_min, to_min, now_ms, |c| out.push(c));
    }

    /// Calls `f` with each one-minute candle of `from_min..=to_min`, ascending.
    #[inline]
    pub fn for_each_candle(
        &self,
        from_min: i64,
        to_min: i64,
        now_ms: i64,
        mut f: impl FnMut(Candle),
    ) {
        if to_min < from_min {
            return;
        }
        debug_assert!(from_min >= self.first_min);
        let mut cur = PriceCursor::default();
        let mut s = self.price.fair(&mut cur, from_min);
        let mut prev = if from_min > self.first_min {
            self.prev_close(from_min)
        } else {
            self.tick(s)
        };
        let mut t = MinuteTrades::default();
        for m in from_min..=to_min {
            let e = self.price.fair(&mut cur, m + 1);
            let mh = self.minute_hash(m);
            let (p, mean) = self.activity(m);
            let c = if self.liquid_with(m, mh, p) {
                self.trades_with(m, mh, p, mean, s, e, &mut t);
                let cutoff = if (m + 1) * MINUTE_MS > now_ms {
                    now_ms
                } else {
                    i64::MAX
                };
                self.candle(m, &t, cutoff, prev)
            } else {
                filler(m, prev)
            };
            prev = c.close;
            s = e;
            f(c);
        }
    }
}

/// The `i`-th draw derived from a minute hash.
#[inline(always)]
fn sub(mh: u64, i: u64) -> u64 {
    mix(mh ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

#[inline]
fn filler(m: i64, price: f64) -> Candle {
    Candle {
        ts: m * MINUTE_MS,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 0.0,
        cost: 0.0,
    }
}
