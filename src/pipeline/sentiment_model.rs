//! Sentiment model artefacts in a folder (local or object store): `model.bpk` (weights),
//! `tokenizer.json`, `config.json` (architecture), `metrics.json` (the model card's data) and
//! a generated `README.md` model card.

use crate::{Error, Result};
use burn::tensor::Device;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vigil_store::storage::{Location, Storage};
use vigil_text::DeviceName;
use vigil_text::SentimentTrainOptions as TrainOptions;
use vigil_text::data::LabelledText;
use vigil_text::infer::SentimentClassifier;
use vigil_text::metrics::Evaluation;
use vigil_text::model::ModelConfig;
use vigil_text::pretrain::PretrainEpoch;
use vigil_text::tokenizer::TextTokenizer;
use vigil_text::train::EpochReport;

/// Texts and class counts of one training source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceCount {
    /// Source name.
    pub source: String,
    /// Texts from it.
    pub texts: usize,
    /// Negative / neutral / positive counts.
    pub classes: [usize; 3],
}

/// Counts per source, sorted by source name.
pub fn source_counts(items: &[LabelledText]) -> Vec<SourceCount> {
    let mut by: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for item in items {
        by.entry(item.source.as_str()).or_default()[item.label.index()] += 1;
    }
    by.into_iter()
        .map(|(source, classes)| SourceCount {
            source: source.to_string(),
            texts: classes.iter().sum(),
            classes,
        })
        .collect()
}

/// The seeded split a model was trained and tested on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitSpec {
    /// Validation share.
    pub valid_share: f64,
    /// Test share.
    pub test_share: f64,
    /// Split seed.
    pub seed: u64,
}

/// Metrics of the model and the baselines on one test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Texts evaluated.
    pub test_texts: usize,
    /// Texts the baselines were trained on.
    pub train_texts: usize,
    /// The transformer.
    pub transformer: Evaluation,
    /// The VADER lexicon scorer.
    pub lexicon: Evaluation,
    /// TF-IDF + logistic regression trained on the same training split.
    pub tfidf_logreg: Evaluation,
}

/// Everything `metrics.json` records about a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// Content hash of weights and tokenizer: `sentiment-<16 hex>`.
    pub model_version: String,
    /// The command that trained it.
    pub command: String,
    /// Training texts per source (before the split).
    pub sources: Vec<SourceCount>,
    /// The split.
    pub split: SplitSpec,
    /// Hyper-parameters.
    pub options: TrainOptions,
    /// Unlabelled texts added for the tokenizer and pre-training.
    #[serde(default)]
    pub unlabelled_texts: usize,
    /// Masked-language-model pre-training epochs.
    #[serde(default)]
    pub pretrain: Vec<PretrainEpoch>,
    /// Per-epoch figures.
    pub epochs: Vec<EpochReport>,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Training wall time in seconds (tokenizer included).
    pub train_seconds: f64,
    /// Test-split comparison with the baselines.
    pub test: Comparison,
}

/// A model loaded from its folder.
#[derive(Debug)]
pub struct LoadedModel {
    /// The classifier.
    pub classifier: SentimentClassifier,
    /// Its version (from `metrics.json`, else the content hash).
    pub version: String,
    /// Its card, when `metrics.json` is present.
    pub card: Option<ModelCard>,
}

/// The burn device for a configured device name.
pub fn device(name: DeviceName) -> Result<Device> {
    match name {
        DeviceName::Flex => Ok(Device::flex()),
        #[cfg(feature = "wgpu")]
        DeviceName::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        #[cfg(not(feature = "wgpu"))]
        DeviceName::Wgpu => Err(Error::Usage(
            "device wgpu needs a vigil built with `--features wgpu`; use flex (CPU)".into(),
        )),
    }
}

/// The version string of a model's weights and tokenizer.
pub fn model_version(weights: &[u8], tokenizer_json: &[u8]) -> String {
    format!(
        "sentiment-{:016x}",
        crate::hash::stable_hash(&[weights, tokenizer_json])
    )
}

fn json<T: Serialize>(value: &T) -> Result<Bytes> {
    serde_json::to_vec_pretty(value)
        .map(Bytes::from)
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Writes a trained model's artefacts; returns its version. `card` is updated with the version.
pub fn save_model(
    storage: &Storage,
    dir: &Location,
    classifier: &SentimentClassifier,
    card: &mut ModelCard,
) -> Result<String> {
    let weights = classifier.weights()?;
    let tokenizer = classifier.tokenizer().to_json()?;
    let version = model_version(&weights, tokenizer.as_bytes());
    card.model_version = version.clone();
    storage.write(&dir.join("model.bpk"), Bytes::from(weights))?;
    storage.write(&dir.join("tokenizer.json"), Bytes::from(tokenizer))?;
    storage.write(&dir.join("config.json"), json(classifier.config())?)?;
    storage.write(&dir.join("metrics.json"), json(card)?)?;
    storage.write(
        &dir.join("README.md"),
        Bytes::from(super::sentiment_card::render(card)),
    )?;
    Ok(version)
}

/// Loads a model folder written by [`save_model`] (or by hand: `metrics.json` is optional).
pub fn load_model(storage: &Storage, dir: &Location, device: &Device) -> Result<LoadedModel> {
    let read = |name: &str| -> Result<Bytes> {
        storage.read(&dir.join(name)).map_err(|e| {
            Error::Usage(format!(
                "sentiment model folder {dir} is incomplete: cannot read {name}: {e}"
            ))
        })
    };
    let config: ModelConfig = serde_json::from_slice(&read("config.json")?)
        .map_err(|e| Error::Usage(format!("{}: {e}", dir.join("config.json"))))?;
    let tokenizer_json = read("tokenizer.json")?;
    let tokenizer = TextTokenizer::from_json(&tokenizer_json, config.max_len)?;
    let weights = read("model.bpk")?;
    let classifier = SentimentClassifier::from_parts(tokenizer, config, &weights, device)?;
    let metrics = dir.join("metrics.json");
    let card: Option<ModelCard> = if storage.exists(&metrics)? {
        Some(
            serde_json::from_slice(&storage.read(&metrics)?)
                .map_err(|e| Error::Usage(format!("{metrics}: {e}")))?,
        )
    } else {
        None
    };
    let version = match &card {
        Some(c) => c.model_version.clone(),
        None => model_version(&weights, &tokenizer_json),
    };
    Ok(LoadedModel {
        classifier,
        version,
        card,
    })
}
