//! Direct JSON writing into one buffer, with serde_json's own number formatting (shortest
//! round-trip for f64, so a client parsing with serde_json gets exactly the f64 served).

use serde_json::ser::{CompactFormatter, Formatter};

#[inline(always)]
pub fn f64(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        // Writing to a Vec cannot fail.
        let _ = CompactFormatter.write_f64(out, x);
    } else {
        out.extend_from_slice(b"null");
    }
}

#[inline(always)]
pub fn i64(out: &mut Vec<u8>, x: i64) {
    let _ = CompactFormatter.write_i64(out, x);
}

/// Writes `x`, known to lie on the decimal grid `10^-decimals` (a price on its tick, a rounded
/// volume), as exactly the text serde_json (ryu, shortest round trip) would write, but faster:
/// integer formatting of `x * 10^decimals`. Falls back to [`fn@f64`] for anything off the grid,
/// out of the plain-decimal range, or with more than 15 significant digits.
#[inline]
pub fn grid_f64(out: &mut Vec<u8>, x: f64, decimals: u32) {
    debug_assert!(decimals <= 8);
    let scale = POW10[decimals as usize];
    if (1e-4..1e15).contains(&x) {
        let scaled = crate::sim::hash::round(x * scale);
        if scaled < 1e15 && scaled / scale == x {
            // Digits right to left into one stack buffer, then a single copy.
            let mut n = scaled as u64;
            let mut buf = [0u8; 24];
            let mut pos = buf.len();
            let mut significant = false;
            for _ in 0..decimals {
                let d = (n % 10) as u8;
                n /= 10;
                if d != 0 || significant {
                    significant = true;
                    pos -= 1;
                    buf[pos] = b'0' + d;
                }
            }
            if !significant {
                pos -= 1;
                buf[pos] = b'0';
            }
            pos -= 1;
            buf[pos] = b'.';
            loop {
                pos -= 1;
                buf[pos] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            out.extend_from_slice(&buf[pos..]);
            return;
        }
    }
    f64(out, x);
}

const POW10: [f64; 9] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/// Any serialisable value.
pub fn value<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(&mut *out, v).expect("serialising to a Vec cannot fail");
}

/// `[a,b,c]` from an iterator of numbers written by `write`.
#[inline]
pub fn array<T: Copy>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = T>,
    write: impl Fn(&mut Vec<u8>, T),
) {
    out.push(b'[');
    let mut first = true;
    for x in items {
        if !first {
            out.push(b',');
        }
        first = false;
        write(out, x);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use crate::sim::hash::{h2, unit};

    fn serde(x: f64) -> String {
        serde_json::to_string(&x).unwrap()
    }

    fn grid(x: f64, d: u32) -> String {
        let mut v = Vec::new();
        super::grid_f64(&mut v, x, d);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn grid_numbers_are_byte_identical_to_serde_json() {
        for i in 0..200_000u64 {
            let u = unit(h2(1, i));
            let d = (i % 9) as u32;
            let scale = 10f64.powi(d as i32);
            // Magnitudes from 1e-6 to 1e12, snapped to the grid the way the market rounds.
            let mag = 10f64.powf(u * 18.0 - 6.0);
            let x = crate::sim::hash::round(mag * scale) / scale;
            assert_eq!(grid(x, d), serde(x), "{x} at {d} decimals");
            // Off-grid values fall back and still match.
            let y = mag * 1.000_000_000_1;
            assert_eq!(grid(y, d), serde(y), "{y}");
        }
        for (x, d) in [
            (6250.0, 2),
            (63464.5, 2),
            (0.09846626, 8),
            (3000.05, 2),
            (0.0, 8),
            (1e-4, 8),
        ] {
            assert_eq!(grid(x, d), serde(x));
        }
    }

    #[test]
    fn numbers_match_serde_json() {
        for x in [
            0.0,
            63464.5,
            6250.0,
            0.09846626,
            -4.739622041017375e-7,
            1e21,
            3000.05,
        ] {
            let mut v = Vec::new();
            super::f64(&mut v, x);
            assert_eq!(
                String::from_utf8(v).unwrap(),
                serde_json::to_string(&x).unwrap()
            );
        }
        let mut v = Vec::new();
        super::array(&mut v, [1i64, 2, 3].into_iter(), super::i64);
        assert_eq!(v, b"[1,2,3]");
    }
}
