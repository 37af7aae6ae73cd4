//! `[storage]` checks: retry and timeout ranges, the credentials opt-in, and
//! `[storage.options]` keys, which must be object_store options (a misspelt key would
//! otherwise be ignored silently and the store would run without it).

use vigil_store::storage::is_store_option;

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
