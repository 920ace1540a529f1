//! The Deribit HTTP client: typed calls, failure classification, retries and the shared
//! credit-model rate limiter.

mod client;
mod error;
mod ratelimit;
mod types;

pub use client::{
    BadExchangeUrl, ClientConfig, ClientStats, DeribitClient, FetchError, Fetched, NoObserver,
    RetryObserver, RetryPolicy,
};
pub use error::{ErrorClass, ExchangeError, codes};
pub use ratelimit::{Cost, RateLimitSnapshot, RateLimiter, SAFETY_FACTOR, slowdown_factor};
pub use types::{
    ApiCurrency, ApiFundingRow, ApiInstrument, ChartData, DeliveryPrice, DeliveryPrices, Envelope,
    RpcError,
};
