//! Secrets never reach logs or the screen: the one redaction every URL, connection string
//! and error message goes through before it is shown, logged or handed to a hook.
//!
//! [`redact`] takes any text (a bare URL, a libpq `key=value` connection string, or an error
//! message with URLs inside) and replaces each secret with `***`:
//! - the password of a URL's user info: `postgres://me:secret@db/x` → `postgres://me:***@db/x`
//!   (also when the password holds a raw `@`, or is percent-encoded);
//! - query, fragment and `key=value` parameters whose name says secret: `password`, `pass`,
//!   `passwd`, `pwd`, `sslpassword`, `*_password`, `secret`, `client_secret`, `token`,
//!   `access_token`, `api_key`, `apikey`, `auth`, `signature`, `sig`… matched case-insensitively
//!   and after percent-decoding the name (`pass%77ord=` is caught too); quoted libpq values
//!   (`password='a b'`) are replaced whole.
//!
//! User names, hosts, ports, paths and every other parameter are kept as they were.
//! It is a leaf module: it depends on nothing else in the crate, so every layer may use it.

/// What replaces a secret.
pub const MASK: &str = "***";

/// Returns `text` with every password and token in it replaced by [`MASK`].
pub fn redact(text: &str) -> String {
    redact_parameters(&redact_userinfo(text))
}

/// Characters that end a URL inside free text.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`')
}

/// `scheme://user:password@host` → `scheme://user:***@host`, for every URL in `text`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(sep) = rest.find("://") {
        let after = sep + 3;
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let seg_end = tail.find(ends_url).unwrap_or(tail.len());
        let seg = &tail[..seg_end];
        match password_span(seg) {
            Some((start, end)) => {
                out.push_str(&seg[..start]);
                out.push_str(MASK);
                out.push_str(&seg[end..]);
            }
            None => out.push_str(seg),
        }
        rest = &tail[seg_end..];
    }
    out.push_str(rest);
    out
}

/// Where the password is in `seg` (the text after `://` up to the end of the URL).
fn password_span(seg: &str) -> Option<(usize, usize)> {
    let authority_end = seg.find(['/', '?', '#']).unwrap_or(seg.len());
    let authority = &seg[..authority_end];
    let at = match authority.rfind('@') {
        Some(at) => at,
        None => {
            // A raw '/', '?' or '#' in the password cuts the authority short:
            // `u:pa/ss@host`. It is a password, not a port, when what follows the colon up
            // to the cut is not a port number.
            let colon = authority.find(':')?;
            let port = &authority[colon + 1..];
            if port.is_empty() || port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            seg.find('@')?
        }
    };
    let colon = seg[..at].find(':')?;
    // `user:password@host` is the placeholder of help texts, not a secret.
    (&seg[colon + 1..at] != "password").then_some((colon + 1, at))
}

/// Whether a parameter of this name holds a secret.
fn is_secret_name(raw: &str) -> bool {
    let name = percent_decode(raw).to_ascii_lowercase().replace('-', "_");
    let name = name.trim();
    matches!(
        name,
        "pass"
            | "pwd"
            | "passwd"
            | "passphrase"
            | "secret"
            | "token"
            | "auth"
            | "authorization"
            | "apikey"
            | "api_key"
            | "sig"
            | "signature"
            | "credential"
            | "credentials"
            | "private_key"
    ) || ["password", "passwd", "secret", "_token"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Characters a parameter name may be made of (`%` for percent-encoded names).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%')
}

/// Characters after which a parameter name may start.
fn starts_parameter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '?' | '&' | ';' | '#' | ',' | '(' | '"' | '\'')
}

/// `password=…`, `?token=…`, `sslpassword = '…'`: each secret value becomes [`MASK`].
fn redact_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut prev: Option<char> = None;
    while i < text.len() {
        let at_boundary = prev.is_none_or(starts_parameter);
        let c = text[i..].chars().next().expect("in bounds");
        if at_boundary
            && is_name_char(c)
            && let Some((value_start, value_end)) = secret_value(text, i)
        {
            out.push_str(&text[i..value_start]);
            out.push_str(MASK);
            i = value_end;
            prev = text[..i].chars().next_back();
            continue;
        }
        out.push(c);
        prev = Some(c);
        i += c.len_utf8();
    }
    out
}

