//! Candles per second served by `get_tradingview_chart_data`: 5,000-candle one-minute windows,
//! rate limits off, the simulator confined to one core (a current_thread runtime on its own
//! thread), clients on another runtime with keep-alive and a few concurrent connections.
//!
//! Baselines measured in the same run on one core: candle generation alone, generation plus the
//! simulator's JSON writer, and serde_json encoding of the same candles (the ceiling of a
//! serde-based server). Target: >= 1,000,000 candles/s.
//!
//! `cargo bench --bench sim_throughput` (SIM_BENCH_SECS sets the measured duration, default 5).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use deribit_backfill::domain::range::TimeRange;
use deribit_backfill::domain::rows::Candle;
use deribit_backfill::domain::time::parse_instant;
use deribit_backfill::sim::server::methods::write_candles;
use deribit_backfill::sim::{self, Market, SimClock, SimConfig};

const TARGET: f64 = 1_000_000.0;
const WINDOW: i64 = 5_000;
const CONNECTIONS: usize = 4;
const INSTRUMENT: &str = "BTC-PERPETUAL";
const MIN: i64 = 60_000;

fn config() -> SimConfig {
    let mut c = SimConfig {
        clock: SimClock::fixed(parse_instant("2024-06-01T00:00:00Z").unwrap()),
        ..SimConfig::default()
    };
    c.settings.limits.enabled = false;
    c
}

/// Window ends spread over the perpetual's history (deterministic).
fn window_end(i: u64, now: i64) -> i64 {
    let span = (now - parse_instant("2018-09-01").unwrap()) / MIN;
    let k = (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20) as i64 % span;
    now - k * MIN
}

#[derive(serde::Serialize)]
struct SerdeChart<'a> {
    volume: Vec<f64>,
    ticks: Vec<i64>,
    status: &'a str,
    open: Vec<f64>,
    low: Vec<f64>,
    high: Vec<f64>,
    cost: Vec<f64>,
    close: Vec<f64>,
}

fn serde_encode(c: &[Candle]) -> Vec<u8> {
    let chart = SerdeChart {
        volume: c.iter().map(|x| x.volume).collect(),
        ticks: c.iter().map(|x| x.ts).collect(),
        status: "ok",
        open: c.iter().map(|x| x.open).collect(),
        low: c.iter().map(|x| x.low).collect(),
        high: c.iter().map(|x| x.high).collect(),
        cost: c.iter().map(|x| x.cost).collect(),
        close: c.iter().map(|x| x.close).collect(),
    };
    serde_json::to_vec(&chart).unwrap()
}

/// Runs `f` (which handles `WINDOW` candles) for about `secs` seconds; candles per CPU-second
/// of this thread (per wall second where thread CPU time is unavailable).
fn rate(secs: f64, mut f: impl FnMut(u64)) -> f64 {
    let t = Instant::now();
    let cpu0 = thread_cpu_secs();
    let mut n = 0u64;
    while t.elapsed().as_secs_f64() < secs {
        f(n);
        n += 1;
    }
    let spent = cpu0
        .zip(thread_cpu_secs())
        .map(|(a, b)| b - a)
        .filter(|c| *c > 0.05)
        .unwrap_or_else(|| t.elapsed().as_secs_f64());
    (n * WINDOW as u64) as f64 / spent
}

fn baselines(secs: f64) -> (f64, f64, f64) {
    let market: Market = config().market();
    let now = market.now_ms();
    let candles_of = |i: u64| {
        let end = window_end(i, now);
        market.candles(
            INSTRUMENT,
            TimeRange::new(end - (WINDOW - 1) * MIN, end + MIN).unwrap(),
        )
    };
    let generation = rate(secs, |i| {
        std::hint::black_box(candles_of(i));
    });
    let mut buf = Vec::new();
    let writer = rate(secs, |i| {
        let c = candles_of(i);
        buf.clear();
        write_candles(&mut buf, &c);
        std::hint::black_box(&buf);
    });
    let fixed = candles_of(7);
    assert_eq!(fixed.len(), WINDOW as usize);
    let serde = rate(secs, |_| {
        std::hint::black_box(serde_encode(&fixed));
    });
    (generation, writer, serde)
}

