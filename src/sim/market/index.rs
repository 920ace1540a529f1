//! BTC and ETH index paths: a piecewise-linear log-price trend through rough historical levels,
//! plus Brownian-like value noise, evaluated at any minute in O(octaves).

use chrono::NaiveDate;

use super::noise::{NoiseCursor, Octaves};
use crate::domain::time::{MINUTE_MS, date_at_hour_ms};
use crate::sim::hash::{det_exp, det_ln, h2, salt_of};

/// A coin with an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Coin {
    Btc,
    Eth,
}

impl Coin {
    pub const ALL: [Coin; 2] = [Coin::Btc, Coin::Eth];

    /// Upper-case currency code, `BTC`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Btc => "BTC",
            Self::Eth => "ETH",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "BTC" => Some(Self::Btc),
            "ETH" => Some(Self::Eth),
            _ => None,
        }
    }

    pub(crate) fn idx(self) -> usize {
        self as usize
    }
}

/// One of the simulator's price indices: `btc_usd`, `eth_usd`, `btc_usdc`, `eth_usdc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexName {
    pub coin: Coin,
    /// The USDC index (`btc_usdc`) rather than the USD one (`btc_usd`).
    pub usdc: bool,
}

impl IndexName {
    pub const ALL: [IndexName; 4] = [
        IndexName {
            coin: Coin::Btc,
            usdc: false,
        },
        IndexName {
            coin: Coin::Eth,
            usdc: false,
        },
        IndexName {
            coin: Coin::Btc,
            usdc: true,
        },
        IndexName {
            coin: Coin::Eth,
            usdc: true,
        },
    ];

    pub fn as_str(self) -> &'static str {
        match (self.coin, self.usdc) {
            (Coin::Btc, false) => "btc_usd",
            (Coin::Eth, false) => "eth_usd",
            (Coin::Btc, true) => "btc_usdc",
            (Coin::Eth, true) => "eth_usdc",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }
}

impl std::fmt::Display for IndexName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rough BTC/USD levels the trend passes through (the path between them is synthetic).
const BTC_ANCHORS: &[(&str, f64)] = &[
    ("2018-08-01", 7_600.0),
    ("2018-08-14", 6_200.0),
    ("2018-11-14", 5_600.0),
    ("2018-12-15", 3_250.0),
    ("2019-02-08", 3_600.0),
    ("2019-04-02", 4_900.0),
    ("2019-06-26", 12_900.0),
    ("2019-09-24", 8_500.0),
    ("2019-12-17", 6_700.0),
    ("2020-02-13", 10_300.0),
    ("2020-03-12", 4_900.0),
    ("2020-05-10", 8_700.0),
    ("2020-07-26", 9_900.0),
    ("2020-10-20", 12_000.0),
    ("2020-12-31", 29_000.0),
    ("2021-02-21", 57_000.0),
    ("2021-04-14", 63_500.0),
    ("2021-05-19", 37_000.0),
    ("2021-07-20", 29_800.0),
    ("2021-09-06", 52_000.0),
    ("2021-11-10", 67_500.0),
    ("2022-01-24", 35_000.0),
    ("2022-03-29", 47_500.0),
    ("2022-06-18", 19_000.0),
    ("2022-08-14", 24_400.0),
    ("2022-11-21", 15_800.0),
    ("2023-01-31", 23_100.0),
    ("2023-04-14", 30_400.0),
    ("2023-09-11", 25_000.0),
    ("2023-12-31", 42_300.0),
    ("2024-03-14", 73_000.0),
    ("2024-08-05", 53_000.0),
    ("2024-11-22", 98_000.0),
    ("2024-12-17", 106_000.0),
    ("2025-02-28", 84_000.0),
    ("2025-04-08", 76_500.0),
    ("2025-05-22", 111_000.0),
    ("2025-08-14", 123_000.0),
    ("2025-10-06", 124_500.0),
    ("2025-11-21", 85_000.0),
    ("2026-02-05", 70_000.0),
    ("2026-05-01", 78_000.0),
    ("2026-08-04", 63_500.0),
    ("2026-09-22", 86_500.0),
    ("2026-11-20", 90_000.0),
];

