//! Scrubbing of storage error messages: no option value or credential reaches a message.
//!
//! object_store echoes values in some errors (`failed to parse "<value>" as boolean`), and a
//! server's error body may quote a request detail. Every message a store error turns into
//! goes through [`Redactor::scrub`], which replaces the values of `[storage.options]` and of
//! the credential environment variables the cloud builders read with `[redacted]`.

use crate::secret::Secret;

/// Values short or plain enough to be no secret (`true`, `5`, `30s`): left in messages,
/// where replacing them would only garble the text.
fn is_plain(value: &str) -> bool {
    value.len() < 4
        || value.parse::<f64>().is_ok()
        || matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "on" | "off" | "none" | "etag"
        )
}

/// Options that name a place, not a credential: their values stay readable in messages
/// (an unreachable endpoint is only useful to the operator when the message shows it).
fn is_place(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["endpoint", "region", "bucket", "account_name", "container_name"]
        .iter()
        .any(|w| key.contains(w))
}

/// Whether an environment variable read by a cloud builder holds a credential.
fn is_credential_env(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["AWS_", "AZURE_", "GOOGLE_"].iter().any(|p| upper.starts_with(p))
        && [
            "SECRET",
            "KEY",
            "TOKEN",
            "PASSWORD",
            "SAS",
            "CREDENTIAL",
            "SESSION",
        ]
        .iter()
        .any(|w| upper.contains(w))
}

/// The values that must not appear in a storage message, with the option key (or
/// environment variable) each came from.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Vec<(String, Secret)>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} values)", self.values.len())
    }
}

impl Redactor {
    /// Every `[storage.options]` value but those naming a place (endpoint, region, bucket,
    /// account), and every credential variable of the environment.
    pub fn new(options: &[(String, Secret)]) -> Self {
        let mut values: Vec<(String, Secret)> = options
            .iter()
            .filter(|(k, v)| !is_place(k) && !is_plain(v.expose()))
            .map(|(k, v)| (format!("[storage.options] {k}"), v.clone()))
            .collect();
        values.extend(
            std::env::vars()
                .filter(|(k, v)| is_credential_env(k) && !is_plain(v))
                .map(|(k, v)| (format!("environment variable {k}"), Secret::new(v))),
        );
        // Longest first, so a value that contains another is replaced whole.
        values.sort_by_key(|(_, v)| std::cmp::Reverse(v.expose().len()));
        Self { values }
    }

    /// `text` with every known value replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (_, v) in &self.values {
            if out.contains(v.expose()) {
                out = out.replace(v.expose(), "[redacted]");
            }
        }
        out
    }

    /// Where the first value found in `text` came from (`[storage.options] aws_allow_http`),
    /// to name the key of a rejected value without printing it.
    pub fn source_in(&self, text: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(_, v)| text.contains(v.expose()))
            .map(|(k, _)| k.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_values_are_scrubbed_and_named_by_key() {
        let r = Redactor::new(&[
            ("aws_allow_http".into(), Secret::new("sekret-value".into())),
            ("aws_region".into(), Secret::new("true".into())),
        ]);
        let msg = "Generic Config error: failed to parse \"sekret-value\" as boolean";
        assert_eq!(r.source_in(msg), Some("[storage.options] aws_allow_http"));
        assert_eq!(
            r.scrub(msg),
            "Generic Config error: failed to parse \"[redacted]\" as boolean"
        );
        assert_eq!(r.scrub("true story"), "true story");
    }

    #[test]
    fn credential_variables_are_recognised() {
        assert!(is_credential_env("AWS_SECRET_ACCESS_KEY"));
        assert!(is_credential_env("AZURE_STORAGE_SAS_KEY"));
        assert!(!is_credential_env("AWS_REGION"));
        assert!(!is_credential_env("HOME"));
    }
}
