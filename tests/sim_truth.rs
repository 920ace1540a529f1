//! The synthetic market through the ground-truth API: candle sanity and the filler rule, basis
//! decay to the delivery price, funding consistent with the premium, the universe, and
//! determinism across servers and processes.

mod sim_support;

use deribit_backfill::domain::calendar::{ExpiryCycle, SettlementPeriod};
use deribit_backfill::domain::range::TimeRange;
use deribit_backfill::domain::rows::Candle;
use deribit_backfill::domain::time::{date_of, expiry_instant_ms};
use deribit_backfill::sim::hash::fnv1a;
use deribit_backfill::sim::{Coin, IndexName, Market, Missing, SimConfig};
use sim_support::*;

fn market() -> Market {
    config().market()
}

fn all_time() -> TimeRange {
    TimeRange::new(0, i64::MAX / 4).unwrap()
}

fn check_series(name: &str, candles: &[Candle], max_flat: usize) -> f64 {
    let mut fillers = 0;
    let mut run = 0;
    for (i, c) in candles.iter().enumerate() {
        c.check().unwrap_or_else(|e| panic!("{name} {c:?}: {e}"));
        if i > 0 {
            assert_eq!(c.ts - candles[i - 1].ts, MIN, "{name}: every minute");
        }
        if c.volume == 0.0 {
            fillers += 1;
            run += 1;
            assert!(
                run < max_flat,
                "{name}: {run} flat minutes in a row at {}",
                c.ts
            );
            assert_eq!(c.cost, 0.0);
            assert!(c.is_filler(), "{name} {c:?}");
            if i > 0 {
                assert_eq!(
                    c.open,
                    candles[i - 1].close,
                    "{name}: filler at the previous close"
                );
            }
        } else {
            run = 0;
            assert!(c.cost > 0.0, "{name} {c:?}");
        }
    }
    fillers as f64 / candles.len() as f64
}

#[test]
fn candles_are_sane_and_fillers_repeat_the_previous_close() {
    let m = market();
    let early = m.candles("BTC-28SEP18", all_time());
    assert_eq!(early.len(), m.candle_count("BTC-28SEP18"));
    let early_share = check_series("BTC-28SEP18", &early, 120);
    assert!(
        early[0].volume > 0.0,
        "the first minute of an instrument trades"
    );
    let week = m.candles("BTC-31MAY24", all_time());
    check_series("BTC-31MAY24", &week, 120);
    let perp = m.candles(
        "BTC-PERPETUAL",
        TimeRange::new(ms("2024-05-01"), ms("2024-05-08")).unwrap(),
    );
    let perp_share = check_series("BTC-PERPETUAL", &perp, 120);
    let eth_early = m.candles(
        "ETH-PERPETUAL",
        TimeRange::new(ms("2019-03-14"), ms("2019-03-21")).unwrap(),
    );
    let eth_share = check_series("ETH-PERPETUAL", &eth_early, 120);
    let usdc = m.candles(
        "ETH_USDC-PERPETUAL",
        TimeRange::new(ms("2023-01-01"), ms("2023-01-03")).unwrap(),
    );
    check_series("ETH_USDC-PERPETUAL", &usdc, 120);
    // Far expiries and early years are more illiquid.
    assert!(early_share > 0.5, "{early_share}");
    assert!(perp_share < 0.05, "{perp_share}");
    assert!(eth_share > perp_share);
    // Linear volumes are whole contracts of 0.001 ETH; inverse costs whole contracts of 1 USD.
    for c in &usdc {
        let contracts = c.volume * 1000.0;
        assert!((contracts - contracts.round()).abs() < 1e-6, "{c:?}");
    }
    for c in &eth_early {
        assert_eq!(c.cost, c.cost.round());
    }
    // BTC inverse: cost is contracts × 10 USD, volume ≈ cost / price.
    for c in perp.iter().filter(|c| c.volume > 0.0) {
        assert_eq!(c.cost % 10.0, 0.0);
        let implied = c.cost / c.volume;
        assert!(
            implied >= c.low * 0.999 && implied <= c.high * 1.001,
            "{c:?}"
        );
    }
}

