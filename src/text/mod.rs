//! The text model: a transformer sentiment classifier (burn + tokenizers) that labels every
//! ticket, email and NPS comment negative / neutral / positive, and the baselines it is
//! measured against.
//!
//! This module does no I/O: it turns texts and labels into models, and models and texts into
//! probabilities. Reading tables and writing artefacts is `pipeline::sentiment`'s job.
//!
//! - [`label`]: the classes, label maps and rating thresholds (weak labels);
//! - [`tokenizer`]: WordPiece trained with the tokenizers crate, padding and truncation;
//! - [`model`]: embedding + positional embedding + `TransformerEncoder` + pooled linear head;
//! - [`train`]: seeded training loop with AdamW and per-epoch validation;
//! - [`infer`]: batched inference to class probabilities;
//! - [`native`]: the inference-only CPU forward pass `infer` uses on the flex device;
//! - [`data`]: the labelled-text interface (explicit labels, ratings, weak labels, corpora),
//!   stratified seeded splits;
//! - [`metrics`]: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix;
//! - [`baseline`]: the VADER lexicon scorer and TF-IDF + logistic regression.

pub mod baseline;
pub mod data;
pub mod infer;
pub mod label;
pub mod metrics;
pub mod model;
pub mod native;
pub mod pretrain;
pub mod tokenizer;
pub mod train;

pub use crate::config::Pooling;
pub use label::{LabelMap, NUM_CLASSES, RatingThresholds, Sentiment};

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

/// 64-bit FNV-1a over byte slices: a stable content hash (model versions, split points).
/// Hand-written because it is a few lines and std's hasher is not stable across releases.
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash = Fnv1a::default();
    for part in parts {
        hash.update(part);
    }
    hash.finish()
}

/// Streaming FNV-1a: the same hash as [`fnv1a`] over everything passed to `update`, without
/// gathering the bytes first.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    /// Hashes more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}
