//! The Deribit HTTP client: typed calls, failure classification, retries and the shared
//! credit-model rate limiter.

mod client;
mod error;
mod funding;
mod ratelimit;
mod types;

pub use client::{
    BadExchangeUrl, ClientConfig, ClientStats, DeribitClient, FetchError, Fetched, NoObserver,
    RetryObserver, RetryPolicy,
};
pub use error::{ErrorClass, ExchangeError, codes};
pub use funding::{FundingPage, read_row as read_funding_row};
pub use ratelimit::{Cost, RateLimitSnapshot, RateLimiter, SAFETY_FACTOR, slowdown_factor};
pub use types::{
    ApiCurrency, ApiInstrument, ChartData, DeliveryPrice, DeliveryPrices, Envelope, RpcError,
};
