//! Risk-model commands: `train`, `backtest`, `models`.

use super::data::WindowArgs;
use crate::pipeline::risk::artifact;
use crate::pipeline::{self, BacktestSettings, ExternalFeatures, RunSummary, TrainSettings};
use crate::risk::params::EngineChoice;
use crate::time::RunWindow;
use crate::{Error, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use std::path::Path;
use vigil_store::registry::Registry;
use vigil_store::storage::Location;

/// Learner choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Histogram gradient-boosted trees.
    Gbdt,
    /// The burn MLP.
    Mlp,
    /// Both; keep the better validation PR-AUC.
    Auto,
}

/// `vigil train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Point in time.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Learner [default: `[risk] engine`].
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// Train on this feature table (Parquet/CSV/NDJSON file or folder) instead of vigil's
    /// own feature stage.
    #[arg(long, value_name = "URL")]
    pub features: Option<String>,
    /// Label column of --features (0/1 or boolean).
    #[arg(long, value_name = "COLUMN", requires = "features")]
    pub label_col: Option<String>,
    /// Snapshot time column of --features (out-of-time split; without it a random split).
    #[arg(long, value_name = "COLUMN", requires = "features")]
    pub time_col: Option<String>,
    /// Entity id column of --features (rows of one id stay on one side of a random split).
    #[arg(long, value_name = "COLUMN", requires = "features")]
    pub id_col: Option<String>,
    /// Escalations table (id, opened_at) for the lead-time gate with --features.
    #[arg(long, value_name = "URL", requires = "features")]
    pub escalations: Option<String>,
    /// Register the model but never make it champion.
    #[arg(long)]
    pub no_promote: bool,
    /// Retrain with the CSM verdicts of the history's `feedback` table (false positives
    /// become weighted negatives, missed escalations positives; the alert threshold is
    /// re-tuned per `[risk.feedback]`).
    #[arg(long, conflicts_with = "features")]
    pub with_feedback: bool,
}

/// `vigil backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Point in time.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Model version to test, or `champion`.
    #[arg(long, default_value = "champion")]
    pub model: String,
}

/// `vigil models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ModelsCommand,
}

/// Registry operations.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List registered versions (champion marked) as JSON lines.
    List,
    /// Print a version's manifest.
    Show {
        /// Version, or `champion`.
        version: String,
    },
    /// Make a version the champion.
    Promote {
        /// Version.
        version: String,
        /// Run date recorded with the change.
        #[arg(long, value_name = "DATE")]
        run_date: String,
    },
    /// Move the champion back to the previous one.
    Rollback {
        /// Run date recorded with the change.
        #[arg(long, value_name = "DATE")]
        run_date: String,
    },
}

fn window(
    args: &WindowArgs,
    config: &crate::config::PipelineConfig,
    summary: &mut RunSummary,
) -> Result<RunWindow> {
    let window =
        RunWindow::new(args.as_of()?, config.options.window.lookback_months).map_err(Error::Usage)?;
    summary.set_window(&window);
    Ok(window)
}

pub(super) fn train(args: &TrainArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = args.window.apply(pipeline::require_config(config, "train")?);
    let window = window(&args.window, &config, summary)?;
    let external = match &args.features {
        Some(url) => Some(ExternalFeatures {
            url: Location::parse(url)?,
            label_col: args
                .label_col
                .clone()
                .ok_or_else(|| Error::Usage("--features needs --label-col".into()))?,
            time_col: args.time_col.clone(),
            id_col: args.id_col.clone(),
            escalations: args.escalations.as_deref().map(Location::parse).transpose()?,
        }),
        None => None,
    };
    let engine = args.engine.map(|e| match e {
        EngineArg::Gbdt => EngineChoice::Gbdt,
        EngineArg::Mlp => EngineChoice::Mlp,
        EngineArg::Auto => EngineChoice::Auto,
    });
    let storage = pipeline::open_output_storage(&config, true)?;
    let settings = TrainSettings {
        window,
        run_id: summary.run_id.clone(),
        engine,
        external,
        promote: !args.no_promote,
        with_feedback: args.with_feedback,
    };
    let (stage, outcome) = pipeline::in_stage("train", || pipeline::train(&storage, &config, &settings))?;
    summary.push_stage(stage);
    if outcome.gate_passed {
        Ok(())
    } else {
        Err(Error::GateFailed {
            version: outcome.version,
            reason: outcome.backtest.gate_reason,
        })
    }
}

