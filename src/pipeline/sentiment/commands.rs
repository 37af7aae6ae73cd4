//! `vigil sentiment train | eval | score`: the text model on any labelled or unlabelled
//! table (CSV, Parquet, NDJSON), plus the vendored VADER corpus.

use super::artifact::{load_model, save_model};
pub use super::inputs::{
    LabelledInputs, UnlabelledInputs, load_labelled, load_unlabelled, load_vader, source_name,
};
use crate::device::burn_device;
use crate::pipeline::runtime::StageReport;
use crate::pipeline::runtime::progress::Bar;
use crate::report::sentiment_card::{Comparison, ModelCard, SplitSpec, source_counts};
use crate::{Error, Result};
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;
use vigil_store::storage::{Location, ReadOptions, Storage};
use vigil_text::DeviceName;
use vigil_text::SentimentTrainOptions as TrainOptions;
use vigil_text::baseline::{LexiconBaseline, TfidfLogistic, TfidfOptions};
use vigil_text::data::{self, LabelledText};
use vigil_text::infer::SentimentClassifier;
use vigil_text::metrics::evaluate;
use vigil_text::train::{self, Progress};
use vigil_text::{Sentiment, TextError};

/// Settings of `vigil sentiment train`.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// Training data.
    pub inputs: LabelledInputs,
    /// Extra unlabelled texts for the tokenizer and pre-training.
    pub unlabelled: UnlabelledInputs,
    /// Output model folder.
    pub out: Location,
    /// Hyper-parameters.
    pub options: TrainOptions,
    /// Validation share.
    pub valid_share: f64,
    /// Test share.
    pub test_share: f64,
    /// Device.
    pub device: DeviceName,
    /// The command line, recorded in the model card.
    pub command: String,
}

/// A progress reporter: one log line per epoch, and on a terminal
/// ([`crate::pipeline::runtime::progress`]) a bar of the `pretrain_epochs` pre-training
/// epochs, then of each epoch's steps.
pub fn progress_reporter(pretrain_epochs: usize) -> impl FnMut(&Progress) {
    let bar = Bar::new(pretrain_epochs as u64, "pre-training epochs");
    move |p: &Progress| match p {
        Progress::Step {
            epoch,
            step,
            steps,
            loss,
        } => {
            if *step == 1 {
                bar.set_length(*steps as u64);
            }
            bar.set_position(*step as u64);
            bar.set_message(format!("epoch {epoch}, loss {loss:.4}"));
        }
        Progress::Pretrain(e) => {
            bar.set_position(e.epoch as u64);
            tracing::info!(
                epoch = e.epoch,
                mlm_loss = format!("{:.4}", e.loss),
                seconds = format!("{:.1}", e.seconds),
                "pre-training epoch done"
            );
        }
        Progress::Epoch(r) => {
            bar.set_position(0);
            tracing::info!(
                epoch = r.epoch,
                train_loss = format!("{:.4}", r.train_loss),
                valid_macro_f1 = format!("{:.4}", r.valid_macro_f1),
                valid_accuracy = format!("{:.4}", r.valid_accuracy),
                seconds = format!("{:.1}", r.seconds),
                "epoch done"
            );
        }
    }
}

/// Trains a model on a seeded split, compares it with the baselines on the test part and
/// writes the artefacts.
pub fn train_model(storage: &Storage, settings: &TrainSettings) -> Result<(StageReport, ModelCard)> {
    let started = Instant::now();
    let items = load_labelled(storage, &settings.inputs)?;
    let unlabelled = load_unlabelled(storage, &settings.unlabelled)?;
    let unlabelled: Vec<&str> = unlabelled.iter().map(String::as_str).collect();
    let split_spec = SplitSpec {
        valid_share: settings.valid_share,
        test_share: settings.test_share,
        seed: settings.options.seed,
    };
    // Oversampling of --labelled texts happens after the split, in the training part only,
    // so repeated texts never count twice in the reported test metrics.
    let mut repeat = BTreeMap::new();
    if settings.inputs.labelled_repeat > 1 {
        for loc in &settings.inputs.labelled {
            for file in storage.table_files("sentiment_labels", loc, &ReadOptions::default())? {
                repeat.insert(source_name(&file.location), settings.inputs.labelled_repeat);
            }
        }
    }
    let (card, classifier) = train_on(
        items,
        &repeat,
        &unlabelled,
        split_spec,
        &settings.options,
        settings.device,
        &settings.command,
    )?;
    let mut card = card;
    let version = save_model(storage, &settings.out, &classifier, &mut card)?;
    tracing::info!(
        model_version = %version,
        test_macro_f1 = format!("{:.4}", card.test.transformer.macro_f1),
        lexicon_macro_f1 = format!("{:.4}", card.test.lexicon.macro_f1),
        tfidf_macro_f1 = format!("{:.4}", card.test.tfidf_logreg.macro_f1),
        "sentiment model written"
    );
    let mut stage = StageReport::new("sentiment_train", started);
    stage.rows_in = card.sources.iter().map(|s| s.texts as u64).sum();
    stage.outputs.push(settings.out.to_string());
    stage.record(&SentimentTrainMetrics {
        model_version: version,
        test_macro_f1: card.test.transformer.macro_f1,
        lexicon_macro_f1: card.test.lexicon.macro_f1,
        tfidf_logreg_macro_f1: card.test.tfidf_logreg.macro_f1,
        train_seconds: card.train_seconds,
    })?;
    Ok((stage, card))
}

