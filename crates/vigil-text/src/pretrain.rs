//! Self-supervised pre-training: masked-language modelling (BERT's objective) on unlabelled
//! text, so the encoder learns the vocabulary and phrasing of tickets and emails before it
//! sees the few labelled sentences.
//!
//! 15% of the real tokens of each text are chosen (at least one per batch); of those 80%
//! become `[MASK]`, 10% a random token and 10% stay, and the model predicts the original
//! token at the chosen positions only (no logits over padding or unchosen positions).

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::TextError;
use super::model::{BatchTensors, SentimentModel};
use super::tokenizer::{CLS, MASK, SEP, TextTokenizer, TokenBatch};

/// The encoder with a token-prediction head.
#[derive(Module, Debug)]
pub struct MlmModel {
    encoder: SentimentModel,
    norm: LayerNorm,
    head: Linear,
}

/// One pre-training epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainEpoch {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean masked-token cross-entropy.
    pub loss: f64,
    /// Wall time.
    pub seconds: f64,
}

/// A batch with some tokens masked: model input, flat positions and their original ids.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedBatch {
    /// Input ids with masking applied.
    pub batch: TokenBatch,
    /// Flat indices (`row * seq_len + position`) of the chosen tokens.
    pub positions: Vec<i64>,
    /// Original ids at those positions.
    pub targets: Vec<i64>,
}

/// Chooses and masks tokens of an encoded batch (see the module docs).
pub fn mask_batch(
    batch: &TokenBatch,
    tokenizer: &TextTokenizer,
    share: f64,
    rng: &mut ChaCha8Rng,
) -> MaskedBatch {
    let special: Vec<i64> = [CLS, SEP, MASK]
        .iter()
        .filter_map(|t| tokenizer.token_id(t))
        .map(i64::from)
        .collect();
    let mask_id = tokenizer.token_id(MASK).map_or(0, i64::from);
    let vocab = tokenizer.vocab_size() as i64;
    let candidates: Vec<usize> = (0..batch.ids.len())
        .filter(|&i| !batch.padding[i] && !special.contains(&batch.ids[i]))
        .collect();
    let mut chosen: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|_| rng.random_bool(share))
        .collect();
    if chosen.is_empty()
        && let Some(&one) = candidates.choose(rng)
    {
        chosen.push(one);
    }
    let mut ids = batch.ids.clone();
    let mut targets = Vec::with_capacity(chosen.len());
    for &i in &chosen {
        targets.push(ids[i]);
        let roll: f64 = rng.random();
        if roll < 0.8 {
            ids[i] = mask_id;
        } else if roll < 0.9 {
            ids[i] = rng.random_range(5..vocab.max(6));
        }
    }
    MaskedBatch {
        batch: TokenBatch { ids, ..batch.clone() },
        positions: chosen.into_iter().map(|i| i as i64).collect(),
        targets,
    }
}

impl MlmModel {
    /// Wraps an encoder (on an autodiff device) with a fresh prediction head.
    pub fn new(encoder: SentimentModel, vocab_size: usize, device: &Device) -> Self {
        let d = encoder.d_model();
        Self {
            encoder,
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, vocab_size).init(device),
        }
    }

    /// Token logits `[chosen, vocab]` at the chosen positions.
    pub fn forward(&self, masked: &MaskedBatch, device: &Device) -> Tensor<2> {
        let inputs = BatchTensors::new(&masked.batch, device);
        let x = self.encoder.encode(&inputs);
        let [b, s, d] = x.dims();
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(masked.positions.clone(), [masked.positions.len()]),
            device,
        );
        let picked = x.reshape([b * s, d]).select(0, idx);
        self.head.forward(self.norm.forward(picked))
    }

    /// The encoder, for fine-tuning.
    pub fn into_encoder(self) -> SentimentModel {
        self.encoder
    }
}

/// Pre-trains `encoder` (built on `device`, an autodiff device) for `epochs` passes over
/// `texts`; returns the encoder and per-epoch figures.
#[allow(clippy::too_many_arguments)]
pub fn pretrain(
    encoder: SentimentModel,
    tokenizer: &TextTokenizer,
    texts: &[&str],
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    seed: u64,
    device: &Device,
    progress: &mut dyn FnMut(&PretrainEpoch),
) -> Result<(SentimentModel, Vec<PretrainEpoch>), TextError> {
    let mut model = MlmModel::new(encoder, tokenizer.vocab_size(), device);
    if epochs == 0 || texts.is_empty() {
        return Ok((model.into_encoder(), Vec::new()));
    }
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut optimizer = AdamWConfig::new().with_weight_decay(0.01).init();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6d6c_6d00);
    let mut order: Vec<usize> = (0..texts.len()).collect();
    let steps = texts.len().div_ceil(batch_size) * epochs;
    let mut step = 0usize;
    let mut reports = Vec::new();
    for epoch in 1..=epochs {
        let started = Instant::now();
        order.shuffle(&mut rng);
        let mut loss_sum = 0.0;
        let mut batches = 0usize;
        for chunk in order.chunks(batch_size) {
            step += 1;
            // Linear decay from the peak rate (a short warm-up is not needed for MLM here).
            let lr = learning_rate * (1.0 - (step - 1) as f64 / steps as f64).max(0.05);
            let batch_texts: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            let encoded = tokenizer.encode(&batch_texts)?;
            let masked = mask_batch(&encoded, tokenizer, 0.15, &mut rng);
            if masked.positions.is_empty() {
                continue;
            }
            let targets = Tensor::<1, Int>::from_data(
                TensorData::new(masked.targets.clone(), [masked.targets.len()]),
                device,
            );
            let loss = loss_fn.forward(model.forward(&masked, device), targets);
            let value = f64::from(
                loss.clone()
                    .try_into_scalar::<f32>()
                    .map_err(|e| TextError::Model(format!("reading the loss failed: {e:?}")))?,
            );
            if !value.is_finite() {
                return Err(TextError::Model(format!(
                    "pre-training diverged (loss {value}) at epoch {epoch}"
                )));
            }
            loss_sum += value;
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(lr, model, grads);
        }
        let report = PretrainEpoch {
            epoch,
            loss: loss_sum / batches.max(1) as f64,
            seconds: started.elapsed().as_secs_f64(),
        };
        progress(&report);
        reports.push(report);
    }
    Ok((model.into_encoder(), reports))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_never_touches_padding_or_special_tokens() {
        let texts = [
            "the export keeps failing again",
            "thanks",
            "please call me about the renewal next week",
        ];
        let tok = TextTokenizer::train(&texts, 200, 1, 16).unwrap();
        let batch = tok.encode(&texts).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let masked = mask_batch(&batch, &tok, 0.5, &mut rng);
        assert!(!masked.positions.is_empty());
        assert_eq!(masked.positions.len(), masked.targets.len());
        let cls = i64::from(tok.token_id(CLS).unwrap());
        let sep = i64::from(tok.token_id(SEP).unwrap());
        for (&p, &t) in masked.positions.iter().zip(&masked.targets) {
            let p = p as usize;
            assert!(!batch.padding[p], "padding is never chosen");
            assert_eq!(batch.ids[p], t, "targets are the original ids");
            assert!(t != cls && t != sep);
        }
        // Unchosen positions are unchanged.
        for i in 0..batch.ids.len() {
            if !masked.positions.contains(&(i as i64)) {
                assert_eq!(masked.batch.ids[i], batch.ids[i]);
            }
        }
    }
}
