//! Binary `COPY` encoding of series rows (the fast path for rows the table does not have yet).
//!
//! Format: <https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>; each
//! tuple is a field count, then per field a length and the value in the type's binary send
//! format (`text`: UTF-8 bytes, `timestamptz`: µs since 2000-01-01 UTC, `date`: days since
//! 2000-01-01, `float8`: IEEE 754 big-endian).

use chrono::NaiveDate;

use crate::store::batch::SeriesBatch;

/// 2000-01-01T00:00:00Z in epoch milliseconds: PostgreSQL's own epoch.
const PG_EPOCH_MS: i64 = 946_684_800_000;

/// Buffers are flushed to the server at about this size.
pub(crate) const FLUSH_BYTES: usize = 1 << 20;

pub(crate) fn header() -> Vec<u8> {
    let mut buf = Vec::with_capacity(FLUSH_BYTES + 4096);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes()); // flags
    buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
    buf
}

pub(crate) fn trailer(buf: &mut Vec<u8>) {
    buf.extend_from_slice(&(-1i16).to_be_bytes());
}

fn pg_days(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    (date - epoch).num_days() as i32
}

/// Appends row `i` of `batch`: (key, timestamp, [fixed date], values...).
pub(crate) fn row(
    buf: &mut Vec<u8>,
    key: &str,
    fixed: Option<NaiveDate>,
    batch: &SeriesBatch,
    i: usize,
) {
    let fields = 2 + i16::from(fixed.is_some()) + batch.cols.len() as i16;
    buf.extend_from_slice(&fields.to_be_bytes());
    buf.extend_from_slice(&(key.len() as i32).to_be_bytes());
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(&8i32.to_be_bytes());
    buf.extend_from_slice(&((batch.ts[i] - PG_EPOCH_MS) * 1000).to_be_bytes());
    if let Some(d) = fixed {
        buf.extend_from_slice(&4i32.to_be_bytes());
        buf.extend_from_slice(&pg_days(d).to_be_bytes());
    }
    for col in &batch.cols {
        match col[i] {
            Some(v) => {
                buf.extend_from_slice(&8i32.to_be_bytes());
                buf.extend_from_slice(&v.to_be_bytes());
            }
            // NULL: length -1, no value.
            None => buf.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_one_tuple() {
        let batch = SeriesBatch {
            received: 1,
            ts: vec![PG_EPOCH_MS + 1],
            cols: vec![vec![Some(1.5)], vec![None]],
        };
        let mut buf = Vec::new();
        row(
            &mut buf,
            "AB",
            NaiveDate::from_ymd_opt(2000, 1, 3),
            &batch,
            0,
        );
        let mut want = vec![0, 5, 0, 0, 0, 2, b'A', b'B', 0, 0, 0, 8];
        want.extend_from_slice(&1000i64.to_be_bytes());
        want.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 8]);
        want.extend_from_slice(&1.5f64.to_be_bytes());
        want.extend_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(buf, want);
        let mut h = header();
        trailer(&mut h);
        assert_eq!(h.len(), 11 + 8 + 2);
    }
}
