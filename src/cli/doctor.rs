//! `vigil doctor`: what vigil can make of the sources as configured.

use super::data::{WindowArgs, print_stdout};
use crate::pipeline::doctor::{DoctorSettings, check_readable};
use crate::pipeline::{self, RunSummary};
use crate::report::doctor::render_text;
use crate::time::RunWindow;
use crate::{Error, Result};
use clap::{Args, ValueEnum};
use std::path::Path;
use vigil_store::storage::Location;

/// What `vigil doctor` prints on stdout (above the summary line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    /// The report for people.
    Text,
    /// The report as one JSON line (`doctor.json` holds the same, pretty-printed).
    Json,
}

/// `vigil doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Point in time (the sources are read up to it, over `[window] lookback_months`).
    #[command(flatten)]
    pub window: WindowArgs,
    /// Report folder for `doctor.json` and `doctor.html` (folder or URL; default
    /// `<[report] reports>/doctor/run_date=D/`, by default under the warehouse). Nothing else
    /// is written.
    #[arg(long, value_name = "DIR")]
    pub out: Option<String>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DoctorFormat,
}

pub(super) fn doctor(args: &DoctorArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = args.window.apply(pipeline::require_config(config, "doctor")?);
    let window =
        RunWindow::new(args.window.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    let settings = DoctorSettings {
        window,
        out: args.out.as_deref().map(Location::parse).transpose()?,
    };
    let storage = pipeline::open_storage(Some(&config))?;
    let (stage, diagnosis) = pipeline::in_stage("doctor", || pipeline::doctor(&storage, &config, &settings))?;
    summary.push_stage(stage);
    match args.format {
        DoctorFormat::Text => print_stdout(&render_text(&diagnosis)),
        DoctorFormat::Json => {
            let line = serde_json::to_string(&diagnosis).map_err(|e| Error::Internal(e.to_string()))?;
            print_stdout(&format!("{line}\n"));
        }
    }
    check_readable(&diagnosis)
}
