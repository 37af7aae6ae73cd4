//! Scoring commands: `score` (stage today's scores and actions, or one shard's), `plan` (pin a
//! sharded run) and `run` (the whole daily pipeline).

use super::data::WindowArgs;
use crate::pipeline::run::{RunSettings, run_pipeline};
use crate::pipeline::score::shard::{self, MAX_SHARDS, Shard};
use crate::pipeline::score::{ScoreSettings, load_drafts, score_on};
use crate::pipeline::{self, RunSummary, ValidateSettings};
use crate::time::RunWindow;
use crate::{Error, Result};
use clap::Args;
use std::path::Path;

/// `vigil score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Point in time.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Model version, or `champion`.
    #[arg(long, default_value = "champion")]
    pub model: String,
    /// Factors per account.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub top_k: u16,
    /// Exit 4 with nothing staged when a model feature or the score drifted past PSI 0.2
    /// against the champion's training reference (see README, "Drift monitoring"). With
    /// --shard, pass it to `vigil publish` instead (drift is measured over all shards).
    #[arg(long)]
    pub fail_on_drift: bool,
    /// Score only shard i of n (accounts by a stable hash of account_id), staged under
    /// `_staged/run_date=D/shards/i-of-n/` for `vigil publish`; see `vigil plan`. Only the
    /// shard's rows are read and validated, and no quarantine is written: run
    /// `vigil validate` once for the run date (the daily DAG's validate task does).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

/// `vigil plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Point in time of the run.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Number of shards.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_SHARDS)))]
    pub shards: u32,
    /// Model version every shard scores with, or `champion` (resolved now, so a promotion
    /// during the run cannot mix two models).
    #[arg(long, default_value = "champion")]
    pub model: String,
}

/// `vigil run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Point in time.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Train a challenger even when a champion exists (it is promoted only if it passes the
    /// gate and is not worse than the champion).
    #[arg(long)]
    pub retrain: bool,
    /// Factors per account.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub top_k: u16,
    /// Stage the scored tables without publishing them.
    #[arg(long)]
    pub no_publish: bool,
    /// Exit 4 with nothing staged when a model feature or the score drifted past PSI 0.2
    /// against the champion's training reference (see README, "Drift monitoring").
    #[arg(long)]
    pub fail_on_drift: bool,
}

pub(super) fn score(args: &ScoreArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = args.window.apply(pipeline::require_config(config, "score")?);
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    if args.shard.is_some() && args.fail_on_drift {
        return Err(Error::Usage(
            "--fail-on-drift gates the whole population: with --shard, pass it to `vigil publish`".into(),
        ));
    }
    let drafts = load_drafts(&config)?;
    let storage = pipeline::open_output_storage(&config, false)?;
    let target = shard::prepare_target(&storage, &config, &window, args.shard)?;
    let model = match &target.plan {
        Some(plan) => {
            summary.adopt_run_id(&plan.run_id);
            if args.model != "champion" && args.model != plan.model_version {
                return Err(Error::Usage(format!(
                    "--model {} differs from the model {} the plan of run date {} pinned",
                    args.model, plan.model_version, plan.run_date
                )));
            }
            plan.model_version.clone()
        }
        None => args.model.clone(),
    };
    let validate = ValidateSettings::from_config(&config, window.as_of)?;
    let (history, stage) = match args.shard {
        Some(s) => pipeline::in_stage("validate", || {
            pipeline::validate_shard(&storage, &config, &validate, s)
        })?,
        None => {
            let (history, _, stage) =
                pipeline::in_stage("validate", || pipeline::validate(&storage, &config, &validate))?;
            (history, stage)
        }
    };
    summary.push_stage(stage);
    let settings = ScoreSettings {
        window,
        run_id: summary.run_id.clone().unwrap_or_default(),
        model,
        top_k: usize::from(args.top_k),
        fail_on_drift: args.fail_on_drift,
        staged: target.dir,
        shard: args.shard,
    };
    let (stage, _) = pipeline::in_stage("score", || {
        score_on(&storage, &config, &settings, &history, &drafts)
    })?;
    summary.push_stage(stage);
    Ok(())
}

pub(super) fn plan(args: &PlanArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = pipeline::require_config(config, "plan")?;
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let storage = pipeline::open_output_storage(&config, false)?;
    let run_id = summary.run_id.clone().unwrap_or_default();
    let (stage, _) = pipeline::in_stage("plan", || {
        shard::plan(&storage, &config, &window, args.shards, &args.model, &run_id)
    })?;
    summary.push_stage(stage);
    Ok(())
}

pub(super) fn run(args: &RunArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = args.window.apply(pipeline::require_config(config, "run")?);
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let storage = pipeline::open_output_storage(&config, true)?;
    run_pipeline(
        &storage,
        &config,
        &RunSettings {
            window,
            retrain: args.retrain,
            top_k: usize::from(args.top_k),
            publish: !args.no_publish,
            fail_on_drift: args.fail_on_drift,
        },
        summary,
    )?;
    Ok(())
}
