//! Retries with exponential backoff and a per-attempt timeout, the same for every backend.

use super::{Location, StorageError};
use std::future::Future;
use std::time::Duration;

/// How often and how patiently to retry a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff; doubles each retry, capped at 10 s, with ±50 % jitter.
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

/// Whether an object-store error may go away on retry.
fn is_transient(err: &object_store::Error) -> bool {
    use object_store::Error as E;
    !matches!(
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
    )
}

/// An error and its sources, `: `-separated (object_store's own message often hides the
/// cause, e.g. "HTTP error: builder error").
fn chain(err: &dyn std::error::Error) -> String {
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

fn backoff_for(policy: &RetryPolicy, attempt: u32) -> Duration {
    let base = policy
        .backoff
        .saturating_mul(1u32 << attempt.min(16))
        .min(Duration::from_secs(10));
    let jitter = 0.5 + rand::random::<f64>();
    base.mul_f64(jitter)
}

/// Runs `op` until it succeeds, fails permanently, or the retry budget is spent.
pub(super) async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    op_name: &'static str,
    loc: &Location,
    mut op: F,
) -> Result<T, StorageError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, object_store::Error>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = tokio::time::timeout(policy.timeout, op()).await;
        let reason = match outcome {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(object_store::Error::NotFound { .. })) => {
                return Err(StorageError::NotFound {
                    what: "object".into(),
                    url: loc.to_string(),
                });
            }
            Ok(Err(e)) if !is_transient(&e) => {
                return Err(StorageError::Request {
                    op: op_name,
                    url: loc.to_string(),
                    attempts: attempt,
                    reason: chain(&e),
                });
            }
            Ok(Err(e)) => chain(&e),
            Err(_) => format!("timed out after {:?}", policy.timeout),
        };
        if attempt > policy.max_retries {
            return Err(StorageError::Request {
                op: op_name,
                url: loc.to_string(),
                attempts: attempt,
                reason,
            });
        }
        let wait = backoff_for(policy, attempt - 1);
        tracing::warn!(op = op_name, url = %loc, attempt, wait_ms = wait.as_millis() as u64, %reason, "transient storage error, retrying");
        tokio::time::sleep(wait).await;
    }
}
