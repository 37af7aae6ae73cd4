//! `vigil sentiment train | eval | score | run`.

use super::data::WindowArgs;
use crate::config::PipelineConfig;
use crate::pipeline::sentiment::commands::{
    EvalSettings, LabelledInputs, ScoreSettings, TrainSettings, UnlabelledInputs, eval_model, score_texts,
    train_model,
};
use crate::pipeline::{self, RunSummary};
use crate::report::sentiment_card::SplitSpec;
use crate::{Error, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::Path;
use vigil_store::storage::{Location, Storage};
use vigil_text::DeviceName;
use vigil_text::SentimentTrainOptions as TrainOptions;
use vigil_text::data::LabelSpec;
use vigil_text::{LabelMap, RatingThresholds};

/// `vigil sentiment`.
#[derive(Debug, Args)]
pub struct SentimentArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SentimentCommand,
}

/// Sentiment subcommands.
#[derive(Debug, Subcommand)]
pub enum SentimentCommand {
    /// Train a tokenizer and transformer on labelled text; write the model folder.
    Train(TrainArgs),
    /// Evaluate a model and two baselines (VADER lexicon, TF-IDF + logistic regression) side
    /// by side on the same test texts; prints JSON.
    Eval(EvalArgs),
    /// Label every text of a table (batch inference).
    Score(ScoreArgs),
    /// The pipeline stage: score every ticket, inbound email and NPS comment of the history
    /// window and write the `text_sentiment` table.
    Run(RunArgs),
}

/// Compute device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// burn's pure-Rust CPU device.
    Flex,
    /// GPU through wgpu (build with `--features wgpu`).
    Wgpu,
}

impl From<DeviceArg> for DeviceName {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Flex => DeviceName::Flex,
            DeviceArg::Wgpu => DeviceName::Wgpu,
        }
    }
}

/// Where labelled texts come from and how their labels read.
#[derive(Debug, Clone, Args)]
pub struct LabelArgs {
    /// Labelled table: a CSV / Parquet / NDJSON file or a folder of them (repeatable).
    #[arg(long = "data", value_name = "URL")]
    pub data: Vec<String>,
    /// Column holding the text.
    #[arg(long, default_value = "text", value_name = "C")]
    pub text_col: String,
    /// Column holding class labels (negative / neutral / positive unless --label-map).
    #[arg(long, value_name = "L", conflicts_with = "rating_col")]
    pub label_col: Option<String>,
    /// Raw label → class, e.g. "0=negative,1=positive".
    #[arg(long, value_name = "MAP", requires = "label_col")]
    pub label_map: Option<String>,
    /// Column holding a numeric rating, cut by --neg-below and --pos-above.
    #[arg(long, value_name = "R")]
    pub rating_col: Option<String>,
    /// Ratings at or below this are negative.
    #[arg(
        long,
        value_name = "X",
        requires = "rating_col",
        allow_negative_numbers = true
    )]
    pub neg_below: Option<f64>,
    /// Ratings at or above this are positive.
    #[arg(
        long,
        value_name = "Y",
        requires = "rating_col",
        allow_negative_numbers = true
    )]
    pub pos_above: Option<f64>,
    /// Folder of the VADER ground-truth corpus (e.g. data/sentiment/vader); mixed with --data.
    #[arg(long, value_name = "URL")]
    pub vader: Option<String>,
    /// VADER mean ratings (−4..+4) at or below this are negative.
    #[arg(long, default_value_t = -0.5, allow_negative_numbers = true, value_name = "X")]
    pub vader_neg_below: f64,
    /// VADER mean ratings at or above this are positive.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true, value_name = "Y")]
    pub vader_pos_above: f64,
    /// Leave out rows whose label or rating is null (weak labels such as CSAT) instead of failing.
    #[arg(long)]
    pub skip_missing_labels: bool,
    /// Table with `text` and `label` (negative / neutral / positive) columns, like the
    /// `sentiment_labels` input table; mixed with --data and --vader (repeatable).
    #[arg(long, value_name = "URL")]
    pub labelled: Vec<String>,
    /// Use each --labelled training text this many times (oversample scarce in-domain labels;
    /// the validation and test parts keep one copy).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub labelled_repeat: usize,
}

