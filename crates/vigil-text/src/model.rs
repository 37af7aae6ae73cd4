//! The transformer encoder classifier: token + learned position embeddings, a burn
//! `TransformerEncoder` (pre-norm, GELU), masked-mean or CLS pooling, layer norm and a linear
//! head over the three classes.

use burn::module::Module;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig,
};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::params::Pooling;

use super::baseline::LexiconBaseline;
use super::baseline::lexicon::LEXICON_FEATURES;
use super::tokenizer::TokenBatch;
use super::{NUM_CLASSES, TextError};

/// Architecture of a sentiment model; saved as the model's `config.json` (with the vocabulary
/// size of its tokenizer, so weights and tokenizer always match).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Vocabulary size (from the tokenizer).
    pub vocab_size: usize,
    /// Width of embeddings and encoder.
    pub d_model: usize,
    /// Attention heads per layer (must divide `d_model`).
    pub n_heads: usize,
    /// Encoder layers.
    pub n_layers: usize,
    /// Width of the position-wise feed-forward network.
    pub d_ff: usize,
    /// Maximum sequence length in tokens.
    pub max_len: usize,
    /// Dropout rate while training.
    pub dropout: f64,
    /// Pooling of the encoder outputs.
    #[serde(default)]
    pub pooling: Pooling,
    /// Feed the VADER lexicon's `[neg, neu, pos, compound]` of each text to the head beside
    /// the pooled encoder output (lexicon-feature fusion).
    #[serde(default)]
    pub lexicon_features: bool,
}

impl ModelConfig {
    /// Checks that the architecture can be built.
    pub fn validate(&self) -> Result<(), TextError> {
        let bad = |m: String| Err(TextError::InvalidOption(m));
        if self.vocab_size < 6 {
            return bad(format!("vocab_size {} is too small", self.vocab_size));
        }
        if self.d_model == 0 || self.n_heads == 0 || !self.d_model.is_multiple_of(self.n_heads) {
            return bad(format!(
                "d_model {} must be a positive multiple of n_heads {}",
                self.d_model, self.n_heads
            ));
        }
        if self.n_layers == 0 || self.d_ff == 0 {
            return bad("n_layers and d_ff must be positive".into());
        }
        if self.max_len < 3 {
            return bad(format!("max_len {} must be at least 3", self.max_len));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} must be in [0, 1)", self.dropout));
        }
        Ok(())
    }

    /// Builds a freshly initialised model on `device` (seed the device first for
    /// reproducible weights).
    pub fn init(&self, device: &Device) -> Result<SentimentModel, TextError> {
        self.validate()?;
        let encoder = TransformerEncoderConfig::new(self.d_model, self.d_ff, self.n_heads, self.n_layers)
            .with_dropout(self.dropout)
            .with_norm_first(true)
            .init(device);
        Ok(SentimentModel {
            tokens: EmbeddingConfig::new(self.vocab_size, self.d_model).init(device),
            positions: EmbeddingConfig::new(self.max_len, self.d_model).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            encoder,
            norm: LayerNormConfig::new(self.d_model).init(device),
            head: LinearConfig::new(self.d_model + self.lexicon_dims(), NUM_CLASSES).init(device),
            cls_pooling: self.pooling == Pooling::Cls,
            d_model: self.d_model,
            lexicon_dims: self.lexicon_dims(),
        })
    }

    /// Width of the lexicon input (0 without lexicon features).
    pub fn lexicon_dims(&self) -> usize {
        if self.lexicon_features {
            LEXICON_FEATURES
        } else {
            0
        }
    }
}

/// The sentiment classifier.
#[derive(Module, Debug)]
pub struct SentimentModel {
    pub(super) tokens: Embedding,
    pub(super) positions: Embedding,
    dropout: Dropout,
    pub(super) encoder: TransformerEncoder,
    pub(super) norm: LayerNorm,
    pub(super) head: Linear,
    cls_pooling: bool,
    d_model: usize,
    lexicon_dims: usize,
}

/// A token batch as tensors on a device.
#[derive(Debug, Clone)]
pub struct BatchTensors {
    /// `[batch, seq]` token ids.
    pub ids: Tensor<2, Int>,
    /// `[batch, seq]`, true at padding positions.
    pub padding: Tensor<2, Bool>,
    /// `[batch, 4]` lexicon features, for models that take them.
    pub lexicon: Option<Tensor<2>>,
}