#[test]
fn levels_are_plausible() {
    let m = market();
    let close_at = |name: &str, t: &str| {
        let t = ms(t);
        m.candles(name, TimeRange::new(t, t + MIN).unwrap())[0].close
    };
    let b18 = close_at("BTC-PERPETUAL", "2018-09-01");
    let b21 = close_at("BTC-PERPETUAL", "2021-10-15");
    let e19 = close_at("ETH-PERPETUAL", "2019-06-01");
    let e21 = close_at("ETH-PERPETUAL", "2021-11-01");
    assert!((4_000.0..10_000.0).contains(&b18), "{b18}");
    assert!((35_000.0..120_000.0).contains(&b21), "{b21}");
    assert!((80.0..600.0).contains(&e19), "{e19}");
    assert!((2_000.0..8_000.0).contains(&e21), "{e21}");
}

#[test]
fn futures_converge_to_the_delivery_price_and_perpetuals_track_the_index() {
    let m = market();
    for name in [
        "BTC-27SEP19",
        "BTC-29MAR24",
        "ETH-26APR24",
        "BTC-31MAY24",
        "ETH-27DEC19",
    ] {
        let spec = m.instrument(name).unwrap();
        let idx = IndexName {
            coin: spec.coin,
            usdc: false,
        };
        let delivery = m.delivery_price(idx, date_of(spec.expiration_timestamp));
        assert_eq!(delivery.ts, spec.expiration_timestamp);
        let last = *m.candles(name, all_time()).last().unwrap();
        let gap = (last.close / delivery.price - 1.0).abs();
        assert!(
            gap < 0.004,
            "{name}: last close {} vs delivery {}",
            last.close,
            delivery.price
        );
    }
    // Six months out a quarterly trades at a premium that shrinks towards expiry.
    let spec = m.instrument("BTC-29MAR24").unwrap();
    let basis_at = |t: i64| {
        let c = m.candles("BTC-29MAR24", TimeRange::new(t, t + 1_440 * MIN).unwrap());
        let mut b: Vec<f64> = c
            .iter()
            .map(|c| {
                c.close / m.index_value(IndexName::parse("btc_usd").unwrap(), c.ts + MIN) - 1.0
            })
            .collect();
        b.sort_by(f64::total_cmp);
        b[b.len() / 2]
    };
    let far = basis_at(spec.expiration_timestamp - 180 * 1_440 * MIN);
    let near = basis_at(spec.expiration_timestamp - 3 * 1_440 * MIN);
    assert!(
        far.abs() > near.abs(),
        "basis {far} six months out, {near} three days out"
    );
    assert!(near.abs() < 0.003);
    let perp = m.candles(
        "BTC-PERPETUAL",
        TimeRange::new(ms("2022-06-10"), ms("2022-06-12")).unwrap(),
    );
    for c in &perp {
        let i = m.index_value(IndexName::parse("btc_usd").unwrap(), c.ts + MIN);
        assert!((c.close / i - 1.0).abs() < 0.01, "{c:?} vs index {i}");
    }
}

