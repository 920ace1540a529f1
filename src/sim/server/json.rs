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

/// `x` in exponent notation as the exchange sometimes writes numbers: `2.0E+5`, `5.0E-4`,
/// `7.4E+4` (deribit-api.md §8.4); parses back to exactly `x`.
pub fn exponent(x: f64) -> String {
    let s = format!("{x:E}");
    let (mantissa, exp) = s.split_once('E').expect("{:E} has an exponent");
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    let exp = if exp.starts_with('-') {
        exp.to_string()
    } else {
        format!("+{exp}")
    };
    format!("{mantissa}E{exp}")
}

/// Writes `x` like [`exponent`] straight into `out` (no allocation).
pub fn write_exponent(out: &mut Vec<u8>, x: f64) {
    use std::io::Write;
    let start = out.len();
    let _ = write!(out, "{x:E}");
    let e = start
        + out[start..]
            .iter()
            .position(|b| *b == b'E')
            .expect("{:E} has an exponent");
    let mut e = e;
    if !out[start..e].contains(&b'.') {
        out.splice(e..e, *b".0");
        e += 2;
    }
    if out.get(e + 1) != Some(&b'-') {
        out.insert(e + 1, b'+');
    }
}

/// `json` with the number after each `"key":` for `keys` rewritten by [`exponent`].
pub fn with_exponents(json: &[u8], keys: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 64);
    let mut i = 0;
    'outer: while i < json.len() {
        for k in keys {
            let pat = format!("\"{k}\":");
            if json[i..].starts_with(pat.as_bytes()) {
                out.extend_from_slice(pat.as_bytes());
                i += pat.len();
                let end = json[i..]
                    .iter()
                    .position(|b| !(b.is_ascii_digit() || b"+-.eE".contains(b)))
                    .map_or(json.len(), |p| i + p);
                match std::str::from_utf8(&json[i..end])
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                {
                    Some(x) => out.extend_from_slice(exponent(x).as_bytes()),
                    None => out.extend_from_slice(&json[i..end]),
                }
                i = end;
                continue 'outer;
            }
        }
        out.push(json[i]);
        i += 1;
    }
    out
}

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

    #[test]
    fn exponent_notation_round_trips() {
        assert_eq!(super::exponent(200_000.0), "2.0E+5");
        assert_eq!(super::exponent(74_000.0), "7.4E+4");
        assert_eq!(super::exponent(0.0005), "5.0E-4");
        assert_eq!(super::exponent(1e-8), "1.0E-8");
        for x in [200_000.0, 74_000.0, 0.0005, 1e-8, 6250.0, 123.456] {
            let mut out = Vec::new();
            super::write_exponent(&mut out, x);
            assert_eq!(String::from_utf8(out).unwrap(), super::exponent(x));
        }
        let j = super::with_exponents(br#"{"a":200000,"b":1,"c":[{"a":0.0005}]}"#, &["a"]);
        assert_eq!(j, br#"{"a":2.0E+5,"b":1,"c":[{"a":5.0E-4}]}"#.to_vec());
        let v: serde_json::Value = serde_json::from_slice(&j).unwrap();
        assert_eq!(v["a"].as_f64(), Some(200_000.0));
    }

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
