//! Seeded training loop: AdamW with linear warm-up and decay, class-weighted cross-entropy,
//! length-bucketed batches, validation macro-F1 after every epoch and the best epoch kept.

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::baseline::LexiconBaseline;
use super::baseline::lexicon::LEXICON_FEATURES;
use super::data::{LabelledText, class_counts};
use super::infer::SentimentClassifier;
use super::metrics::Evaluation;
use super::model::{BatchTensors, ModelConfig};
use super::pretrain::{PretrainEpoch, pretrain};
use super::tokenizer::TextTokenizer;
use super::{NUM_CLASSES, TextError};
pub use crate::config::SentimentTrainOptions as TrainOptions;

/// The architecture these options describe, for a tokenizer of `vocab_size` tokens.
fn model_config(options: &TrainOptions, vocab_size: usize) -> ModelConfig {
    ModelConfig {
        vocab_size,
        d_model: options.d_model,
        n_heads: options.n_heads,
        n_layers: options.n_layers,
        d_ff: options.d_ff,
        max_len: options.max_len,
        dropout: options.dropout,
        pooling: options.pooling,
        lexicon_features: options.lexicon_features,
    }
}

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation accuracy.
    pub valid_accuracy: f64,
    /// Validation macro-F1 (the model-selection metric).
    pub valid_macro_f1: f64,
    /// Wall time of the epoch, validation included.
    pub seconds: f64,
}

/// Progress events for a TTY progress line or log lines.
#[derive(Debug, Clone)]
pub enum Progress {
    /// A training step finished.
    Step {
        /// 1-based epoch.
        epoch: usize,
        /// Steps done in this epoch.
        step: usize,
        /// Steps per epoch.
        steps: usize,
        /// Running mean loss of this epoch.
        loss: f64,
    },
    /// An epoch finished.
    Epoch(EpochReport),
    /// A masked-language-model pre-training epoch finished.
    Pretrain(PretrainEpoch),
}

/// The outcome of training.
#[derive(Debug)]
pub struct Trained {
    /// The classifier of the best epoch.
    pub classifier: SentimentClassifier,
    /// Every epoch's figures.
    pub epochs: Vec<EpochReport>,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Validation evaluation of the kept weights.
    pub valid: Evaluation,
    /// Masked-language-model pre-training epochs (empty when `pretrain_epochs` is 0).
    pub pretrain: Vec<PretrainEpoch>,
}

fn check_inputs(
    train_set: &[LabelledText],
    valid_set: &[LabelledText],
    options: &TrainOptions,
) -> Result<(), TextError> {
    options.validate().map_err(TextError::InvalidOption)?;
    if train_set.is_empty() || valid_set.is_empty() {
        return Err(TextError::InvalidInput(format!(
            "training needs texts in both splits (train {}, validation {})",
            train_set.len(),
            valid_set.len()
        )));
    }
    Ok(())
}

