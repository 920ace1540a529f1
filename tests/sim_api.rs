//! Response shapes of every method against the real examples in deribit-api.md: envelope,
//! field names and types, which keys are present, errors.

mod sim_support;

use serde_json::{Value, json};
use sim_support::*;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

/// GET envelope: jsonrpc, result|error, usIn, usOut, usDiff, testnet:false, and no id.
fn assert_get_envelope(a: &Answer, member: &str) {
    assert_eq!(
        keys(&a.json),
        sorted(&["jsonrpc", member, "usIn", "usOut", "usDiff", "testnet"]),
        "{}",
        a.text
    );
    assert_eq!(a.json["jsonrpc"], "2.0");
    assert_eq!(a.json["testnet"], false);
    let (us_in, us_out, diff) = (
        a.json["usIn"].as_i64().unwrap(),
        a.json["usOut"].as_i64().unwrap(),
        a.json["usDiff"].as_i64().unwrap(),
    );
    assert_eq!(us_out - us_in, diff);
    assert!(diff >= 0);
}

#[tokio::test]
async fn get_time_envelope_like_the_real_capture() {
    let h = spawn().await;
    let a = get(&h, "get_time", &[]).await;
    assert_eq!(a.status, 200);
    assert_get_envelope(&a, "result");
    assert_eq!(a.result().as_i64(), Some(now_ms()), "simulated now");
    // usIn is the simulated clock in µs.
    assert_eq!(a.json["usIn"].as_i64().unwrap() / 1000, now_ms());
    assert!(
        a.text.starts_with("{\"jsonrpc\":\"2.0\",\"result\":"),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn post_echoes_the_id_and_get_has_none() {
    let h = spawn().await;
    for id in [json!(833), json!("abc"), json!(0)] {
        let a = post(
            &h,
            json!({"jsonrpc": "2.0", "id": id, "method": "public/get_time", "params": {}}),
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json["id"], id);
        assert_eq!(a.result().as_i64(), Some(now_ms()));
    }
    // Params in a POST body, typed as JSON numbers.
    let t = now_ms();
    let a = post(
        &h,
        json!({"jsonrpc": "2.0", "id": 7, "method": "public/get_tradingview_chart_data",
               "params": {"instrument_name": "BTC-PERPETUAL", "start_timestamp": t - 10 * MIN,
                          "end_timestamp": t - MIN, "resolution": "1"}}),
    )
    .await;
    assert_eq!(a.json["id"], 7);
    assert_eq!(a.result()["ticks"].as_array().unwrap().len(), 10);
    // Errors on POST echo the id too.
    let a = post(
        &h,
        json!({"jsonrpc": "2.0", "id": 9, "method": "public/nope"}),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json["id"], 9);
    assert_eq!(a.error()["code"], -32601);
    // Malformed JSON.
    let r = client()
        .post(format!("{}/api/v2", h.base_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], -32700);
}

#[tokio::test]
async fn chart_data_shape_matches_the_real_capture() {
    let h = spawn().await;
    let end = now_ms() - MIN;
    let a = chart(&h, "BTC-PERPETUAL", end - 2 * MIN, end, "1").await;
    assert_eq!(a.status, 200);
    assert_get_envelope(&a, "result");
    let r = a.result();
    assert_eq!(
        keys(r),
        sorted(&[
            "volume", "ticks", "status", "open", "low", "high", "cost", "close"
        ])
    );
    assert_eq!(r["status"], "ok");
    // Wire key order as the exchange sends it.
    let body = &a.text;
    let pos = |k: &str| body.find(&format!("\"{k}\":")).unwrap();
    let order = [
        "volume", "ticks", "status", "open", "low", "high", "cost", "close",
    ];
    assert!(order.windows(2).all(|w| pos(w[0]) < pos(w[1])), "{body}");
    assert_eq!(r["ticks"], json!([end - 2 * MIN, end - MIN, end]));
    for k in ["volume", "open", "low", "high", "cost", "close"] {
        for x in r[k].as_array().unwrap() {
            // Floats like 63464.5, integers like 0, exponents like 6.25E+3 (§8.4).
            assert!(x.is_number(), "{k} values are numbers: {x}");
        }
    }
    for t in r["ticks"].as_array().unwrap() {
        assert!(t.is_i64());
    }
}

#[tokio::test]
async fn no_data_is_exactly_the_real_capture() {
    let h = spawn().await;
    // The year-2001 window of the real capture.
    let a = chart(&h, "BTC-PERPETUAL", 978_307_200_000, 978_393_600_000, "1").await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.result(),
        &json!({"volume":[],"ticks":[],"status":"no_data","open":[],"low":[],"high":[],"cost":[],"close":[]})
    );
}

#[tokio::test]
async fn errors_are_http_400_with_the_real_bodies() {
    let h = spawn().await;
    let t = now_ms().to_string();
    let a = chart(&h, "BTC-1JAN99", 0, now_ms(), "1").await;
    assert_eq!(a.status, 400);
    assert_get_envelope(&a, "error");
    assert_eq!(
        a.error(),
        &json!({"message":"Invalid params","data":{"reason":"instrument not found","param":"instrument_name"},"code":-32602})
    );
    let a = chart(&h, "BTC-PERPETUAL", 0, now_ms(), "7").await;
    assert_eq!(a.status, 400);
    assert_eq!(a.reason(), "unsupported resolution");
    assert_eq!(a.error()["data"]["param"], "resolution");
    let a = get(
        &h,
        "get_tradingview_chart_data",
        &[
            ("instrument_name", "BTC-PERPETUAL"),
            ("start_timestamp", "0"),
            ("resolution", "1"),
        ],
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.error()["code"], -32602);
    assert_eq!(a.reason(), "value is required");
    assert_eq!(a.error()["data"]["param"], "end_timestamp");
    let a = get(
        &h,
        "get_tradingview_chart_data",
        &[
            ("instrument_name", "BTC-PERPETUAL"),
            ("start_timestamp", "yesterday"),
            ("end_timestamp", &t),
            ("resolution", "1"),
        ],
    )
    .await;
    assert_eq!(a.reason(), "wrong format");
    assert_eq!(a.error()["data"]["param"], "start_timestamp");
    let a = get(&h, "nope", &[]).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error(),
        &json!({"message":"Method not found","code":-32601})
    );
    let r = client()
        .get(format!(
            "{}/api/v2/private/get_account_summary",
            h.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["error"],
        json!({"message":"unauthorized","data":{"reason":"invalid_token"},"code":13009})
    );
}

const INSTRUMENT_FIELDS: [&str; 33] = [
    "tick_size",
    "tick_size_steps",
    "taker_commission",
    "state",
    "settlement_period",
    "settlement_currency",
    "quote_currency",
    "max_non_default_leverage",
    "product_group",
    "underlying_type",
    "lot_size",
    "index_id",
    "base_currency_uuid",
    "quote_currency_uuid",
    "price_index",
    "min_trade_amount",
    "max_liquidation_commission",
    "max_leverage",
    "maker_commission",
    "kind",
    "is_active",
    "instrument_type",
    "future_type",
    "instrument_name",
    "instrument_id",
    "expiration_timestamp",
    "creation_timestamp",
    "counter_currency",
    "contract_size",
    "block_trade_tick_size",
    "block_trade_min_trade_amount",
    "block_trade_commission",
    "base_currency",
];

fn assert_instrument_types(o: &Value) {
    assert_eq!(keys(o), sorted(&INSTRUMENT_FIELDS), "{o}");
    for k in [
        "instrument_id",
        "creation_timestamp",
        "expiration_timestamp",
        "max_leverage",
    ] {
        assert!(o[k].is_i64(), "{k} is an integer: {o}");
    }
    for k in [
        "tick_size",
        "taker_commission",
        "maker_commission",
        "min_trade_amount",
        "contract_size",
        "max_liquidation_commission",
        "block_trade_commission",
        "block_trade_min_trade_amount",
        "block_trade_tick_size",
    ] {
        assert!(o[k].is_number(), "{k} is a number: {o}");
    }
    for k in [
        "instrument_name",
        "kind",
        "settlement_period",
        "settlement_currency",
        "base_currency",
        "quote_currency",
        "counter_currency",
        "instrument_type",
        "future_type",
        "price_index",
        "state",
    ] {
        assert!(o[k].is_string(), "{k} is a string: {o}");
    }
    assert!(
        o["is_active"].is_boolean() && o.get("rfq").is_none(),
        "2026 rows have no rfq"
    );
    assert!(o["tick_size_steps"].is_array());
}

#[tokio::test]
async fn instruments_have_every_field_and_the_real_values() {
    let h = spawn().await;
    let a = get(&h, "get_instruments", &[]).await;
    let list = a.result().as_array().unwrap().clone();
    assert!(list.len() > 10);
    for o in &list {
        assert_instrument_types(o);
        assert_eq!(o["is_active"], true);
        assert_eq!(o["kind"], "future");
    }
    let find = |name: &str| list.iter().find(|o| o["instrument_name"] == name).cloned();
    // Mainnet BTC-PERPETUAL values (deribit-api.md §1.1).
    let p = find("BTC-PERPETUAL").unwrap();
    assert_eq!(p["creation_timestamp"], 1_534_242_287_000i64);
    assert_eq!(p["instrument_id"], 210_838);
    assert_eq!(p["expiration_timestamp"], 32_503_708_800_000i64);
    assert_eq!(p["settlement_period"], "perpetual");
    assert_eq!(p["tick_size"], 0.5);
    assert_eq!(p["contract_size"], 10.0);
    assert_eq!(p["min_trade_amount"], 10.0);
    assert_eq!(p["instrument_type"], "reversed");
    assert_eq!(p["price_index"], "btc_usd");
    assert_eq!(p["quote_currency"], "USD");
    assert_eq!(p["counter_currency"], "USD");
    assert_eq!(p["settlement_currency"], "BTC");
    assert_eq!(p["base_currency"], "BTC");
    // The 2026 BTC_USDC-PERPETUAL capture.
    let u = find("BTC_USDC-PERPETUAL").unwrap();
    for (k, v) in [
        ("instrument_type", json!("linear")),
        ("settlement_currency", json!("USDC")),
        ("quote_currency", json!("USDC")),
        ("counter_currency", json!("USDC")),
        ("contract_size", json!(0.0001)),
        ("min_trade_amount", json!(0.0001)),
        ("tick_size", json!(0.1)),
        ("creation_timestamp", json!(1_646_824_342_000i64)),
        ("instrument_id", json!(211_704)),
        ("state", json!("open")),
        ("price_index", json!("btc_usdc")),
    ] {
        assert_eq!(u[k], v, "{k}");
    }
    // Futures: 08:00 expiries, `week`/`month` periods, created before now.
    let futures: Vec<&Value> = list
        .iter()
        .filter(|o| o["settlement_period"] != "perpetual")
        .collect();
    assert!(futures.len() >= 6);
    for f in &futures {
        let exp = f["expiration_timestamp"].as_i64().unwrap();
        assert_eq!(exp % 86_400_000, 8 * HOUR, "{f}");
        assert!(["week", "month"].contains(&f["settlement_period"].as_str().unwrap()));
        assert!(f["creation_timestamp"].as_i64().unwrap() <= now_ms());
        assert!(exp > now_ms());
    }
    // Quarterly BTC-27SEP24 reports `month`.
    assert_eq!(find("BTC-27SEP24").unwrap()["settlement_period"], "month");
}

#[tokio::test]
async fn instrument_filters() {
    let h = spawn().await;
    let names = |a: &Answer| -> Vec<String> {
        a.result()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["instrument_name"].as_str().unwrap().to_string())
            .collect()
    };
    let all = names(&get(&h, "get_instruments", &[]).await);
    let btc = names(&get(&h, "get_instruments", &[("currency", "BTC")]).await);
    let eth = names(
        &get(
            &h,
            "get_instruments",
            &[("currency", "ETH"), ("kind", "future")],
        )
        .await,
    );
    let usdc = names(&get(&h, "get_instruments", &[("currency", "USDC")]).await);
    assert!(btc.iter().all(|n| n.starts_with("BTC-")));
    assert!(eth.iter().all(|n| n.starts_with("ETH-")));
    assert_eq!(usdc, vec!["BTC_USDC-PERPETUAL", "ETH_USDC-PERPETUAL"]);
    assert_eq!(
        all.len(),
        btc.len() + eth.len() + usdc.len(),
        "no currency = everything"
    );
    let any = names(&get(&h, "get_instruments", &[("currency", "any")]).await);
    assert_eq!(any, all);
    for q in [
        [("currency", "USDT"), ("kind", "future")],
        [("currency", "BTC"), ("kind", "option")],
    ] {
        assert!(names(&get(&h, "get_instruments", &q).await).is_empty());
    }
    let expired = get(
        &h,
        "get_instruments",
        &[("currency", "BTC"), ("expired", "true")],
    )
    .await;
    let list = expired.result().as_array().unwrap();
    assert!(!list.is_empty());
    for o in list {
        let exp = o["expiration_timestamp"].as_i64().unwrap();
        assert!(exp <= now_ms() && now_ms() - exp <= 30 * 86_400_000, "{o}");
        assert_eq!(o["is_active"], false);
        assert_eq!(o["state"], "closed");
    }
    let a = get(&h, "get_instruments", &[("currency", "XRP")]).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.reason(), "invalid currency");
    let a = get(&h, "get_instruments", &[("expired", "maybe")]).await;
    assert_eq!(a.reason(), "wrong format");

    let one = get(&h, "get_instrument", &[("instrument_name", "ETH-28JUN24")]).await;
    assert_instrument_types(one.result());
    assert_eq!(one.result()["instrument_name"], "ETH-28JUN24");
    let a = get(&h, "get_instrument", &[("instrument_name", "ETH-28JUN99")]).await;
    assert_eq!(a.reason(), "instrument not found");
}

