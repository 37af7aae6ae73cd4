//! libpq's TLS settings in a connection string. tokio-postgres knows `sslmode` only as
//! `disable|prefer|require` and rejects `sslrootcert`, so [`split`] takes `sslmode` and
//! `sslrootcert` out of the URL (`postgres://…?sslmode=verify-full&sslrootcert=/ca.pem`) or
//! the key=value form (`host=… sslmode='verify-full'`) and hands the rest to tokio-postgres.
//!
//! Error messages name the setting and, for `sslmode`, its value; never the connection
//! string (it may hold a password).

use std::path::PathBuf;

use percent_encoding::percent_decode_str;

/// libpq's `sslmode` (without `allow`, which tries plain text first: tokio-postgres cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, without checking its certificate (libpq's default).
    #[default]
    Prefer,
    /// TLS or fail; the certificate is checked against a CA only when one is given.
    Require,
    /// TLS, certificate chain checked against the CA; the host name is not.
    VerifyCa,
    /// TLS, certificate chain and host name checked.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => {
                return Err(
                    "sslmode=allow is not supported (it tries without TLS first); use \
                            disable, prefer, require, verify-ca or verify-full"
                        .into(),
                );
            }
            other => {
                return Err(format!(
                    "invalid sslmode {other:?}: use disable, prefer, require, verify-ca or verify-full"
                ));
            }
        })
    }

    /// The mode tokio-postgres negotiates with (the verify modes require TLS).
    pub(crate) fn negotiate(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Pg;
        match self {
            SslMode::Disable => Pg::Disable,
            SslMode::Prefer => Pg::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Pg::Require,
        }
    }
}

/// Where the trusted CA certificates come from (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RootCert {
    /// A PEM file of one or more CA certificates.
    File(PathBuf),
    /// The operating system's trust store (`sslrootcert=system`).
    System,
}

impl RootCert {
    /// `system` or a file path.
    pub(crate) fn parse(value: &str) -> Self {
        if value == "system" {
            RootCert::System
        } else {
            RootCert::File(PathBuf::from(value))
        }
    }
}

/// The TLS settings of a connection string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsParams {
    /// `sslmode`, `prefer` when absent.
    pub(crate) mode: SslMode,
    /// `sslrootcert`, when given.
    pub(crate) root_cert: Option<RootCert>,
}

/// Takes `sslmode` and `sslrootcert` out of a connection string; returns the rest and them.
pub(crate) fn split(conn: &str) -> Result<(String, TlsParams), String> {
    if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
        split_url(conn)
    } else {
        split_key_values(conn)
    }
}

/// URL form: the query string after the first `?` that follows the user info.
fn split_url(conn: &str) -> Result<(String, TlsParams), String> {
    let authority_end = conn.rfind('@').unwrap_or(0);
    let Some(q) = conn[authority_end..].find('?').map(|i| i + authority_end) else {
        return Ok((conn.to_string(), TlsParams::default()));
    };
    let mut params = TlsParams::default();
    let mut kept = Vec::new();
    for pair in conn[q + 1..].split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !matches!(key, "sslmode" | "sslrootcert") {
            kept.push(pair);
            continue;
        }
        let decoded = percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| format!("the URL's {key} parameter is not valid UTF-8"))?;
        take(&mut params, key, &decoded)?;
    }
    let mut rest = conn[..q].to_string();
    if !kept.is_empty() {
        rest.push('?');
        rest.push_str(&kept.join("&"));
    }
    Ok((rest, params))
}

/// Key=value form: `key=value` pairs separated by spaces; values may be single-quoted with
/// `\'` and `\\` escapes. The pairs kept are re-emitted quoted.
fn split_key_values(conn: &str) -> Result<(String, TlsParams), String> {
    let mut params = TlsParams::default();
    let mut kept = Vec::new();
    for (key, value) in key_values(conn)? {
        if !take(&mut params, &key, &value)? {
            let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
            kept.push(format!("{key}='{escaped}'"));
        }
    }
    Ok((kept.join(" "), params))
}

