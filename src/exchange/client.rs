//! The Deribit HTTP client: one GET per call, every failure classified, retries with capped
//! exponential backoff and jitter, rate-limit waits through the shared [`RateLimiter`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use super::error::{ErrorClass, ExchangeError};
use super::funding::FundingPage;
use super::ratelimit::{Cost, RateLimiter};
use super::types::{ApiCurrency, ApiInstrument, ChartData, DeliveryPrices, Envelope};
use crate::domain::Candle;

/// How the client retries.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Transient failures retried before giving up.
    pub max_retries: u32,
    /// Rate-limit (10028) answers retried before giving up.
    pub max_rate_limited: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 8,
            max_rate_limited: 32,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// e.g. `https://www.deribit.com` or `http://127.0.0.1:8080`; `/api/v2/` is appended.
    pub base_url: String,
    /// The host that lists every expired future (e.g. `https://history.deribit.com`); `None`:
    /// only the main host's list.
    pub history_url: Option<String>,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// Why a call returned without a result.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The exchange (or the network) failed, after any retries the class allows.
    Exchange(ExchangeError),
    /// The caller asked to stop (pause, cancel, shutdown) while the call was waiting.
    Interrupted,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exchange(e) => e.fmt(f),
            Self::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for FetchError {}

/// A result and what it took to get it.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub value: T,
    /// Failed attempts before the successful one.
    pub retries: u32,
}

/// Told about each retry, so a job can show `backoff` and count retries.
pub trait RetryObserver: Send + Sync {
    fn on_retry(&self, error: &ExchangeError, wait: Duration);
}

/// Ignores retries.
pub struct NoObserver;

impl RetryObserver for NoObserver {
    fn on_retry(&self, _: &ExchangeError, _: Duration) {}
}

/// Counters across all calls.
#[derive(Debug, Default)]
pub struct ClientStats {
    pub attempts: AtomicU64,
    pub retries: AtomicU64,
    pub transient_errors: AtomicU64,
    pub bytes: AtomicU64,
}

/// A cheaply clonable client; all clones share the rate limiter and connection pool.
#[derive(Clone)]
pub struct DeribitClient {
    http: reqwest::Client,
    api_base: url::Url,
    history_base: Option<url::Url>,
    limiter: Arc<RateLimiter>,
    retry: RetryPolicy,
    stats: Arc<ClientStats>,
}

impl std::fmt::Debug for DeribitClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeribitClient")
            .field("api_base", &crate::redact::redact(self.api_base.as_str()))
            .finish_non_exhaustive()
    }
}

/// `https://host[/path]` → `https://host[/path]/api/v2/`.
fn api_base(url: &str) -> Result<url::Url, BadExchangeUrl> {
    let bad = |reason: String| BadExchangeUrl {
        url: crate::redact::redact(url),
        reason,
    };
    let mut base = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
    if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
        return Err(bad(
            "only http and https URLs with a host are supported".into()
        ));
    }
    let path = base.path().trim_end_matches('/').to_string();
    base.set_path(&format!("{path}/api/v2/"));
    Ok(base)
}

/// A bad `--exchange-url`.
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid exchange URL {url:?}: {reason} — pass --exchange-url like https://www.deribit.com or http://127.0.0.1:8080"
)]
pub struct BadExchangeUrl {
    pub url: String,
    pub reason: String,
}

