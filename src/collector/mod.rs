//! The realtime collector: keeps the perpetuals (and, on request, the live futures) current.
//! Every poll it asks the exchange for each instrument's candles from its last stored candle
//! (inclusive, so a minute stored while still forming is completed) to the exchange's current
//! minute, in windows of at most 5,000 candles, and upserts them. After any downtime the first
//! poll therefore fills the hole. It writes a heartbeat every beat; several collectors can share
//! one database (upserts are idempotent and row counts only count inserted rows).

mod identity;

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use identity::{collector_id, hostname};

use crate::domain::time::{MINUTE_MS, floor_to};
use crate::domain::{Heartbeat, InstrumentKind, InstrumentName, TimeRange};
use crate::exchange::{DeribitClient, FetchError, NoObserver};
use crate::jobs::Clock;
use crate::store::{CandleTable, DataTable, Store};

/// What a collector does.
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    pub id: String,
    /// Currencies whose perpetuals (and live futures) are kept current.
    pub currencies: Vec<String>,
    pub include_futures: bool,
    pub poll_every: Duration,
    /// How far back to start for an instrument with nothing stored yet.
    pub initial_lookback: Duration,
}

/// What a collector has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectorStats {
    pub polls: u64,
    pub rows_written: i64,
    pub requests: i64,
    pub errors: u64,
    pub last_error: Option<String>,
}

/// A running collector's state between polls.
pub struct Collector {
    store: Arc<dyn Store>,
    client: DeribitClient,
    options: CollectorOptions,
    clock: Clock,
    started_at: i64,
    instruments: Vec<String>,
    stats: CollectorStats,
}

fn table_of(name: &str) -> CandleTable {
    match InstrumentName::parse(name).map(|n| n.kind) {
        Ok(InstrumentKind::Perpetual) => CandleTable::Perpetuals,
        _ => CandleTable::Futures,
    }
}

impl Collector {
    pub fn new(
        store: Arc<dyn Store>,
        client: DeribitClient,
        options: CollectorOptions,
        clock: Clock,
    ) -> Self {
        let started_at = clock();
        Self {
            store,
            client,
            options,
            clock,
            started_at,
            instruments: Vec::new(),
            stats: CollectorStats::default(),
        }
    }

    pub fn stats(&self) -> &CollectorStats {
        &self.stats
    }

    pub fn instruments(&self) -> &[String] {
        &self.instruments
    }

    /// Decides which instruments to keep current: the inverse perpetual of each currency and,
    /// with `include_futures`, every active future the exchange lists.
    async fn resolve_instruments(&mut self, stop: &CancellationToken) -> Result<(), FetchError> {
        let mut names: Vec<String> = self
            .options
            .currencies
            .iter()
            .map(|c| InstrumentName::perpetual(c).to_string())
            .collect();
        if self.options.include_futures {
            for c in &self.options.currencies {
                let listed = self
                    .client
                    .get_instruments(Some(c), Some("future"), false, stop)
                    .await?;
                self.stats.requests += 1;
                names.extend(
                    listed
                        .value
                        .into_iter()
                        .filter(|i| i.is_active && !i.instrument_name.ends_with("PERPETUAL"))
                        .filter(|i| {
                            InstrumentName::parse(&i.instrument_name)
                                .is_ok_and(|n| n.kind == InstrumentKind::Future)
                        })
                        .map(|i| i.instrument_name),
                );
            }
        }
        names.sort();
        names.dedup();
        self.instruments = names;
        Ok(())
    }

