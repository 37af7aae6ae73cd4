//! The stage runner: resolved settings in, stage reports out, collected into one run
//! summary (the JSON line Airflow reads from stdout or `--summary-json`).
//!
//! Stages take the run window from the command line; nothing here reads the wall clock
//! for data (only a monotonic timer for durations).

mod backtest;
mod demo;
mod features;
mod feedback;
mod generate;
mod model_runs;
mod monitoring;
mod preflight;
pub mod progress;
pub mod publish;
pub mod report;
mod report_performance;
mod risk_data;
pub mod risk_model;
mod risk_report;
pub mod run;
pub mod score;
pub mod sentiment;
mod sentiment_card;
mod sentiment_data;
pub mod sentiment_model;
pub mod shard;
mod staged;
mod summary;
pub mod text_sentiment;
mod timing;
mod train;
mod train_fit;
mod train_side;
pub mod vacuum;
mod validate;

pub use backtest::{BacktestSettings, run_backtest, run_backtest_on};
pub use demo::{DemoSettings, demo, demo_report};
pub use features::{FeatureMode, FeatureSummary, FeaturesSettings, feature_table, features, write_features};
pub use generate::{GenerateSettings, generate, write_history};
pub use preflight::{
    check_registry_writable, check_summary_path, check_warehouse_writable, open_output_storage,
};
pub use risk_data::ExternalFeatures;
pub use summary::{RunSummary, StageReport, in_stage};
pub use timing::timing_table;
pub use train::{TrainOutcome, TrainSettings, train, train_on};
pub use validate::{ValidateSettings, validate, validate_shard};

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
