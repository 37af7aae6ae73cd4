//! `vigil run`: the whole daily pipeline for one `--as-of` —
//! validate → sentiment → features → train (when there is no champion, or `--retrain`) →
//! backtest gate → score → publish — each stage timed in the run summary.
//!
//! The gate decides whether anything is scored: a model that cannot prove 24–72 h early
//! detection on the latest held-out weeks (the freshly trained one, or the champion
//! re-proven when no training ran) stops the run with exit 4 before scoring, so no
//! unproven score reaches a CSM. The previous partitions stay as they were.

use super::data::{ValidateSettings, validate};
use super::features::{FeatureMode, FeaturesSettings, write_features};
use super::risk::input::Labelled;
use super::risk::{BacktestSettings, TrainSettings, run_backtest_on, train_on};
use super::runtime::{RunSummary, StageReport, in_stage};
use super::score::{ScoreOutcome, ScoreSettings, load_drafts, score_on};
use crate::config::PipelineConfig;
use crate::contract::History;
use crate::score::drafts::Drafts;
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
    let (history, _, stage) = in_stage("validate", || validate(storage, config, &validate_settings))?;
    summary.push_stage(stage);
    let run = Run {
        storage,
        config,
        settings,
        window: validate_settings.window,
        run_id: &run_id,
        history: &history,
    };
    summary.extend_stages(in_stage("sentiment", || {
        super::sentiment::stage::score_history(storage, config, &history, &run_id)
    })?);
    let started = Instant::now();
    let labelled = run.features(&validate_settings.warehouse, summary)?;
    let model = run.proven_model(labelled, started, summary)?;
    let staged = super::score::shard::prepare_target(storage, config, &run.window, None)?.dir;
    let (stage, outcome) = in_stage("score", || run.score(model, staged, &drafts))?;
    summary.push_stage(stage);
    if settings.publish {
        summary.extend_stages(in_stage("publish", || {
            super::publish::commit::publish(storage, config, run.window.run_date(), Some(&run_id), false)
        })?);
    }
    if config.options.risk.feedback.enabled {
        summary.push_stage(in_stage("feedback_summary", || {
            super::risk::feedback::write_summary(storage, config, &history, &run.window, &run_id)
        })?);
    }
    Ok(outcome)
}

/// One `vigil run` after validation: where it reads and writes, its settings and window,
/// its run id and the validated history.
struct Run<'a> {
    storage: &'a Storage,
    config: &'a PipelineConfig,
    settings: &'a RunSettings,
    window: RunWindow,
    run_id: &'a str,
    history: &'a History,
}

impl Run<'_> {
    /// The `features` stage: the training feature table under `warehouse`, and the labelled
    /// snapshots built from it in memory.
    fn features(&self, warehouse: &Location, summary: &mut RunSummary) -> Result<Labelled> {
        let features_settings = FeaturesSettings {
            window: self.window,
            mode: FeatureMode::Train,
            out: warehouse.join(&format!(
                "features/mode=train/run_date={}",
                self.window.run_date()
            )),
            // The run trains from the table in memory: one partition, the loaded history.
            partitions: Some(1),
        };
        let (stage, _, table) = in_stage("features", || {
            write_features(self.storage, self.config, self.history, &features_settings)
        })?;
        summary.push_stage(stage);
        super::risk::input::from_table(self.config, self.history, table)
    }

    /// The model that scores, proven by the gate: a freshly trained challenger (when there is
    /// no champion, or with `--retrain`), or the champion re-proven on the latest weeks
    /// (its backtest timed from `started`). Exit 4 when the gate fails.
    fn proven_model(&self, labelled: Labelled, started: Instant, summary: &mut RunSummary) -> Result<String> {
        let registry = Registry::new(
            self.storage,
            Location::parse(&self.config.resolve(&self.config.options.risk.registry))?,
        );
        let champion = registry.champion()?;
        if self.settings.retrain || champion.is_none() {
            self.train(labelled, summary)
        } else {
            self.backtest_champion(&labelled, started, summary)
        }
    }

    /// Trains a challenger (promoted when it passes and is not worse than the champion);
    /// scoring uses whichever is champion afterwards.
    fn train(&self, labelled: Labelled, summary: &mut RunSummary) -> Result<String> {
        let started = Instant::now();
        let train = TrainSettings {
            window: self.window,
            run_id: Some(self.run_id.to_string()),
            engine: None,
            external: None,
            promote: true,
            with_feedback: self.config.options.risk.feedback.enabled,
        };
        let (stage, outcome) = in_stage("train", || {
            train_on(self.storage, self.config, &train, labelled, started)
        })?;
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
        Ok("champion".to_string())
    }

    /// Re-proves the champion on the latest weeks: its version.
    fn backtest_champion(
        &self,
        labelled: &Labelled,
        started: Instant,
        summary: &mut RunSummary,
    ) -> Result<String> {
        let backtest = BacktestSettings {
            window: self.window,
            model: "champion".into(),
        };
        let (stage, version, report) = in_stage("backtest", || {
            run_backtest_on(self.storage, self.config, &backtest, labelled, started)
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
        Ok(version)
    }

    /// Scores with `model` into `staged`, the run date's staged folder.
    fn score(&self, model: String, staged: Location, drafts: &Drafts) -> Result<(StageReport, ScoreOutcome)> {
        let score_settings = ScoreSettings {
            window: self.window,
            run_id: self.run_id.to_string(),
            model,
            top_k: self.settings.top_k,
            fail_on_drift: self.settings.fail_on_drift,
            staged,
            shard: None,
        };
        score_on(self.storage, self.config, &score_settings, self.history, drafts)
    }
}