#[tokio::test]
async fn funding_history_rows_and_bounds_like_the_legacy_example() {
    let h = spawn().await;
    // start 00:00 exclusive, end 04:00 inclusive → 01:00..04:00.
    let start = ms("2019-10-01T00:00:00Z");
    let a = get(
        &h,
        "get_funding_rate_history",
        &[
            ("instrument_name", "BTC-PERPETUAL"),
            ("start_timestamp", &start.to_string()),
            ("end_timestamp", &(start + 4 * HOUR).to_string()),
        ],
    )
    .await;
    let rows = a.result().as_array().unwrap();
    let ts: Vec<i64> = rows
        .iter()
        .map(|r| r["timestamp"].as_i64().unwrap())
        .collect();
    // Every hour but those in a gap of the series (seeded; deribit-api.md §8.3).
    let spec = h.market().instrument("BTC-PERPETUAL").unwrap();
    let want: Vec<i64> = (1..=4)
        .map(|i| start + i * HOUR)
        .filter(|t| !h.market().is_funding_gap(&spec, *t))
        .collect();
    assert_eq!(ts, want);
    assert!(!ts.is_empty());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            keys(r),
            sorted(&[
                "timestamp",
                "index_price",
                "prev_index_price",
                "interest_8h",
                "interest_1h"
            ])
        );
        for k in [
            "index_price",
            "prev_index_price",
            "interest_8h",
            "interest_1h",
        ] {
            assert!(r[k].is_number(), "{r}");
        }
        if i > 0 && ts[i] - ts[i - 1] == HOUR {
            assert_eq!(r["prev_index_price"], rows[i - 1]["index_price"]);
        }
    }
    let v = get(
        &h,
        "get_funding_rate_value",
        &[
            ("instrument_name", "BTC-PERPETUAL"),
            ("start_timestamp", &start.to_string()),
            ("end_timestamp", &(start + 4 * HOUR).to_string()),
        ],
    )
    .await;
    let sum: f64 = rows
        .iter()
        .map(|r| r["interest_1h"].as_f64().unwrap())
        .sum();
    assert!((v.result().as_f64().unwrap() - sum).abs() < 1e-15);
    let c = get(
        &h,
        "get_funding_chart_data",
        &[("instrument_name", "BTC-PERPETUAL"), ("length", "8h")],
    )
    .await;
    let r = c.result();
    assert_eq!(
        keys(r),
        sorted(&["current_interest", "interest_8h", "data"])
    );
    let data = r["data"].as_array().unwrap();
    assert_eq!(data.len(), 8);
    assert_eq!(
        keys(&data[0]),
        sorted(&["timestamp", "index_price", "interest_8h"])
    );
    let bad = get(
        &h,
        "get_funding_chart_data",
        &[("instrument_name", "BTC-PERPETUAL"), ("length", "2h")],
    )
    .await;
    assert_eq!(bad.reason(), "wrong format");
}

