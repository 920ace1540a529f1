//! get_tradingview_chart_data semantics: the end-anchored 5,001 cap, inclusive bounds, no_data,
//! not found, resolutions, the long-expired policy, the forming minute, and equality with the
//! ground truth.

mod sim_support;

use deribit_backfill::domain::range::TimeRange;
use deribit_backfill::domain::rows::Candle;
use deribit_backfill::sim::{Coin, LongExpiredPolicy, Missing, SimClock, TruncationAnchor};
use sim_support::*;

#[tokio::test]
async fn oversized_windows_keep_the_newest_5001_buckets() {
    let h = spawn().await;
    let end = now_ms() - 10 * MIN;
    for (minutes, rows) in [(200, 201), (5_000, 5_001), (6_000, 5_001), (14_400, 5_001)] {
        let a = chart(&h, "BTC-PERPETUAL", end - minutes * MIN, end, "1").await;
        let r = a.result();
        assert_eq!(r["status"], "ok");
        let ticks = r["ticks"].as_array().unwrap();
        assert_eq!(ticks.len(), rows, "{minutes}-minute window");
        assert_eq!(ticks.last().unwrap().as_i64().unwrap(), end);
        let first = ticks[0].as_i64().unwrap();
        assert_eq!(first, end - (rows as i64 - 1) * MIN);
        if minutes == 6_000 {
            assert_eq!(first, end - 5_000 * MIN, "first tick = end - 5000 min");
        }
    }
    // The cap applies to larger resolutions too.
    let a = chart(&h, "BTC-PERPETUAL", 0, end, "60").await;
    let ticks = a.result()["ticks"].as_array().unwrap();
    assert_eq!(ticks.len(), 5_001);
    assert_eq!(ticks.last().unwrap().as_i64().unwrap(), end / HOUR * HOUR);
}

