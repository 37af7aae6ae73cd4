//! Feature commands: `features`.

use super::data::WindowArgs;
use crate::contract::MAX_SHARDS;
use crate::pipeline::{self, FeatureMode, FeaturesSettings, RunSummary};
use crate::time::RunWindow;
use crate::{Error, Result};
use clap::{Args, ValueEnum};
use std::path::Path;
use vigil_store::storage::Location;

/// Which snapshots to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Every account every `[features] cadence_hours` over the window, with labels.
    Train,
    /// Every active account at --as-of, without labels.
    Score,
}

/// `vigil features`.
#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// Point in time.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Training grid with labels, or one row per active account for scoring.
    #[arg(long, value_enum, default_value = "train")]
    pub mode: ModeArg,
    /// Output: a .parquet file or a folder [default: <warehouse>/features/mode=<mode>/run_date=<D>/].
    #[arg(long, value_name = "URL")]
    pub out: Option<String>,
    /// Build the table in N account partitions, one after another, each reading only its
    /// accounts' rows: bounded memory on large histories [default: sized by
    /// `[features] partition_account_months`].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_SHARDS)))]
    pub partitions: Option<u32>,
}

pub(super) fn features(args: &FeaturesArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let as_of = args.window.as_of()?;
    let config = args.window.apply(pipeline::require_config(config, "features")?);
    let window = RunWindow::new(as_of, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let (mode, name) = match args.mode {
        ModeArg::Train => (FeatureMode::Train, "train"),
        ModeArg::Score => (FeatureMode::Score, "score"),
    };
    let out = match &args.out {
        Some(url) => Location::parse(url)?,
        None => Location::parse(&config.resolve(&config.options.warehouse.url))?
            .join(&format!("features/mode={name}/run_date={}", window.run_date())),
    };
    let storage = pipeline::open_output_storage(&config, false)?;
    let settings = FeaturesSettings {
        window,
        mode,
        out,
        partitions: args.partitions,
    };
    let (stage, _) = pipeline::in_stage("features", || pipeline::features(&storage, &config, &settings))?;
    summary.push_stage(stage);
    Ok(())
}