/// CPU time (user + system) of the calling thread, seconds, from /proc (Linux); `None`
/// elsewhere.
fn thread_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then only a smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let secs: f64 = if smoke {
        0.3
    } else {
        std::env::var("SIM_BENCH_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5.0)
    };

    // The simulator: one thread, one current_thread runtime.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let h = sim::spawn(config()).await.unwrap();
            let cpu0 = thread_cpu_secs();
            addr_tx.send((h.base_url(), h.market().now_ms())).unwrap();
            let _ = stop_rx.await;
            let cpu = cpu0.zip(thread_cpu_secs()).map(|(a, b)| b - a);
            let stats = h.stats();
            h.shutdown().await;
            (stats, cpu)
        })
    });
    let (base, now) = addr_rx.recv().unwrap();

    // Clients: another runtime, one worker thread, keep-alive connections.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let candles = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(AtomicU64::new(0));
    let elapsed = rt.block_on({
        let candles = candles.clone();
        let requests = requests.clone();
        async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(CONNECTIONS)
                .build()
                .unwrap();
            let run = |measure: bool, dur: f64, seed: u64| {
                let mut tasks = Vec::new();
                for conn in 0..CONNECTIONS as u64 {
                    let client = client.clone();
                    let base = base.clone();
                    let candles = candles.clone();
                    let requests = requests.clone();
                    tasks.push(tokio::spawn(async move {
                        let t = Instant::now();
                        let mut i = seed + conn * 1_000_003;
                        while t.elapsed().as_secs_f64() < dur {
                            let end = window_end(i, now);
                            i += 1;
                            let url = format!(
                                "{base}/api/v2/public/get_tradingview_chart_data?instrument_name={INSTRUMENT}&start_timestamp={}&end_timestamp={end}&resolution=1",
                                end - (WINDOW - 1) * MIN
                            );
                            let r = client.get(url).send().await.unwrap();
                            assert_eq!(r.status().as_u16(), 200);
                            let body = r.bytes().await.unwrap();
                            assert!(body.len() > 200_000, "a full window: {} bytes", body.len());
                            if measure {
                                candles.fetch_add(WINDOW as u64, Ordering::Relaxed);
                                requests.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }));
                }
                tasks
            };
            for t in run(false, secs.min(1.0), 1) {
                t.await.unwrap();
            }
            let t = Instant::now();
            for t in run(true, secs, 1_000) {
                t.await.unwrap();
            }
            t.elapsed()
        }
    });
    stop_tx.send(()).unwrap();
    let (stats, server_cpu) = server.join().unwrap();
    let served = candles.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64();
    let reqs = requests.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64();
    assert!(stats.candles >= candles.load(Ordering::Relaxed));

    let (generation, writer, serde) = baselines(secs.min(3.0));
    let per_cpu = server_cpu
        .filter(|c| *c > 0.05)
        .map(|cpu| stats.candles as f64 / cpu);
    println!(
        "sim_throughput: get_tradingview_chart_data, {WINDOW}-candle 1m windows of {INSTRUMENT}, limits off"
    );
    println!(
        "  simulator on one core (current_thread runtime), {CONNECTIONS} keep-alive client connections on another runtime"
    );
    println!(
        "  served (wall clock):      {served:>10.0} candles/s  ({reqs:.0} requests/s, {} candles in {:.2} s)",
        candles.load(Ordering::Relaxed),
        elapsed.as_secs_f64()
    );
    if let (Some(rate), Some(cpu)) = (per_cpu, server_cpu) {
        println!(
            "  served per server CPU-s:  {rate:>10.0} candles/s  ({} candles, warm-up included, in {cpu:.2} CPU-s of the server thread;",
            stats.candles
        );
        println!(
            "                            independent of other load on the machine, which the wall-clock figure is not)"
        );
    }
    println!("  baselines, same run, one core, per CPU-second of the measuring thread:");
    println!("    candle generation only        {generation:>10.0} candles/s");
    println!("    generation + JSON writer      {writer:>10.0} candles/s");
    println!(
        "    serde_json encoding only      {serde:>10.0} candles/s  (the ceiling of a serde-based server: encoding alone)"
    );
    let best = per_cpu.unwrap_or(served);
    println!(
        "  ratios: served/target {:.2}x (wall {:.2}x)   served/(generation+writer) {:.2}   served/serde_json-encoding {:.2}",
        best / TARGET,
        served / TARGET,
        best / writer,
        best / serde
    );
    println!(
        "  target >= {TARGET:.0} candles/s on one core: {}{}",
        if best >= TARGET { "MET" } else { "NOT MET" },
        if served < TARGET && best >= TARGET {
            " (per CPU-second; the wall-clock figure was below target because the core was shared)"
        } else {
            ""
        }
    );
    if smoke {
        println!("  (smoke run without --bench: figures are not meaningful; use cargo bench)");
    }
}
