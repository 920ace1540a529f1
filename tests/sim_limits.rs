//! Credit-based rate limiting and injected faults, observed by real clients. Timing tests are
//! bounded (a few seconds) and tolerate a noisy machine.

mod sim_support;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use sim_support::*;
use tokio::net::TcpStream;

async fn connect(h: &deribit_backfill::sim::SimHandle) -> TcpStream {
    TcpStream::connect(h.addr()).await.unwrap()
}

fn limited(c: &mut deribit_backfill::sim::SimConfig) {
    c.settings.limits.enabled = true;
}

fn is_10028(a: &RawAnswer) -> bool {
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    v["error"]["code"] == 10028 && v["error"]["message"] == "too_many_requests"
}

#[tokio::test]
async fn a_burst_of_100_passes_and_the_101st_gets_10028_and_a_closed_connection() {
    // Refill off: the pool is exactly 100 requests.
    let h = spawn_with(|c| {
        limited(c);
        c.settings.limits.refill_per_sec = 0;
    })
    .await;
    let mut s = connect(&h).await;
    for i in 0..100 {
        let a = raw_get(&mut s, "/api/v2/public/get_time").await.unwrap();
        assert_eq!(a.status, 200, "request {i} on one keep-alive connection");
    }
    let a = raw_get(&mut s, "/api/v2/public/get_time").await.unwrap();
    assert_eq!(a.status, 429);
    assert!(is_10028(&a), "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.header("connection"), Some("close"));
    assert!(
        is_closed(&mut s, Duration::from_secs(2)).await,
        "session terminated"
    );
    // A new connection is refused too: the pool is per IP, not per connection.
    let mut s2 = connect(&h).await;
    assert_eq!(
        raw_get(&mut s2, "/api/v2/public/get_time")
            .await
            .unwrap()
            .status,
        429
    );
    let st = h.stats();
    assert_eq!(st.rate_limited, 2);
    assert_eq!(st.too_many_requests(), 2);
    assert_eq!(st.requests, 102);
}

#[tokio::test]
async fn default_numbers_burst_then_refill() {
    let h = spawn_with(limited).await;
    let mut s = connect(&h).await;
    let t0 = Instant::now();
    let mut passed = 0;
    loop {
        let a = raw_get(&mut s, "/api/v2/public/get_time").await.unwrap();
        if a.status != 200 {
            assert!(is_10028(&a));
            break;
        }
        passed += 1;
        assert!(passed < 400, "never refused");
    }
    let elapsed_ms = t0.elapsed().as_millis() as i64;
    // 100 from the pool, plus one per 50 ms of refill while the burst ran.
    assert!(passed >= 100, "{passed}");
    assert!(
        passed <= 100 + elapsed_ms / 50 + 1,
        "{passed} in {elapsed_ms} ms"
    );
    // 10,000 credits/s: after 120 ms two more requests pass.
    tokio::time::sleep(Duration::from_millis(120)).await;
    let mut s = connect(&h).await;
    assert_eq!(
        raw_get(&mut s, "/api/v2/public/get_time")
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        raw_get(&mut s, "/api/v2/public/get_time")
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test]
async fn twenty_per_second_sustained_passes_and_fifty_does_not() {
    let h = spawn_with(limited).await;
    let c = client();
    // Spend 60 of the 100-request pool, leaving 40 requests of slack for scheduling jitter.
    for _ in 0..60 {
        assert_eq!(get_with(&c, &h, "get_time", &[]).await.status, 200);
    }
    // 20 req/s for 3 s: refill keeps up (without refill the 60 requests would exceed the 40 left).
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    for i in 0..60 {
        tick.tick().await;
        let a = get_with(&c, &h, "get_time", &[]).await;
        assert_eq!(a.status, 200, "request {i} at 20/s: {}", a.text);
    }
    assert_eq!(h.stats().rate_limited, 0);
    // 50 req/s for 2 s drains the pool.
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut refused = 0;
    for _ in 0..100 {
        tick.tick().await;
        if get_with(&c, &h, "get_time", &[]).await.status == 429 {
            refused += 1;
        }
    }
    assert!(refused > 0);
    assert_eq!(h.stats().rate_limited, refused);
}

#[tokio::test]
async fn get_instruments_costs_10000_and_pools_are_per_ip() {
    let h = spawn_with(limited).await;
    let c = client();
    for i in 0..5 {
        assert_eq!(
            get_with(&c, &h, "get_instruments", &[]).await.status,
            200,
            "{i}"
        );
    }
    let a = get_with(&c, &h, "get_instruments", &[]).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.json["error"]["code"], 10028);
    // Another address on the loopback has its own pool.
    let other = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    assert_eq!(
        get_with(&other, &h, "get_instruments", &[]).await.status,
        200
    );
}

#[tokio::test]
async fn limits_off_and_status_setting() {
    let h = spawn().await; // limits off
    let c = client();
    for _ in 0..300 {
        assert_eq!(get_with(&c, &h, "get_time", &[]).await.status, 200);
    }
    let h = spawn_with(|c| {
        limited(c);
        c.settings.limits.pool = 500;
        c.settings.limits.refill_per_sec = 0;
        c.settings.limits.status = 400;
    })
    .await;
    assert_eq!(get_with(&c, &h, "get_time", &[]).await.status, 200);
    let a = get_with(&c, &h, "get_time", &[]).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json["error"]["code"], 10028);
}

