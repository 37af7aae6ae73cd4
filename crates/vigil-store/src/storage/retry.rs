//! Retries: object_store retries cloud requests itself (5xx, 429, connection errors,
//! timeouts of idempotent requests; never 4xx), configured from `[storage]`; vigil's own
//! layer adds a deadline per call, retries timeouts of idempotent calls, and retries
//! transient errors of the local file system and in-memory stores, which have no retry
//! logic of their own. Permanent failures (not found, access denied, a missing bucket, any
//! other 4xx) are never retried, and neither is a conditional create after a timeout: its
//! outcome is unknown, and a retry could report a false conflict.

use super::redact::Redactor;
use super::{Location, StorageError};
use object_store::{BackoffConfig, RetryConfig};
use std::future::Future;
use std::time::Duration;

/// How often and how patiently to retry a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff; doubles each retry, capped at 10 s, with jitter.
    pub backoff: Duration,
    /// Timeout of one attempt.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            backoff: Duration::from_millis(100),
            timeout: Duration::from_secs(60),
        }
    }
}

/// Longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

impl RetryPolicy {
    /// The same policy as object_store's retry configuration, for cloud stores (the store
    /// deltalake commits through included).
    pub fn object_store_config(&self) -> RetryConfig {
        RetryConfig {
            backoff: BackoffConfig {
                // object_store draws each backoff from [init, previous × base): an empty
                // range (init 0) would panic, so the first backoff is at least 1 ms.
                init_backoff: self.backoff.max(Duration::from_millis(1)),
                max_backoff: MAX_BACKOFF,
                base: 2.0,
            },
            max_retries: self.max_retries as usize,
            retry_timeout: self.budget(),
        }
    }

    /// Time all attempts of one request may take: every attempt's timeout plus the longest
    /// backoffs between them.
    pub fn budget(&self) -> Duration {
        let attempts = self.max_retries + 1;
        let waits = (0..self.max_retries)
            .map(|i| backoff_cap(self, i))
            .sum::<Duration>();
        self.timeout.saturating_mul(attempts).saturating_add(waits)
    }
}

/// How one call may be retried by vigil's layer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Call<'a> {
    /// Operation name for messages: read, list, head (reads); write, create, delete.
    pub op: &'static str,
    /// The location, for messages.
    pub loc: &'a Location,
    /// Whether the store has no retries of its own (local files, memory): vigil then
    /// retries its transient errors.
    pub local: bool,
    /// Whether repeating the call after a timeout is safe (not a conditional create).
    pub idempotent: bool,
    /// Scrubs option values and credentials from messages.
    pub redactor: &'a Redactor,
}

/// Whether a failed request is the store's final answer, whatever the retries.
fn is_permanent(err: &object_store::Error, text: &str) -> bool {
    use object_store::Error as E;
    matches!(
        err,
        E::NotFound { .. }
            | E::InvalidPath { .. }
            | E::NotSupported { .. }
            | E::AlreadyExists { .. }
            | E::Precondition { .. }
            | E::NotModified { .. }
            | E::NotImplemented { .. }
            | E::PermissionDenied { .. }
            | E::Unauthenticated { .. }
            | E::UnknownConfigurationKey { .. }
    ) || client_error_status(text).is_some()
}

/// The HTTP 4xx status in an object_store message (`non-2xx status code: 403 Forbidden`).
fn client_error_status(text: &str) -> Option<u16> {
    let rest = text.split("status code: ").nth(1)?;
    let code: u16 = rest.get(..3)?.parse().ok()?;
    (400..500).contains(&code).then_some(code)
}

