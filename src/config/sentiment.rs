//! `[sentiment]`: which model scores the history's texts, and how a model is (re)trained.

use serde::{Deserialize, Serialize};

/// How the encoder's per-token outputs become one vector per text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Mean over the non-padding positions.
    #[default]
    Mean,
    /// The output at the `[CLS]` position.
    Cls,
}

/// Training hyper-parameters (the `[sentiment.train]` config section and CLI flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SentimentTrainOptions {
    /// Passes over the training data.
    pub epochs: usize,
    /// Masked-language-model pre-training passes over all texts (labelled and unlabelled)
    /// before fine-tuning; 0 skips pre-training.
    pub pretrain_epochs: usize,
    /// Texts per optimiser step.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    /// Share of all steps spent warming the learning rate up linearly from zero.
    pub warmup_share: f64,
    /// Stop when validation macro-F1 has not improved for this many epochs (0: never).
    pub patience: usize,
    /// Weight the loss by inverse class frequency (helps macro-F1 on a minority class).
    pub class_weights: bool,
    /// Seed of weights, dropout and batch order.
    pub seed: u64,
    /// Largest WordPiece vocabulary.
    pub vocab_size: usize,
    /// Minimum word frequency for the tokenizer.
    pub min_frequency: u64,
    /// Maximum tokens per text.
    pub max_len: usize,
    /// Model width.
    pub d_model: usize,
    /// Attention heads.
    pub n_heads: usize,
    /// Encoder layers.
    pub n_layers: usize,
    /// Feed-forward width.
    pub d_ff: usize,
    /// Dropout rate.
    pub dropout: f64,
    /// Pooling of encoder outputs.
    pub pooling: Pooling,
    /// Give the classifier head the VADER lexicon's scores of each text beside the encoder
    /// output (lexicon-feature fusion; see the model card).
    pub lexicon_features: bool,
}

impl Default for SentimentTrainOptions {
    fn default() -> Self {
        Self {
            epochs: 8,
            pretrain_epochs: 0,
            batch_size: 32,
            learning_rate: 1e-3,
            weight_decay: 0.01,
            warmup_share: 0.06,
            patience: 3,
            class_weights: true,
            seed: 42,
            vocab_size: 8000,
            min_frequency: 2,
            max_len: 128,
            d_model: 128,
            n_heads: 4,
            n_layers: 2,
            d_ff: 256,
            dropout: 0.1,
            pooling: Pooling::Mean,
            lexicon_features: false,
        }
    }
}

impl SentimentTrainOptions {
    /// Checks the values a config or command line may get wrong.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |m: String| Err(m);
        if self.epochs == 0 || self.batch_size == 0 {
            return bad("epochs and batch_size must be positive".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(format!("learning_rate {} must be positive", self.learning_rate));
        }
        if !(0.0..1.0).contains(&self.warmup_share) {
            return bad(format!("warmup_share {} must be in [0, 1)", self.warmup_share));
        }
        if self.vocab_size < 100 {
            return bad(format!("vocab_size {} is below 100", self.vocab_size));
        }
        Ok(())
    }
}

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

/// The compute device of the sentiment model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DeviceName {
    /// burn's pure-Rust CPU device (always available).
    #[default]
    Flex,
    /// A GPU through wgpu (needs the `wgpu` cargo feature).
    Wgpu,
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
            .map_err(|m| ("sentiment.training".into(), m, "see README".into()))
    }
}