impl LabelArgs {
    fn inputs(&self) -> Result<LabelledInputs> {
        let tables = self
            .data
            .iter()
            .map(|d| Location::parse(d))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let spec = match (&self.label_col, &self.rating_col) {
            (Some(column), None) => {
                let map = match &self.label_map {
                    Some(m) => LabelMap::parse(m).map_err(|e| Error::Usage(format!("--label-map: {e}")))?,
                    None => LabelMap::default(),
                };
                Some(LabelSpec::Labels {
                    column: column.clone(),
                    map,
                })
            }
            (None, Some(column)) => {
                let (Some(neg), Some(pos)) = (self.neg_below, self.pos_above) else {
                    return Err(Error::Usage(
                        "--rating-col needs --neg-below X and --pos-above Y".into(),
                    ));
                };
                let thresholds = RatingThresholds::new(neg, pos).map_err(Error::Usage)?;
                Some(LabelSpec::Ratings {
                    column: column.clone(),
                    thresholds,
                })
            }
            _ if !tables.is_empty() => {
                return Err(Error::Usage(
                    "--data needs --label-col L or --rating-col R".into(),
                ));
            }
            _ => None,
        };
        let vader = self.vader.as_deref().map(Location::parse).transpose()?;
        let labelled = self
            .labelled
            .iter()
            .map(|u| Location::parse(u))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if tables.is_empty() && vader.is_none() && labelled.is_empty() {
            return Err(Error::Usage(
                "give labelled texts with --data URL, --labelled URL and/or --vader DIR".into(),
            ));
        }
        Ok(LabelledInputs {
            tables,
            text_col: self.text_col.clone(),
            spec,
            vader,
            vader_thresholds: Some(
                RatingThresholds::new(self.vader_neg_below, self.vader_pos_above)
                    .map_err(|e| Error::Usage(format!("--vader-neg-below/--vader-pos-above: {e}")))?,
            ),
            skip_missing_labels: self.skip_missing_labels,
            labelled,
            labelled_repeat: self.labelled_repeat,
        })
    }
}

/// `vigil sentiment train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training texts.
    #[command(flatten)]
    pub labels: LabelArgs,
    /// Output model folder (file path or URL).
    #[arg(long, value_name = "DIR")]
    pub out: String,
    /// Unlabelled texts (file or folder, repeatable) for the tokenizer and pre-training.
    #[arg(long, value_name = "URL")]
    pub unlabelled: Vec<String>,
    /// Text column of --unlabelled.
    #[arg(long, default_value = "text", value_name = "C")]
    pub unlabelled_col: String,
    /// Masked-language-model pre-training passes before fine-tuning [default: 0].
    #[arg(long)]
    pub pretrain_epochs: Option<usize>,
    /// Give the classifier head the VADER lexicon scores of each text (fusion).
    #[arg(long)]
    pub lexicon_features: bool,
    /// Passes over the training data [default: 8, or [sentiment.training] epochs].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Seed of split, weights, dropout and batch order [default: 42].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Texts per optimiser step [default: 32].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Peak learning rate [default: 0.001].
    #[arg(long)]
    pub learning_rate: Option<f64>,
    /// Maximum tokens per text [default: 128].
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Largest WordPiece vocabulary [default: 8000].
    #[arg(long)]
    pub vocab_size: Option<usize>,
    /// Model width [default: 128].
    #[arg(long)]
    pub d_model: Option<usize>,
    /// Encoder layers [default: 2].
    #[arg(long)]
    pub layers: Option<usize>,
    /// Attention heads [default: 4].
    #[arg(long)]
    pub heads: Option<usize>,
    /// Feed-forward width [default: 256].
    #[arg(long)]
    pub d_ff: Option<usize>,
    /// Share held out for choosing the epoch.
    #[arg(long, default_value_t = 0.1)]
    pub valid_share: f64,
    /// Share held out for the reported test metrics.
    #[arg(long, default_value_t = 0.1)]
    pub test_share: f64,
    /// Compute device.
    #[arg(long, value_enum, default_value = "flex")]
    pub device: DeviceArg,
}

/// `vigil sentiment eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model folder.
    #[arg(long, value_name = "DIR")]
    pub model: String,
    /// Evaluation texts (split with the model's own seed unless --train-split is given).
    #[command(flatten)]
    pub labels: LabelArgs,
    /// Separate labelled file the TF-IDF baseline trains on; then all of --data is the test set.
    #[arg(long, value_name = "URL")]
    pub train_split: Option<String>,
    /// Override the split seed (default: the one in the model's metrics.json).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the test share (default: the model's).
    #[arg(long)]
    pub test_share: Option<f64>,
    /// Also write the JSON report here.
    #[arg(long, value_name = "PATH")]
    pub report: Option<std::path::PathBuf>,
    /// Compute device.
    #[arg(long, value_enum, default_value = "flex")]
    pub device: DeviceArg,
}

/// `vigil sentiment score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model folder.
    #[arg(long, value_name = "DIR", default_value = "models/sentiment/default")]
    pub model: String,
    /// Texts: a CSV / Parquet / NDJSON file or a folder of them.
    #[arg(long, value_name = "URL")]
    pub data: String,
    /// Column holding the text.
    #[arg(long, default_value = "text", value_name = "C")]
    pub text_col: String,
    /// Column to copy to the output (repeatable) [default: every column but the text].
    #[arg(long = "keep-col", value_name = "C")]
    pub keep_cols: Vec<String>,
    /// Output: a .parquet file, or a folder (one part per input file).
    #[arg(long, value_name = "URL")]
    pub out: String,
    /// Texts per inference batch.
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// Compute device.
    #[arg(long, value_enum, default_value = "flex")]
    pub device: DeviceArg,
}

/// `vigil sentiment run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Point in time.
    #[command(flatten)]
    pub window: WindowArgs,
}

