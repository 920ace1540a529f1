//! Opening a SQLite database: folder checks, WAL, busy timeout, a write probe, the pools.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Executor};

use crate::store::error::StoreError;

/// How long a writer waits for another process's write lock before failing.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Creates the file's immediate parent folder if missing; refuses to create deeper trees
/// (a typo in a path should not silently grow directories).
pub(super) fn ensure_parent_dir(path: &Path) -> Result<PathBuf, StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dir.is_dir() {
        return Ok(dir);
    }
    if dir.exists() {
        return Err(StoreError::SqliteDirectory {
            reason: "it exists and is not a directory".into(),
            dir,
        });
    }
    let grand = match dir.parent() {
        Some(g) if !g.as_os_str().is_empty() => g.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !grand.is_dir() {
        return Err(StoreError::SqliteDirectory {
            reason: format!("its parent {} does not exist", grand.display()),
            dir,
        });
    }
    std::fs::create_dir(&dir).map_err(|e| StoreError::SqliteDirectory {
        reason: e.to_string(),
        dir: dir.clone(),
    })?;
    tracing::info!(dir = %dir.display(), "created the database folder");
    Ok(dir)
}

/// The primary SQLite result code of a driver error (`SQLITE_READONLY` = 8, `SQLITE_CANTOPEN` = 14...).
pub(super) fn primary_code(e: &sqlx::Error) -> Option<i64> {
    let code = e.as_database_error()?.code()?;
    code.parse::<i64>().ok().map(|c| c & 0xff)
}

fn describe(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(db) => db.message().to_string(),
        None => e.to_string(),
    }
}

pub(super) fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL in WAL mode: a power cut may lose the last commits, never consistency; the
        // checkpoint rows commit with their data, so a resume simply redoes the lost tail.
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(false)
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory")
        .statement_cache_capacity(256)
}

/// Opens one connection and checks the database is writable without writing anything.
async fn probe(path: &Path, opts: &SqliteConnectOptions, existed: bool) -> Result<(), StoreError> {
    let mut conn = match SqliteConnection::connect_with(opts).await {
        Ok(c) => c,
        Err(e) => {
            let reason = describe(&e);
            return Err(match primary_code(&e) {
                Some(8) | Some(14) | Some(23) if !existed => StoreError::ReadOnly {
                    path: path.to_path_buf(),
                    reason: format!("cannot create the file: {reason}"),
                },
                Some(8) | Some(14) | Some(23) => StoreError::ReadOnly {
                    path: path.to_path_buf(),
                    reason,
                },
                _ => StoreError::SqliteOpen {
                    path: path.to_path_buf(),
                    reason,
                },
            });
        }
    };
    // BEGIN IMMEDIATE takes the write lock: it fails on a read-only file or folder, and
    // writes nothing.
    let result = conn.execute("BEGIN IMMEDIATE").await;
    match result {
        Ok(_) => {
            conn.execute("ROLLBACK")
                .await
                .map_err(StoreError::db("probing the database"))?;
        }
        Err(e) => {
            let reason = describe(&e);
            let _ = conn.close().await;
            return Err(match primary_code(&e) {
                Some(5) | Some(6) => StoreError::SqliteOpen {
                    path: path.to_path_buf(),
                    reason: format!("{reason} (another process holds the write lock)"),
                },
                Some(26) => StoreError::SqliteOpen {
                    path: path.to_path_buf(),
                    reason: format!("{reason} (not a SQLite database)"),
                },
                _ => StoreError::ReadOnly {
                    path: path.to_path_buf(),
                    reason,
                },
            });
        }
    }
    // A non-database file only shows up on the first read.
    if let Err(e) = sqlx::query("SELECT count(*) FROM sqlite_schema")
        .execute(&mut conn)
        .await
    {
        let _ = conn.close().await;
        return Err(open_error(path, &e));
    }
    // A damaged page only shows up when it is read: check every page before writing into
    // the file (`quick_check` skips the index-content checks, so it costs one read of the file).
    if existed {
        let checked = quick_check(&mut conn, path).await;
        let _ = conn.close().await;
        return checked;
    }
    let _ = conn.close().await;
    Ok(())
}

