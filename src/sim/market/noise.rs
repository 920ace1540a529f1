//! Multi-octave value noise over integer minutes: random access in O(octaves), and a cursor
//! that makes sequential evaluation nearly free (each octave's lattice is re-hashed only when
//! the minute leaves its cell).
//!
//! Octave `k` has lattice points every `2^k` minutes, each a hashed uniform in `[-1, 1)`, linearly
//! interpolated. With amplitudes `∝ sqrt(2^k)` the sum behaves like Brownian motion between the
//! shortest and the longest period: the log-price noise of the index.

use crate::sim::hash::{h2, signed_unit};

/// Most octaves a noise may have.
pub const MAX_OCTAVES: usize = 20;

/// A sum of octaves with fixed amplitudes.
#[derive(Debug, Clone)]
pub struct Octaves {
    n: usize,
    /// Per-octave lattice seeds.
    seeds: [u64; MAX_OCTAVES],
    shift: [u32; MAX_OCTAVES],
    amp: [f64; MAX_OCTAVES],
    inv_period: [f64; MAX_OCTAVES],
}

/// Cached lattice cells of one [`Octaves`] for sequential evaluation.
#[derive(Debug, Clone)]
pub struct NoiseCursor {
    cell: [i64; MAX_OCTAVES],
    /// Raw lattice value at `cell + 1`, reused when the next cell is entered.
    next: [f64; MAX_OCTAVES],
    base: [f64; MAX_OCTAVES],
    slope: [f64; MAX_OCTAVES],
}

impl Default for NoiseCursor {
    fn default() -> Self {
        Self {
            cell: [i64::MIN; MAX_OCTAVES],
            next: [0.0; MAX_OCTAVES],
            base: [0.0; MAX_OCTAVES],
            slope: [0.0; MAX_OCTAVES],
        }
    }
}

impl Octaves {
    /// Octaves `lo..=hi` (periods `2^lo..=2^hi` minutes), amplitude of octave `k` from `amp`.
    pub fn new(seed: u64, lo: u32, hi: u32, amp: impl Fn(u32) -> f64) -> Self {
        assert!(hi >= lo && ((hi - lo) as usize) < MAX_OCTAVES && hi < 40);
        let mut o = Self {
            n: (hi - lo + 1) as usize,
            seeds: [0; MAX_OCTAVES],
            shift: [0; MAX_OCTAVES],
            amp: [0.0; MAX_OCTAVES],
            inv_period: [0.0; MAX_OCTAVES],
        };
        for (i, k) in (lo..=hi).enumerate() {
            o.shift[i] = k;
            o.seeds[i] = h2(seed, k as u64);
            o.amp[i] = amp(k);
            o.inv_period[i] = 1.0 / (1u64 << k) as f64;
        }
        o
    }

    /// Brownian-like octaves: amplitude `sigma * sqrt(2^k)`.
    pub fn brownian(seed: u64, lo: u32, hi: u32, sigma: f64) -> Self {
        Self::new(seed, lo, hi, |k| sigma * ((1u64 << k) as f64).sqrt())
    }

    /// Octaves of equal amplitude `a`.
    pub fn flat(seed: u64, lo: u32, hi: u32, a: f64) -> Self {
        Self::new(seed, lo, hi, |_| a)
    }

    #[inline(always)]
    fn lattice(&self, octave: usize, j: i64) -> f64 {
        signed_unit(h2(self.seeds[octave], j as u64))
    }

    /// The noise at minute `m` (random access).
    pub fn at(&self, m: i64) -> f64 {
        self.eval(&mut NoiseCursor::default(), m)
    }

    /// The noise at minute `m`, reusing `cur`'s cached cells. Gives bit-identical results to
    /// [`Octaves::at`] whatever the cursor's history.
    #[inline]
    pub fn eval(&self, cur: &mut NoiseCursor, m: i64) -> f64 {
        let mut sum = 0.0;
        for i in 0..self.n {
            let s = self.shift[i];
            let j = m >> s;
            if cur.cell[i] != j {
                let v0 = if cur.cell[i].wrapping_add(1) == j {
                    cur.next[i]
                } else {
                    self.lattice(i, j)
                };
                let v1 = self.lattice(i, j + 1);
                cur.cell[i] = j;
                cur.next[i] = v1;
                cur.base[i] = self.amp[i] * v0;
                cur.slope[i] = self.amp[i] * (v1 - v0);
            }
            let frac = (m & ((1i64 << s) - 1)) as f64 * self.inv_period[i];
            sum += cur.base[i] + cur.slope[i] * frac;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_equals_random_access_in_any_order() {
        let o = Octaves::brownian(11, 0, 15, 1e-3);
        let mut cur = NoiseCursor::default();
        for m in (-5_000i64..5_000).chain((0..3000).map(|i| (i * 7919) % 100_000 - 50_000)) {
            assert_eq!(
                o.eval(&mut cur, m).to_bits(),
                o.at(m).to_bits(),
                "minute {m}"
            );
        }
    }

    #[test]
    fn increments_scale_like_brownian_motion() {
        let o = Octaves::brownian(5, 0, 15, 1.0);
        let var_at = |lag: i64| {
            let n = 4000;
            (0..n)
                .map(|i| {
                    let m = i * 1_013;
                    let d = o.at(m + lag) - o.at(m);
                    d * d
                })
                .sum::<f64>()
                / n as f64
        };
        let v1 = var_at(1);
        let v64 = var_at(64);
        let ratio = v64 / v1;
        // Brownian: 64; the lattice construction is only approximately so.
        assert!(ratio > 20.0 && ratio < 150.0, "variance ratio {ratio}");
    }
}
