//! `vigil vacuum`: remove Delta data files no table version within the retention needs.

use crate::Result;
use crate::pipeline::publish::vacuum::{DEFAULT_RETAIN_HOURS, VacuumSettings, vacuum as run_vacuum};
use crate::pipeline::{self, RunSummary};
use clap::Args;
use std::path::Path;

/// `vigil vacuum`.
#[derive(Debug, Args)]
pub struct VacuumArgs {
    /// Keep every data file a table version of the last N hours needs (time travel and
    /// readers in flight). Below 168 (Delta's default) only with --force.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RETAIN_HOURS)]
    pub retain_hours: u64,
    /// List what would be removed (counts and bytes in the summary); delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow --retain-hours below 168: older versions stop being readable.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn vacuum(args: &VacuumArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = pipeline::require_config(config, "vacuum")?;
    let settings = VacuumSettings {
        retain_hours: args.retain_hours,
        dry_run: args.dry_run,
        force: args.force,
    };
    // The retention is checked before any store is opened.
    settings.retention()?;
    let storage = pipeline::open_output_storage(&config, false)?;
    let stage = pipeline::in_stage("vacuum", || run_vacuum(&storage, &config, &settings))?;
    summary.push_stage(stage);
    Ok(())
}