/// Rough ETH/USD levels.
const ETH_ANCHORS: &[(&str, f64)] = &[
    ("2018-08-01", 420.0),
    ("2018-09-12", 185.0),
    ("2018-11-14", 200.0),
    ("2018-12-15", 84.0),
    ("2019-02-24", 160.0),
    ("2019-04-02", 160.0),
    ("2019-06-26", 330.0),
    ("2019-09-24", 170.0),
    ("2019-12-17", 120.0),
    ("2020-02-13", 270.0),
    ("2020-03-12", 110.0),
    ("2020-05-10", 190.0),
    ("2020-07-26", 310.0),
    ("2020-10-20", 370.0),
    ("2020-12-31", 740.0),
    ("2021-02-21", 1_950.0),
    ("2021-05-12", 4_300.0),
    ("2021-06-22", 1_850.0),
    ("2021-09-03", 3_950.0),
    ("2021-11-10", 4_800.0),
    ("2022-01-24", 2_300.0),
    ("2022-04-03", 3_500.0),
    ("2022-06-18", 990.0),
    ("2022-08-14", 1_980.0),
    ("2022-11-21", 1_100.0),
    ("2023-04-14", 2_100.0),
    ("2023-10-12", 1_540.0),
    ("2024-03-12", 4_050.0),
    ("2024-08-05", 2_300.0),
    ("2024-12-16", 4_000.0),
    ("2025-04-08", 1_480.0),
    ("2025-08-24", 4_900.0),
    ("2025-11-21", 2_750.0),
    ("2026-02-05", 2_100.0),
    ("2026-08-04", 2_600.0),
    ("2026-11-20", 2_900.0),
];

/// Per-minute log-noise scale; daily moves come out around 3% (BTC) and 4% (ETH).
const BTC_SIGMA: f64 = 4.8e-4;
const ETH_SIGMA: f64 = 6.2e-4;

/// The index of one coin (USD, and USDC as a slightly different path).
#[derive(Debug, Clone)]
pub struct IndexModel {
    trend_m: Vec<i64>,
    trend_ln: Vec<f64>,
    noise: Octaves,
    usdc: Octaves,
}

/// Sequential-evaluation state of an [`IndexModel`].
#[derive(Debug, Clone, Default)]
pub struct IndexCursor {
    noise: NoiseCursor,
    usdc: NoiseCursor,
    seg: usize,
}

impl IndexModel {
    pub fn new(coin: Coin, seed: u64) -> Self {
        let (anchors, sigma) = match coin {
            Coin::Btc => (BTC_ANCHORS, BTC_SIGMA),
            Coin::Eth => (ETH_ANCHORS, ETH_SIGMA),
        };
        let mut trend_m = Vec::with_capacity(anchors.len());
        let mut trend_ln = Vec::with_capacity(anchors.len());
        for (date, price) in anchors {
            let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("anchor date");
            trend_m.push(date_at_hour_ms(d, 0) / MINUTE_MS);
            trend_ln.push(det_ln(*price));
        }
        debug_assert!(trend_m.windows(2).all(|w| w[0] < w[1]));
        let salt = h2(seed, salt_of(coin.as_str()));
        Self {
            trend_m,
            trend_ln,
            noise: Octaves::brownian(h2(salt, 1), 0, 15, sigma),
            usdc: Octaves::flat(h2(salt, 2), 5, 12, 1.2e-4),
        }
    }