fn train_options(args: &TrainArgs, config: Option<&PipelineConfig>) -> TrainOptions {
    let mut o = config
        .map(|c| c.options.sentiment.training.clone())
        .unwrap_or_default();
    let set = |slot: &mut usize, v: Option<usize>| {
        if let Some(v) = v {
            *slot = v;
        }
    };
    set(&mut o.epochs, args.epochs);
    set(&mut o.pretrain_epochs, args.pretrain_epochs);
    set(&mut o.batch_size, args.batch_size);
    set(&mut o.max_len, args.max_len);
    set(&mut o.vocab_size, args.vocab_size);
    set(&mut o.d_model, args.d_model);
    set(&mut o.n_layers, args.layers);
    set(&mut o.n_heads, args.heads);
    set(&mut o.d_ff, args.d_ff);
    if args.lexicon_features {
        o.lexicon_features = true;
    }
    if let Some(s) = args.seed {
        o.seed = s;
    }
    if let Some(lr) = args.learning_rate {
        o.learning_rate = lr;
    }
    o
}

pub(super) fn sentiment(args: &SentimentArgs, config: Option<&Path>, summary: &mut RunSummary) -> Result<()> {
    let config = config.map(PipelineConfig::load).transpose()?;
    let storage = pipeline::open_storage(config.as_ref())?;
    match &args.command {
        SentimentCommand::Train(a) => train(a, config.as_ref(), &storage, summary),
        SentimentCommand::Eval(a) => eval(a, &storage, summary),
        SentimentCommand::Score(a) => score(a, &storage, summary),
        SentimentCommand::Run(a) => run(a, config, &storage, summary),
    }
}

/// `vigil sentiment train`.
fn train(
    a: &TrainArgs,
    config: Option<&PipelineConfig>,
    storage: &Storage,
    summary: &mut RunSummary,
) -> Result<()> {
    let settings = TrainSettings {
        inputs: a.labels.inputs()?,
        unlabelled: UnlabelledInputs {
            tables: a
                .unlabelled
                .iter()
                .map(|u| Location::parse(u))
                .collect::<std::result::Result<_, _>>()?,
            text_col: a.unlabelled_col.clone(),
        },
        out: Location::parse(&a.out)?,
        options: train_options(a, config),
        valid_share: a.valid_share,
        test_share: a.test_share,
        device: a.device.into(),
        command: command_line(),
    };
    let (stage, _) = pipeline::in_stage("sentiment_train", || train_model(storage, &settings))?;
    summary.push_stage(stage);
    Ok(())
}

/// `vigil sentiment eval`: the report as JSON on stdout (and in `--report`).
fn eval(a: &EvalArgs, storage: &Storage, summary: &mut RunSummary) -> Result<()> {
    let split = match (a.seed, a.test_share) {
        (None, None) => None,
        (seed, test) => Some(SplitSpec {
            valid_share: 0.1,
            test_share: test.unwrap_or(0.1),
            seed: seed.unwrap_or(42),
        }),
    };
    let train_split = match &a.train_split {
        Some(url) => {
            let mut labels = a.labels.clone();
            labels.data = vec![url.clone()];
            labels.vader = None;
            labels.labelled = Vec::new();
            Some(labels.inputs()?)
        }
        None => None,
    };
    let settings = EvalSettings {
        model: Location::parse(&a.model)?,
        inputs: a.labels.inputs()?,
        train_split,
        split,
        device: a.device.into(),
    };
    let (stage, report) = pipeline::in_stage("sentiment_eval", || eval_model(storage, &settings))?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(path) = &a.report {
        std::fs::write(path, &json)
            .map_err(|e| Error::Usage(format!("cannot write --report {}: {e}", path.display())))?;
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{json}");
    summary.push_stage(stage);
    Ok(())
}

/// `vigil sentiment score`.
fn score(a: &ScoreArgs, storage: &Storage, summary: &mut RunSummary) -> Result<()> {
    let settings = ScoreSettings {
        model: Location::parse(&a.model)?,
        data: Location::parse(&a.data)?,
        text_col: a.text_col.clone(),
        keep_cols: a.keep_cols.clone(),
        out: Location::parse(&a.out)?,
        batch_size: a.batch_size.max(1),
        device: a.device.into(),
    };
    summary.push_stage(pipeline::in_stage("sentiment_score", || {
        score_texts(storage, &settings)
    })?);
    Ok(())
}

/// `vigil sentiment run`: the pipeline stage for one window.
fn run(
    a: &RunArgs,
    config: Option<PipelineConfig>,
    storage: &Storage,
    summary: &mut RunSummary,
) -> Result<()> {
    let config = a
        .window
        .apply(config.ok_or_else(|| Error::Usage("`vigil sentiment run` needs --config PATH".into()))?);
    let window = crate::time::RunWindow::new(a.window.as_of()?, config.options.window.lookback_months)
        .map_err(Error::Usage)?;
    summary.set_window(&window);
    pipeline::check_warehouse_writable(storage, &config)?;
    let run_id = summary.run_id.clone().unwrap_or_default();
    let stages = pipeline::in_stage("sentiment", || {
        pipeline::sentiment::stage::run(storage, &config, window, &run_id)
    })?;
    summary.extend_stages(stages);
    Ok(())
}

/// The command line as typed (arguments only; vigil never takes secrets as flags).
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("vigil {}", args.join(" "))
}