#[tokio::test]
async fn index_methods() {
    let h = spawn().await;
    let a = get(&h, "get_index_price", &[("index_name", "btc_usd")]).await;
    assert_eq!(
        keys(a.result()),
        sorted(&["index_price", "estimated_delivery_price"])
    );
    let p = a.result()["index_price"].as_f64().unwrap();
    assert!(p > 1_000.0);
    assert_eq!(p, h.market().index_price("btc_usd".parse_index(), now_ms()));
    let names = get(&h, "get_index_price_names", &[]).await;
    assert_eq!(
        names.result(),
        &json!(["btc_usd", "eth_usd", "btc_usdc", "eth_usdc"])
    );
    let ext = get(&h, "get_index_price_names", &[("extended", "true")]).await;
    assert_eq!(ext.result()[0]["name"], "btc_usd");
    let chart = get(
        &h,
        "get_index_chart_data",
        &[("index_name", "eth_usd"), ("range", "1m")],
    )
    .await;
    let pts = chart.result().as_array().unwrap();
    assert!(pts.len() >= 720);
    for w in pts.windows(2) {
        assert_eq!(w[1][0].as_i64().unwrap() - w[0][0].as_i64().unwrap(), HOUR);
    }
    assert!(pts[0][1].is_f64());
    assert_eq!(pts.last().unwrap()[0].as_i64().unwrap(), now_ms());
    let a = get(&h, "get_index_price", &[("index_name", "doge_usd")]).await;
    assert_eq!(a.status, 400);
    let idx = get(&h, "get_index", &[("currency", "BTC")]).await;
    assert_eq!(keys(idx.result()), sorted(&["BTC", "edp"]));
}

