//! Data commands: `demo`, `generate`, `validate`.

use crate::config::PipelineConfig;
use crate::pipeline::{self, DemoSettings, GenerateSettings, HistoryLayout, RunSummary, ValidateSettings};
use crate::synth::SynthParams;
use crate::time::{parse_as_of, parse_date, parse_run_date};
use crate::{Error, Result};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::Path;
use vigil_store::storage::Location;

/// The run's point in time (exactly one is required; there is no default) and how stale
/// its inputs may be.
#[derive(Debug, Clone, Args)]
pub struct WindowArgs {
    /// The point in time.
    #[command(flatten)]
    pub point: PointArgs,
    /// Run even when an input table's latest event is older than `[validation]
    /// max_staleness_hours` allows: a warning in the run summary instead of exit 3.
    #[arg(long)]
    pub allow_stale: bool,
}

/// `--as-of` or `--run-date`.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct PointArgs {
    /// Instant the run is "as of", RFC 3339, e.g. 2026-06-30T00:00:00Z.
    #[arg(long, value_name = "INSTANT")]
    pub as_of: Option<String>,
    /// Run date YYYY-MM-DD, meaning as of the end of that day.
    #[arg(long, value_name = "DATE")]
    pub run_date: Option<String>,
}

impl WindowArgs {
    /// The config with `--allow-stale` applied (it can only relax `[validation] allow_stale`).
    pub fn apply(&self, mut config: PipelineConfig) -> PipelineConfig {
        config.options.validation.allow_stale |= self.allow_stale;
        config
    }

    /// The `--as-of` instant; an empty value is a usage error, never "now".
    pub fn as_of(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        match (&self.point.as_of, &self.point.run_date) {
            (Some(a), _) => parse_as_of(a).map_err(Error::Usage),
            (None, Some(d)) => parse_run_date(d).map_err(Error::Usage),
            (None, None) => Err(Error::Usage("pass --as-of INSTANT or --run-date DATE".into())),
        }
    }
}

/// `vigil demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Regenerate the demo history even if it exists.
    #[arg(long)]
    pub regenerate: bool,
}

/// How `vigil generate` names and stores the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// The contract's names: one Parquet file (or one per month) per table under --out.
    Native,
    /// The same facts in another company's layout (renamed columns, P1–P4 priorities, its own
    /// categories and segments, a Delta table, a Hive-partitioned folder, a `;` CSV):
    /// `pipelines/example-foreign.toml` maps it.
    Foreign,
}

impl From<LayoutArg> for HistoryLayout {
    fn from(arg: LayoutArg) -> Self {
        match arg {
            LayoutArg::Native => HistoryLayout::Native,
            LayoutArg::Foreign => HistoryLayout::Foreign,
        }
    }
}

/// `vigil generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of accounts.
    #[arg(long, default_value_t = 2000)]
    pub accounts: usize,
    /// Months of history.
    #[arg(long, default_value_t = 12)]
    pub months: u32,
    /// Last day of history (YYYY-MM-DD); output never depends on today.
    #[arg(long, default_value = "2026-06-30")]
    pub end: String,
    /// Random seed; the same seed gives identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder or URL to write the tables under (file://, s3://, gs://, az://, memory://).
    #[arg(long, value_name = "URL")]
    pub out: String,
    /// Table names and formats.
    #[arg(long, value_enum, default_value = "native")]
    pub layout: LayoutArg,
}

/// `vigil validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Point in time.
    #[command(flatten)]
    pub window: WindowArgs,
}

pub(super) fn demo(args: &DemoArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let default = Path::new("pipelines/demo.toml");
    let config = crate::config::PipelineConfig::load(config.unwrap_or(default))?;
    let storage = pipeline::open_output_storage(&config, true)?;
    let outcome = pipeline::demo(
        &storage,
        &config,
        &DemoSettings {
            regenerate: args.regenerate,
        },
        summary,
    )?;
    print_stdout(&pipeline::demo_report(&config, &outcome));
    Ok(())
}

pub(super) fn generate(args: &GenerateArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = config.map(crate::config::PipelineConfig::load).transpose()?;
    let storage = pipeline::open_storage(config.as_ref())?;
    let end = parse_date(&args.end, "--end").map_err(Error::Usage)?;
    let params = SynthParams {
        accounts: args.accounts,
        months: args.months,
        end,
        seed: args.seed,
    };
    let settings = GenerateSettings {
        params,
        out: Location::parse(&args.out)?,
        layout: args.layout.into(),
    };
    summary.push_stage(pipeline::in_stage("generate", || {
        pipeline::generate(&storage, &settings)
    })?);
    Ok(())
}

pub(super) fn validate(args: &ValidateArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let as_of = args.window.as_of()?;
    let config = args.window.apply(pipeline::require_config(config, "validate")?);
    let settings = ValidateSettings::from_config(&config, as_of)?;
    summary.set_window(&settings.window);
    let storage = pipeline::open_output_storage(&config, false)?;
    let (_history, report, stage) =
        pipeline::in_stage("validate", || pipeline::validate(&storage, &config, &settings))?;
    summary.push_stage(stage);
    print_stdout(&report.to_string());
    Ok(())
}

/// Human output goes to stdout above the summary line; a closed pipe is not an error.
pub(super) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