/// Whether a pooled connection may be handed out again. A transaction whose COMMIT failed
/// (a full disk) can leave the connection inside it; handed out again, every later write
/// would fail ("begin_with at non-zero transaction depth"). Such a connection is closed
/// (which rolls its transaction back) and the pool opens a fresh one.
fn usable(conn: &mut SqliteConnection) -> bool {
    use sqlx::Connection;
    let ok = !conn.is_in_transaction();
    if !ok {
        tracing::warn!("discarding a database connection left inside a failed transaction");
    }
    ok
}

/// A failed first read: a damaged file (`SQLITE_CORRUPT`), or one that cannot be opened.
fn open_error(path: &Path, e: &sqlx::Error) -> StoreError {
    match primary_code(e) {
        Some(11) => StoreError::Damaged {
            path: path.to_path_buf(),
            reason: describe(e),
        },
        _ => StoreError::SqliteOpen {
            path: path.to_path_buf(),
            reason: describe(e),
        },
    }
}

/// `PRAGMA quick_check`: `ok`, or the first problems found.
async fn quick_check(conn: &mut SqliteConnection, path: &Path) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check(3)")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| open_error(path, &e))?;
    tracing::debug!(path = %path.display(), seconds = started.elapsed().as_secs_f64(), "quick_check");
    if rows.len() == 1 && rows[0] == "ok" {
        return Ok(());
    }
    let problems: Vec<&str> = rows
        .iter()
        .map(|r| r.as_str())
        .filter(|r| !r.starts_with("*** in database"))
        .collect();
    Err(StoreError::Damaged {
        path: path.to_path_buf(),
        reason: problems.join("; "),
    })
}

/// Opens an existing file for reading only (`status`): nothing is created or written, and a
/// read-only file or folder is fine. A WAL database in a read-only folder without its
/// shared-memory file can only be read as immutable (as it is on disk).
pub(super) async fn open_read_pool(path: &Path) -> Result<SqlitePool, StoreError> {
    if !path.is_file() {
        return Err(StoreError::SqliteOpen {
            path: path.to_path_buf(),
            reason: if path.exists() {
                "it is not a file".into()
            } else {
                "no such file".into()
            },
        });
    }
    let base = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(false)
        .pragma("temp_store", "memory");
    let opts = match readable(path, &base).await {
        Ok(()) => base,
        Err(first) => {
            let immutable = base.clone().immutable(true);
            readable(path, &immutable).await.map_err(|_| first)?;
            immutable
        }
    };
    SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(opts)
        .await
        .map_err(|e| open_error(path, &e))
}

async fn readable(path: &Path, opts: &SqliteConnectOptions) -> Result<(), StoreError> {
    let mut conn = SqliteConnection::connect_with(opts)
        .await
        .map_err(|e| open_error(path, &e))?;
    let read = sqlx::query("SELECT count(*) FROM sqlite_schema")
        .execute(&mut conn)
        .await
        .map(|_| ())
        .map_err(|e| open_error(path, &e));
    let _ = conn.close().await;
    read
}

/// The writer pool (one connection: writes queue in-process instead of spinning on the
/// file lock) and the reader pool (WAL readers never block the writer).
pub(super) async fn open_pools(path: &Path) -> Result<(SqlitePool, SqlitePool), StoreError> {
    ensure_parent_dir(path)?;
    if path.is_dir() {
        return Err(StoreError::SqliteOpen {
            path: path.to_path_buf(),
            reason: "it is a directory".into(),
        });
    }
    let existed = path.exists();
    let opts = options(path);
    probe(path, &opts, existed).await?;
    let write = SqlitePoolOptions::new()
        .before_acquire(|conn, _| Box::pin(async move { Ok(usable(conn)) }))
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(600))
        .connect_with(opts.clone())
        .await
        .map_err(StoreError::db("opening the writer connection"))?;
    let read = SqlitePoolOptions::new()
        .before_acquire(|conn, _| Box::pin(async move { Ok(usable(conn)) }))
        .max_connections(4)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(60))
        .connect_lazy_with(opts);
    Ok((write, read))
}