trait ParseIndex {
    fn parse_index(&self) -> deribit_backfill::sim::IndexName;
}

impl ParseIndex for str {
    fn parse_index(&self) -> deribit_backfill::sim::IndexName {
        deribit_backfill::sim::IndexName::parse(self).unwrap()
    }
}

#[tokio::test]
async fn delivery_prices_newest_first_with_paging() {
    let h = spawn().await;
    let a = get(
        &h,
        "get_delivery_prices",
        &[("index_name", "btc_usd"), ("count", "3")],
    )
    .await;
    let r = a.result();
    assert_eq!(keys(r), sorted(&["data", "records_total"]));
    let total = r["records_total"].as_i64().unwrap();
    // 2018-08-01 .. 2024-06-01 inclusive (08:00 of the last day has passed at 12:00).
    assert_eq!(total, 2132);
    let data = r["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["date"], "2024-06-01");
    assert_eq!(data[1]["date"], "2024-05-31");
    assert!(data[0]["delivery_price"].is_f64());
    let p = get(
        &h,
        "get_delivery_prices",
        &[("index_name", "btc_usd"), ("offset", "2"), ("count", "2")],
    )
    .await;
    assert_eq!(p.result()["data"][0], data[2]);
    let last = get(
        &h,
        "get_delivery_prices",
        &[
            ("index_name", "btc_usd"),
            ("offset", &(total - 1).to_string()),
        ],
    )
    .await;
    assert_eq!(
        last.result()["data"],
        json!([last.result()["data"][0].clone()])
    );
    assert_eq!(last.result()["data"][0]["date"], "2018-08-01");
    let truth = h.market().delivery_prices("btc_usd".parse_index());
    assert_eq!(truth.len() as i64, total);
    assert_eq!(
        truth.last().unwrap().price,
        data[0]["delivery_price"].as_f64().unwrap()
    );
    let usdc = get(&h, "get_delivery_prices", &[("index_name", "eth_usdc")]).await;
    assert!(usdc.result()["records_total"].as_i64().unwrap() < total);
}

#[tokio::test]
async fn trades_shape_like_the_legacy_example_and_consistent_with_candles() {
    let h = spawn().await;
    let start = now_ms() - 30 * MIN;
    let end = now_ms() - MIN - 1;
    let a = get(
        &h,
        "get_last_trades_by_instrument_and_time",
        &[
            ("instrument_name", "ETH-PERPETUAL"),
            ("start_timestamp", &start.to_string()),
            ("end_timestamp", &end.to_string()),
            ("count", "1000"),
            ("sorting", "asc"),
            ("include_old", "true"),
        ],
    )
    .await;
    let r = a.result();
    assert_eq!(keys(r), sorted(&["trades", "has_more"]));
    assert_eq!(r["has_more"], false);
    let trades = r["trades"].as_array().unwrap();
    assert!(trades.len() > 20);
    for t in trades {
        assert_eq!(
            keys(t),
            sorted(&[
                "trade_seq",
                "trade_id",
                "timestamp",
                "tick_direction",
                "price",
                "mark_price",
                "instrument_name",
                "index_price",
                "direction",
                "amount",
                "contracts"
            ])
        );
        assert!(t["trade_id"].as_str().unwrap().starts_with("ETH-"));
        assert!(t["trade_seq"].is_i64() && t["timestamp"].is_i64());
        assert!((0..=3).contains(&t["tick_direction"].as_i64().unwrap()));
        assert!(["buy", "sell"].contains(&t["direction"].as_str().unwrap()));
        assert_eq!(t["instrument_name"], "ETH-PERPETUAL");
    }
    // The candles are the trades' aggregates.
    let candles = chart_rows(chart(&h, "ETH-PERPETUAL", start, end, "1").await.result());
    for c in &candles {
        let mine: Vec<&Value> = trades
            .iter()
            .filter(|t| {
                let ts = t["timestamp"].as_i64().unwrap();
                ts >= c.ts && ts < c.ts + MIN
            })
            .collect();
        if c.volume == 0.0 {
            assert!(mine.is_empty());
            continue;
        }
        let px = |t: &Value| t["price"].as_f64().unwrap();
        assert_eq!(px(mine[0]), c.open);
        assert_eq!(px(mine.last().unwrap()), c.close);
        assert_eq!(mine.iter().map(|t| px(t)).fold(f64::MIN, f64::max), c.high);
        assert_eq!(mine.iter().map(|t| px(t)).fold(f64::MAX, f64::min), c.low);
        let usd: f64 = mine.iter().map(|t| t["amount"].as_f64().unwrap()).sum();
        assert_eq!(usd, c.cost, "ETH-PERPETUAL cost is USD: contracts x 1");
    }
    // Newest first by default, with has_more when capped.
    let d = get(
        &h,
        "get_last_trades_by_instrument_and_time",
        &[
            ("instrument_name", "ETH-PERPETUAL"),
            ("start_timestamp", &start.to_string()),
            ("end_timestamp", &end.to_string()),
            ("count", "5"),
        ],
    )
    .await;
    let dt = d.result()["trades"].as_array().unwrap();
    assert_eq!(dt.len(), 5);
    assert_eq!(d.result()["has_more"], true);
    assert_eq!(dt[0], trades[trades.len() - 1]);
    assert!(dt[0]["timestamp"].as_i64() >= dt[4]["timestamp"].as_i64());
}

#[tokio::test]
async fn status_test_currencies() {
    let h = spawn().await;
    let s = get(&h, "status", &[]).await;
    assert_eq!(s.result()["locked"], "false", "a string, not a bool");
    let t = get(&h, "test", &[]).await;
    assert_eq!(t.result(), &json!({"version": "1.2.26"}));
    let e = get(&h, "test", &[("expected_result", "exception")]).await;
    assert_eq!(e.status, 400);
    let c = get(&h, "get_currencies", &[]).await;
    let list = c.result().as_array().unwrap();
    let codes: Vec<&str> = list
        .iter()
        .map(|o| o["currency"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"BTC") && codes.contains(&"ETH"));
}

#[tokio::test]
async fn speed_makes_simulated_time_run_faster() {
    let start = now_ms();
    let h = spawn_with(|c| c.clock = deribit_backfill::sim::SimClock::scaled(start, 3_600.0)).await;
    let t0 = std::time::Instant::now();
    let a = get(&h, "get_time", &[]).await.result().as_i64().unwrap();
    let last_tick = |a: &Answer| {
        a.result()["ticks"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_i64()
            .unwrap()
    };
    let c0 = last_tick(&chart(&h, "BTC-PERPETUAL", start - HOUR, start + 10 * HOUR, "1").await);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let b = get(&h, "get_time", &[]).await.result().as_i64().unwrap();
    let wall = t0.elapsed().as_millis() as i64;
    assert!(a >= start);
    let advanced = b - a;
    assert!(
        advanced >= 3_600 * 300 - 5_000,
        "{advanced} ms simulated in {wall} ms"
    );
    assert!(
        advanced <= 3_600 * wall + 5_000,
        "{advanced} ms simulated in {wall} ms"
    );
    // New candles appear as simulated time passes (a minute is about 17 ms of wall time).
    let c1 = last_tick(&chart(&h, "BTC-PERPETUAL", start - HOUR, start + 10 * HOUR, "1").await);
    assert!(c1 >= c0 + 15 * MIN, "{c0} -> {c1}");
}

#[tokio::test]
async fn numbers_as_the_exchange_writes_them() {
    let h = spawn().await;
    let a = get(&h, "get_instruments", &[("currency", "BTC")]).await;
    // Whole numbers as integers, some in exponent notation (deribit-api.md §8.4).
    assert!(a.text.contains("\"contract_size\":10,"), "{}", a.text);
    assert!(
        a.text.contains("\"block_trade_min_trade_amount\":2.0E+5"),
        "{}",
        a.text
    );
    assert!(a.text.contains("\"taker_commission\":5.0E-4"), "{}", a.text);
    let list = a.result().as_array().unwrap();
    let p = list
        .iter()
        .find(|o| o["instrument_name"] == "BTC-PERPETUAL")
        .unwrap();
    assert!(p["contract_size"].is_i64());
    assert_eq!(p["block_trade_min_trade_amount"], 200_000.0);
    // Dated BTC futures of 2023 on have tick 2.5; the perpetual 0.5.
    assert_eq!(p["tick_size"], 0.5);
    for f in list
        .iter()
        .filter(|o| o["settlement_period"] != "perpetual")
    {
        assert_eq!(f["tick_size"], 2.5, "{f}");
    }
}

#[tokio::test]
async fn websocket_only_methods_answer_10030_over_http() {
    let h = spawn().await;
    for m in ["set_heartbeat", "subscribe"] {
        let a = get(&h, m, &[]).await;
        assert_eq!(a.status, 400, "{m}");
        let v: Value = serde_json::from_str(&a.text).unwrap();
        assert_eq!(v["error"]["code"], 10030, "{m}: {}", a.text);
        assert_eq!(v["error"]["message"], "must_be_websocket_request");
    }
}

#[tokio::test]
async fn the_history_path_lists_every_expired_future() {
    let h = spawn().await;
    let q = [("currency", "BTC"), ("kind", "future"), ("expired", "true")];
    let main = get(&h, "get_instruments", &q).await;
    let r = client()
        .get(format!(
            "{}/history/api/v2/public/get_instruments?currency=BTC&kind=future&expired=true",
            h.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let hist: Value = r.json().await.unwrap();
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|o| o["instrument_name"].as_str().unwrap().to_string())
            .collect()
    };
    let (recent, all) = (names(main.result()), names(&hist["result"]));
    assert!(!recent.is_empty());
    assert!(
        recent.iter().all(|n| all.contains(n)),
        "the recent ones too"
    );
    assert!(
        all.len() > 10 * recent.len(),
        "{} expired on the history host, {} on the main one",
        all.len(),
        recent.len()
    );
    assert!(
        all.iter().any(|n| n == "BTC-28SEP18"),
        "back to the first quarterly"
    );
    for o in hist["result"].as_array().unwrap() {
        assert_eq!(o["state"], "closed");
        assert!(o["expiration_timestamp"].as_i64().unwrap() <= now_ms());
    }
}