#[tokio::test]
async fn http_5xx() {
    let h = spawn_with(|c| c.settings.faults.http_5xx_probability = 1.0).await;
    let c = client();
    for _ in 0..8 {
        let r = c.get(url(&h, "get_time", &[])).send().await.unwrap();
        let status = r.status().as_u16();
        assert!([500, 502, 503, 504].contains(&status), "{status}");
        assert_eq!(r.headers()["content-type"], "text/html");
        let body = r.text().await.unwrap();
        assert!(body.contains(&status.to_string()) && body.contains("<html>"));
    }
    assert_eq!(h.stats().http_5xx, 8);
    assert_eq!(h.stats().faults_injected(), 8);
}

#[tokio::test]
async fn error_10040_retry() {
    let h = spawn_with(|c| c.settings.faults.retry_probability = 1.0).await;
    let a = get(&h, "get_time", &[]).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.error()["code"], 10040);
    assert_eq!(a.error()["message"], "retry");
    assert_eq!(h.stats().retry, 1);
}

#[tokio::test]
async fn slow_responses_and_latency() {
    let h = spawn_with(|c| {
        c.settings.faults.slow_probability = 1.0;
        c.settings.faults.slow_ms = 300;
        c.settings.faults.latency_ms = 50;
    })
    .await;
    let t = Instant::now();
    let a = get(&h, "get_time", &[]).await;
    assert_eq!(a.status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(350),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(h.stats().slow, 1);
    let h = spawn_with(|c| c.settings.faults.latency_ms = 120).await;
    let t = Instant::now();
    get(&h, "get_time", &[]).await;
    assert!(t.elapsed() >= Duration::from_millis(120));
    assert_eq!(h.stats().slow, 0, "plain latency is not a fault");
}

#[tokio::test]
async fn connection_reset_mid_body() {
    let h = spawn_with(|c| c.settings.faults.reset_probability = 1.0).await;
    let end = now_ms();
    let path = format!(
        "/api/v2/public/get_tradingview_chart_data?instrument_name=BTC-PERPETUAL&start_timestamp={}&end_timestamp={end}&resolution=1",
        end - 1_000 * MIN
    );
    let mut s = connect(&h).await;
    let a = raw_get(&mut s, &path).await.unwrap();
    assert_eq!(a.status, 200);
    assert!(a.content_length > 10_000);
    assert!(
        !a.body.is_empty() && a.body.len() < a.content_length,
        "{} of {} bytes",
        a.body.len(),
        a.content_length
    );
    assert!(is_closed(&mut s, Duration::from_secs(2)).await);
    // A client library sees a body error.
    let r = client().get(format!("{}{path}", h.base_url())).send().await;
    let failed = match r {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed);
    assert_eq!(h.stats().reset, 2);
}

#[tokio::test]
async fn truncated_json() {
    let h = spawn_with(|c| c.settings.faults.truncate_probability = 1.0).await;
    let mut s = connect(&h).await;
    let a = raw_get(&mut s, "/api/v2/public/get_instruments")
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.body.len(), a.content_length, "valid HTTP");
    assert!(a.body.starts_with(b"{\"jsonrpc\":\"2.0\",\"result\":["));
    assert!(
        serde_json::from_slice::<Value>(&a.body).is_err(),
        "cut JSON"
    );
    // The connection stays usable.
    let b = raw_get(&mut s, "/api/v2/public/get_time").await.unwrap();
    assert_eq!(b.status, 200);
    assert_eq!(h.stats().truncated, 2);
}