#[test]
fn funding_follows_the_perpetual_premium() {
    let m = market();
    let range = TimeRange::new(ms("2021-03-01"), ms("2021-03-21")).unwrap();
    let rows = m.funding("BTC-PERPETUAL", range);
    let spec = m.instrument("BTC-PERPETUAL").unwrap();
    let gap_hours = (range.start..range.end)
        .step_by(HOUR as usize)
        .filter(|h| m.is_funding_gap(&spec, *h))
        .count();
    assert!(gap_hours > 0, "20 days hold a funding gap (seeded)");
    assert_eq!(rows.len(), 20 * 24 - gap_hours);
    let candles = m.candles(
        "BTC-PERPETUAL",
        TimeRange::new(range.start - 8 * HOUR, range.end).unwrap(),
    );
    let idx = IndexName::parse("btc_usd").unwrap();
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.ts % HOUR, 0);
        if i > 0 && r.ts - rows[i - 1].ts == HOUR {
            assert_eq!(r.prev_index_price, rows[i - 1].index_price);
        }
        if i > 0 && r.ts - rows[i - 1].ts > HOUR {
            // After a gap, the previous index is still the index an hour earlier.
            let prev = m.index_value(idx, r.ts - HOUR);
            assert!((r.prev_index_price.unwrap() - prev).abs() <= 0.005 + 1e-9);
        }
        let index_price = r.index_price.unwrap();
        assert!((index_price - m.index_value(idx, r.ts)).abs() <= 0.005 + 1e-9);
        r.check().unwrap();
        // Mean premium of the perpetual's closes over the trailing 8 hours.
        let window: Vec<f64> = candles
            .iter()
            .filter(|c| c.ts + MIN > r.ts - 8 * HOUR && c.ts + MIN <= r.ts)
            .map(|c| c.close / m.index_value(idx, c.ts + MIN) - 1.0)
            .collect();
        xs.push(window.iter().sum::<f64>() / window.len() as f64);
        ys.push(r.interest_8h.unwrap());
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(&xs), mean(&ys));
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let vx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let vy: f64 = ys.iter().map(|y| (y - my) * (y - my)).sum();
    let corr = cov / (vx * vy).sqrt();
    assert!(
        corr > 0.7,
        "interest_8h vs the perpetual's premium: correlation {corr}"
    );
    assert!(rows.iter().any(|r| r.interest_1h != Some(0.0)));
    assert!(
        m.funding("BTC-31MAY24", range).is_empty(),
        "futures have no funding"
    );
}

#[tokio::test]
async fn served_funding_pages_equal_the_truth() {
    let h = spawn().await;
    let m = h.market();
    let name = "ETH_USDC-PERPETUAL";
    let end = now_ms();
    // 1,000 hours asked: the newest 744, end inclusive.
    let a = get(
        &h,
        "get_funding_rate_history",
        &[
            ("instrument_name", name),
            ("start_timestamp", &(end - 1_000 * HOUR).to_string()),
            ("end_timestamp", &end.to_string()),
        ],
    )
    .await;
    let rows = a.result().as_array().unwrap();
    // The newest 744 hours, less the hours in the series' gaps.
    let want: Vec<i64> = m
        .funding(name, TimeRange::new(end - 743 * HOUR, end + 1).unwrap())
        .iter()
        .map(|r| r.ts)
        .collect();
    let served: Vec<i64> = rows
        .iter()
        .map(|r| r["timestamp"].as_i64().unwrap())
        .collect();
    assert_eq!(served, want);
    assert!(want.len() <= 744 && want.len() > 700);
    assert_eq!(want.last(), Some(&end));
    // Page back to creation with end = first - 1 (start exclusive, so start = end - 744h).
    let mut got = Vec::new();
    let mut end = now_ms();
    loop {
        let a = get(
            &h,
            "get_funding_rate_history",
            &[
                ("instrument_name", name),
                ("start_timestamp", &(end - 744 * HOUR).to_string()),
                ("end_timestamp", &end.to_string()),
            ],
        )
        .await;
        let rows = a.result().as_array().unwrap().clone();
        if rows.is_empty() {
            break;
        }
        end = rows[0]["timestamp"].as_i64().unwrap() - 1;
        got.splice(0..0, rows);
    }
    let truth = m.funding(name, all_time());
    assert_eq!(got.len(), truth.len());
    assert_eq!(truth.len(), m.funding_count(name));
    for (g, t) in got.iter().zip(&truth) {
        assert_eq!(g["timestamp"].as_i64().unwrap(), t.ts);
        assert_eq!(g["interest_8h"].as_f64(), t.interest_8h);
        assert_eq!(g["interest_1h"].as_f64(), t.interest_1h);
        assert_eq!(g["index_price"].as_f64(), t.index_price);
        assert_eq!(g["prev_index_price"].as_f64(), t.prev_index_price);
    }
    let spec = m.instrument(name).unwrap();
    assert_eq!(truth[0].ts, m.funding_first_ms(&spec));
    assert!(truth[0].ts > spec.creation_timestamp);
    assert_eq!(
        truth[0].prev_index_price, None,
        "the first row has no previous index"
    );
    assert!(got[0]["prev_index_price"].is_null(), "served as null");
}

