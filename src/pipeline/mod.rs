//! The stage runner: resolved settings in, stage reports out, collected into one run
//! summary (the JSON line Airflow reads from stdout or `--summary-json`).
//!
//! Stages take the run window from the command line; nothing here reads the wall clock
//! for data (only a monotonic timer for durations).
//!
//! One folder per stage, mirroring `cli/`: [`data`] (generate, validate, features),
//! [`sentiment`], [`risk`] (train, backtest), [`score`] (plan, score, drift monitoring),
//! [`publish`] (publish, vacuum) and [`report`]; [`run`] chains them into `vigil run`,
//! [`demo`] into `vigil demo`, and [`runtime`] holds what every stage shares (the run
//! summary, timings, progress bars, pre-flight checks).

pub mod data;
pub mod demo;
pub mod publish;
pub mod report;
pub mod risk;
pub mod run;
pub mod runtime;
pub mod score;
pub mod sentiment;

pub use data::{
    FeatureMode, FeatureSummary, FeaturesSettings, GenerateSettings, ValidateSettings, feature_table,
    features, generate, validate, validate_shard, write_features, write_history,
};
pub use demo::{DemoSettings, demo, demo_report};
pub use risk::{
    BacktestSettings, ExternalFeatures, TrainOutcome, TrainSettings, run_backtest, run_backtest_on, train,
    train_on,
};
pub use runtime::{
    RunSummary, StageReport, check_registry_writable, check_summary_path, check_warehouse_writable, in_stage,
    open_output_storage, timing_table,
};

use crate::config::PipelineConfig;
use crate::storage::{RetryPolicy, Storage};
use crate::{Error, Result};
use std::time::Duration;

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
