//! `vigil publish`: commit a run date's staged tables to the warehouse.

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
}

pub(super) fn publish(args: &PublishArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = pipeline::require_config(config, "publish")?;
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let storage = pipeline::open_storage(Some(&config))?;
    let stages = pipeline::publish::publish(&storage, &config, window.run_date(), summary.run_id.as_deref())?;
    summary.stages.extend(stages);
    Ok(())
}