#[test]
fn the_universe_follows_the_calendar_with_gaps() {
    let m = market();
    let now = now_ms();
    let list = m.instruments();
    let names: Vec<&str> = list.iter().map(|s| s.instrument_name.as_str()).collect();
    assert_eq!(
        &names[..4],
        [
            "BTC-PERPETUAL",
            "ETH-PERPETUAL",
            "BTC_USDC-PERPETUAL",
            "ETH_USDC-PERPETUAL"
        ]
    );
    let mut ids: Vec<i64> = list.iter().map(|s| s.instrument_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), list.len(), "ids unique");
    let mut uniq = names.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), names.len());
    for s in list.iter().filter(|s| !s.is_perpetual()) {
        let exp = s.expiration_timestamp;
        assert_eq!(exp, expiry_instant_ms(s.name.expiry.unwrap()));
        assert!(s.creation_timestamp < exp && s.creation_timestamp <= now);
        let lead_days = (exp - s.creation_timestamp) / 86_400_000;
        match s.cycle.unwrap() {
            ExpiryCycle::Weekly => {
                assert_eq!(s.settlement_period, SettlementPeriod::Week);
                assert!(lead_days <= 14, "{} {lead_days}", s.instrument_name);
            }
            ExpiryCycle::Monthly => {
                assert_eq!(s.settlement_period, SettlementPeriod::Month);
                assert!(
                    (50..=70).contains(&lead_days),
                    "{} {lead_days}",
                    s.instrument_name
                );
            }
            ExpiryCycle::Quarterly => {
                assert_eq!(s.settlement_period, SettlementPeriod::Month);
                assert!(lead_days <= 371, "{} {lead_days}", s.instrument_name);
            }
        }
        assert_eq!(s.is_active(now), exp > now);
    }
    // Eras: quarterlies from the start, weeklies from 2019, monthlies from 2020.
    let first = |cycle: ExpiryCycle, coin: Coin| {
        list.iter()
            .filter(|s| s.cycle == Some(cycle) && s.coin == coin)
            .map(|s| s.expiration_timestamp)
            .min()
            .unwrap()
    };
    assert!(first(ExpiryCycle::Quarterly, Coin::Btc) < ms("2018-10-01"));
    assert!(first(ExpiryCycle::Weekly, Coin::Btc) > ms("2019-03-01"));
    assert!(first(ExpiryCycle::Monthly, Coin::Btc) > ms("2020-01-01"));
    assert!(first(ExpiryCycle::Quarterly, Coin::Eth) > ms("2019-03-14"));
    // Calendar expiries that never exist: a few skipped weeklies and holiday weeks.
    for coin in Coin::ALL {
        let missing = m.nonexistent_expiries(coin);
        let skipped = missing
            .iter()
            .filter(|(_, w)| *w == Missing::Skipped)
            .count();
        let holidays = missing
            .iter()
            .filter(|(_, w)| *w == Missing::Holiday)
            .count();
        assert!(
            skipped >= 3 && holidays >= 4,
            "{coin:?}: {skipped} skipped, {holidays} holidays"
        );
        for (d, _) in &missing {
            let name =
                deribit_backfill::domain::InstrumentName::future(coin.as_str(), *d).to_string();
            assert!(m.instrument(&name).is_none(), "{name}");
            assert!(!names.contains(&name.as_str()));
        }
    }
    // Totals per instrument.
    let totals = m.totals();
    assert_eq!(totals.len(), list.len());
    let perp = totals
        .iter()
        .find(|t| t.instrument_name == "BTC-PERPETUAL")
        .unwrap();
    let spec = m.instrument("BTC-PERPETUAL").unwrap();
    assert_eq!(
        perp.candles as i64,
        (now - spec.first_minute_ms()) / MIN + 1,
        "a candle for every minute up to now's"
    );
    assert!(perp.funding_rows > 40_000);
    let w = totals
        .iter()
        .find(|t| t.instrument_name == "BTC-31MAY24")
        .unwrap();
    assert_eq!(w.candles, m.candles("BTC-31MAY24", all_time()).len());
    assert_eq!(w.funding_rows, 0);
}

