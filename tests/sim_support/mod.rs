//! Shared helpers of the simulator's integration tests: spawning a simulator with a fixed clock,
//! a keep-alive HTTP client, and a raw HTTP/1.1 connection for observing closes and cuts.
#![allow(dead_code)]

use std::time::Duration;

use deribit_backfill::domain::time::parse_instant;
use deribit_backfill::sim::{self, SimClock, SimConfig, SimHandle};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The fixed "now" most tests run at.
pub const NOW: &str = "2024-06-01T12:00:00Z";

pub fn ms(s: &str) -> i64 {
    parse_instant(s).unwrap()
}

pub fn now_ms() -> i64 {
    ms(NOW)
}

pub const MIN: i64 = 60_000;
pub const HOUR: i64 = 3_600_000;

/// A config frozen at [`NOW`] with the rate limit off (tests send many requests).
pub fn config() -> SimConfig {
    let mut c = SimConfig {
        clock: SimClock::fixed(now_ms()),
        ..SimConfig::default()
    };
    c.settings.limits.enabled = false;
    c
}

pub async fn spawn_with(f: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut c = config();
    f(&mut c);
    sim::spawn(c).await.expect("simulator starts")
}

pub async fn spawn() -> SimHandle {
    spawn_with(|_| {}).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// One answer: HTTP status, body text, and the body parsed (Null if it is not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn result(&self) -> &Value {
        assert!(
            self.json.get("error").is_none(),
            "unexpected error: {}",
            self.text
        );
        &self.json["result"]
    }

    pub fn error(&self) -> &Value {
        assert!(
            self.json.get("result").is_none(),
            "expected an error: {}",
            self.text
        );
        &self.json["error"]
    }

    pub fn reason(&self) -> &str {
        self.error()["data"]["reason"].as_str().unwrap_or("")
    }
}

pub fn url(h: &SimHandle, method: &str, query: &[(&str, &str)]) -> String {
    let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{}/api/v2/public/{method}?{}", h.base_url(), q.join("&"))
}

pub async fn get_with(
    c: &reqwest::Client,
    h: &SimHandle,
    method: &str,
    query: &[(&str, &str)],
) -> Answer {
    let r = c.get(url(h, method, query)).send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, text, json }
}

pub async fn get(h: &SimHandle, method: &str, query: &[(&str, &str)]) -> Answer {
    get_with(&client(), h, method, query).await
}

pub async fn post(h: &SimHandle, body: Value) -> Answer {
    let r = client()
        .post(format!("{}/api/v2", h.base_url()))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, text, json }
}

/// The body with the timing members' values blanked (they are the only non-deterministic
/// bytes).
pub fn strip_timing(body: &str) -> String {
    let mut out = body.to_string();
    for key in ["\"usIn\":", "\"usOut\":", "\"usDiff\":"] {
        if let Some(p) = out.find(key) {
            let start = p + key.len();
            let end = start
                + out[start..]
                    .find(|c: char| !c.is_ascii_digit() && c != '-')
                    .unwrap_or(out.len() - start);
            out.replace_range(start..end, "0");
        }
    }
    out
}

/// An HTTP/1.1 answer read off a raw connection.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Bytes the Content-Length header promised.
    pub content_length: usize,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends a keep-alive GET on `stream` and reads one answer (as much of the body as arrives
/// before the connection ends).
pub async fn raw_get(stream: &mut TcpStream, path: &str) -> std::io::Result<RawAnswer> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    stream.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before headers",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let content_length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < content_length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    Ok(RawAnswer {
        status,
        headers,
        body,
        content_length,
    })
}

/// Whether the server closed `stream` (EOF or reset within `wait`).
pub async fn is_closed(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut b = [0u8; 1];
    matches!(
        tokio::time::timeout(wait, stream.read(&mut b)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

/// Parses a chart `result` into (ticks, open, high, low, close, volume, cost) rows.
pub fn chart_rows(result: &Value) -> Vec<deribit_backfill::domain::rows::Candle> {
    let arr = |k: &str| {
        result[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k} array"))
            .clone()
    };
    let ticks = arr("ticks");
    let n = ticks.len();
    for k in ["open", "high", "low", "close", "volume", "cost"] {
        assert_eq!(arr(k).len(), n, "{k} has as many entries as ticks");
    }
    let f = |k: &str, i: usize| result[k][i].as_f64().unwrap();
    (0..n)
        .map(|i| deribit_backfill::domain::rows::Candle {
            ts: ticks[i].as_i64().unwrap(),
            open: f("open", i),
            high: f("high", i),
            low: f("low", i),
            close: f("close", i),
            volume: f("volume", i),
            cost: f("cost", i),
        })
        .collect()
}

/// A chart request's answer.
pub async fn chart(h: &SimHandle, name: &str, start: i64, end: i64, res: &str) -> Answer {
    get(
        h,
        "get_tradingview_chart_data",
        &[
            ("instrument_name", name),
            ("start_timestamp", &start.to_string()),
            ("end_timestamp", &end.to_string()),
            ("resolution", res),
        ],
    )
    .await
}
