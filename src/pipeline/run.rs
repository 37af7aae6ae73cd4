//! `vigil run`: the whole daily pipeline for one `--as-of` —
//! validate → sentiment → features → train (when there is no champion, or `--retrain`) →
//! backtest gate → score → publish — each stage timed in the run summary.
//!
//! The gate decides whether anything is scored: a model that cannot prove 24–72 h early
//! detection on the latest held-out weeks (the freshly trained one, or the champion
//! re-proven when no training ran) stops the run with exit 4 before scoring, so no
//! unproven score reaches a CSM. The previous partitions stay as they were.

use super::features::{FeatureMode, FeaturesSettings, write_features};
use super::score::{ScoreOutcome, ScoreSettings, load_drafts, score_on};
use super::{
    BacktestSettings, RunSummary, TrainSettings, ValidateSettings, in_stage, run_backtest_on, train_on,
    validate,
};
use crate::config::PipelineConfig;
use crate::time::RunWindow;
use crate::{Error, Result};
use std::time::Instant;
use vigil_store::registry::Registry;
use vigil_store::storage::{Location, Storage};

/// Resolved settings of `vigil run`.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The run window.
    pub window: RunWindow,
    /// Train a challenger even when a champion exists.
    pub retrain: bool,
    /// Factors per account.
    pub top_k: usize,
    /// Publish the scored tables (else they stay staged).
    pub publish: bool,
    /// Stop with exit 4 before scoring is staged when drift passes PSI 0.2.
    pub fail_on_drift: bool,
}

/// Runs the pipeline, filling `summary` with every stage.
pub fn run_pipeline(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &RunSettings,
    summary: &mut RunSummary,
) -> Result<ScoreOutcome> {
    let run_id = summary
        .run_id
        .clone()
        .ok_or_else(|| Error::Internal("run summary without a run id".into()))?;
    // Templates first: a broken template fails the run before an hour of work.
    let drafts = load_drafts(config)?;
    let validate_settings = ValidateSettings::from_config(config, settings.window.as_of)?;
    let window = validate_settings.window;
    let (history, _, stage) = in_stage("validate", || validate(storage, config, &validate_settings))?;
    summary.push_stage(stage);
    summary.extend_stages(in_stage("sentiment", || {
        super::text_sentiment::score_history(storage, config, &history, &run_id)
    })?);

    let started = Instant::now();
    let features_out = validate_settings
        .warehouse
        .join(&format!("features/mode=train/run_date={}", window.run_date()));
    let features_settings = FeaturesSettings {
        window,
        mode: FeatureMode::Train,
        out: features_out,
        // The run trains from the table in memory: one partition, the loaded history.
        partitions: Some(1),
    };
    let (stage, _, table) = in_stage("features", || {
        write_features(storage, config, &history, &features_settings)
    })?;
    summary.push_stage(stage);
    let labelled = super::risk_data::from_table(config, &history, table)?;

    let registry = Registry::new(
        storage,
        Location::parse(&config.resolve(&config.options.risk.registry))?,
    );
    let champion = registry.champion()?;
    let model = if settings.retrain || champion.is_none() {
        let started = Instant::now();
        let train = TrainSettings {
            window,
            run_id: Some(run_id.clone()),
            engine: None,
            external: None,
            promote: true,
            with_feedback: config.options.risk.feedback.enabled,
        };
        let (stage, outcome) = in_stage("train", || train_on(storage, config, &train, labelled, started))?;
        summary.push_stage(stage);
        if !outcome.gate_passed {
            return Err(Error::GateFailed {
                version: outcome.version,
                reason: outcome.backtest.gate_reason,
            });
        }
        if !outcome.promoted {
            tracing::warn!(version = %outcome.version, reason = %outcome.reason, "challenger not promoted; scoring with the champion");
        }
        "champion".to_string()
    } else {
        let backtest = BacktestSettings {
            window,
            model: "champion".into(),
        };
        let (stage, version, report) = in_stage("backtest", || {
            run_backtest_on(storage, config, &backtest, &labelled, started)
        })?;
        summary.push_stage(stage);
        if !report.gate_passed {
            return Err(Error::GateFailed {
                version,
                reason: format!(
                    "the champion no longer passes on the latest weeks: {}",
                    report.gate_reason
                ),
            });
        }
        version
    };

    let staged = super::shard::prepare_target(storage, config, &window, None)?.dir;
    let score_settings = ScoreSettings {
        window,
        run_id: run_id.clone(),
        model,
        top_k: settings.top_k,
        fail_on_drift: settings.fail_on_drift,
        staged,
        shard: None,
    };
    let (stage, outcome) = in_stage("score", || {
        score_on(storage, config, &score_settings, &history, &drafts)
    })?;
    summary.push_stage(stage);
    if settings.publish {
        summary.extend_stages(in_stage("publish", || {
            super::publish::publish(storage, config, window.run_date(), Some(&run_id), false)
        })?);
    }
    if config.options.risk.feedback.enabled {
        summary.push_stage(in_stage("feedback_summary", || {
            super::feedback::write_summary(storage, config, &history, &window, &run_id)
        })?);
    }
    Ok(outcome)
}