/// The `sentiment_train` stage's figures in the run summary: test-part macro-F1 of the
/// model and of both baselines.
#[derive(Debug, Serialize)]
struct SentimentTrainMetrics {
    model_version: String,
    test_macro_f1: f64,
    lexicon_macro_f1: f64,
    tfidf_logreg_macro_f1: f64,
    train_seconds: f64,
}

/// Splits, trains, and evaluates model and baselines on the test part.
/// `repeat` maps a source to how many times its texts are used in the training part.
pub fn train_on(
    items: Vec<LabelledText>,
    repeat: &BTreeMap<String, usize>,
    unlabelled: &[&str],
    split: SplitSpec,
    options: &TrainOptions,
    device_name: DeviceName,
    command: &str,
) -> Result<(ModelCard, SentimentClassifier)> {
    let sources = source_counts(&items);
    let mut parts = data::seeded_split(items, split.valid_share, split.test_share, split.seed)?;
    let extra: Vec<LabelledText> = parts
        .train
        .iter()
        .filter_map(|t| repeat.get(&t.source).map(|n| (t, n.saturating_sub(1))))
        .flat_map(|(t, n)| std::iter::repeat_n(t.clone(), n))
        .collect();
    parts.train.extend(extra);
    tracing::info!(
        train = parts.train.len(),
        valid = parts.valid.len(),
        test = parts.test.len(),
        "training the sentiment model"
    );
    let dev = burn_device(device_name)?;
    let started = Instant::now();
    let mut report = progress_reporter(options.pretrain_epochs);
    let trained = train::train(&parts.train, &parts.valid, unlabelled, options, &dev, &mut report)?;
    drop(report); // clears the bar
    let train_seconds = started.elapsed().as_secs_f64();
    let test_set = if parts.test.is_empty() {
        &parts.valid
    } else {
        &parts.test
    };
    let test = compare(&trained.classifier, &parts.train, test_set, options.seed)?;
    let card = ModelCard {
        model_version: String::new(),
        command: command.to_string(),
        sources,
        split,
        options: options.clone(),
        unlabelled_texts: unlabelled.len(),
        pretrain: trained.pretrain,
        epochs: trained.epochs,
        best_epoch: trained.best_epoch,
        train_seconds,
        test,
    };
    Ok((card, trained.classifier))
}

/// Evaluates the model and both baselines on `test`; TF-IDF + LR is trained on `train`.
pub fn compare(
    model: &SentimentClassifier,
    train: &[LabelledText],
    test: &[LabelledText],
    seed: u64,
) -> Result<Comparison> {
    let truth: Vec<Sentiment> = test.iter().map(|t| t.label).collect();
    let texts: Vec<&str> = test.iter().map(|t| t.text.as_str()).collect();
    let transformer = model.evaluate(test, 128)?;
    let lexicon = evaluate(&truth, &LexiconBaseline::default().predict_all(&texts))?;
    let train_texts: Vec<&str> = train.iter().map(|t| t.text.as_str()).collect();
    let train_labels: Vec<Sentiment> = train.iter().map(|t| t.label).collect();
    let tfidf = TfidfLogistic::fit(
        &train_texts,
        &train_labels,
        &TfidfOptions {
            seed,
            ..TfidfOptions::default()
        },
    )?;
    let tfidf_logreg = evaluate(&truth, &tfidf.predict_all(&texts))?;
    Ok(Comparison {
        test_texts: test.len(),
        train_texts: train.len(),
        transformer,
        lexicon,
        tfidf_logreg,
    })
}

