//! Store errors. Each names the problem and, where the user can do something, the fix.
//! Messages never contain a database password: URLs are shown redacted.

use std::path::PathBuf;

/// What went wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot read the database URL {url}: {reason} — use sqlite://path/to/file.db or postgres://user:password@host:5432/database"
    )]
    BadUrl { url: String, reason: String },

    #[error(
        "unknown database URL scheme {scheme:?} in {url} — use sqlite://path/to/file.db or postgres://user:password@host:5432/database"
    )]
    UnknownScheme { scheme: String, url: String },

    #[error(
        "cannot create {dir}: {reason} — create the directory or pass --database-url sqlite://writable/path.db"
    )]
    SqliteDirectory { dir: PathBuf, reason: String },

    #[error(
        "cannot write the SQLite database {path}: {reason} — make the file and its directory writable or pass --database-url sqlite://writable/path.db"
    )]
    ReadOnly { path: PathBuf, reason: String },

    #[error(
        "cannot open the SQLite database {path}: {reason} — check the path or pass --database-url sqlite://writable/path.db"
    )]
    SqliteOpen { path: PathBuf, reason: String },

    #[error(
        "the SQLite database {path} is damaged ({reason}); nothing was written — restore it from a backup, or copy out what is readable with `sqlite3 {path} .recover | sqlite3 recovered.db` and pass --database-url sqlite://recovered.db"
    )]
    Damaged { path: PathBuf, reason: String },

    #[error(
        "cannot reach PostgreSQL at {endpoint}: {reason} — is PostgreSQL running at {endpoint}? Start it, or fix the host and port in --database-url (or DATABASE_URL)"
    )]
    Unreachable { endpoint: String, reason: String },

    #[error(
        "PostgreSQL at {endpoint} rejected user {user:?}: {reason} — check the user name and password in --database-url (or DATABASE_URL)"
    )]
    AuthFailed {
        endpoint: String,
        user: String,
        reason: String,
    },

    #[error(
        "database {database:?} does not exist on the PostgreSQL server at {endpoint} — create it (createdb {database}) or fix the database name in --database-url"
    )]
    DatabaseMissing { database: String, endpoint: String },

    #[error(
        "cannot apply the database migrations: {reason} — the database may have been changed by hand or by a newer version of deribit-backfill"
    )]
    Migrate { reason: String },

    #[error("refusing to store {table} row of {instrument} at {ts}: {reason}; nothing was written")]
    InvalidRow {
        table: &'static str,
        instrument: String,
        ts: String,
        reason: String,
    },

    #[error("refusing to store rows for {instrument:?}: {reason}; nothing was written")]
    InvalidInstrument { instrument: String, reason: String },

    #[error("unexpected data in {table}: {reason} — was the database edited by hand?")]
    Corrupt { table: &'static str, reason: String },

    #[error("the database connection is closed; reconnect to continue")]
    Closed,

    #[error("database error while {context}: {source}")]
    Database {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

impl StoreError {
    /// Wraps a driver error with what the store was doing.
    pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| match source {
            sqlx::Error::PoolClosed => StoreError::Closed,
            source => StoreError::Database { context, source },
        }
    }

    /// A connection-level problem (the server or file went away), as opposed to a bad row or
    /// a constraint: worth retrying later.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Unreachable { .. } => true,
            StoreError::Database { source, .. } => matches!(
                source,
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed
            ),
            _ => false,
        }
    }
}
