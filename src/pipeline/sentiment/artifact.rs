//! Sentiment model artefacts in a folder (local or object store): `model.bpk` (weights),
//! `tokenizer.json`, `config.json` (architecture), `metrics.json` (the model card's data) and
//! a generated `README.md` model card.

use crate::report::sentiment_card::ModelCard;
use crate::{Error, Result};
use burn::tensor::Device;
use bytes::Bytes;
use serde::Serialize;
use vigil_store::storage::{Location, Storage};
use vigil_text::infer::SentimentClassifier;
use vigil_text::model::ModelConfig;
use vigil_text::tokenizer::TextTokenizer;

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
        Bytes::from(crate::report::sentiment_card::render(card)),
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
