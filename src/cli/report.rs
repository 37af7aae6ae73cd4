//! `vigil report`: the quarterly escalation-patterns report.

use super::data::WindowArgs;
use crate::pipeline::report::quarterly::{ReportSettings, report as run_report};
use crate::pipeline::{self, RunSummary};
use crate::report::quarter::Quarter;
use crate::time::RunWindow;
use crate::{Error, Result};
use clap::Args;
use std::path::Path;

/// `vigil report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Point in time (the history is read up to it).
    #[command(flatten)]
    pub window: WindowArgs,
    /// Quarter to report, e.g. 2026Q2 (default: the quarter that contains the as-of date).
    #[arg(long, value_name = "YYYYQn")]
    pub quarter: Option<String>,
}

pub(super) fn report(args: &ReportArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = args.window.apply(pipeline::require_config(config, "report")?);
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let quarter = match &args.quarter {
        Some(q) => Quarter::parse(q).map_err(Error::Usage)?,
        None => Quarter::containing(window.run_date()),
    };
    let storage = pipeline::open_output_storage(&config, false)?;
    let settings = ReportSettings {
        window,
        quarter,
        run_id: summary.run_id.clone().unwrap_or_default(),
    };
    let (stage, _) = pipeline::in_stage("report", || run_report(&storage, &config, &settings))?;
    summary.push_stage(stage);
    Ok(())
}