/// Trains a tokenizer on the training and unlabelled texts, pre-trains the encoder on them
/// (masked language model, when `pretrain_epochs` > 0), then fine-tunes on the training
/// split, keeping the epoch with the best validation macro-F1. `device` is a plain device
/// (autodiff is enabled here for training only).
pub fn train(
    train_set: &[LabelledText],
    valid_set: &[LabelledText],
    unlabelled: &[&str],
    options: &TrainOptions,
    device: &Device,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Trained, TextError> {
    check_inputs(train_set, valid_set, options)?;
    let mut texts: Vec<&str> = train_set.iter().map(|t| t.text.as_str()).collect();
    texts.extend_from_slice(unlabelled);
    let tokenizer = TextTokenizer::train(&texts, options.vocab_size, options.min_frequency, options.max_len)?;
    train_with_tokenizer(tokenizer, train_set, valid_set, &texts, options, device, progress)
}

/// Trains a model with an existing tokenizer (fine-tuning data, or reproducing a run: the
/// same tokenizer, data, options and seed give the same weights).
pub fn train_with_tokenizer(
    tokenizer: TextTokenizer,
    train_set: &[LabelledText],
    valid_set: &[LabelledText],
    pretrain_texts: &[&str],
    options: &TrainOptions,
    device: &Device,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Trained, TextError> {
    check_inputs(train_set, valid_set, options)?;
    let config = model_config(options, tokenizer.vocab_size());
    device.seed(options.seed);
    let train_device = device.clone().autodiff();
    let model = config.init(&train_device)?;
    let mut report_pretrain = |e: &PretrainEpoch| progress(&Progress::Pretrain(e.clone()));
    let (mut model, pretrain_epochs) = pretrain(
        model,
        &tokenizer,
        pretrain_texts,
        options.pretrain_epochs,
        options.batch_size,
        options.learning_rate,
        options.seed,
        &train_device,
        &mut report_pretrain,
    )?;
    let loss_fn = CrossEntropyLossConfig::new()
        .with_weights(options.class_weights.then(|| class_weights(train_set)))
        .init(&train_device);
    let mut optimizer = AdamWConfig::new()
        .with_weight_decay(options.weight_decay as f32)
        .init();

    // Lexicon features are fixed per text: computed once, not every epoch.
    let lexicon: Vec<[f32; LEXICON_FEATURES]> = if config.lexicon_features {
        let scorer = LexiconBaseline::default();
        train_set.iter().map(|t| scorer.features(&t.text)).collect()
    } else {
        Vec::new()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let steps_per_epoch = train_set.len().div_ceil(options.batch_size);
    let total_steps = steps_per_epoch * options.epochs;
    let warmup = ((total_steps as f64) * options.warmup_share).ceil().max(1.0) as usize;
    let mut step_no = 0usize;
    let mut reports = Vec::new();
    let mut best: Option<(f64, usize, Vec<u8>, Evaluation)> = None;

    for epoch in 1..=options.epochs {
        let started = Instant::now();
        let batches = bucketed_batches(train_set, options.batch_size, &mut rng);
        let mut loss_sum = 0.0;
        for (i, batch) in batches.iter().enumerate() {
            step_no += 1;
            let lr = learning_rate(options.learning_rate, step_no, warmup, total_steps);
            let texts: Vec<&str> = batch.iter().map(|&j| train_set[j].text.as_str()).collect();
            let targets: Vec<i64> = batch.iter().map(|&j| train_set[j].label.index() as i64).collect();
            let encoded = tokenizer.encode(&texts)?;
            let mut inputs = BatchTensors::new(&encoded, &train_device);
            if config.lexicon_features {
                let rows: Vec<f32> = batch.iter().flat_map(|&j| lexicon[j]).collect();
                inputs = inputs.with_lexicon(rows, &train_device);
            }
            let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [batch.len()]), &train_device);
            let loss = loss_fn.forward(model.forward(&inputs), targets);
            let loss_value = f64::from(
                loss.clone()
                    .try_into_scalar::<f32>()
                    .map_err(|e| TextError::Model(format!("reading the loss failed: {e:?}")))?,
            );
            if !loss_value.is_finite() {
                return Err(TextError::Model(format!(
                    "training diverged (loss {loss_value}) at epoch {epoch}"
                )));
            }
            loss_sum += loss_value;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(lr, model, grads);
            progress(&Progress::Step {
                epoch,
                step: i + 1,
                steps: batches.len(),
                loss: loss_sum / (i + 1) as f64,
            });
        }
        let weights = model.valid().to_bytes()?;
        let classifier =
            SentimentClassifier::from_parts(tokenizer.clone(), config.clone(), &weights, device)?;
        let eval = classifier.evaluate(valid_set, 128)?;
        let report = EpochReport {
            epoch,
            train_loss: loss_sum / batches.len().max(1) as f64,
            valid_accuracy: eval.accuracy,
            valid_macro_f1: eval.macro_f1,
            seconds: started.elapsed().as_secs_f64(),
        };
        progress(&Progress::Epoch(report.clone()));
        reports.push(report);
        let improved = best.as_ref().is_none_or(|(f1, ..)| eval.macro_f1 > *f1);
        if improved {
            best = Some((eval.macro_f1, epoch, weights, eval));
        } else if options.patience > 0
            && best
                .as_ref()
                .is_some_and(|(_, e, ..)| epoch - e >= options.patience)
        {
            break;
        }
    }
    let (_, best_epoch, weights, valid) =
        best.ok_or_else(|| TextError::Model("training ran no epoch".into()))?;
    let classifier = SentimentClassifier::from_parts(tokenizer, config, &weights, device)?;
    Ok(Trained {
        classifier,
        epochs: reports,
        best_epoch,
        valid,
        pretrain: pretrain_epochs,
    })
}

/// Inverse-frequency class weights, normalised to mean 1 (absent classes get weight 1).
fn class_weights(items: &[LabelledText]) -> Vec<f32> {
    let counts = class_counts(items);
    let total: usize = counts.iter().sum();
    let present = counts.iter().filter(|c| **c > 0).count().max(1);
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                1.0
            } else {
                (total as f64 / (present as f64 * c as f64)) as f32
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
        .take(NUM_CLASSES)
        .collect()
}

/// Linear warm-up to `peak` over `warmup` steps, then linear decay to zero at `total`.
fn learning_rate(peak: f64, step: usize, warmup: usize, total: usize) -> f64 {
    if step <= warmup {
        return peak * step as f64 / warmup as f64;
    }
    let remaining = total.saturating_sub(step) as f64 / total.saturating_sub(warmup).max(1) as f64;
    peak * remaining.max(0.0)
}

/// Shuffled batches whose texts have similar lengths: shuffle, cut into pools of 50 batches,
/// sort each pool by length, batch it, then shuffle the batches. Less padding, same
/// randomness of which texts meet in an epoch.
fn bucketed_batches(items: &[LabelledText], batch_size: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.shuffle(rng);
    let mut batches = Vec::with_capacity(items.len().div_ceil(batch_size));
    for pool in order.chunks(batch_size * 50) {
        let mut pool = pool.to_vec();
        pool.sort_by_key(|&i| items[i].text.len());
        batches.extend(pool.chunks(batch_size).map(<[usize]>::to_vec));
    }
    batches.shuffle(rng);
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Sentiment;

    #[test]
    fn learning_rate_warms_up_then_decays_to_zero() {
        assert!((learning_rate(1.0, 5, 10, 100) - 0.5).abs() < 1e-12);
        assert!((learning_rate(1.0, 10, 10, 100) - 1.0).abs() < 1e-12);
        assert!((learning_rate(1.0, 55, 10, 100) - 0.5).abs() < 1e-12);
        assert_eq!(learning_rate(1.0, 100, 10, 100), 0.0);
    }

    #[test]
    fn class_weights_are_inverse_frequency() {
        let mk = |l| LabelledText {
            text: "x".into(),
            label: l,
            source: "t".into(),
        };
        let items = vec![
            mk(Sentiment::Negative),
            mk(Sentiment::Negative),
            mk(Sentiment::Positive),
        ];
        let w = class_weights(&items);
        assert!(
            (w[0] - 0.75).abs() < 1e-6 && (w[2] - 1.5).abs() < 1e-6 && w[1] == 1.0,
            "{w:?}"
        );
    }

    #[test]
    fn batches_cover_every_item_once() {
        let items: Vec<_> = (0..103)
            .map(|i| LabelledText {
                text: "x".repeat(i % 17),
                label: Sentiment::Neutral,
                source: "t".into(),
            })
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen: Vec<usize> = bucketed_batches(&items, 10, &mut rng).concat();
        seen.sort_unstable();
        assert_eq!(seen, (0..103).collect::<Vec<_>>());
    }
}