/// If a secret parameter starts at `start`, the byte span of its value.
fn secret_value(text: &str, start: usize) -> Option<(usize, usize)> {
    let tail = &text[start..];
    let name_len = tail.find(|c: char| !is_name_char(c)).unwrap_or(tail.len());
    if name_len == 0 || !is_secret_name(&tail[..name_len]) {
        return None;
    }
    // libpq allows spaces around '='.
    let after_name = &tail[name_len..];
    let eq = after_name.len() - after_name.trim_start_matches([' ', '\t']).len();
    if !after_name[eq..].starts_with('=') {
        return None;
    }
    let value_from = start + name_len + eq + 1;
    let value = &text[value_from..];
    let spaces = value.len() - value.trim_start_matches([' ', '\t']).len();
    let value_start = value_from + spaces;
    let value = &text[value_start..];
    if value.starts_with('\'') {
        // A quoted libpq value: up to the closing quote not escaped by a backslash.
        let mut escaped = false;
        for (k, ch) in value.char_indices().skip(1) {
            match ch {
                '\\' if !escaped => escaped = true,
                '\'' if !escaped => return Some((value_start, value_start + k + 1)),
                _ => escaped = false,
            }
        }
        return Some((value_start, text.len()));
    }
    let mut len = value
        .find(|c: char| c.is_whitespace() || matches!(c, '&' | '#' | '"'))
        .unwrap_or(value.len());
    // Prose punctuation after a URL (`… at http://h/?token=x: cannot connect`) is not part of
    // the value.
    while len > 1 && value[..len].ends_with([':', ',', ';', ')', '.']) {
        len -= 1;
    }
    Some((value_start, value_start + len))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (
                (bytes[i + 1] as char).to_digit(16),
                (bytes[i + 2] as char).to_digit(16),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::redact;

    fn hides(text: &str, secret: &str) -> String {
        let shown = redact(text);
        assert!(!shown.contains(secret), "{text} → {shown}");
        assert!(shown.contains("***"), "{text} → {shown}");
        shown
    }

    #[test]
    fn redact_userinfo_passwords() {
        assert_eq!(
            redact("postgres://me:s3cr%40t@db.example:5432/market?sslmode=require"),
            "postgres://me:***@db.example:5432/market?sslmode=require"
        );
        assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://a:b:c@h/d"), "postgres://a:***@h/d");
        assert_eq!(redact("x://u:p@w@h:1/d"), "x://u:***@h:1/d");
        assert_eq!(redact("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("http://trader:hunter2@127.0.0.1:9"),
            "http://trader:***@127.0.0.1:9"
        );
        // No password: unchanged.
        for plain in [
            "postgres://me@db/x",
            "sqlite://data/deribit.db",
            "sqlite:///var/lib/x.db",
            "http://127.0.0.1:8080/api/v2/public/get_time?",
            "http://host:8080/path?email=a@b",
            "not a url",
            "",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }

    #[test]
    fn redact_query_parameters() {
        assert_eq!(
            redact("postgresql://bob@localhost/x?password=hunter2&sslmode=disable"),
            "postgresql://bob@localhost/x?password=***&sslmode=disable"
        );
        assert_eq!(
            redact("postgres:///x?host=/tmp/s&sslpassword=k3y&user=u"),
            "postgres:///x?host=/tmp/s&sslpassword=***&user=u"
        );
        hides("postgres://h/x?user=u&pass=hunter2", "hunter2");
        hides("postgres://h/x?PASSWORD=hunter2", "hunter2");
        hides("postgres://h/x?db_password=hunter2", "hunter2");
        hides("https://www.deribit.com/?token=abc123", "abc123");
        hides("https://ex.example/?access_token=abc123&x=1", "abc123");
        hides("https://ex.example/#api_key=abc123", "abc123");
        hides("https://ex.example/?client_secret=abc123", "abc123");
        // Percent-encoded names and values.
        hides("postgres://h/x?pass%77ord=hunter2", "hunter2");
        hides("postgres://h/x?%70assword=hunter2", "hunter2");
        hides("postgres://h/x?password=hun%20ter2", "ter2");
        // Names that merely contain the letters are kept.
        for plain in [
            "postgres://h/x?passes=3",
            "postgres://h/x?sslkey=/etc/k.pem&sslmode=verify-full",
            "postgres://h/x?bypass=1",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }

    #[test]
    fn redact_key_value_connection_strings() {
        assert_eq!(
            redact("host=db user=me password=hunter2 dbname=x"),
            "host=db user=me password=*** dbname=x"
        );
        assert_eq!(
            redact("host=db password = 'two words \\' quote' dbname=x"),
            "host=db password = *** dbname=x"
        );
        hides("password='unterminated secret", "secret");
        hides("sslpassword=k3y host=h", "k3y");
    }

    #[test]
    fn redact_inside_messages() {
        let msg = "cannot reach the exchange at http://me:hunter2@127.0.0.1:9: cannot connect \
                   (error sending request for url (http://me:hunter2@127.0.0.1:9/api/v2/public/get_time?token=t0k3n))";
        let shown = hides(msg, "hunter2");
        assert!(!shown.contains("t0k3n"), "{shown}");
        assert!(shown.contains("http://me:***@127.0.0.1:9"), "{shown}");
        let shown = hides(
            "invalid setting database_url = \"mysql://root:pw@h/db?password=x\": use …",
            ":pw@",
        );
        assert!(shown.contains("\": use"), "{shown}");
        // Punctuation after a URL stays; the help text's placeholder stays.
        assert_eq!(
            redact("at http://h/?token=abc: cannot connect"),
            "at http://h/?token=***: cannot connect"
        );
        assert_eq!(
            redact("use postgres://user:password@host:5432/db"),
            "use postgres://user:password@host:5432/db"
        );
    }
}
