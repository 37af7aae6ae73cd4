//! `vigil publish`: commit a run date's staged tables (or all its shards) to the warehouse.

use super::data::WindowArgs;
use crate::pipeline::{self, RunSummary};
use crate::time::RunWindow;
use crate::{Error, Result};
use clap::Args;
use std::path::Path;

/// `vigil publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The run whose staged tables to publish (`--run-date D` publishes `_staged/run_date=D`).
    #[command(flatten)]
    pub window: WindowArgs,
    /// Exit 4 with nothing published when the staged run's drift (over all shards) passes the
    /// gate: the score's PSI, or more than a quarter of the features', above 0.2.
    #[arg(long)]
    pub fail_on_drift: bool,
}

pub(super) fn publish(args: &PublishArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = pipeline::require_config(config, "publish")?;
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let storage = pipeline::open_output_storage(&config, false)?;
    let run_id = summary.run_id.clone();
    let stages = pipeline::in_stage("publish", || {
        pipeline::publish::commit::publish(
            &storage,
            &config,
            window.run_date(),
            run_id.as_deref(),
            args.fail_on_drift,
        )
    })?;
    summary.extend_stages(stages);
    Ok(())
}
