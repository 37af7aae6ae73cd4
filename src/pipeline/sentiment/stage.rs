//! The sentiment stage of the pipeline (`vigil sentiment run`, and inside `vigil demo`):
//! every ticket (subject + body), inbound communication (subject + body) and NPS comment of
//! the window gets class probabilities, written as the `text_sentiment` table the feature
//! stage reads.
//!
//! Outbound messages are not scored: they are the vendor's words, not the customer's mood.

use super::artifact::{LoadedModel, load_model, save_model};
use super::commands::{load_vader, predict_with_progress, sentiment_columns, train_on};
use crate::config::{PipelineConfig, SentimentSource};
use crate::contract::{History, load_history};
use crate::device::burn_device;
use crate::features::{frame_micros as micros, frame_strings as strings, nps_text_id};
use crate::pipeline::runtime::StageReport;
use crate::report::sentiment_card::SplitSpec;
use crate::time::RunWindow;
use crate::{Error, Result};
use polars::prelude::*;
use serde::Serialize;
use std::time::Instant;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::{WarehouseError, delta};
use vigil_text::data::{LabelSpec, LabelledText};
use vigil_text::{LabelMap, RatingThresholds};

/// Columns of the `text_sentiment` Delta table (`run_date` is its partition column).
pub const TEXT_SENTIMENT_COLUMNS: [&str; 10] = [
    "text_id",
    "source_table",
    "account_id",
    "timestamp",
    "p_negative",
    "p_neutral",
    "p_positive",
    "label",
    "model_version",
    "run_date",
];

/// Loads the history for the window and runs the stage; `run_id` goes into the Delta commit.
pub fn run(
    storage: &Storage,
    config: &PipelineConfig,
    window: RunWindow,
    run_id: &str,
) -> Result<Vec<StageReport>> {
    let history = load_history(storage, &config.sources(), &config.taxonomy, window)?;
    crate::pipeline::data::gate(&history, &config.options.validation)?;
    score_history(storage, config, &history, run_id)
}

/// The `text_sentiment` Delta table (partitioned by `run_date`; each run replaces its date).
pub fn output_location(config: &PipelineConfig) -> Result<Location> {
    Ok(Location::parse(&config.resolve(&config.options.warehouse.url))?.join("text_sentiment"))
}

/// Reads the stage's output for the run date through the Delta log, if the stage ran
/// (without the `run_date` partition column).
pub fn read_output(
    storage: &Storage,
    config: &PipelineConfig,
    window: &RunWindow,
) -> Result<Option<DataFrame>> {
    let table = output_location(config)?;
    Ok(delta::read_partition(storage, &table, window.run_date()).map_err(WarehouseError::from)?)
}

/// Scores the texts of a loaded history (training a model first when `[sentiment] train`)
/// and replaces the run date's `text_sentiment` partition; `run_id` goes into the commit.
pub fn score_history(
    storage: &Storage,
    config: &PipelineConfig,
    history: &History,
    run_id: &str,
) -> Result<Vec<StageReport>> {
    let opts = &config.options.sentiment;
    let started = Instant::now();
    if !opts.enabled {
        let mut stage = StageReport::new("sentiment", started);
        stage
            .warnings
            .push("[sentiment] enabled = false: tone features use the lexicon fallback".into());
        return Ok(vec![stage]);
    }
    let dev = burn_device(opts.device)?;
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let mut stages = Vec::new();
    let loaded = if opts.train {
        let (stage, model) = train_on_history(storage, config, history, &warehouse, started)?;
        stages.push(stage);
        model
    } else {
        load_model(storage, &Location::parse(&config.resolve(&opts.model))?, &dev)?
    };
    stages.push(label_texts(storage, config, history, &loaded, run_id, started)?);
    Ok(stages)
}

/// `[sentiment] train = true`: a model trained on the history's labelled texts (its own
/// texts, unlabelled, teach the tokenizer and pre-training its words), saved under the
/// `warehouse`'s `models/sentiment/run_date=D`, with its `sentiment_train` stage.
fn train_on_history(
    storage: &Storage,
    config: &PipelineConfig,
    history: &History,
    warehouse: &Location,
    started: Instant,
) -> Result<(StageReport, LoadedModel)> {
    let opts = &config.options.sentiment;
    let items = history_labelled(storage, config, history)?;
    let texts = history_texts(history)?;
    let unlabelled: Vec<&str> = texts.column("text")?.str()?.iter().flatten().collect();
    let split = SplitSpec {
        valid_share: opts.valid_share,
        test_share: opts.test_share,
        seed: opts.training.seed,
    };
    let (mut card, classifier) = train_on(
        items,
        &Default::default(),
        &unlabelled,
        split,
        &opts.training,
        opts.device,
        &format!(
            "vigil sentiment run --config {} ([sentiment] train = true)",
            config.path.display()
        ),
    )?;
    let dir = warehouse.join(&format!(
        "models/sentiment/run_date={}",
        history.window.run_date()
    ));
    let version = save_model(storage, &dir, &classifier, &mut card)?;
    let mut stage = StageReport::new("sentiment_train", started);
    stage.outputs.push(dir.to_string());
    stage.record(&HistoryTrainMetrics {
        model_version: &version,
        test_macro_f1: card.test.transformer.macro_f1,
    })?;
    let model = LoadedModel {
        classifier,
        version,
        card: Some(card),
    };
    Ok((stage, model))
}

