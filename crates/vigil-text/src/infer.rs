//! Batched inference: texts in, class probabilities out.
//!
//! On the flex (CPU) device the forward pass is [`NativeModel`]'s, with the batches of each
//! length-sorting window scored in parallel (tokenization and VADER features included); on
//! other devices, and on request ([`SentimentClassifier::with_burn_forward`]), it is the burn
//! model's own.

use burn::tensor::Device;
use rayon::prelude::*;

use super::data::LabelledText;
use super::metrics::{Evaluation, evaluate};
use super::model::{BatchTensors, ModelConfig, SentimentModel, lexicon_features};
use super::native::NativeModel;
use super::tokenizer::TextTokenizer;
use super::{NUM_CLASSES, Sentiment, TextError};

/// A loaded model: tokenizer, architecture and weights on a device.
#[derive(Debug)]
pub struct SentimentClassifier {
    tokenizer: TextTokenizer,
    config: ModelConfig,
    model: SentimentModel,
    device: Device,
    /// The weights as plain matrices for the CPU forward pass (flex device only).
    native: Option<NativeModel>,
}

impl SentimentClassifier {
    /// Builds a classifier from its artefacts. Fails when the weights do not match the
    /// config, or the config's vocabulary does not match the tokenizer.
    pub fn from_parts(
        tokenizer: TextTokenizer,
        config: ModelConfig,
        weights: &[u8],
        device: &Device,
    ) -> Result<Self, TextError> {
        if config.vocab_size != tokenizer.vocab_size() {
            return Err(TextError::Model(format!(
                "config.json says vocab_size {} but tokenizer.json has {} tokens",
                config.vocab_size,
                tokenizer.vocab_size()
            )));
        }
        if config.max_len != tokenizer.max_len() {
            return Err(TextError::Model(format!(
                "config.json max_len {} differs from the tokenizer's {}",
                config.max_len,
                tokenizer.max_len()
            )));
        }
        let model = config.init(device)?.load_bytes(weights.to_vec())?;
        let native = if *device == Device::flex() {
            Some(NativeModel::from_burn(&model, &config)?)
        } else {
            None
        };
        Ok(Self {
            tokenizer,
            config,
            model,
            device: device.clone(),
            native,
        })
    }

    /// The same classifier computing with the burn model's forward pass on its device (the
    /// reference the native CPU forward is tested against).
    pub fn with_burn_forward(mut self) -> Self {
        self.native = None;
        self
    }

    /// Whether predictions use the native CPU forward pass rather than burn's.
    pub fn uses_native_forward(&self) -> bool {
        self.native.is_some()
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// The architecture.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The weights as burnpack bytes.
    pub fn weights(&self) -> Result<Vec<u8>, TextError> {
        self.model.clone().to_bytes()
    }

    /// Probabilities for one batch (padded to its longest text).
    pub fn predict_batch(&self, texts: &[&str]) -> Result<Vec<[f32; NUM_CLASSES]>, TextError> {
        match &self.native {
            Some(native) => native_batch(&self.tokenizer, native, self.model.uses_lexicon(), texts),
            None => self.predict_batch_burn(texts),
        }
    }

    /// Probabilities for one batch through the burn model's forward pass.
    pub fn predict_batch_burn(&self, texts: &[&str]) -> Result<Vec<[f32; NUM_CLASSES]>, TextError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encoded = self.tokenizer.encode(texts)?;
        let mut inputs = BatchTensors::new(&encoded, &self.device);
        if self.model.uses_lexicon() {
            inputs = inputs.with_lexicon(lexicon_features(texts), &self.device);
        }
        let probs = self.model.probabilities(&inputs).into_data();
        let flat: Vec<f32> = probs
            .try_into_vec()
            .map_err(|e| TextError::Model(format!("reading probabilities failed: {e:?}")))?;
        Ok(flat
            .chunks_exact(NUM_CLASSES)
            .map(|c| [c[0], c[1], c[2]])
            .collect())
    }

    /// Probabilities for any number of texts, `batch_size` at a time. Within windows of
    /// 16 batches texts are grouped by length (less padding); the output keeps input order.
    pub fn predict(&self, texts: &[&str], batch_size: usize) -> Result<Vec<[f32; NUM_CLASSES]>, TextError> {
        let batch_size = batch_size.max(1);
        let mut out = vec![[0.0; NUM_CLASSES]; texts.len()];
        let window = batch_size * 16;
        for (w, chunk) in texts.chunks(window).enumerate() {
            let mut order: Vec<usize> = (0..chunk.len()).collect();
            order.sort_by_key(|&i| chunk[i].len());
            let batches: Vec<&[usize]> = order.chunks(batch_size).collect();
            let score = |ids: &&[usize]| {
                let batch: Vec<&str> = ids.iter().map(|&i| chunk[i]).collect();
                self.predict_batch(&batch)
            };
            // The native forward runs one batch per thread; burn's parallelises inside ops.
            let scored: Vec<Vec<[f32; NUM_CLASSES]>> = if self.native.is_some() {
                batches.par_iter().map(score).collect::<Result<_, _>>()?
            } else {
                batches.iter().map(score).collect::<Result<_, _>>()?
            };
            for (ids, probs) in batches.iter().zip(scored) {
                for (&i, p) in ids.iter().zip(probs) {
                    out[w * window + i] = p;
                }
            }
        }
        Ok(out)
    }

    /// Labels for any number of texts.
    pub fn labels(&self, texts: &[&str], batch_size: usize) -> Result<Vec<Sentiment>, TextError> {
        Ok(self
            .predict(texts, batch_size)?
            .iter()
            .map(|p| Sentiment::argmax(p))
            .collect())
    }

    /// Metrics of this model on labelled texts.
    pub fn evaluate(&self, items: &[LabelledText], batch_size: usize) -> Result<Evaluation, TextError> {
        let texts: Vec<&str> = items.iter().map(|t| t.text.as_str()).collect();
        let truth: Vec<Sentiment> = items.iter().map(|t| t.label).collect();
        evaluate(&truth, &self.labels(&texts, batch_size)?)
    }
}

/// One batch through the native forward pass.
fn native_batch(
    tokenizer: &TextTokenizer,
    native: &NativeModel,
    lexicon: bool,
    texts: &[&str],
) -> Result<Vec<[f32; NUM_CLASSES]>, TextError> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let encoded = tokenizer.encode(texts)?;
    let features = lexicon.then(|| lexicon_features(texts));
    native.probabilities(&encoded, features.as_deref())
}