impl DeribitClient {
    pub fn new(config: &ClientConfig, limiter: Arc<RateLimiter>) -> Result<Self, BadExchangeUrl> {
        let base = api_base(&config.base_url)?;
        let history_base = config.history_url.as_deref().map(api_base).transpose()?;
        let bad = |reason: String| BadExchangeUrl {
            url: crate::redact::redact(&config.base_url),
            reason: crate::redact::redact(&reason),
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(32)
            .user_agent(concat!("deribit-backfill/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            http,
            api_base: base,
            history_base,
            limiter,
            retry: config.retry.clone(),
            stats: Arc::new(ClientStats::default()),
        })
    }

    /// The same client (shared limiter and connections) with another retry policy.
    pub fn with_retry(&self, retry: RetryPolicy) -> Self {
        Self {
            retry,
            ..self.clone()
        }
    }

    pub fn limiter(&self) -> &Arc<RateLimiter> {
        &self.limiter
    }

    pub fn stats(&self) -> &ClientStats {
        &self.stats
    }

    /// The exchange's base URL as given, credentials redacted (for messages).
    pub fn base_url(&self) -> String {
        let mut u = self.api_base.clone();
        u.set_path("");
        crate::redact::redact(u.as_str().trim_end_matches('/'))
    }

    /// The history host's base URL, when one is configured (for messages).
    pub fn history_url(&self) -> Option<String> {
        self.history_base.as_ref().map(|b| {
            let mut u = b.clone();
            let path = u.path().trim_end_matches("/api/v2/").to_string();
            u.set_path(&path);
            crate::redact::redact(u.as_str().trim_end_matches('/'))
        })
    }

    /// The same client (limiter, connections, retry policy) talking to the history host
    /// instead of the main one; `None` without a history host.
    pub fn history(&self) -> Option<Self> {
        self.history_base.as_ref().map(|b| Self {
            api_base: b.clone(),
            history_base: None,
            ..self.clone()
        })
    }

    fn url(&self, method: &str, params: &[(&str, String)]) -> url::Url {
        let mut u = self
            .api_base
            .join(method)
            .expect("method paths are relative");
        {
            let mut q = u.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
        }
        u
    }

    /// One attempt (after rate-limit admission): GET and classification.
    async fn attempt<T: DeserializeOwned>(
        &self,
        method: &str,
        params: &[(&str, String)],
    ) -> Result<T, ExchangeError> {
        self.stats.attempts.fetch_add(1, Ordering::Relaxed);
        let url = self.url(method, params);
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.transport_error(method, &e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(method, &e))?;
        self.stats
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        classify(method, status, &body)
    }

    fn transport_error(&self, method: &str, e: &reqwest::Error) -> ExchangeError {
        let what = if e.is_connect() {
            format!("cannot connect to {}", self.base_url())
        } else if e.is_timeout() {
            "request timed out".to_string()
        } else if e.is_body() || e.is_decode() {
            "connection broke while reading the response".to_string()
        } else {
            "request failed".to_string()
        };
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail = format!("{detail}: {s}");
            source = s.source();
        }
        // reqwest's message holds the request URL, credentials and all.
        let detail = crate::redact::redact(&detail);
        ExchangeError::new(ErrorClass::Transient, method, format!("{what} ({detail})"))
    }