#[tokio::test]
async fn storms_of_10028() {
    let h = spawn().await;
    h.set_storm(true);
    let mut s = connect(&h).await;
    let a = raw_get(&mut s, "/api/v2/public/get_time").await.unwrap();
    assert_eq!(a.status, 429);
    assert!(is_10028(&a));
    assert_eq!(a.header("connection"), Some("close"));
    assert!(is_closed(&mut s, Duration::from_secs(2)).await);
    h.set_storm(false);
    assert_eq!(get(&h, "get_time", &[]).await.status, 200);
    assert_eq!(h.stats().storm, 1);
    // Scheduled: the last second of every 2-second period.
    let h = spawn_with(|c| {
        c.settings.faults.storm_every_secs = 2;
        c.settings.faults.storm_secs = 1;
    })
    .await;
    let c = client();
    let (mut ok, mut storm) = (0, 0);
    let t = Instant::now();
    while t.elapsed() < Duration::from_millis(2_600) {
        match get_with(&c, &h, "get_time", &[]).await.status {
            200 => ok += 1,
            429 => storm += 1,
            s => panic!("{s}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok > 3 && storm > 3, "{ok} ok, {storm} in storms");
}

#[tokio::test]
async fn maintenance_window() {
    let h = spawn_with(|c| {
        c.settings.faults.maintenance_after_secs = 0;
        c.settings.faults.maintenance_secs = 1;
    })
    .await;
    let s = get(&h, "status", &[]).await;
    assert_eq!(s.result()["locked"], "true");
    assert_eq!(get(&h, "get_time", &[]).await.status, 200);
    let a = chart(&h, "BTC-PERPETUAL", now_ms() - HOUR, now_ms(), "1").await;
    assert_eq!(a.status, 400);
    assert_eq!(a.error()["code"], 11051);
    assert_eq!(a.error()["message"], "system_maintenance");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(get(&h, "status", &[]).await.result()["locked"], "false");
    assert_eq!(
        chart(&h, "BTC-PERPETUAL", now_ms() - HOUR, now_ms(), "1")
            .await
            .status,
        200
    );
    assert_eq!(h.stats().maintenance, 1);
    // By hand.
    h.set_maintenance(true);
    assert_eq!(get(&h, "get_instruments", &[]).await.error()["code"], 11051);
    h.set_maintenance(false);
}

#[tokio::test]
async fn faults_replay_with_the_same_seed() {
    let faulty = |seed: u64| {
        move |c: &mut deribit_backfill::sim::SimConfig| {
            c.settings.faults.seed = Some(seed);
            c.settings.faults.http_5xx_probability = 0.15;
            c.settings.faults.retry_probability = 0.15;
            c.settings.faults.truncate_probability = 0.15;
        }
    };
    async fn outcomes(h: &deribit_backfill::sim::SimHandle) -> Vec<String> {
        let c = client();
        let mut v = Vec::new();
        for _ in 0..40 {
            let a = get_with(&c, h, "get_time", &[]).await;
            let kind = if a.json.is_null() {
                "cut".to_string()
            } else {
                a.json["error"]["code"].to_string()
            };
            v.push(format!("{} {kind}", a.status));
        }
        v
    }
    let a = outcomes(&spawn_with(faulty(11)).await).await;
    let b = outcomes(&spawn_with(faulty(11)).await).await;
    let c = outcomes(&spawn_with(faulty(12)).await).await;
    assert_eq!(a, b, "same fault seed, same faults in the same order");
    assert_ne!(a, c);
    assert!(a.iter().any(|x| x.starts_with("200 null")), "{a:?}");
    assert!(a.iter().any(|x| !x.starts_with("200 null")), "{a:?}");
}