/// The `sentiment_train` stage's figures when `vigil run` trains the model.
#[derive(Debug, Serialize)]
struct HistoryTrainMetrics<'a> {
    model_version: &'a str,
    /// Macro-F1 on the test part of the split.
    test_macro_f1: f64,
}

/// Labels every text of the history with `model` and replaces the run date's partition of
/// the `text_sentiment` table: the `sentiment` stage, timed from `started` or, after a
/// training, from when scoring began.
fn label_texts(
    storage: &Storage,
    config: &PipelineConfig,
    history: &History,
    model: &LoadedModel,
    run_id: &str,
    started: Instant,
) -> Result<StageReport> {
    let opts = &config.options.sentiment;
    let scoring = Instant::now();
    let mut texts = history_texts(history)?;
    let n = texts.height();
    let column = texts.column("text")?.str()?.clone();
    let all: Vec<&str> = column.iter().map(|t| t.unwrap_or("")).collect();
    let probs = predict_with_progress(&model.classifier, &all, opts.batch_size)?;
    let seconds = scoring.elapsed().as_secs_f64();
    texts = texts.drop("text")?;
    sentiment_columns(&mut texts, &probs, &model.version)?;
    let out = output_location(config)?;
    let ctx = delta::CommitContext::new(run_id);
    let commit = delta::replace_partition(storage, &out, history.window.run_date(), &texts, &ctx)
        .map_err(WarehouseError::from)?;
    // Scoring only: a training run above has its own `sentiment_train` stage.
    let mut stage = StageReport::new("sentiment", if opts.train { scoring } else { started });
    stage.rows_in = n as u64;
    stage.rows_out = n as u64;
    stage.outputs.push(out.to_string());
    stage.record(&SentimentStageMetrics {
        delta_version: commit.version,
        model_version: &model.version,
        texts_per_second: n as f64 / seconds.max(1e-9),
    })?;
    for absent in ["tickets", "communications", "nps_responses"]
        .iter()
        .filter(|t| !history.tables.contains_key(*t))
    {
        stage
            .warnings
            .push(format!("absent table {absent}: its texts are not scored"));
    }
    tracing::info!(texts = n, seconds = format!("{seconds:.1}"), model_version = %model.version, "text sentiment written");
    Ok(stage)
}

/// The `sentiment` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct SentimentStageMetrics<'a> {
    /// The `text_sentiment` table's new Delta version.
    delta_version: i64,
    model_version: &'a str,
    texts_per_second: f64,
}

fn frame<'a>(history: &'a History, name: &str) -> Option<&'a DataFrame> {
    history.tables.get(name).map(|t| &t.frame)
}

fn has(frame: &DataFrame, name: &str) -> bool {
    frame.get_column_names().iter().any(|c| c.as_str() == name)
}

/// Rows of one source table as `(text_id, account_id, timestamp µs, text)`.
type TextRows = (Vec<String>, Vec<String>, Vec<i64>, Vec<String>);

