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
        self.failure() == Failure::Transient
    }

    /// What this error means for the work that met it.
    pub fn failure(&self) -> Failure {
        match self {
            StoreError::Unreachable { .. } => Failure::Transient,
            StoreError::ReadOnly { .. } | StoreError::Migrate { .. } => Failure::Fatal,
            StoreError::Database { source, .. } => classify(source),
            _ => Failure::Other,
        }
    }
}

/// What a store error means for the work that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The database is unreachable or busy for now: retry the same write later.
    Transient,
    /// The disk holding the database is full: nothing heals by retrying until space is freed.
    DiskFull,
    /// Permission, schema, corruption: nothing heals by retrying.
    Fatal,
    /// A problem of this statement or its rows.
    Other,
}

/// Classifies a driver error: SQLSTATE classes for PostgreSQL, primary result codes for SQLite.
pub fn classify(e: &sqlx::Error) -> Failure {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => Failure::Transient,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                classify_sqlstate(pg.code())
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
                classify_sqlite(code)
            } else {
                Failure::Other
            }
        }
        _ => Failure::Other,
    }
}

/// PostgreSQL: connection exceptions, shutdowns, lock and serialization conflicts heal; a
/// full disk, a missing permission or a schema that does not match do not.
pub fn classify_sqlstate(code: &str) -> Failure {
    match code {
        "53100" => Failure::DiskFull,
        // admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now,
        // serialization_failure, deadlock, lock_not_available, too_many_connections,
        // out_of_memory, configuration_limit_exceeded, query_canceled, idle timeouts
        "57P01" | "57P02" | "57P03" | "57P05" | "40001" | "40P01" | "55P03" | "53300" | "53200"
        | "53400" | "57014" | "25P03" => Failure::Transient,
        // read_only_sql_transaction (a standby after failover), insufficient_privilege
        "25006" | "42501" => Failure::Fatal,
        c if c.starts_with("08") => Failure::Transient,
        // undefined table/column, ...: the schema is not what this version expects
        c if c.starts_with("42") || c.starts_with("58") || c.starts_with("XX") => Failure::Fatal,
        _ => Failure::Other,
    }
}

/// SQLite extended result codes, judged by their primary code.
pub fn classify_sqlite(code: i64) -> Failure {
    match code & 0xff {
        13 => Failure::DiskFull,
        // BUSY, LOCKED: another connection holds the lock past the busy timeout
        5 | 6 => Failure::Transient,
        // PERM, READONLY, IOERR, CORRUPT, CANTOPEN, NOTADB, AUTH
        3 | 8 | 10 | 11 | 14 | 26 | 23 => Failure::Fatal,
        _ => Failure::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_codes() {
        assert_eq!(classify_sqlstate("57P01"), Failure::Transient);
        assert_eq!(classify_sqlstate("08006"), Failure::Transient);
        assert_eq!(classify_sqlstate("53100"), Failure::DiskFull);
        assert_eq!(classify_sqlstate("42P01"), Failure::Fatal);
        assert_eq!(classify_sqlstate("23505"), Failure::Other);
    }

    #[test]
    fn sqlite_codes() {
        assert_eq!(classify_sqlite(13), Failure::DiskFull);
        assert_eq!(classify_sqlite(5), Failure::Transient);
        // SQLITE_BUSY_SNAPSHOT (517) is a BUSY
        assert_eq!(classify_sqlite(517), Failure::Transient);
        assert_eq!(classify_sqlite(8), Failure::Fatal);
        assert_eq!(classify_sqlite(19), Failure::Other);
    }

    #[test]
    fn io_errors_are_transient() {
        let e = StoreError::Database {
            context: "writing rows",
            source: sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        };
        assert!(e.is_transient());
        let bad = StoreError::InvalidInstrument {
            instrument: "X".into(),
            reason: "r".into(),
        };
        assert_eq!(bad.failure(), Failure::Other);
    }
}