/// Settings of `vigil sentiment eval`.
#[derive(Debug, Clone)]
pub struct EvalSettings {
    /// Model folder.
    pub model: Location,
    /// Evaluation data.
    pub inputs: LabelledInputs,
    /// Separate training data for the TF-IDF baseline; when absent, `inputs` is split with
    /// `split` (by default the model's own training split, so its test part is held out).
    pub train_split: Option<LabelledInputs>,
    /// Split override.
    pub split: Option<SplitSpec>,
    /// Device.
    pub device: DeviceName,
}

/// The JSON `vigil sentiment eval` prints.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Model evaluated.
    pub model_version: String,
    /// How the test set was chosen.
    pub test_set: String,
    /// The comparison.
    #[serde(flatten)]
    pub comparison: Comparison,
}

/// Evaluates a model and the two baselines side by side on the same test texts.
pub fn eval_model(storage: &Storage, settings: &EvalSettings) -> Result<(StageReport, EvalReport)> {
    let started = Instant::now();
    let loaded = load_model(storage, &settings.model, &burn_device(settings.device)?)?;
    let items = load_labelled(storage, &settings.inputs)?;
    let (train, test, how) = match &settings.train_split {
        Some(train_inputs) => (
            load_labelled(storage, train_inputs)?,
            items,
            "all of --data; baselines trained on --train-split".into(),
        ),
        None => {
            let split = settings
                .split
                .or_else(|| loaded.card.as_ref().map(|c| c.split))
                .unwrap_or(SplitSpec {
                    valid_share: 0.1,
                    test_share: 0.1,
                    seed: 42,
                });
            let parts = data::seeded_split(items, split.valid_share, split.test_share, split.seed)?;
            let how = format!(
                "test part of the seeded split (valid {}, test {}, seed {})",
                split.valid_share, split.test_share, split.seed
            );
            (parts.train, parts.test, how)
        }
    };
    if test.is_empty() || train.is_empty() {
        return Err(Error::Usage(
            "evaluation needs texts in both the training and the test part".into(),
        ));
    }
    let seed = settings.split.map_or(42, |s| s.seed);
    let comparison = compare(&loaded.classifier, &train, &test, seed)?;
    let report = EvalReport {
        model_version: loaded.version,
        test_set: how,
        comparison,
    };
    let mut stage = StageReport::new("sentiment_eval", started);
    stage.rows_in = (report.comparison.test_texts + report.comparison.train_texts) as u64;
    stage.record(&SentimentEvalMetrics {
        macro_f1: report.comparison.transformer.macro_f1,
    })?;
    Ok((stage, report))
}

/// The `sentiment_eval` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct SentimentEvalMetrics {
    /// The model's macro-F1 on the test texts.
    macro_f1: f64,
}

/// Settings of `vigil sentiment score`.
#[derive(Debug, Clone)]
pub struct ScoreSettings {
    /// Model folder.
    pub model: Location,
    /// Texts: a file or a folder of files.
    pub data: Location,
    /// Text column.
    pub text_col: String,
    /// Columns copied to the output (ids); all non-text columns when empty.
    pub keep_cols: Vec<String>,
    /// Output: a `.parquet` file, or a folder that gets one part per input file.
    pub out: Location,
    /// Texts per batch.
    pub batch_size: usize,
    /// Device.
    pub device: DeviceName,
}

