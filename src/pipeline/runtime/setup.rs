//! What a command opens before its stages run: the pipeline config it needs and the storage,
//! with the config's retry policy.

use crate::config::PipelineConfig;
use crate::{Error, Result};
use std::time::Duration;
use vigil_store::storage::{RetryPolicy, Storage};

/// Opens storage with the config's retry policy and builder options (or defaults).
pub fn open_storage(config: Option<&PipelineConfig>) -> Result<Storage> {
    let (policy, options) = match config {
        Some(c) => {
            let s = &c.options.storage;
            (
                RetryPolicy {
                    max_retries: s.max_retries,
                    backoff: Duration::from_millis(s.retry_backoff_ms),
                    timeout: Duration::from_secs(s.timeout_secs),
                },
                c.store_options.clone(),
            )
        }
        None => (RetryPolicy::default(), Vec::new()),
    };
    let credentials = config.map(|c| c.options.storage.credentials).unwrap_or_default();
    Ok(Storage::new(policy, options)?.with_credentials(credentials))
}

/// Loads the pipeline config a command needs, as a usage error when it is not given.
pub fn require_config(path: Option<&std::path::Path>, command: &str) -> Result<PipelineConfig> {
    let path = path.ok_or_else(|| {
        Error::Usage(format!(
            "`vigil {command}` needs --config PATH (a pipeline TOML such as pipelines/demo.toml)"
        ))
    })?;
    Ok(PipelineConfig::load(path)?)
}
