//! PostgreSQL test harness: one fresh database per test on the server `scripts/test` starts.
//!
//! `TEST_DATABASE_URL_PG` holds an admin URL (a superuser on the `postgres` database). Unset:
//! tests skip with a loud message, except with `CI=true`, where they fail: CI must never
//! report green without having run against PostgreSQL.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor, PgConnection};

/// The environment variable holding the admin URL.
pub const ENV: &str = "TEST_DATABASE_URL_PG";

/// The admin URL, or `None` (after a loud message) when PostgreSQL tests should be skipped.
/// Panics when `CI=true` and no server is configured.
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!(
                    "{ENV} is not set and CI=true: PostgreSQL tests must run in CI. \
                     Run the suite with ./scripts/test, which starts a throwaway server."
                );
            }
            eprintln!(
                "\n!!!!! SKIPPING PostgreSQL test `{test}`: {ENV} is not set. \
                 Run ./scripts/test to test against a real PostgreSQL server. !!!!!\n"
            );
            None
        }
    }
}

/// Replaces the database name (the URL path) of `url`.
pub fn with_database(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL_PG is a valid URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database for one test; returns its URL.
pub async fn fresh_database(admin: &str, test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    name = format!("t_{name}_{}_{n}", std::process::id());
    let mut conn = PgConnection::connect(admin)
        .await
        .expect("connect to the test PostgreSQL server");
    conn.execute(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\""
    )))
    .await
    .expect("drop old test database");
    conn.execute(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{name}\" TEMPLATE template0"
    )))
    .await
    .expect("create test database");
    let _ = conn.close().await;
    with_database(admin, &name)
}

/// Drops a test database (best effort: the cluster is thrown away anyway).
pub async fn drop_database(admin: &str, url: &str) {
    let Ok(u) = url::Url::parse(url) else { return };
    let name = u.path().trim_start_matches('/').to_string();
    if let Ok(mut conn) = PgConnection::connect(admin).await {
        let _ = conn
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .await;
        let _ = conn.close().await;
    }
}
