//! `[storage]` checks: retry and timeout ranges, the credentials opt-in, and
//! `[storage.options]` keys, which must be object_store options (a misspelt key would
//! otherwise be ignored silently and the store would run without it).

use object_store::aws::AmazonS3ConfigKey;
use object_store::azure::AzureConfigKey;
use object_store::gcp::GoogleConfigKey;
use serde::Deserialize;

/// Where cloud stores may take credentials from (`[storage] credentials`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialSource {
    /// Only credentials given in the environment (`AWS_*`, `GOOGLE_*`, `AZURE_*`) or in
    /// `[storage.options]`: keys, tokens, token files, service-account files, SAS, the
    /// emulator flag or `*_skip_signature`. Without any, opening an `s3://`, `gs://` or
    /// `az://` location fails before any request (exit 2).
    #[default]
    Configured,
    /// Also the platform's ambient identity when nothing is configured: the EC2/ECS
    /// instance metadata service, the GCE metadata server, Azure managed identity.
    Instance,
}

/// `[storage.options]` keys vigil accepts: every key object_store's S3, GCS or Azure builder
/// or its HTTP client understands (`aws_*`, `google_*`, `azure_*`, `allow_http`, `timeout`,
/// …). A config may hold keys for several clouds (inputs on one, outputs on another); each
/// store takes the keys of its own scheme.
pub fn is_store_option(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.parse::<AmazonS3ConfigKey>().is_ok()
        || key.parse::<GoogleConfigKey>().is_ok()
        || key.parse::<AzureConfigKey>().is_ok()
}

/// Checks `[storage]`: `(key, value, allowed)` of the first bad value. Option values are
/// never part of the result (they are secrets); an unknown option is named by its key.
pub(super) fn check(
    opts: &super::StorageOptions,
    option_keys: &[&str],
) -> Result<(), (String, String, String)> {
    if opts.timeout_secs == 0 {
        return Err((
            "storage.timeout_secs".into(),
            "0".into(),
            "allowed: 1 or more seconds".into(),
        ));
    }
    if opts.max_retries > 20 {
        return Err((
            "storage.max_retries".into(),
            opts.max_retries.to_string(),
            "allowed: 0 to 20".into(),
        ));
    }
    if opts.retry_backoff_ms > 60_000 {
        return Err((
            "storage.retry_backoff_ms".into(),
            opts.retry_backoff_ms.to_string(),
            "allowed: 0 to 60000 milliseconds".into(),
        ));
    }
    if let Some(key) = option_keys.iter().find(|k| !is_store_option(k)) {
        return Err((
            format!("storage.options.{key}"),
            "[value not shown]".into(),
            "unknown object-store option; allowed: the S3 (aws_…), GCS (google_…) and Azure \
             (azure_…) options of object_store and its HTTP client options (allow_http, timeout, \
             connect_timeout, proxy_url, …); see README, [storage.options]"
                .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_options_of_every_cloud_and_the_client_are_known() {
        for key in [
            "aws_access_key_id",
            "AWS_SECRET_ACCESS_KEY",
            "aws_endpoint",
            "aws_allow_http",
            "aws_conditional_put",
            "aws_skip_signature",
            "google_service_account",
            "azure_storage_account_name",
            "azure_storage_use_emulator",
            "allow_http",
            "timeout",
            "connect_timeout",
        ] {
            assert!(is_store_option(key), "{key}");
        }
        for key in ["aws_secret_acess_key", "endpoint_url_typo", "retries", ""] {
            assert!(!is_store_option(key), "{key}");
        }
    }
}
