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