/// Records `key` if it is a TLS setting; `false` for any other key.
fn take(params: &mut TlsParams, key: &str, value: &str) -> Result<bool, String> {
    match key {
        "sslmode" => params.mode = SslMode::parse(value)?,
        "sslrootcert" if value.is_empty() => return Err("sslrootcert is empty".into()),
        "sslrootcert" => params.root_cert = Some(RootCert::parse(value)),
        _ => return Ok(false),
    }
    Ok(true)
}

/// The pairs of a key=value connection string, values unquoted.
fn key_values(conn: &str) -> Result<Vec<(String, String)>, String> {
    let mut chars = conn.chars().peekable();
    let mut pairs = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err("malformed key=value connection string: a key without '='".into());
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                    None => {
                        return Err(
                            "malformed key=value connection string: a quoted value is not closed".into(),
                        );
                    }
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str) -> Option<RootCert> {
        Some(RootCert::File(PathBuf::from(p)))
    }

    #[test]
    fn url_tls_settings_are_taken_out_and_the_rest_kept() {
        let (rest, p) = split(
            "postgres://u:p%3Fw@db:5432/x?connect_timeout=5&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca%20x.pem&application_name=a",
        )
        .expect("split");
        assert_eq!(
            rest,
            "postgres://u:p%3Fw@db:5432/x?connect_timeout=5&application_name=a"
        );
        assert_eq!(p.mode, SslMode::VerifyFull);
        assert_eq!(p.root_cert, file("/tmp/ca x.pem"));
        let (rest, p) = split("postgresql://db/x?sslmode=require").expect("split");
        assert_eq!((rest.as_str(), p.mode), ("postgresql://db/x", SslMode::Require));
        let (rest, p) = split("postgres://u:pw?@db/x").expect("no query: '?' in the password");
        assert_eq!(
            (rest.as_str(), p),
            ("postgres://u:pw?@db/x", TlsParams::default())
        );
        assert_eq!(
            split("postgres://db/x?sslrootcert=system")
                .expect("system")
                .1
                .root_cert,
            Some(RootCert::System)
        );
    }

    #[test]
    fn key_value_tls_settings_are_taken_out_and_the_rest_requoted() {
        let (rest, p) =
            split("host=db  user = 'o\\'neil' password='a b\\\\c' sslmode=verify-ca sslrootcert='/c a.pem'")
                .expect("split");
        assert_eq!(rest, "host='db' user='o\\'neil' password='a b\\\\c'");
        assert_eq!(p.mode, SslMode::VerifyCa);
        assert_eq!(p.root_cert, file("/c a.pem"));
        // tokio-postgres reads the re-quoted rest back to the same values.
        let config: tokio_postgres::Config = rest.parse().expect("tokio-postgres parses it");
        assert_eq!(config.get_user(), Some("o'neil"));
        assert_eq!(config.get_password(), Some(&b"a b\\c"[..]));
        assert_eq!(split("").expect("empty").0, "");
    }

    #[test]
    fn bad_settings_name_the_setting_never_the_string() {
        let secret = "s3cret-pw";
        for (conn, needle) in [
            (
                "postgres://u:s3cret-pw@db/x?sslmode=verify",
                "invalid sslmode \"verify\"",
            ),
            (
                "postgres://u:s3cret-pw@db/x?sslmode=allow",
                "sslmode=allow is not supported",
            ),
            ("postgres://u:s3cret-pw@db/x?sslrootcert=", "sslrootcert is empty"),
            ("password=s3cret-pw sslmode=full", "invalid sslmode \"full\""),
            ("password='s3cret-pw", "a quoted value is not closed"),
            ("s3cret-pw", "a key without '='"),
        ] {
            let err = split(conn).expect_err(conn);
            assert!(err.contains(needle) && !err.contains(secret), "{conn}: {err}");
        }
    }
}