    /// Brings one instrument up to the exchange's current minute; returns rows written.
    async fn catch_up(
        &mut self,
        name: &str,
        exchange_now: i64,
        stop: &CancellationToken,
    ) -> Result<i64, String> {
        let table = table_of(name);
        let latest = self
            .store
            .latest_timestamp(table.table(), name)
            .await
            .map_err(|e| e.to_string())?;
        let lookback = self.options.initial_lookback.as_millis() as i64;
        let from = latest.unwrap_or_else(|| floor_to(exchange_now - lookback, MINUTE_MS));
        let to = floor_to(exchange_now, MINUTE_MS) + MINUTE_MS;
        let Ok(range) = TimeRange::new(from, to) else {
            return Ok(0);
        };
        let mut written = 0;
        for w in range.candle_windows() {
            if stop.is_cancelled() {
                break;
            }
            let fetched = self
                .client
                .candles_1m(name, w.first, w.last, &NoObserver, stop)
                .await
                .map_err(|e| e.to_string())?;
            self.stats.requests += 1;
            let Some(mut rows) = fetched.value else {
                continue;
            };
            rows.retain(|c| c.ts >= w.first && c.ts <= w.last);
            if rows.is_empty() {
                continue;
            }
            let stats = self
                .store
                .upsert_candles(table, name, &rows, None)
                .await
                .map_err(|e| e.to_string())?;
            written += stats.written() as i64;
        }
        Ok(written)
    }

    /// One poll: every instrument brought up to date. Errors are recorded, not fatal.
    pub async fn poll(&mut self, stop: &CancellationToken) {
        self.stats.polls += 1;
        if self.instruments.is_empty()
            && let Err(e) = self.resolve_instruments(stop).await
        {
            self.record_error(format!("cannot list instruments: {e}"));
            return;
        }
        let exchange_now = match self.client.get_time(stop).await {
            Ok(t) => t,
            Err(FetchError::Interrupted) => return,
            Err(e) => {
                self.record_error(format!("cannot read the exchange clock: {e}"));
                return;
            }
        };
        self.stats.requests += 1;
        let names = self.instruments.clone();
        let mut ok = true;
        for name in names {
            match self.catch_up(&name, exchange_now, stop).await {
                Ok(w) => self.stats.rows_written += w,
                Err(e) if e == "interrupted" => return,
                Err(e) => {
                    ok = false;
                    self.record_error(format!("{name}: {e}"));
                }
            }
        }
        if ok {
            self.stats.last_error = None;
        }
    }

    fn record_error(&mut self, e: String) {
        tracing::warn!(collector = %self.options.id, "{e}");
        self.stats.errors += 1;
        self.stats.last_error = Some(e);
    }

    /// The heartbeat for now.
    pub fn heartbeat(&self) -> Heartbeat {
        Heartbeat {
            collector_id: self.options.id.clone(),
            host: hostname(),
            pid: std::process::id() as i64,
            started_at: self.started_at,
            last_beat_at: (self.clock)(),
            instruments: self.instruments.clone(),
            rows_written: self.stats.rows_written,
            last_error: self.stats.last_error.clone(),
        }
    }

    async fn beat(&self) {
        if let Err(e) = self.store.beat(&self.heartbeat()).await {
            tracing::warn!(collector = %self.options.id, "cannot write the heartbeat: {e}");
        }
    }

    /// Polls every `poll_every` until `stop` is cancelled, beating after every poll. On a clean
    /// stop the heartbeat is removed: a collector that stopped on purpose is not "stale".
    pub async fn run(mut self, stop: CancellationToken) -> CollectorStats {
        tracing::info!(collector = %self.options.id, "collector started");
        let mut tick = tokio::time::interval(self.options.poll_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            self.poll(&stop).await;
            if stop.is_cancelled() {
                break;
            }
            self.beat().await;
        }
        if let Err(e) = self.store.forget_collector(&self.options.id).await {
            tracing::warn!(collector = %self.options.id, "cannot remove the heartbeat: {e}");
        }
        tracing::info!(collector = %self.options.id, rows = self.stats.rows_written, "collector stopped");
        self.stats
    }
}

/// The table a watched instrument's candles live in.
pub fn data_table(name: &str) -> DataTable {
    table_of(name).table()
}
