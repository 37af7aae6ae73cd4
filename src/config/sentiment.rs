//! `[sentiment]`: which model scores the history's texts, and how a model is (re)trained.

use serde::{Deserialize, Serialize};
use vigil_text::{DeviceName, SentimentTrainOptions};

/// Where training texts come from, in the order of preference the pipeline mixes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentSource {
    /// The history's explicit `sentiment_labels` table (text, label).
    SentimentLabels,
    /// Weak labels from the history: ticket CSAT and NPS comment scores.
    Weak,
    /// The vendored VADER human-rated corpus (`vader_dir`).
    Vader,
}

/// The `[sentiment]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SentimentOptions {
    /// Score the history's texts at all (false: tone features use the lexicon fallback).
    pub enabled: bool,
    /// Model folder used for scoring when `train` is false (relative to the project root).
    pub model: String,
    /// Train a model on the customer's own texts each run instead of using `model`.
    pub train: bool,
    /// Training sources, mixed in this order.
    pub sources: Vec<SentimentSource>,
    /// Folder of the VADER ground-truth files (relative to the project root).
    pub vader_dir: String,
    /// Share of labelled texts held out for model selection.
    pub valid_share: f64,
    /// Share of labelled texts held out for the reported metrics.
    pub test_share: f64,
    /// Texts per inference batch.
    pub batch_size: usize,
    /// Compute device.
    pub device: DeviceName,
    /// Training hyper-parameters.
    #[serde(rename = "training")]
    pub training: SentimentTrainOptions,
}

impl Default for SentimentOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            model: "models/sentiment/default".into(),
            train: false,
            sources: vec![
                SentimentSource::SentimentLabels,
                SentimentSource::Weak,
                SentimentSource::Vader,
            ],
            vader_dir: "data/sentiment/vader".into(),
            valid_share: 0.1,
            test_share: 0.1,
            batch_size: 64,
            device: DeviceName::Flex,
            training: SentimentTrainOptions::default(),
        }
    }
}

impl SentimentOptions {
    /// Checks value ranges: `Err((key, value, allowed))` for the first value out of range.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let shares = self.valid_share + self.test_share;
        if !(0.0..1.0).contains(&self.valid_share) || !(0.0..1.0).contains(&self.test_share) || shares >= 1.0
        {
            return Err((
                "sentiment.valid_share".into(),
                format!("{} (+ test_share {})", self.valid_share, self.test_share),
                "allowed: shares in [0, 1) summing below 1".into(),
            ));
        }
        if self.batch_size == 0 || self.batch_size > 4096 {
            return Err((
                "sentiment.batch_size".into(),
                self.batch_size.to_string(),
                "allowed: 1 to 4096".into(),
            ));
        }
        if self.train && self.sources.is_empty() {
            return Err((
                "sentiment.sources".into(),
                "[]".into(),
                "allowed: at least one source when train = true".into(),
            ));
        }
        self.training
            .validate()
            .map_err(|e| ("sentiment.training".into(), e.to_string(), "see README".into()))
    }
}