    #[inline]
    fn trend(&self, seg: &mut usize, m: i64) -> f64 {
        let n = self.trend_m.len();
        if m <= self.trend_m[0] {
            return self.trend_ln[0];
        }
        if m >= self.trend_m[n - 1] {
            return self.trend_ln[n - 1];
        }
        let mut i = *seg;
        if !(i + 1 < n && self.trend_m[i] <= m && m < self.trend_m[i + 1]) {
            i = self.trend_m.partition_point(|&t| t <= m) - 1;
            *seg = i;
        }
        let (m0, m1) = (self.trend_m[i], self.trend_m[i + 1]);
        let f = (m - m0) as f64 / (m1 - m0) as f64;
        self.trend_ln[i] + (self.trend_ln[i + 1] - self.trend_ln[i]) * f
    }

    /// The index at the start of minute `m` (epoch minutes), sequentially.
    #[inline]
    pub fn value(&self, cur: &mut IndexCursor, m: i64, usdc: bool) -> f64 {
        let ln = self.trend(&mut cur.seg, m) + self.noise.eval(&mut cur.noise, m);
        let v = det_exp(ln);
        if usdc {
            v * (1.0 + self.usdc.eval(&mut cur.usdc, m))
        } else {
            v
        }
    }

    /// The index at the start of minute `m` (random access).
    pub fn at(&self, m: i64, usdc: bool) -> f64 {
        self.value(&mut IndexCursor::default(), m, usdc)
    }

    /// The index at an instant in ms: linear between the minute values.
    pub fn at_ms(&self, ms: i64, usdc: bool) -> f64 {
        let m = ms.div_euclid(MINUTE_MS);
        let f = ms.rem_euclid(MINUTE_MS) as f64 / MINUTE_MS as f64;
        let a = self.at(m, usdc);
        if f == 0.0 {
            return a;
        }
        a + (self.at(m + 1, usdc) - a) * f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;

    fn minute(s: &str) -> i64 {
        parse_instant(s).unwrap() / MINUTE_MS
    }

    #[test]
    fn levels_are_plausible() {
        let btc = IndexModel::new(Coin::Btc, 1);
        let eth = IndexModel::new(Coin::Eth, 1);
        let b18 = btc.at(minute("2018-08-15"), false);
        assert!((3_500.0..12_000.0).contains(&b18), "{b18}");
        let b21 = btc.at(minute("2021-11-10"), false);
        assert!((40_000.0..110_000.0).contains(&b21), "{b21}");
        let e18 = eth.at(minute("2018-12-15"), false);
        assert!((40.0..200.0).contains(&e18), "{e18}");
        let e21 = eth.at(minute("2021-11-10"), false);
        assert!((2_500.0..8_000.0).contains(&e21), "{e21}");
    }

    #[test]
    fn minute_moves_are_small_and_daily_moves_moderate() {
        let btc = IndexModel::new(Coin::Btc, 3);
        let start = minute("2020-01-01");
        let mut cur = IndexCursor::default();
        let mut prev = btc.value(&mut cur, start, false);
        let mut max_move: f64 = 0.0;
        for m in start + 1..start + 20_000 {
            let v = btc.value(&mut cur, m, false);
            max_move = max_move.max((v / prev - 1.0).abs());
            assert_eq!(v.to_bits(), btc.at(m, false).to_bits());
            prev = v;
        }
        assert!(max_move < 0.01, "largest 1-minute move {max_move}");
        let daily: Vec<f64> = (0..300)
            .map(|d| {
                let m = start + d * 1440;
                (btc.at(m + 1440, false) / btc.at(m, false)).ln()
            })
            .collect();
        let sd = (daily.iter().map(|x| x * x).sum::<f64>() / daily.len() as f64).sqrt();
        assert!(sd > 0.01 && sd < 0.08, "daily sd {sd}");
    }

    #[test]
    fn usdc_index_is_close_to_usd() {
        let eth = IndexModel::new(Coin::Eth, 9);
        let m = minute("2023-05-05");
        let a = eth.at(m, false);
        let b = eth.at(m, true);
        assert!(a != b && ((a - b) / a).abs() < 0.003);
        assert_eq!(IndexName::parse("eth_usdc").unwrap().as_str(), "eth_usdc");
        assert!(IndexName::parse("xrp_usd").is_none());
    }
}
