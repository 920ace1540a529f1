//! Opening a PostgreSQL database: a probe connection that turns failures into errors naming
//! the fix, then the pool.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor};

use crate::redact::redact;
use crate::store::error::StoreError;
use crate::store::url::DatabaseUrl;

/// How long the first connection may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a statement waits for a connection before the engine reports the database as
/// unavailable (and retries the write later).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(15);

/// Connections per store: writers of different instruments run in parallel.
pub(crate) const POOL_SIZE: u32 = 8;

fn options(url: &DatabaseUrl) -> Result<PgConnectOptions, StoreError> {
    let secret = url.secret();
    let opts = PgConnectOptions::from_str(&secret).map_err(|e| StoreError::BadUrl {
        url: url.to_string(),
        // The driver's message may quote the URL: never let the password through.
        reason: redact(&e.to_string()).replace(&secret, &url.to_string()),
    })?;
    Ok(opts.application_name("deribit-backfill"))
}

/// Maps a failed first connection to a clear error.
pub(crate) fn connect_error(url: &DatabaseUrl, e: sqlx::Error) -> StoreError {
    let endpoint = url.endpoint();
    let user = url.user().unwrap_or_else(|| "(default)".into());
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let reason = db.message().to_string();
            match code.as_str() {
                // invalid_password, invalid_authorization_specification
                "28P01" | "28000" => StoreError::AuthFailed {
                    endpoint,
                    user,
                    reason,
                },
                // invalid_catalog_name
                "3D000" => StoreError::DatabaseMissing {
                    database: url.database().unwrap_or(user),
                    endpoint,
                },
                // cannot_connect_now, too_many_connections
                "57P03" | "53300" => StoreError::Unreachable { endpoint, reason },
                _ => StoreError::Database {
                    context: "connecting",
                    source: e,
                },
            }
        }
        sqlx::Error::Io(io) => StoreError::Unreachable {
            endpoint,
            reason: io.to_string(),
        },
        sqlx::Error::Tls(t) => StoreError::Unreachable {
            endpoint,
            reason: format!("TLS failed: {t}"),
        },
        sqlx::Error::PoolTimedOut => StoreError::Unreachable {
            endpoint,
            reason: "timed out".into(),
        },
        sqlx::Error::Configuration(c) => StoreError::BadUrl {
            url: url.to_string(),
            reason: redact(&c.to_string()),
        },
        _ => StoreError::Database {
            context: "connecting",
            source: e,
        },
    }
}

pub(super) async fn open_pool(url: &DatabaseUrl) -> Result<PgPool, StoreError> {
    let opts = options(url)?;
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&opts)).await {
        Err(_) => {
            return Err(StoreError::Unreachable {
                endpoint: url.endpoint(),
                reason: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            });
        }
        Ok(Err(e)) => return Err(connect_error(url, e)),
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
        }
    }
    Ok(PgPoolOptions::new()
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // Plans built for the actual batch (array lengths known), never a generic
                // plan guessing 100 rows per unnest(): planning costs ~0.1 ms per batch of
                // thousands of rows. Set per session rather than as a startup option, which
                // connection poolers such as PgBouncer refuse.
                conn.execute("SET plan_cache_mode = force_custom_plan")
                    .await?;
                Ok(())
            })
        })
        // A connection left inside a failed transaction is closed, never handed out again.
        .before_acquire(|conn, _meta| {
            Box::pin(async move {
                use sqlx::Connection;
                Ok(!conn.is_in_transaction())
            })
        })
        .max_connections(POOL_SIZE)
        .min_connections(0)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_lazy_with(opts))
}
