//! The text model's parameters: training hyper-parameters (`[sentiment.training]` in vigil's
//! config and the `vigil sentiment train` flags), pooling and the compute device. They check
//! their own ranges; vigil's `config` deserialises and composes them.

use crate::TextError;
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
    /// Checks the values a config or command line may get wrong:
    /// [`TextError::InvalidOption`] names the first one out of range.
    pub fn validate(&self) -> Result<(), TextError> {
        let bad = |m: String| Err(TextError::InvalidOption(m));
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
