//! Database URLs: `sqlite://path/to/file.db` or `postgres://user:password@host:port/db`.
//!
//! `Display` and `Debug` redact the password (`postgres://user:***@host/db`), so a
//! `DatabaseUrl` can be logged or shown on screen. Only the store sees the secret.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::error::StoreError;
use crate::redact::redact;

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed database URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db`, `sqlite:///absolute/path.db` or `sqlite:path.db`.
    Sqlite { path: PathBuf },
    /// `postgres://` or `postgresql://`; the original text is kept for the driver.
    Postgres { url: url::Url },
}

impl DatabaseUrl {
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        s.parse()
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite { .. } => Backend::Sqlite,
            DatabaseUrl::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The SQLite file, if this is a SQLite URL.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseUrl::Sqlite { path } => Some(path),
            DatabaseUrl::Postgres { .. } => None,
        }
    }

    /// The full URL including the password. Only for handing to the driver: never log it.
    pub(crate) fn secret(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url } => url.as_str().to_string(),
        }
    }

    /// PostgreSQL: `host:port` (or `socket-dir:port`) for messages.
    pub fn endpoint(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => path.display().to_string(),
            DatabaseUrl::Postgres { url } => {
                let query_host = url
                    .query_pairs()
                    .find(|(k, _)| k == "host")
                    .map(|(_, v)| v.into_owned());
                let host = match url.host_str() {
                    Some(h) if !h.is_empty() => h.to_string(),
                    _ => query_host.unwrap_or_else(|| "localhost".to_string()),
                };
                let port = url
                    .port()
                    .map(|p| p.to_string())
                    .or_else(|| {
                        url.query_pairs()
                            .find(|(k, _)| k == "port")
                            .map(|(_, v)| v.into_owned())
                    })
                    .unwrap_or_else(|| "5432".to_string());
                format!("{host}:{port}")
            }
        }
    }

    /// PostgreSQL: the user name in the URL (the driver's default otherwise).
    pub fn user(&self) -> Option<String> {
        match self {
            DatabaseUrl::Postgres { url } if !url.username().is_empty() => {
                Some(percent_decode(url.username()))
            }
            DatabaseUrl::Postgres { url } => url
                .query_pairs()
                .find(|(k, _)| k == "user")
                .map(|(_, v)| v.into_owned()),
            _ => None,
        }
    }

    /// PostgreSQL: the database name in the URL path, if any.
    pub fn database(&self) -> Option<String> {
        match self {
            DatabaseUrl::Postgres { url } => {
                let db = url.path().trim_start_matches('/');
                (!db.is_empty()).then(|| percent_decode(db))
            }
            DatabaseUrl::Sqlite { .. } => None,
        }
    }

    /// Whether the server runs on this machine (loopback host or unix socket), so its data
    /// directory may be visible to us.
    pub fn is_local(&self) -> bool {
        match self {
            DatabaseUrl::Sqlite { .. } => true,
            DatabaseUrl::Postgres { url } => {
                let host = url.host_str().unwrap_or("");
                let query_host = url
                    .query_pairs()
                    .find(|(k, _)| k == "host")
                    .map(|(_, v)| v.into_owned());
                match (host, query_host) {
                    ("", Some(h)) => h.starts_with('/') || is_loopback(&h),
                    ("", None) => true,
                    (h, _) => is_loopback(h),
                }
            }
        }
    }

    /// A copy with another database name (PostgreSQL only; SQLite URLs are returned as is).
    pub fn with_database(&self, database: &str) -> DatabaseUrl {
        match self {
            DatabaseUrl::Postgres { url } => {
                let mut url = url.clone();
                url.set_path(&format!("/{database}"));
                DatabaseUrl::Postgres { url }
            }
            other => other.clone(),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl FromStr for DatabaseUrl {
    type Err = StoreError;

    fn from_str(raw: &str) -> Result<Self, StoreError> {
        let s = raw.trim();
        let bad = |reason: &str| StoreError::BadUrl {
            url: redact(s),
            reason: reason.to_string(),
        };
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        let Some((scheme, _)) = s.split_once(':') else {
            return Err(bad("it has no scheme"));
        };
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(bad("it has no scheme"));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let rest = &s[scheme.len() + 1..];
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(bad("the file path is missing"));
                }
                if path.starts_with(':') || path.contains('?') {
                    return Err(bad(
                        "only a file path is supported (no :memory:, no ?options)",
                    ));
                }
                Ok(DatabaseUrl::Sqlite {
                    path: PathBuf::from(path),
                })
            }
            "postgres" | "postgresql" => {
                // An empty host (`postgres:///db`) means the local server, as with libpq.
                let url = url::Url::parse(s).map_err(|e| bad(&e.to_string()))?;
                Ok(DatabaseUrl::Postgres { url })
            }
            other => Err(StoreError::UnknownScheme {
                scheme: other.to_string(),
                url: redact(s),
            }),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite { path } => write!(f, "sqlite://{}", path.display()),
            // Passwords hide in the user info and in the query (`?password=`).
            DatabaseUrl::Postgres { url } => f.write_str(&redact(url.as_str())),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_forms() {
        let u: DatabaseUrl = "sqlite://data/deribit.db".parse().unwrap();
        assert_eq!(u.sqlite_path(), Some(Path::new("data/deribit.db")));
        assert_eq!(u.to_string(), "sqlite://data/deribit.db");
        let u: DatabaseUrl = "sqlite:///var/lib/x.db".parse().unwrap();
        assert_eq!(u.sqlite_path(), Some(Path::new("/var/lib/x.db")));
        let u: DatabaseUrl = "sqlite:x.db".parse().unwrap();
        assert_eq!(u.sqlite_path(), Some(Path::new("x.db")));
        assert_eq!(u.backend(), Backend::Sqlite);
        for bad in ["sqlite://", "sqlite::memory:", "sqlite://x.db?mode=ro"] {
            let e = bad.parse::<DatabaseUrl>().unwrap_err().to_string();
            assert!(e.contains("sqlite://path/to/file.db"), "{bad}: {e}");
        }
    }

    #[test]
    fn postgres_password_is_redacted_everywhere() {
        let u: DatabaseUrl = "postgres://bob:s3cr%40t@db.example:6543/market"
            .parse()
            .unwrap();
        assert_eq!(u.to_string(), "postgres://bob:***@db.example:6543/market");
        assert!(!format!("{u:?}").contains("s3cr"));
        assert_eq!(u.endpoint(), "db.example:6543");
        assert_eq!(u.user().as_deref(), Some("bob"));
        assert_eq!(u.database().as_deref(), Some("market"));
        assert!(!u.is_local());
        assert!(u.secret().contains("s3cr%40t"));

        let u: DatabaseUrl = "postgresql://bob@localhost/x?password=hunter2&sslmode=disable"
            .parse()
            .unwrap();
        assert!(!u.to_string().contains("hunter2"), "{u}");
        assert!(u.to_string().contains("sslmode=disable"));
        assert_eq!(u.endpoint(), "localhost:5432");
        assert!(u.is_local());

        let u: DatabaseUrl = "postgres:///x".parse().unwrap();
        assert!(u.is_local());
        assert_eq!(u.endpoint(), "localhost:5432");
        let u: DatabaseUrl = "postgres://u@127.0.0.1:1/x".parse().unwrap();
        assert!(u.is_local());
        assert_eq!(u.with_database("y").database().as_deref(), Some("y"));
    }

    #[test]
    fn socket_urls() {
        let u: DatabaseUrl = "postgres:///x?host=/tmp/sock&port=5433&user=u"
            .parse()
            .unwrap();
        assert!(u.is_local());
        assert_eq!(u.endpoint(), "/tmp/sock:5433");
        assert_eq!(u.user().as_deref(), Some("u"));
        assert_eq!(u.database().as_deref(), Some("x"));
    }

    #[test]
    fn bad_and_unknown() {
        let e = "mysql://root:pw@h/db".parse::<DatabaseUrl>().unwrap_err();
        assert!(matches!(e, StoreError::UnknownScheme { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("\"mysql\"") && msg.contains("postgres://"),
            "{msg}"
        );
        assert!(!msg.contains("pw@"), "{msg}");

        for bad in [
            "",
            "data.db",
            "://x",
            "postgres://u:pw@:99999/x",
            "postgres://u:pw@/db",
        ] {
            let e = bad.parse::<DatabaseUrl>().unwrap_err();
            assert!(matches!(e, StoreError::BadUrl { .. }), "{bad}: {e}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
    }
}
