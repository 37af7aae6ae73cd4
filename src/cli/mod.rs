//! The command line (clap types only, one file per command group) and the dispatch from
//! a parsed command to the pipeline.

mod data;
mod doctor;
mod features;
mod publish;
mod report;
mod risk;
mod score;
mod sentiment;
mod vacuum;

pub use data::{DemoArgs, GenerateArgs, ValidateArgs, WindowArgs};
pub use doctor::{DoctorArgs, DoctorFormat};
pub use features::{FeaturesArgs, ModeArg};
pub use publish::PublishArgs;
pub use report::ReportArgs;
pub use risk::{BacktestArgs, EngineArg, ModelsArgs, ModelsCommand, TrainArgs as RiskTrainArgs};
pub use score::{RunArgs, ScoreArgs as RiskScoreArgs};
pub use sentiment::{DeviceArg, EvalArgs, LabelArgs, ScoreArgs, SentimentArgs, SentimentCommand, TrainArgs};
pub use vacuum::VacuumArgs;

use crate::Result;
use crate::pipeline::RunSummary;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

/// vigil warns customer-success teams about escalations before they happen.
///
/// Every command takes explicit dates (never "now"), logs to stderr, and prints a one-line
/// JSON run summary as the last stdout line. Exit codes: 0 ok, 1 internal error, 2 usage or
/// config error, 3 input data invalid, 4 quality gate failed, 99 nothing to do.
#[derive(Debug, Parser)]
#[command(name = "vigil", version = crate::VERSION, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Pipeline config (TOML), e.g. pipelines/demo.toml.
    #[arg(long, global = true, value_name = "PATH", env = "VIGIL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "pretty")]
    pub log_format: LogFormat,
    /// More log output (-v debug, -vv trace for vigil's own modules).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Less log output (-q warnings only, -qq errors only).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// Also write the JSON run summary to this file (e.g. Airflow's /airflow/xcom/return.json).
    #[arg(long, global = true, value_name = "PATH")]
    pub summary_json: Option<PathBuf>,
}

/// vigil commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the demo pipeline end to end on a generated 12-month history.
    Demo(DemoArgs),
    /// Write a synthetic customer history (all input tables) under a URL.
    Generate(GenerateArgs),
    /// Check every input table against the data contract; quarantine bad rows.
    Validate(ValidateArgs),
    /// Diagnose the sources as configured: tables, columns (with suggested mappings), feature
    /// families, escalations, and whether the lead-time gate looks reachable.
    Doctor(DoctorArgs),
    /// Build the point-in-time feature table (with early-detection labels for training).
    Features(FeaturesArgs),
    /// The sentiment model: train, evaluate against baselines, score texts, run the stage.
    Sentiment(Box<SentimentArgs>),
    /// Train the risk model, prove it on held-out weeks (gate), register and promote it.
    Train(risk::TrainArgs),
    /// Re-run the 24–72 h lead-time backtest of a registered model on the current window.
    Backtest(BacktestArgs),
    /// The model registry: list, show, promote, roll back.
    Models(ModelsArgs),
    /// Score every active account with the champion: tiers, reasons, actions, drafts.
    Score(score::ScoreArgs),
    /// Pin a sharded scoring run (model version, run id, shard count) and list its shards.
    Plan(score::PlanArgs),
    /// The daily pipeline: validate, sentiment, features, train if needed, gate, score, publish.
    Run(RunArgs),
    /// Commit a run date's staged tables to the warehouse (Delta Lake, optionally PostgreSQL).
    Publish(PublishArgs),
    /// The quarterly escalation-patterns report: what rose, among which accounts, how the
    /// model did, what was prevented.
    Report(ReportArgs),
    /// Remove Delta data files that no table version within the retention needs (replaced
    /// partitions, files of crashed writes); default retention 168 h.
    Vacuum(VacuumArgs),
}

impl Command {
    /// The command's name, for the run summary.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Demo(_) => "demo",
            Command::Generate(_) => "generate",
            Command::Validate(_) => "validate",
            Command::Doctor(_) => "doctor",
            Command::Features(_) => "features",
            Command::Sentiment(a) => match a.command {
                SentimentCommand::Train(_) => "sentiment train",
                SentimentCommand::Eval(_) => "sentiment eval",
                SentimentCommand::Score(_) => "sentiment score",
                SentimentCommand::Run(_) => "sentiment run",
            },
            Command::Train(_) => "train",
            Command::Backtest(_) => "backtest",
            Command::Models(a) => match a.command {
                ModelsCommand::List => "models list",
                ModelsCommand::Show { .. } => "models show",
                ModelsCommand::Promote { .. } => "models promote",
                ModelsCommand::Rollback { .. } => "models rollback",
            },
            Command::Score(_) => "score",
            Command::Plan(_) => "plan",
            Command::Run(_) => "run",
            Command::Publish(_) => "publish",
            Command::Report(_) => "report",
            Command::Vacuum(_) => "vacuum",
        }
    }
}

/// Runs a parsed command line; the summary says how it went, the error why it failed.
pub fn run(cli: &Cli) -> (RunSummary, Result<()>) {
    let started = Instant::now();
    let mut summary = RunSummary::new(cli.command.name());
    let config = cli.global.config.as_deref();
    // Every log line of the command carries the run's span: command, and run_id once known.
    let span = summary.span();
    let _entered = span.enter();
    // Pre-flight: a summary that cannot be written fails now, not after the work.
    let preflight = cli
        .global
        .summary_json
        .as_deref()
        .map_or(Ok(()), crate::pipeline::check_summary_path);
    let result = preflight.and_then(|()| match &cli.command {
        Command::Demo(args) => data::demo(args, config, &mut summary),
        Command::Generate(args) => data::generate(args, config, &mut summary),
        Command::Validate(args) => data::validate(args, config, &mut summary),
        Command::Doctor(args) => doctor::doctor(args, config, &mut summary),
        Command::Features(args) => features::features(args, config, &mut summary),
        Command::Sentiment(args) => sentiment::sentiment(args, config, &mut summary),
        Command::Train(args) => risk::train(args, config, &mut summary),
        Command::Backtest(args) => risk::backtest(args, config, &mut summary),
        Command::Models(args) => risk::models(args, config, &mut summary),
        Command::Score(args) => score::score(args, config, &mut summary),
        Command::Plan(args) => score::plan(args, config, &mut summary),
        Command::Run(args) => score::run(args, config, &mut summary),
        Command::Publish(args) => publish::publish(args, config, &mut summary),
        Command::Report(args) => report::report(args, config, &mut summary),
        Command::Vacuum(args) => vacuum::vacuum(args, config, &mut summary),
    });
    summary.duration_ms = started.elapsed().as_millis() as u64;
    summary.log_finished_stages();
    if let Err(e) = &result {
        summary.status = "error";
        summary.exit_code = e.exit_code().code();
        summary.error = Some(e.to_string());
    }
    (summary, result)
}