    /// Calls a public method with retries. Waits (backoff, rate-limit penalties) end early
    /// with [`FetchError::Interrupted`] when `stop` is cancelled; a request already sent
    /// always completes, so whatever it returns can be committed.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: &[(&str, String)],
        cost: Cost,
        observer: &dyn RetryObserver,
        stop: &CancellationToken,
    ) -> Result<Fetched<T>, FetchError> {
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.base)
            .with_max_delay(self.retry.max)
            .with_max_times(self.retry.max_retries as usize)
            .with_jitter()
            .build();
        let mut retries = 0u32;
        let mut rate_limited = 0u32;
        loop {
            if stop.is_cancelled() {
                return Err(FetchError::Interrupted);
            }
            // Waiting for credits can be interrupted; once sent, a request completes.
            tokio::select! {
                biased;
                _ = stop.cancelled() => return Err(FetchError::Interrupted),
                _ = self.limiter.acquire(cost) => {}
            }
            let error = match self.attempt::<T>(method, params).await {
                Ok(value) => return Ok(Fetched { value, retries }),
                Err(e) => e,
            };
            let wait = match error.class {
                ErrorClass::RateLimited => {
                    self.limiter.record_rate_limited();
                    rate_limited += 1;
                    if rate_limited > self.retry.max_rate_limited {
                        return Err(FetchError::Exchange(error));
                    }
                    // The limiter itself holds the next attempt until the pool has refilled.
                    Duration::ZERO
                }
                ErrorClass::Transient => {
                    self.stats.transient_errors.fetch_add(1, Ordering::Relaxed);
                    match backoff.next() {
                        Some(d) => d,
                        None => return Err(FetchError::Exchange(error)),
                    }
                }
                ErrorClass::Unavailable | ErrorClass::Fatal => {
                    return Err(FetchError::Exchange(error));
                }
            };
            retries += 1;
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%error, wait_ms = wait.as_millis() as u64, "retrying");
            observer.on_retry(&error, wait);
            tokio::select! {
                biased;
                _ = stop.cancelled() => return Err(FetchError::Interrupted),
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// `public/get_instruments` (costs more credits).
    pub async fn get_instruments(
        &self,
        currency: Option<&str>,
        kind: Option<&str>,
        expired: bool,
        stop: &CancellationToken,
    ) -> Result<Fetched<Vec<ApiInstrument>>, FetchError> {
        let mut params = Vec::new();
        if let Some(c) = currency {
            params.push(("currency", c.to_string()));
        }
        if let Some(k) = kind {
            params.push(("kind", k.to_string()));
        }
        params.push(("expired", expired.to_string()));
        self.call(
            "public/get_instruments",
            &params,
            Cost::Instruments,
            &NoObserver,
            stop,
        )
        .await
    }

    /// One-minute candles with bucket starts in `[first, last]` (inclusive, as the exchange
    /// takes them). `Ok(None)` means `no_data`.
    pub async fn candles_1m(
        &self,
        instrument: &str,
        first: i64,
        last: i64,
        observer: &dyn RetryObserver,
        stop: &CancellationToken,
    ) -> Result<Fetched<Option<Vec<Candle>>>, FetchError> {
        self.candles(instrument, first, last, "1", observer, stop)
            .await
    }

    /// Daily candles (`resolution=1D`) with bucket starts in `[first, last]`: one request
    /// covers up to ~5,000 days. `Ok(None)` means `no_data`.
    pub async fn candles_1d(
        &self,
        instrument: &str,
        first: i64,
        last: i64,
        observer: &dyn RetryObserver,
        stop: &CancellationToken,
    ) -> Result<Fetched<Option<Vec<Candle>>>, FetchError> {
        self.candles(instrument, first, last, "1D", observer, stop)
            .await
    }

    async fn candles(
        &self,
        instrument: &str,
        first: i64,
        last: i64,
        resolution: &str,
        observer: &dyn RetryObserver,
        stop: &CancellationToken,
    ) -> Result<Fetched<Option<Vec<Candle>>>, FetchError> {
        let method = "public/get_tradingview_chart_data";
        let params = [
            ("instrument_name", instrument.to_string()),
            ("start_timestamp", first.to_string()),
            ("end_timestamp", last.to_string()),
            ("resolution", resolution.to_string()),
        ];
        let fetched: Fetched<ChartData> = self
            .call(method, &params, Cost::Normal, observer, stop)
            .await?;
        if fetched.value.is_no_data() {
            return Ok(Fetched {
                value: None,
                retries: fetched.retries,
            });
        }
        let candles = fetched.value.into_candles().map_err(|m| {
            FetchError::Exchange(ExchangeError::new(
                ErrorClass::Fatal,
                method,
                format!("malformed chart data: {m}"),
            ))
        })?;
        Ok(Fetched {
            value: Some(candles),
            retries: fetched.retries,
        })
    }

    /// Hourly funding rows with timestamps in `(start_exclusive, end_inclusive]`, read row by
    /// row: a row that cannot be read comes back in [`FundingPage::unreadable`], never as an
    /// error of the page.
    pub async fn funding_history(
        &self,
        instrument: &str,
        start_exclusive: i64,
        end_inclusive: i64,
        observer: &dyn RetryObserver,
        stop: &CancellationToken,
    ) -> Result<Fetched<FundingPage>, FetchError> {
        let params = [
            ("instrument_name", instrument.to_string()),
            ("start_timestamp", start_exclusive.to_string()),
            ("end_timestamp", end_inclusive.to_string()),
        ];
        let fetched: Fetched<Vec<serde_json::Value>> = self
            .call(
                "public/get_funding_rate_history",
                &params,
                Cost::Normal,
                observer,
                stop,
            )
            .await?;
        Ok(Fetched {
            value: FundingPage::read(fetched.value),
            retries: fetched.retries,
        })
    }

    /// Daily delivery prices of an index, newest first.
    pub async fn delivery_prices(
        &self,
        index_name: &str,
        offset: i64,
        count: i64,
        observer: &dyn RetryObserver,
        stop: &CancellationToken,
    ) -> Result<Fetched<DeliveryPrices>, FetchError> {
        let params = [
            ("index_name", index_name.to_string()),
            ("offset", offset.to_string()),
            ("count", count.to_string()),
        ];
        self.call(
            "public/get_delivery_prices",
            &params,
            Cost::Normal,
            observer,
            stop,
        )
        .await
    }

    /// `public/get_currencies`: the currency codes the exchange has (BTC, ETH, ...).
    pub async fn get_currencies(
        &self,
        stop: &CancellationToken,
    ) -> Result<Vec<String>, FetchError> {
        self.call::<Vec<ApiCurrency>>(
            "public/get_currencies",
            &[],
            Cost::Normal,
            &NoObserver,
            stop,
        )
        .await
        .map(|f| f.value.into_iter().map(|c| c.currency).collect())
    }

    /// `public/get_time`: the exchange's clock in ms. Used as a reachability check.
    pub async fn get_time(&self, stop: &CancellationToken) -> Result<i64, FetchError> {
        self.call::<i64>("public/get_time", &[], Cost::Normal, &NoObserver, stop)
            .await
            .map(|f| f.value)
    }
}