pub(super) fn backtest(args: &BacktestArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = args.window.apply(pipeline::require_config(config, "backtest")?);
    let window = window(&args.window, &config, summary)?;
    let storage = pipeline::open_output_storage(&config, false)?;
    let settings = BacktestSettings {
        window,
        model: args.model.clone(),
    };
    let (stage, version, report) = pipeline::in_stage("backtest", || {
        pipeline::run_backtest(&storage, &config, &settings)
    })?;
    summary.push_stage(stage);
    if report.gate_passed {
        Ok(())
    } else {
        Err(Error::GateFailed {
            version,
            reason: report.gate_reason,
        })
    }
}

/// The `models list` stage's figures.
#[derive(Debug, Serialize)]
struct ListMetrics<'a> {
    /// The champion, if there is one.
    champion: Option<&'a str>,
}

/// The `models promote | rollback` stage's figures: the new champion and the one it replaced.
#[derive(Debug, Serialize)]
struct AliasMetrics<'a> {
    champion: &'a str,
    previous: Option<&'a str>,
}

/// The `models show` stage's figures.
#[derive(Debug, Serialize)]
struct ShowMetrics<'a> {
    model_version: &'a str,
}

/// Puts an alias change into the stage's metrics.
fn record_alias(stage: &mut pipeline::StageReport, e: &vigil_store::registry::AliasEvent) -> Result<()> {
    stage.record(&AliasMetrics {
        champion: &e.version,
        previous: e.previous.as_deref(),
    })
}

pub(super) fn models(args: &ModelsArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = pipeline::require_config(config, "models")?;
    let storage = pipeline::open_storage(Some(&config))?;
    if matches!(
        args.command,
        ModelsCommand::Promote { .. } | ModelsCommand::Rollback { .. }
    ) {
        pipeline::check_registry_writable(&storage, &config)?;
    }
    let registry = Registry::new(
        &storage,
        Location::parse(&config.resolve(&config.options.risk.registry))?,
    );
    let mut stage = pipeline::StageReport::new("models", std::time::Instant::now());
    match &args.command {
        ModelsCommand::List => {
            let champion = registry.champion()?;
            for v in registry.versions()? {
                let m = artifact::read_manifest(&registry, &v)?;
                let line = serde_json::json!({
                    "version": v,
                    "champion": champion.as_deref() == Some(v.as_str()),
                    "engine": m.engine,
                    "run_date": m.run_date,
                    "gate_passed": m.gate_passed,
                    "recall_24_72h": m.metrics.get("recall_24_72h"),
                    "precision": m.metrics.get("precision"),
                    "pr_auc": m.metrics.get("pr_auc"),
                });
                println!("{line}");
                stage.rows_out += 1;
            }
            stage.record(&ListMetrics {
                champion: champion.as_deref(),
            })?;
        }
        ModelsCommand::Show { version } => {
            let v = if version == "champion" {
                registry
                    .champion()?
                    .ok_or_else(|| Error::Usage("there is no champion yet".into()))?
            } else {
                version.clone()
            };
            let m = registry.manifest(&v)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&m).map_err(|e| Error::Internal(e.to_string()))?
            );
            stage.record(&ShowMetrics { model_version: &v })?;
        }
        ModelsCommand::Promote { version, run_date } => {
            crate::time::parse_date(run_date, "--run-date").map_err(Error::Usage)?;
            let e =
                pipeline::risk::promote_by_hand(&registry, version, run_date, config.options.risk.device)?;
            record_alias(&mut stage, &e)?;
        }
        ModelsCommand::Rollback { run_date } => {
            crate::time::parse_date(run_date, "--run-date").map_err(Error::Usage)?;
            let e = registry.rollback(run_date, "rolled back by hand (vigil models rollback)")?;
            record_alias(&mut stage, &e)?;
        }
    }
    summary.push_stage(stage);
    Ok(())
}