/// An error and its sources, `: `-separated (object_store's own message often hides the
/// cause, e.g. "HTTP error: builder error").
pub(super) fn chain(err: &dyn std::error::Error) -> String {
    let mut msg = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

/// The storage error for a permanent failure: a missing bucket or container, access
/// denied, not found, or another refused request.
fn classify(call: &Call<'_>, err: &object_store::Error, text: String, attempts: u32) -> StorageError {
    use object_store::Error as E;
    let url = call.loc.to_string();
    let lower = text.to_ascii_lowercase();
    let no_bucket = ["nosuchbucket", "containernotfound", "bucket does not exist"]
        .iter()
        .any(|n| lower.contains(n));
    let is_write = super::is_write(call.op);
    // A write answered "not found" on an object store means the bucket itself is missing.
    let not_found = matches!(err, E::NotFound { .. }) || client_error_status(&text) == Some(404);
    if no_bucket || (is_write && not_found && !call.local) {
        return StorageError::MissingBucket {
            op: call.op,
            url,
            store: call.loc.store_key().to_string(),
        };
    }
    if matches!(err, E::NotFound { .. }) {
        return StorageError::NotFound {
            what: "object".into(),
            url,
        };
    }
    let denied = matches!(err, E::PermissionDenied { .. } | E::Unauthenticated { .. })
        || matches!(client_error_status(&text), Some(401 | 403));
    if denied {
        return StorageError::Denied {
            op: call.op,
            url,
            reason: text,
        };
    }
    StorageError::Request {
        op: call.op,
        url,
        attempts,
        reason: text,
    }
}

/// Upper bound of the backoff before retry `attempt` (0-based).
fn backoff_cap(policy: &RetryPolicy, attempt: u32) -> Duration {
    policy
        .backoff
        .saturating_mul(1u32 << attempt.min(16))
        .min(MAX_BACKOFF)
}

fn backoff_for(policy: &RetryPolicy, attempt: u32) -> Duration {
    backoff_cap(policy, attempt).mul_f64(0.5 + rand::random::<f64>() / 2.0)
}

/// Runs `op` until it succeeds, fails permanently, or the retry budget is spent (see the
/// module docs for what is retried where).
pub(super) async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    call: Call<'_>,
    mut op: F,
) -> Result<T, StorageError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, object_store::Error>>,
{
    // A cloud call already carries object_store's retries: vigil's deadline covers them all.
    let deadline = if call.local {
        policy.timeout
    } else {
        policy.budget().saturating_add(policy.timeout)
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let reason = match tokio::time::timeout(deadline, op()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => {
                let text = call.redactor.scrub(&chain(&e));
                if is_permanent(&e, &text) {
                    return Err(classify(&call, &e, text, attempt));
                }
                if !call.local {
                    // object_store has retried it as often as the policy allows.
                    return Err(StorageError::Request {
                        op: call.op,
                        url: call.loc.to_string(),
                        attempts: attempt,
                        reason: text,
                    });
                }
                text
            }
            Err(_) if !call.idempotent => {
                return Err(StorageError::Request {
                    op: call.op,
                    url: call.loc.to_string(),
                    attempts: attempt,
                    reason: format!(
                        "timed out after {deadline:?}; not retried, as repeating a conditional write \
                         could report a false conflict (check the object, then re-run)"
                    ),
                });
            }
            Err(_) => format!("timed out after {deadline:?}"),
        };
        if attempt > policy.max_retries {
            return Err(StorageError::Request {
                op: call.op,
                url: call.loc.to_string(),
                attempts: attempt,
                reason,
            });
        }
        let wait = backoff_for(policy, attempt - 1);
        tracing::warn!(op = call.op, url = %call.loc, attempt, wait_ms = wait.as_millis() as u64, %reason, "transient storage error, retrying");
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_recognised_in_messages() {
        assert_eq!(
            client_error_status("x: Server returned non-2xx status code: 403 Forbidden: <Error>"),
            Some(403)
        );
        assert_eq!(
            client_error_status("Server returned non-2xx status code: 503 Service Unavailable"),
            None
        );
        assert_eq!(client_error_status("connection refused"), None);
    }

    #[test]
    fn object_store_gets_the_policy_and_a_nonzero_first_backoff() {
        let p = RetryPolicy {
            max_retries: 2,
            backoff: Duration::ZERO,
            timeout: Duration::from_secs(1),
        };
        let c = p.object_store_config();
        assert_eq!(c.max_retries, 2);
        assert_eq!(c.backoff.init_backoff, Duration::from_millis(1));
        assert_eq!(c.retry_timeout, Duration::from_secs(3));
    }
}