#[tokio::test]
async fn bounds_are_inclusive_like_the_docs_example() {
    let h = spawn().await;
    // Docs: start 10:30Z, end 11:20Z, resolution 30 → [10:30, 11:00].
    let a = chart(
        &h,
        "BTC-PERPETUAL",
        1_554_373_800_000,
        1_554_376_800_000,
        "30",
    )
    .await;
    assert_eq!(
        a.result()["ticks"],
        serde_json::json!([1_554_373_800_000i64, 1_554_375_600_000i64])
    );
    // A bucket is included when its start is in [start, end].
    let t = ms("2024-05-01T00:00:00Z");
    let ticks = |a: &Answer| -> Vec<i64> {
        a.result()["ticks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    };
    assert_eq!(ticks(&chart(&h, "BTC-PERPETUAL", t, t, "1").await), vec![t]);
    assert_eq!(
        ticks(&chart(&h, "BTC-PERPETUAL", t - 1, t + MIN, "1").await),
        vec![t, t + MIN]
    );
    assert_eq!(
        ticks(&chart(&h, "BTC-PERPETUAL", t + 1, t + 2 * MIN - 1, "1").await),
        vec![t + MIN]
    );
    assert_eq!(
        chart(&h, "BTC-PERPETUAL", t + 1, t + MIN - 1, "1")
            .await
            .result()["status"],
        "no_data"
    );
    assert_eq!(
        chart(&h, "BTC-PERPETUAL", t + MIN, t, "1").await.result()["status"],
        "no_data",
        "end before start"
    );
}

#[tokio::test]
async fn paging_backwards_is_contiguous_and_equals_the_truth() {
    let h = spawn().await;
    let m = h.market();
    let name = "BTC-31MAY24"; // an expired weekly: about 20,000 minutes of life
    let spec = m.instrument(name).expect("listed");
    let mut end = spec.expiration_timestamp;
    let mut got: Vec<Candle> = Vec::new();
    let mut pages = 0;
    loop {
        let a = chart(&h, name, end - 5_000 * MIN, end, "1").await;
        let rows = chart_rows(a.result());
        if rows.is_empty() {
            break;
        }
        pages += 1;
        end = rows[0].ts - 1;
        got.splice(0..0, rows);
    }
    assert!(pages >= 4, "{pages} pages");
    let truth = m.candles(name, TimeRange::new(0, i64::MAX / 2).unwrap());
    assert_eq!(got.len(), truth.len());
    assert_eq!(got, truth, "served numbers parse back to exactly the truth");
    assert_eq!(got.len(), m.candle_count(name));
    // Edges: first minute at/after creation, last minute before expiry.
    assert_eq!(got[0].ts, spec.first_minute_ms());
    assert!(got[0].ts >= spec.creation_timestamp && got[0].ts - spec.creation_timestamp < MIN);
    assert_eq!(got.last().unwrap().ts, spec.expiration_timestamp - MIN);
    for w in got.windows(2) {
        assert_eq!(
            w[1].ts - w[0].ts,
            MIN,
            "a candle every minute, fillers included"
        );
    }
}

#[tokio::test]
async fn served_candles_equal_the_ground_truth() {
    let h = spawn().await;
    let m = h.market();
    let now = now_ms();
    let cases = [
        ("BTC-PERPETUAL", now - 3_000 * MIN, now),
        (
            "ETH-PERPETUAL",
            ms("2019-03-14T12:00:00Z"),
            ms("2019-03-16T00:00:00Z"),
        ),
        ("BTC_USDC-PERPETUAL", ms("2023-02-01"), ms("2023-02-02")),
        ("ETH_USDC-PERPETUAL", now - 500 * MIN, now + HOUR),
        ("BTC-28SEP18", ms("2018-08-01"), ms("2018-08-04")),
        (
            "ETH-27SEP24",
            ms("2024-03-10T05:17:00Z"),
            ms("2024-03-12T05:17:00Z"),
        ),
        ("BTC-28JUN24", now - 4_000 * MIN, now),
    ];
    for (name, start, end) in cases {
        let a = chart(&h, name, start, end, "1").await;
        let served = chart_rows(a.result());
        let truth = m.candles(name, TimeRange::new(start, end + 1).unwrap());
        assert!(!served.is_empty(), "{name}");
        assert_eq!(served, truth, "{name} [{start}, {end}]");
        for c in &served {
            c.check().unwrap_or_else(|e| panic!("{name} {c:?}: {e}"));
        }
    }
}

#[tokio::test]
async fn no_data_and_not_found() {
    let h = spawn().await;
    let m = h.market();
    let now = now_ms();
    // Before the instrument was created.
    let spec = m.instrument("ETH-PERPETUAL").unwrap();
    let a = chart(
        &h,
        "ETH-PERPETUAL",
        spec.creation_timestamp - 10 * HOUR,
        spec.creation_timestamp - MIN,
        "1",
    )
    .await;
    assert_eq!(a.result()["status"], "no_data");
    // An expired future asked up to now: the window keeps its newest 5,001 minutes, after expiry.
    let a = chart(&h, "BTC-26APR24", 0, now, "1").await;
    assert_eq!(a.result()["status"], "no_data");
    // Not found: unknown, never listed (a skipped weekly), not listed yet, options, spelling.
    let skipped = m
        .nonexistent_expiries(Coin::Btc)
        .into_iter()
        .find(|(d, why)| *why == Missing::Skipped && d.to_string().as_str() < "2024-06-01")
        .map(|(d, _)| deribit_backfill::domain::InstrumentName::future("BTC", d).to_string())
        .expect("a skipped weekly");
    for name in [
        "BTC-1JAN99",
        skipped.as_str(),
        "BTC-26JUN26",
        "BTC-28JUN24-60000-C",
        "btc-perpetual",
        "SOL-PERPETUAL",
    ] {
        let a = chart(&h, name, 0, now, "1").await;
        assert_eq!(a.status, 400, "{name}");
        assert_eq!(a.reason(), "instrument not found", "{name}");
    }
}

#[tokio::test]
async fn data_anchored_truncation_setting() {
    let h = spawn_with(|c| c.settings.api.truncation = TruncationAnchor::Data).await;
    let spec = h.market().instrument("BTC-26APR24").unwrap();
    let a = chart(&h, "BTC-26APR24", 0, now_ms(), "1").await;
    let rows = chart_rows(a.result());
    assert_eq!(rows.len(), 5_001);
    assert_eq!(rows.last().unwrap().ts, spec.expiration_timestamp - MIN);
}

#[tokio::test]
async fn long_expired_policy() {
    let name = "BTC-27SEP19";
    let (start, end) = (ms("2019-09-01"), ms("2019-09-02"));
    for policy in [
        LongExpiredPolicy::Served,
        LongExpiredPolicy::NoData,
        LongExpiredPolicy::NotFound,
    ] {
        let h = spawn_with(|c| c.settings.api.long_expired = policy).await;
        let a = chart(&h, name, start, end, "1").await;
        let inst = get(&h, "get_instrument", &[("instrument_name", name)]).await;
        match policy {
            LongExpiredPolicy::Served => {
                assert_eq!(chart_rows(a.result()).len(), 1441);
                assert_eq!(inst.status, 200);
            }
            LongExpiredPolicy::NoData => {
                assert_eq!(a.result()["status"], "no_data");
                assert_eq!(inst.status, 200);
                assert_eq!(
                    h.market().candle_count(name),
                    0,
                    "the truth follows the policy"
                );
            }
            LongExpiredPolicy::NotFound => {
                assert_eq!(a.reason(), "instrument not found");
                assert_eq!(inst.reason(), "instrument not found");
            }
        }
        // A recently expired one is always served.
        let recent = chart(&h, "BTC-31MAY24", ms("2024-05-30"), ms("2024-05-31"), "1").await;
        assert_eq!(recent.result()["status"], "ok", "{policy:?}");
    }
}

#[tokio::test]
async fn every_resolution_aggregates_the_minutes() {
    let h = spawn().await;
    let m = h.market();
    let name = "ETH-28JUN24";
    let end = ms("2024-05-20T00:00:00Z") - 1;
    for (res, minutes) in [
        ("1", 1),
        ("3", 3),
        ("5", 5),
        ("10", 10),
        ("15", 15),
        ("30", 30),
        ("60", 60),
        ("120", 120),
        ("180", 180),
        ("360", 360),
        ("720", 720),
        ("1D", 1440),
        ("1440", 1440),
    ] {
        let step = minutes * MIN;
        let start = end - 12 * step;
        let a = chart(&h, name, start, end, res).await;
        let rows = chart_rows(a.result());
        assert!(
            rows.len() >= 11 && rows.len() <= 12,
            "{res}: {}",
            rows.len()
        );
        for c in &rows {
            assert_eq!(c.ts % step, 0, "{res} buckets aligned (1D at 00:00 UTC)");
            let mins = m.candles(name, TimeRange::new(c.ts, c.ts + step).unwrap());
            assert_eq!(mins.len() as i64, minutes);
            assert_eq!(c.open, mins[0].open, "{res}");
            assert_eq!(c.close, mins.last().unwrap().close);
            assert_eq!(c.high, mins.iter().map(|x| x.high).fold(f64::MIN, f64::max));
            assert_eq!(c.low, mins.iter().map(|x| x.low).fold(f64::MAX, f64::min));
            let vol: f64 = mins.iter().map(|x| x.volume).sum();
            assert!(
                (c.volume - vol).abs() < 1e-7,
                "{res}: {} vs {vol}",
                c.volume
            );
            let cost: f64 = mins.iter().map(|x| x.cost).sum();
            assert_eq!(c.cost, cost);
        }
    }
    let d = chart(&h, name, ms("2024-05-01"), ms("2024-05-10"), "1D").await;
    let d1440 = chart(&h, name, ms("2024-05-01"), ms("2024-05-10"), "1440").await;
    assert_eq!(d.result(), d1440.result());
}

#[tokio::test]
async fn the_current_minute_forms_and_then_is_final() {
    let t = ms("2024-06-01T12:00:00Z");
    let forming_at = t + 30_500;
    let h = spawn_with(|c| c.clock = SimClock::fixed(forming_at)).await;
    let a = chart(&h, "BTC-PERPETUAL", t - 5 * MIN, t + 5 * MIN, "1").await;
    let rows = chart_rows(a.result());
    assert_eq!(rows.last().unwrap().ts, t, "nothing after now's minute");
    let truth_then = h.market().candles(
        "BTC-PERPETUAL",
        TimeRange::new(t - 5 * MIN, t + MIN).unwrap(),
    );
    assert_eq!(rows, truth_then);
    let later = h.market().at(t + MIN);
    let fin = later.candles(
        "BTC-PERPETUAL",
        TimeRange::new(t - 5 * MIN, t + MIN).unwrap(),
    );
    assert_eq!(rows[..5], fin[..5], "closed minutes never change");
    let (forming, done) = (rows[5], fin[5]);
    assert!(forming.volume <= done.volume);
    assert_eq!(forming.open, done.open);
    // The trades at or before now are exactly what the forming candle aggregates.
    let (trades, _) = h
        .market()
        .trades(
            "BTC-PERPETUAL",
            Some(t),
            Some(t + MIN - 1),
            100,
            deribit_backfill::sim::market::Sorting::Asc,
            forming_at,
        )
        .unwrap();
    assert!(trades.iter().all(|x| x.timestamp <= forming_at));
    let cost: f64 = trades.iter().map(|x| x.amount).sum();
    assert_eq!(cost, forming.cost);
}

#[tokio::test]
async fn any_minute_is_computed_without_history() {
    // Same bytes whatever was asked before, on two servers asked in opposite orders.
    let a = spawn().await;
    let b = spawn().await;
    let w2019 = (ms("2019-07-01T03:00:00Z"), ms("2019-07-02T03:00:00Z"));
    let w2024 = (now_ms() - 2 * HOUR, now_ms());
    let x1 = chart(&a, "BTC-PERPETUAL", w2019.0, w2019.1, "1").await;
    let x2 = chart(&a, "BTC-PERPETUAL", w2024.0, w2024.1, "1").await;
    let y2 = chart(&b, "BTC-PERPETUAL", w2024.0, w2024.1, "1").await;
    let y1 = chart(&b, "BTC-PERPETUAL", w2019.0, w2019.1, "1").await;
    assert_eq!(strip_timing(&x1.text), strip_timing(&y1.text));
    assert_eq!(strip_timing(&x2.text), strip_timing(&y2.text));
    // A window equals the same minutes cut from any larger or split window.
    let m = a.market();
    let whole = m.candles("ETH-PERPETUAL", TimeRange::new(w2019.0, w2019.1).unwrap());
    let mid = w2019.0 + 777 * MIN;
    let mut parts = m.candles("ETH-PERPETUAL", TimeRange::new(w2019.0, mid).unwrap());
    parts.extend(m.candles("ETH-PERPETUAL", TimeRange::new(mid, w2019.1).unwrap()));
    assert_eq!(whole, parts);
    let one = m.candles("ETH-PERPETUAL", TimeRange::new(mid, mid + MIN).unwrap());
    assert_eq!(one[0], whole[777]);
}
