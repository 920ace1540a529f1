//! Deterministic hashing, noise primitives and bit-reproducible `exp`/`ln`.
//!
//! Everything the simulator serves is a pure function of the seed, so it must not depend on the
//! platform: only IEEE-754 basic operations (`+ - * /`, `sqrt`, `round`, `floor`) are used, which
//! are correctly rounded everywhere, and `exp`/`ln` are implemented here from those (the
//! platform's libm may differ in the last bit between systems).

/// SplitMix64 finaliser: a fast, well-mixed 64-bit permutation.
#[inline(always)]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of two words.
#[inline(always)]
pub fn h2(a: u64, b: u64) -> u64 {
    mix(a ^ mix(b.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// Hash of three words.
#[inline(always)]
pub fn h3(a: u64, b: u64, c: u64) -> u64 {
    h2(h2(a, b), c)
}

/// A uniform number in `[0, 1)` from a hash (53 random bits).
#[inline(always)]
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform number in `[-1, 1)` from a hash.
#[inline(always)]
pub fn signed_unit(h: u64) -> f64 {
    unit(h) * 2.0 - 1.0
}

/// An approximately standard normal number (Irwin–Hall of four uniforms, rescaled) from a hash.
#[inline]
pub fn gaussian(h: u64) -> f64 {
    let s = unit(h) + unit(mix(h ^ 1)) + unit(mix(h ^ 2)) + unit(mix(h ^ 3));
    // Sum of 4 uniforms: mean 2, variance 4/12.
    (s - 2.0) * 1.732_050_807_568_877_2
}

/// Salt for a string, e.g. an instrument name (FNV-1a, then mixed).
pub fn salt_of(s: &str) -> u64 {
    mix(fnv1a(s.as_bytes()))
}

/// FNV-1a over bytes; used to fingerprint bodies in tests and for salts.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Rounds half away from zero, like `f64::round`, without a libm call (baseline x86-64 has no
/// rounding instruction). Exact for |x| < 2^52; larger values are returned unchanged.
#[inline(always)]
pub fn round(x: f64) -> f64 {
    const LIMIT: f64 = 4_503_599_627_370_496.0; // 2^52
    if x.abs() >= LIMIT || x.is_nan() {
        return x;
    }
    let t = x.trunc_fast();
    let d = x - t;
    let r = if d >= 0.5 {
        t + 1.0
    } else if d <= -0.5 {
        t - 1.0
    } else {
        t
    };
    r.copysign(x)
}

trait TruncFast {
    fn trunc_fast(self) -> f64;
}

impl TruncFast for f64 {
    /// `trunc` via an integer round trip (exact below 2^52).
    #[inline(always)]
    fn trunc_fast(self) -> f64 {
        self as i64 as f64
    }
}

const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const LN2: f64 = std::f64::consts::LN_2;

/// `e^x`, bit-reproducible on every platform (relative error < 1e-15 for |x| < 700).
pub fn det_exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -708.0 {
        return 0.0;
    }
    let k = (x * (1.0 / LN2)).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r for |r| <= ln2/2, Horner form, degree 13.
    let mut p = 1.0 / 6_227_020_800.0;
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let k = k as i64;
    // Scale by 2^k in two steps so that subnormal-adjacent results stay exact enough.
    let half = k / 2;
    p * pow2(half) * pow2(k - half)
}

#[inline]
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// Natural logarithm of a positive finite number, bit-reproducible on every platform.
pub fn det_ln(x: f64) -> f64 {
    assert!(
        x > 0.0 && x.is_finite(),
        "det_ln needs a positive finite number"
    );
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut n = 1.0;
    while n < 40.0 {
        sum += term / n;
        term *= s2;
        n += 2.0;
    }
    2.0 * sum + e as f64 * LN2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_and_ln_match_libm_closely() {
        for i in -400..=400 {
            let x = i as f64 * 0.0731;
            let a = det_exp(x);
            let b = x.exp();
            assert!(((a - b) / b).abs() < 4e-15, "exp({x}) = {a} vs {b}");
        }
        for x in [
            1e-9, 0.001, 0.5, 1.0, 1.5, 2.0, 3.3, 85.0, 6000.0, 123_456.0,
        ] {
            let a = det_ln(x);
            let b = x.ln();
            assert!(
                (a - b).abs() < 1e-14 * b.abs().max(1.0),
                "ln({x}) = {a} vs {b}"
            );
        }
        assert_eq!(det_exp(0.0), 1.0);
        assert_eq!(det_ln(1.0), 0.0);
    }

    #[test]
    fn round_matches_std() {
        let mut x = -1000.0;
        while x < 1000.0 {
            for y in [x, x + 0.5, x - 0.5, x + 0.49999999999999994, x * 1e8 + 0.5] {
                assert_eq!(round(y).to_bits(), y.round().to_bits(), "{y}");
            }
            x += 0.137;
        }
        assert_eq!(round(1e300), 1e300);
        assert_eq!(round(-2.5), -3.0);
        assert_eq!(round(2.5), 3.0);
    }

    #[test]
    fn unit_ranges() {
        for i in 0..10_000u64 {
            let h = h2(7, i);
            let u = unit(h);
            assert!((0.0..1.0).contains(&u));
            let s = signed_unit(h);
            assert!((-1.0..1.0).contains(&s));
        }
        assert_ne!(h3(1, 2, 3), h3(1, 3, 2));
    }

    #[test]
    fn gaussian_is_roughly_standard() {
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|i| gaussian(h2(99, i))).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.05, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }
}