/// Joins the present text columns with ". " per row; rows with no text are skipped.
fn collect_texts(
    frame: &DataFrame,
    table: &'static str,
    ids: Vec<Option<String>>,
    at: &'static str,
    text_cols: &[&'static str],
    keep: impl Fn(usize) -> bool,
) -> Result<TextRows> {
    let account = strings(frame, table, "account_id")?;
    let when = micros(frame, table, at)?;
    let parts: Vec<Vec<Option<String>>> = text_cols
        .iter()
        .filter(|c| has(frame, c))
        .map(|c| strings(frame, table, c))
        .collect::<std::result::Result<_, _>>()?;
    let mut out: TextRows = Default::default();
    for row in 0..frame.height() {
        let text = parts
            .iter()
            .filter_map(|p| p[row].as_deref().map(str::trim).filter(|t| !t.is_empty()))
            .collect::<Vec<_>>()
            .join(". ");
        let (Some(id), Some(acc), Some(ts)) = (ids[row].clone(), account[row].clone(), when[row]) else {
            continue;
        };
        if text.is_empty() || !keep(row) {
            continue;
        }
        out.0.push(id);
        out.1.push(acc);
        out.2.push(ts);
        out.3.push(text);
    }
    Ok(out)
}

/// All texts of the window: `text_id, source_table, account_id, timestamp, text`.
pub fn history_texts(history: &History) -> Result<DataFrame> {
    let mut rows: Vec<(&str, TextRows)> = Vec::new();
    if let Some(f) = frame(history, "tickets") {
        let ids = strings(f, "tickets", "ticket_id")?;
        rows.push((
            "tickets",
            collect_texts(f, "tickets", ids, "created_at", &["subject", "body"], |_| true)?,
        ));
    }
    if let Some(f) = frame(history, "communications") {
        let ids = strings(f, "communications", "message_id")?;
        let direction = strings(f, "communications", "direction")?;
        let inbound = |r: usize| direction[r].as_deref() == Some("inbound");
        rows.push((
            "communications",
            collect_texts(f, "communications", ids, "sent_at", &["subject", "body"], inbound)?,
        ));
    }
    if let Some(f) = frame(history, "nps_responses").filter(|f| has(f, "comment")) {
        // NPS responses have no id column in the contract: `nps_text_id` builds one.
        let account = strings(f, "nps_responses", "account_id")?;
        let at = micros(f, "nps_responses", "responded_at")?;
        let ids = account
            .iter()
            .zip(&at)
            .map(|(a, t)| Some(nps_text_id(a.as_deref()?, (*t)?)))
            .collect();
        rows.push((
            "nps_responses",
            collect_texts(f, "nps_responses", ids, "responded_at", &["comment"], |_| true)?,
        ));
    }
    let mut all: TextRows = Default::default();
    let mut tables: Vec<&str> = Vec::new();
    for (table, (id, acc, ts, text)) in rows {
        tables.extend(std::iter::repeat_n(table, id.len()));
        all.0.extend(id);
        all.1.extend(acc);
        all.2.extend(ts);
        all.3.extend(text);
    }
    // Naive microsecond timestamps that mean UTC, like every vigil output table.
    let timestamp =
        Column::new("timestamp".into(), all.2).cast(&DataType::Datetime(TimeUnit::Microseconds, None))?;
    Ok(DataFrame::new_infer_height(vec![
        Column::new("text_id".into(), all.0),
        Column::new("source_table".into(), tables),
        Column::new("account_id".into(), all.1),
        timestamp,
        Column::new("text".into(), all.3),
    ])?)
}

/// Labelled texts for `[sentiment] train = true`, from the configured sources in order.
fn history_labelled(
    storage: &Storage,
    config: &PipelineConfig,
    history: &History,
) -> Result<Vec<LabelledText>> {
    let mut items = Vec::new();
    for source in &config.options.sentiment.sources {
        match source {
            SentimentSource::SentimentLabels => {
                if let Some(f) = frame(history, "sentiment_labels") {
                    let spec = LabelSpec::Labels {
                        column: "label".into(),
                        map: LabelMap::default(),
                    };
                    items.extend(crate::text_frames::from_frame(
                        f,
                        "sentiment_labels",
                        "text",
                        &spec,
                        false,
                    )?);
                }
            }
            SentimentSource::Weak => {
                if let Some(f) = frame(history, "tickets").filter(|f| has(f, "csat")) {
                    let cols: Vec<&str> = ["subject", "body"].into_iter().filter(|c| has(f, c)).collect();
                    items.extend(crate::text_frames::weak_labels(
                        f,
                        "tickets",
                        &cols,
                        "csat",
                        RatingThresholds::CSAT,
                    )?);
                }
                if let Some(f) = frame(history, "nps_responses").filter(|f| has(f, "comment")) {
                    items.extend(crate::text_frames::weak_labels(
                        f,
                        "nps_responses",
                        &["comment"],
                        "score",
                        RatingThresholds::NPS,
                    )?);
                }
            }
            SentimentSource::Vader => {
                let dir = Location::parse(&config.resolve(&config.options.sentiment.vader_dir))?;
                items.extend(load_vader(storage, &dir, RatingThresholds::VADER)?);
            }
        }
    }
    if items.len() < 30 {
        return Err(Error::Usage(format!(
            "[sentiment] train = true but the configured sources give only {} labelled texts",
            items.len()
        )));
    }
    Ok(items)
}