/// Reads one answer. The exchange sends every error as HTTP 400 with a JSON-RPC body and no
/// `Retry-After` (deribit-api.md §8.5): a complete error body is classified by its code
/// ([`ExchangeError::from_rpc`]). A body that is cut short, is not JSON (an HTML page from a
/// proxy) or holds neither `result` nor `error` says nothing about the instrument: it is
/// transient and retried with backoff, whatever the status (except the few statuses that
/// can never heal by waiting: 401, 403, 404, 405).
pub fn classify<T: DeserializeOwned>(
    method: &str,
    status: u16,
    body: &[u8],
) -> Result<T, ExchangeError> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(Envelope {
            error: Some(err), ..
        }) => {
            let reason = err.data.as_ref().and_then(|d| d.reason.as_deref());
            Err(ExchangeError::from_rpc(
                method,
                status,
                err.code,
                &err.message,
                reason,
            ))
        }
        Ok(Envelope {
            result: Some(v), ..
        }) if status == 200 => Ok(v),
        Ok(_) => Err(unreadable(method, status, body, "neither result nor error")),
        Err(e) => Err(unreadable(method, status, body, &e.to_string())),
    }
}

/// An answer without a usable JSON-RPC body.
fn unreadable(method: &str, status: u16, body: &[u8], why: &str) -> ExchangeError {
    let mut e = ExchangeError::from_http_status(method, status, &String::from_utf8_lossy(body));
    if !matches!(status, 401 | 403 | 404 | 405) && e.class == ErrorClass::Fatal {
        e.class = ErrorClass::Transient;
    }
    if status == 200 {
        e.message = format!("unreadable response ({} bytes): {why}", body.len());
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::types::ChartData;

    const M: &str = "public/get_tradingview_chart_data";
    const NOT_FOUND: &str = r#"{"usOut":1785845985138575,"usIn":1785845985138551,"usDiff":24,"testnet":false,"jsonrpc":"2.0","error":{"message":"Invalid params","data":{"reason":"instrument not found","param":"instrument_name"},"code":-32602}}"#;

    fn class(status: u16, body: &str) -> ErrorClass {
        classify::<ChartData>(M, status, body.as_bytes())
            .unwrap_err()
            .class
    }

    #[test]
    fn only_a_complete_known_error_settles_unavailable() {
        assert_eq!(class(400, NOT_FOUND), ErrorClass::Unavailable);
        // The same answer cut short anywhere is transient, never unavailable nor fatal.
        for cut in [0, 1, 20, NOT_FOUND.len() / 2, NOT_FOUND.len() - 1] {
            assert_eq!(
                class(400, &NOT_FOUND[..cut]),
                ErrorClass::Transient,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn html_from_a_proxy_is_transient() {
        let html =
            "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
        assert_eq!(class(400, html), ErrorClass::Transient);
        assert_eq!(class(502, html), ErrorClass::Transient);
        assert_eq!(class(200, html), ErrorClass::Transient);
        assert_eq!(class(429, html), ErrorClass::RateLimited);
        assert_eq!(
            class(404, html),
            ErrorClass::Fatal,
            "a wrong URL does not heal"
        );
    }

    #[test]
    fn errors_as_the_exchange_sends_them() {
        // HTTP 400 with a JSON-RPC body for every error (deribit-api.md §8.5).
        let ws_only = r#"{"jsonrpc":"2.0","error":{"message":"must_be_websocket_request","code":10030},"usIn":1,"usOut":2,"usDiff":1,"testnet":false}"#;
        let e = classify::<ChartData>(M, 400, ws_only.as_bytes()).unwrap_err();
        assert_eq!(e.class, ErrorClass::Fatal);
        assert_eq!(e.code, Some(10030));
        let retry = r#"{"jsonrpc":"2.0","error":{"message":"retry","code":10040},"testnet":false}"#;
        assert_eq!(class(400, retry), ErrorClass::Transient);
        let limited = r#"{"jsonrpc":"2.0","error":{"message":"too_many_requests","code":10028}}"#;
        assert_eq!(class(400, limited), ErrorClass::RateLimited);
        // Neither result nor error: incomplete, transient.
        assert_eq!(class(200, r#"{"jsonrpc":"2.0"}"#), ErrorClass::Transient);
        assert_eq!(class(400, r#"{"jsonrpc":"2.0"}"#), ErrorClass::Transient);
    }

    #[test]
    fn a_success_with_unknown_fields_parses() {
        let body = r#"{"jsonrpc":"2.0","result":{"volume":[1],"ticks":[60000],"status":"ok","open":[7.4E+4],"low":[74000],"high":[7.41e4],"cost":[1.0E-8],"close":[74000.5],"extra":{"x":null}},"usIn":1,"newField":[1,2]}"#;
        let data: ChartData = classify(M, 200, body.as_bytes()).unwrap();
        let c = data.into_candles().unwrap();
        assert_eq!(c[0].open, 74_000.0);
        assert_eq!(c[0].high, 74_100.0);
        assert_eq!(c[0].cost, 1.0e-8);
        assert_eq!(c[0].volume, 1.0);
    }
}
