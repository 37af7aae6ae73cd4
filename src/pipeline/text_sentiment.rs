//! The sentiment stage of the pipeline (`vigil sentiment run`, and inside `vigil demo`):
//! every ticket (subject + body), inbound communication (subject + body) and NPS comment of
//! the window gets class probabilities, written as the `text_sentiment` table the feature
//! stage reads.
//!
//! Outbound messages are not scored: they are the vendor's words, not the customer's mood.

use super::StageReport;
use super::sentiment::{load_vader, predict_with_progress, sentiment_columns, train_on};
use super::sentiment_model::{LoadedModel, SplitSpec, device, load_model, save_model};
use crate::config::{PipelineConfig, SentimentSource};
use crate::contract::{History, load_history};
use crate::features::{frame_micros as micros, frame_strings as strings, nps_text_id};
use crate::storage::{Location, Storage};
use crate::text::data::{self, LabelSpec, LabelledText};
use crate::text::{LabelMap, RatingThresholds};
use crate::time::RunWindow;
use crate::warehouse::{WarehouseError, delta};
use crate::{Error, Result};
use polars::prelude::*;
use std::time::Instant;

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
    let history = load_history(storage, &config.sources(), window)?;
    super::validate::gate(&history, &config.options.validation)?;
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
    let mut stages = Vec::new();
    if !opts.enabled {
        let mut stage = StageReport::new("sentiment", started);
        stage
            .warnings
            .push("[sentiment] enabled = false: tone features use the lexicon fallback".into());
        return Ok(vec![stage]);
    }
    let dev = device(opts.device)?;
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let loaded = if opts.train {
        let items = history_labelled(storage, config, history)?;
        // The history's own texts (unlabelled) teach the tokenizer and pre-training its words.
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
        stage
            .metrics
            .insert("model_version".into(), version.clone().into());
        stage
            .metrics
            .insert("test_macro_f1".into(), card.test.transformer.macro_f1.into());
        stages.push(stage);
        LoadedModel {
            classifier,
            version,
            card: Some(card),
        }
    } else {
        load_model(storage, &Location::parse(&config.resolve(&opts.model))?, &dev)?
    };
    let scoring = Instant::now();
    let mut texts = history_texts(history)?;
    let n = texts.height();
    let column = texts.column("text")?.str()?.clone();
    let all: Vec<&str> = column.iter().map(|t| t.unwrap_or("")).collect();
    let probs = predict_with_progress(&loaded.classifier, &all, opts.batch_size)?;
    let seconds = scoring.elapsed().as_secs_f64();
    texts = texts.drop("text")?;
    sentiment_columns(&mut texts, &probs, &loaded.version)?;
    let out = output_location(config)?;
    let ctx = delta::CommitContext::new(run_id);
    let commit = delta::replace_partition(storage, &out, history.window.run_date(), &texts, &ctx)
        .map_err(WarehouseError::from)?;
    // Scoring only: a training run above has its own `sentiment_train` stage.
    let mut stage = StageReport::new("sentiment", if opts.train { scoring } else { started });
    stage.rows_in = n as u64;
    stage.rows_out = n as u64;
    stage.outputs.push(out.to_string());
    stage
        .metrics
        .insert("delta_version".into(), commit.version.into());
    stage
        .metrics
        .insert("model_version".into(), loaded.version.clone().into());
    stage
        .metrics
        .insert("texts_per_second".into(), (n as f64 / seconds.max(1e-9)).into());
    for absent in ["tickets", "communications", "nps_responses"]
        .iter()
        .filter(|t| !history.tables.contains_key(*t))
    {
        stage
            .warnings
            .push(format!("absent table {absent}: its texts are not scored"));
    }
    tracing::info!(texts = n, seconds = format!("{seconds:.1}"), model_version = %loaded.version, "text sentiment written");
    stages.push(stage);
    Ok(stages)
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
                    items.extend(data::from_frame(f, "sentiment_labels", "text", &spec, false)?);
                }
            }
            SentimentSource::Weak => {
                if let Some(f) = frame(history, "tickets").filter(|f| has(f, "csat")) {
                    let cols: Vec<&str> = ["subject", "body"].into_iter().filter(|c| has(f, c)).collect();
                    items.extend(data::weak_labels(
                        f,
                        "tickets",
                        &cols,
                        "csat",
                        RatingThresholds::CSAT,
                    )?);
                }
                if let Some(f) = frame(history, "nps_responses").filter(|f| has(f, "comment")) {
                    items.extend(data::weak_labels(
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
