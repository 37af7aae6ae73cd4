//! Scoring commands: `score` (stage today's scores and actions) and `run` (the whole daily
//! pipeline).

use super::data::WindowArgs;
use crate::pipeline::run::{RunSettings, run_pipeline};
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
    /// against the champion's training reference (see README, "Drift monitoring").
    #[arg(long)]
    pub fail_on_drift: bool,
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
    let config = pipeline::require_config(config, "score")?;
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let drafts = load_drafts(&config)?;
    let storage = pipeline::open_storage(Some(&config))?;
    let validate = ValidateSettings::from_config(&config, window.as_of)?;
    let (history, _, stage) = pipeline::validate(&storage, &config, &validate)?;
    summary.stages.push(stage);
    let settings = ScoreSettings {
        window,
        run_id: summary.run_id.clone().unwrap_or_default(),
        model: args.model.clone(),
        top_k: usize::from(args.top_k),
        fail_on_drift: args.fail_on_drift,
    };
    let (stage, _) = score_on(&storage, &config, &settings, &history, &drafts)?;
    summary.stages.push(stage);
    Ok(())
}

pub(super) fn run(args: &RunArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = pipeline::require_config(config, "run")?;
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let storage = pipeline::open_storage(Some(&config))?;
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
