//! The stage runner: resolved settings in, stage reports out, collected into one run
//! summary (the JSON line Airflow reads from stdout or `--summary-json`).
//!
//! Stages take the run window from the command line; nothing here reads the wall clock
//! for data (only a monotonic timer for durations).
//!
//! One folder per stage, mirroring `cli/`, in the order a run passes them: [`data`]
//! (generate, validate), [`sentiment`], [`features`], [`risk`] (train, backtest), [`score`]
//! (plan, score, drift monitoring), [`publish`] (publish, vacuum); [`report`] reads what they
//! left; [`doctor`] diagnoses the sources before any of them runs. [`run`] chains them into
//! `vigil run`, [`demo`] into `vigil demo`, and [`runtime`] holds what every stage shares
//! (opening storage and config, the run summary, timings, progress bars, pre-flight checks).
//! A stage imports only stages before it and `runtime` (`scripts/check-layers.py` checks
//! this).

pub mod data;
pub mod demo;
pub mod doctor;
pub mod features;
pub mod publish;
pub mod report;
pub mod risk;
pub mod run;
pub mod runtime;
pub mod score;
pub mod sentiment;

pub use data::{
    GenerateSettings, HistoryLayout, ValidateSettings, generate, validate, validate_shard, write_history,
};
pub use demo::{DemoSettings, demo, demo_report};
pub use doctor::{DoctorSettings, doctor};
pub use features::{FeatureMode, FeatureSummary, FeaturesSettings, feature_table, features, write_features};
pub use risk::{
    BacktestSettings, ExternalFeatures, TrainOutcome, TrainSettings, run_backtest, run_backtest_on, train,
    train_on,
};
pub use runtime::{
    RunSummary, StageReport, check_registry_writable, check_summary_path, check_warehouse_writable, in_stage,
    open_output_storage, open_storage, require_config, timing_table,
};
