//! vigil-text: the text model, a transformer sentiment classifier (burn + tokenizers) that
//! labels every ticket, email and NPS comment negative / neutral / positive, and the
//! baselines it is measured against.
//!
//! This crate does no I/O: it turns texts and labels into models, and models and texts into
//! probabilities. Reading tables and writing artefacts is the application's job (vigil's
//! `pipeline::sentiment` and `text_frames`). It must not depend on polars, the object stores,
//! the GBDT or the application crate `vigil`.
//!
//! - [`label`]: the classes, label maps and rating thresholds (weak labels);
//! - [`tokenizer`]: WordPiece trained with the tokenizers crate, padding and truncation;
//! - [`model`]: embedding + positional embedding + `TransformerEncoder` + pooled linear head;
//! - [`train`]: seeded training loop with AdamW and per-epoch validation;
//! - [`infer`]: batched inference to class probabilities;
//! - [`native`]: the inference-only CPU forward pass `infer` uses on the flex device;
//! - [`data`]: the labelled-text interface (label specs, the VADER corpus), stratified
//!   seeded splits;
//! - [`metrics`]: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix;
//! - [`baseline`]: the VADER lexicon scorer and TF-IDF + logistic regression;
//! - [`params`]: training hyper-parameters, pooling and the compute device.

pub mod baseline;
pub mod data;
pub mod infer;
pub mod label;
pub mod metrics;
pub mod model;
pub mod native;
pub mod params;
pub mod pretrain;
pub mod tokenizer;
pub mod train;

pub use label::{LabelMap, NUM_CLASSES, RatingThresholds, Sentiment};
pub use params::{DeviceName, Pooling, SentimentTrainOptions};

#[cfg(test)]
mod tests;

/// Errors of the text model.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// An option or configuration value is invalid (exit 2).
    #[error("{0}")]
    InvalidOption(String),
    /// A labelled-text input broke its contract (exit 3). The message names the source,
    /// column, row and value.
    #[error("{0}")]
    InvalidInput(String),
    /// The tokenizer failed to train, load or encode.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The model failed to build, save or load.
    #[error("model: {0}")]
    Model(String),
}