/// Scores every text of the input files, one input file at a time (memory is bounded by the
/// largest input file, not by the total).
pub fn score_texts(storage: &Storage, settings: &ScoreSettings) -> Result<StageReport> {
    let started = Instant::now();
    let loaded = load_model(storage, &settings.model, &burn_device(settings.device)?)?;
    let files = storage.table_files("texts", &settings.data, &ReadOptions::default())?;
    let single = settings.out.file_name().is_some_and(|n| n.ends_with(".parquet"));
    if single && files.len() > 1 {
        return Err(Error::Usage(format!(
            "{} has {} files; give --out a folder to get one output part per input file",
            settings.data,
            files.len()
        )));
    }
    let mut stage = StageReport::new("sentiment_score", started);
    let mut inference = 0.0;
    for (i, table_file) in files.iter().enumerate() {
        let frame = storage
            .read_file("texts", table_file, &ReadOptions::default())?
            .frame;
        let file = &table_file.location;
        let t0 = Instant::now();
        let mut out = score_frame(
            &loaded.classifier,
            &frame,
            &file.to_string(),
            settings,
            &loaded.version,
        )?;
        inference += t0.elapsed().as_secs_f64();
        let target = if single {
            settings.out.clone()
        } else {
            settings.out.join(&format!("part-{i:05}.parquet"))
        };
        storage.write_parquet(&target, &mut out)?;
        stage.rows_in += frame.height() as u64;
        stage.outputs.push(target.to_string());
    }
    stage.rows_out = stage.rows_in;
    stage.duration_ms = started.elapsed().as_millis() as u64;
    let tps = if inference > 0.0 {
        stage.rows_in as f64 / inference
    } else {
        0.0
    };
    stage.record(&SentimentScoreMetrics {
        texts: stage.rows_in,
        inference_seconds: inference,
        texts_per_second: tps,
        model_version: &loaded.version,
    })?;
    tracing::info!(
        texts = stage.rows_in,
        texts_per_second = format!("{tps:.0}"),
        "texts scored"
    );
    Ok(stage)
}

/// The `sentiment_score` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct SentimentScoreMetrics<'a> {
    texts: u64,
    /// Seconds spent in the model (reading and writing excluded).
    inference_seconds: f64,
    texts_per_second: f64,
    model_version: &'a str,
}

fn score_frame(
    model: &SentimentClassifier,
    frame: &DataFrame,
    source: &str,
    settings: &ScoreSettings,
    version: &str,
) -> Result<DataFrame> {
    let column = frame.column(&settings.text_col).map_err(|_| {
        let have: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
        TextError::InvalidInput(format!(
            "{source}: no column `{}` (columns: {})",
            settings.text_col,
            have.join(", ")
        ))
    })?;
    let texts = column.cast(&DataType::String)?;
    let texts = texts.str()?;
    let owned: Vec<&str> = texts.iter().map(|t| t.unwrap_or("")).collect();
    let probs = predict_with_progress(model, &owned, settings.batch_size)?;
    let keep: Vec<String> = if settings.keep_cols.is_empty() {
        frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .filter(|c| *c != settings.text_col)
            .collect()
    } else {
        settings.keep_cols.clone()
    };
    let mut out = frame.select(keep.iter().map(String::as_str)).map_err(|e| {
        TextError::InvalidInput(format!(
            "{source}: --keep-col names a column that is not there: {e}"
        ))
    })?;
    sentiment_columns(&mut out, &probs, version)?;
    Ok(out)
}

/// The model's probabilities for `texts`, exactly as [`SentimentClassifier::predict`] gives
/// them, with a progress bar of texts scored: the texts go in chunks that are whole
/// multiples of its length-sorting window, so the batches are the same.
pub fn predict_with_progress(
    model: &SentimentClassifier,
    texts: &[&str],
    batch_size: usize,
) -> Result<Vec<[f32; 3]>> {
    let window = batch_size.max(1) * 16;
    let chunk = window * 2048usize.div_ceil(window);
    let bar = Bar::new(texts.len() as u64, "scoring texts");
    let mut probs = Vec::with_capacity(texts.len());
    for part in texts.chunks(chunk) {
        probs.extend(model.predict(part, batch_size)?);
        bar.inc(part.len() as u64);
        tracing::debug!(done = probs.len(), of = texts.len(), "texts scored");
    }
    Ok(probs)
}

/// Appends `p_negative, p_neutral, p_positive, label, model_version` to a frame.
pub fn sentiment_columns(frame: &mut DataFrame, probs: &[[f32; 3]], version: &str) -> Result<()> {
    let n = probs.len();
    let col =
        |name: &str, i: usize| Column::new(name.into(), probs.iter().map(|p| p[i]).collect::<Vec<f32>>());
    let labels: Vec<&str> = probs.iter().map(|p| Sentiment::argmax(p).name()).collect();
    frame.with_column(col("p_negative", 0))?;
    frame.with_column(col("p_neutral", 1))?;
    frame.with_column(col("p_positive", 2))?;
    frame.with_column(Column::new("label".into(), labels))?;
    frame.with_column(Column::new("model_version".into(), vec![version; n]))?;
    Ok(())
}