impl BatchTensors {
    /// Moves an encoded batch onto `device`.
    pub fn new(batch: &TokenBatch, device: &Device) -> Self {
        let shape = [batch.batch, batch.seq_len];
        let ids = Tensor::from_data(TensorData::new(batch.ids.clone(), shape), device);
        let padding = Tensor::from_data(TensorData::new(batch.padding.clone(), shape), device);
        Self {
            ids,
            padding,
            lexicon: None,
        }
    }

    /// Adds the lexicon features of the batch's texts (row-major `[batch, 4]`).
    pub fn with_lexicon(mut self, features: Vec<f32>, device: &Device) -> Self {
        let rows = features.len() / LEXICON_FEATURES;
        self.lexicon = Some(Tensor::from_data(
            TensorData::new(features, [rows, LEXICON_FEATURES]),
            device,
        ));
        self
    }
}

/// Lexicon features of texts, row-major `[texts, 4]`.
pub fn lexicon_features(texts: &[&str]) -> Vec<f32> {
    let lexicon = LexiconBaseline::default();
    texts.iter().flat_map(|t| lexicon.features(t)).collect()
}

impl SentimentModel {
    /// Encoder outputs `[batch, seq, d_model]` (embeddings + transformer encoder).
    pub fn encode(&self, batch: &BatchTensors) -> Tensor<3> {
        let [b, s] = batch.ids.dims();
        let device = batch.ids.device();
        let positions = Tensor::<1, Int>::arange(0..s as i64, &device)
            .reshape([1, s])
            .repeat_dim(0, b);
        let x = self.tokens.forward(batch.ids.clone()) + self.positions.forward(positions);
        let x = self.dropout.forward(x);
        self.encoder
            .forward(TransformerEncoderInput::new(x).mask_pad(batch.padding.clone()))
    }

    /// Width of the encoder outputs.
    pub fn d_model(&self) -> usize {
        self.d_model
    }

    /// Class logits `[batch, 3]`.
    pub fn forward(&self, batch: &BatchTensors) -> Tensor<2> {
        let [b, _] = batch.ids.dims();
        let x = self.encode(batch);
        let pooled = if self.cls_pooling {
            x.narrow(1, 0, 1).reshape([b, self.d_model])
        } else {
            // [b, s, 1]: 1 at real tokens, 0 at padding.
            let keep = batch.padding.clone().bool_not().float().unsqueeze_dim::<3>(2);
            let summed = (x * keep.clone()).sum_dim(1).reshape([b, self.d_model]);
            let counts = keep.sum_dim(1).reshape([b, 1]).clamp_min(1.0);
            summed / counts
        };
        let pooled = self.norm.forward(pooled);
        let pooled = match (&batch.lexicon, self.lexicon_dims) {
            (Some(lex), dims) if dims > 0 => Tensor::cat(vec![pooled, lex.clone()], 1),
            (None, dims) if dims > 0 => {
                // A lexicon model always gets features from `predict`; zeros keep shapes valid.
                Tensor::cat(
                    vec![pooled.clone(), Tensor::zeros([b, dims], &pooled.device())],
                    1,
                )
            }
            _ => pooled,
        };
        self.head.forward(pooled)
    }

    /// Whether the model takes lexicon features.
    pub fn uses_lexicon(&self) -> bool {
        self.lexicon_dims > 0
    }

    /// Class probabilities `[batch, 3]`.
    pub fn probabilities(&self, batch: &BatchTensors) -> Tensor<2> {
        softmax(self.forward(batch), 1)
    }

    /// Serialises the weights (burnpack bytes).
    pub fn to_bytes(self) -> Result<Vec<u8>, TextError> {
        let bytes = self
            .into_record()
            .into_bytes()
            .map_err(|e| TextError::Model(e.to_string()))?;
        Ok(bytes.to_vec())
    }

    /// Loads weights saved with [`SentimentModel::to_bytes`] into a model built from the same
    /// config.
    pub fn load_bytes(self, bytes: Vec<u8>) -> Result<Self, TextError> {
        let record = burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
            .map_err(|e| TextError::Model(format!("weights are unreadable: {e}")))?;
        self.try_load_record(record)
            .map_err(|e| TextError::Model(format!("weights do not match config.json: {e}")))
    }
}