#[test]
fn delivery_prices_are_daily_twaps_of_the_index() {
    let m = market();
    let idx = IndexName::parse("eth_usd").unwrap();
    let d = m.delivery_prices(idx);
    assert_eq!(d.len(), m.delivery_count(idx, now_ms()));
    assert_eq!(d[0].date.to_string(), "2018-08-01");
    for w in d.windows(2) {
        assert_eq!(w[1].ts - w[0].ts, 86_400_000);
    }
    for p in d.iter().step_by(97) {
        let spot = m.index_value(idx, p.ts);
        assert!((p.price / spot - 1.0).abs() < 0.01, "{p:?} vs {spot}");
    }
    let usdc = m.delivery_prices(IndexName::parse("btc_usdc").unwrap());
    assert_eq!(usdc[0].date.to_string(), "2022-03-10");
}

/// The fingerprint of a battery of answers (timing members blanked).
async fn fingerprint(seed: u64) -> u64 {
    let h = spawn_with(|c| c.seed = seed).await;
    let now = now_ms();
    let (s, e) = ((now - 3_000 * MIN).to_string(), now.to_string());
    let mut all = String::new();
    for (method, q) in [
        (
            "get_tradingview_chart_data",
            vec![
                ("instrument_name", "BTC-PERPETUAL"),
                ("start_timestamp", s.as_str()),
                ("end_timestamp", e.as_str()),
                ("resolution", "1"),
            ],
        ),
        (
            "get_tradingview_chart_data",
            vec![
                ("instrument_name", "ETH-27SEP24"),
                ("start_timestamp", "0"),
                ("end_timestamp", e.as_str()),
                ("resolution", "60"),
            ],
        ),
        (
            "get_funding_rate_history",
            vec![
                ("instrument_name", "ETH-PERPETUAL"),
                ("start_timestamp", "0"),
                ("end_timestamp", e.as_str()),
            ],
        ),
        ("get_instruments", vec![]),
        ("get_instruments", vec![("expired", "true")]),
        (
            "get_delivery_prices",
            vec![("index_name", "btc_usd"), ("count", "1000")],
        ),
        (
            "get_last_trades_by_instrument_and_time",
            vec![
                ("instrument_name", "BTC-28JUN24"),
                ("end_timestamp", e.as_str()),
                ("count", "1000"),
            ],
        ),
        (
            "get_index_chart_data",
            vec![("index_name", "eth_usdc"), ("range", "all")],
        ),
        ("get_index_price", vec![("index_name", "btc_usd")]),
    ] {
        let a = get(&h, method, &q).await;
        assert_eq!(a.status, 200, "{method}: {}", a.text);
        all.push_str(&strip_timing(&a.text));
    }
    fnv1a(all.as_bytes())
}

#[tokio::test]
async fn same_seed_same_bytes_across_servers_and_processes() {
    if std::env::var("SIM_FINGERPRINT_CHILD").is_ok() {
        println!("FINGERPRINT={}", fingerprint(42).await);
        return;
    }
    let a = fingerprint(42).await;
    let b = fingerprint(42).await;
    assert_eq!(a, b, "two servers, same seed");
    assert_ne!(a, fingerprint(43).await, "another seed, another market");
    // Another process: this test binary again, in child mode.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "same_seed_same_bytes_across_servers_and_processes",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SIM_FINGERPRINT_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let child: u64 = stdout
        .lines()
        .find_map(|l| l.split_once("FINGERPRINT=").map(|(_, v)| v))
        .unwrap_or_else(|| panic!("child printed no fingerprint: {stdout}"))
        .trim()
        .parse()
        .unwrap();
    assert_eq!(a, child, "same bytes in another process");
}

#[test]
fn config_market_equals_server_market() {
    let c = SimConfig {
        seed: 5,
        ..config()
    };
    let a = c.market();
    let b = c.market();
    let r = TimeRange::new(ms("2020-05-05"), ms("2020-05-06")).unwrap();
    assert_eq!(a.candles("ETH-PERPETUAL", r), b.candles("ETH-PERPETUAL", r));
    let other = SimConfig {
        seed: 6,
        ..config()
    }
    .market();
    assert_ne!(
        a.candles("ETH-PERPETUAL", r),
        other.candles("ETH-PERPETUAL", r)
    );
}
