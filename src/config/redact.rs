//! Secrets never reach logs or the screen.

/// Replaces the password of a URL with `***`: `postgres://me:secret@host/db` becomes
/// `postgres://me:***@host/db`. Text that is not a URL with credentials is returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // Credentials end at the last '@' before the first '/' of the path.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let Some((user, _password)) = userinfo.split_once(':') else {
        return url.to_string();
    };
    format!("{scheme}://{user}:***{}", &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact_url("postgres://me:s3cr%40t@db.example:5432/market?sslmode=require"),
            "postgres://me:***@db.example:5432/market?sslmode=require"
        );
        assert_eq!(redact_url("postgres://me@db/x"), "postgres://me@db/x");
        assert_eq!(
            redact_url("sqlite://data/deribit.db"),
            "sqlite://data/deribit.db"
        );
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(
            redact_url("postgres://u:p@ss@h/db"),
            "postgres://u:***@h/db"
        );
    }
}
