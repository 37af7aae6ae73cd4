//! Seeded training loop: AdamW with linear warm-up and decay, class-weighted cross-entropy,
//! length-bucketed batches, validation macro-F1 after every epoch and the best epoch kept.

use std::cmp::Ordering;
use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
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
use super::model::{BatchTensors, ModelConfig, SentimentModel};
use super::pretrain::{PretrainEpoch, pretrain};
use super::tokenizer::TextTokenizer;
use super::{NUM_CLASSES, TextError};
use crate::params::SentimentTrainOptions as TrainOptions;

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
    options.validate()?;
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
    let mut fine_tuning = FineTuning::new(&tokenizer, &config, train_set, options, train_device);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut reports = Vec::new();
    let mut best: Option<BestEpoch> = None;
    for epoch in 1..=options.epochs {
        let started = Instant::now();
        let train_loss;
        (model, train_loss) = fine_tuning.epoch(model, epoch, &mut rng, progress)?;
        let weights = model.valid().to_bytes()?;
        let classifier =
            SentimentClassifier::from_parts(tokenizer.clone(), config.clone(), &weights, device)?;
        let eval = classifier.evaluate(valid_set, 128)?;
        let report = EpochReport {
            epoch,
            train_loss,
            valid_accuracy: eval.accuracy,
            valid_macro_f1: eval.macro_f1,
            seconds: started.elapsed().as_secs_f64(),
        };
        progress(&Progress::Epoch(report.clone()));
        reports.push(report);
        if !BestEpoch::keep(&mut best, epoch, weights, eval, options.patience) {
            break;
        }
    }
    let best = best.ok_or_else(|| TextError::Model("training ran no epoch".into()))?;
    let classifier = SentimentClassifier::from_parts(tokenizer, config, &best.weights, device)?;
    Ok(Trained {
        classifier,
        epochs: reports,
        best_epoch: best.epoch,
        valid: best.valid,
        pretrain: pretrain_epochs,
    })
}

/// The epoch with the best validation macro-F1 so far, with its weights.
struct BestEpoch {
    epoch: usize,
    weights: Vec<u8>,
    valid: Evaluation,
}

impl BestEpoch {
    /// Keeps `epoch` in `best` when its macro-F1 beats the best so far; `false` when training
    /// should stop (`patience` epochs without improvement, 0: never).
    fn keep(
        best: &mut Option<Self>,
        epoch: usize,
        weights: Vec<u8>,
        valid: Evaluation,
        patience: usize,
    ) -> bool {
        match best {
            Some(b) if valid.macro_f1.partial_cmp(&b.valid.macro_f1) != Some(Ordering::Greater) => {
                patience == 0 || epoch - b.epoch < patience
            }
            _ => {
                *best = Some(Self {
                    epoch,
                    weights,
                    valid,
                });
                true
            }
        }
    }
}

/// Fine-tuning state that lives across epochs: the loss, the optimiser, the learning-rate
/// schedule and the training texts' fixed lexicon features.
struct FineTuning<'a> {
    tokenizer: &'a TextTokenizer,
    train_set: &'a [LabelledText],
    options: &'a TrainOptions,
    device: Device,
    loss_fn: CrossEntropyLoss,
    optimizer: ModuleOptimizer,
    /// Lexicon features per training text (empty without `lexicon_features`).
    lexicon: Vec<[f32; LEXICON_FEATURES]>,
    warmup: usize,
    total_steps: usize,
    steps_done: usize,
}

impl<'a> FineTuning<'a> {
    fn new(
        tokenizer: &'a TextTokenizer,
        config: &ModelConfig,
        train_set: &'a [LabelledText],
        options: &'a TrainOptions,
        device: Device,
    ) -> Self {
        let loss_fn = CrossEntropyLossConfig::new()
            .with_weights(options.class_weights.then(|| class_weights(train_set)))
            .init(&device);
        let optimizer = AdamWConfig::new()
            .with_weight_decay(options.weight_decay as f32)
            .init();
        // Lexicon features are fixed per text: computed once, not every epoch.
        let lexicon = if config.lexicon_features {
            let scorer = LexiconBaseline::default();
            train_set.iter().map(|t| scorer.features(&t.text)).collect()
        } else {
            Vec::new()
        };
        let total_steps = train_set.len().div_ceil(options.batch_size) * options.epochs;
        let warmup = ((total_steps as f64) * options.warmup_share).ceil().max(1.0) as usize;
        Self {
            tokenizer,
            train_set,
            options,
            device,
            loss_fn,
            optimizer,
            lexicon,
            warmup,
            total_steps,
            steps_done: 0,
        }
    }

    /// One pass over the training texts in length-bucketed batches; returns the model and
    /// the epoch's mean training loss.
    fn epoch(
        &mut self,
        mut model: SentimentModel,
        epoch: usize,
        rng: &mut ChaCha8Rng,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(SentimentModel, f64), TextError> {
        let batches = bucketed_batches(self.train_set, self.options.batch_size, rng);
        let mut loss_sum = 0.0;
        for (i, batch) in batches.iter().enumerate() {
            let loss;
            (model, loss) = self.step(model, batch)?;
            if !loss.is_finite() {
                return Err(TextError::Model(format!(
                    "training diverged (loss {loss}) at epoch {epoch}"
                )));
            }
            loss_sum += loss;
            progress(&Progress::Step {
                epoch,
                step: i + 1,
                steps: batches.len(),
                loss: loss_sum / (i + 1) as f64,
            });
        }
        Ok((model, loss_sum / batches.len().max(1) as f64))
    }

    /// One optimiser step on the training texts at `batch`; returns the model and the loss.
    fn step(&mut self, model: SentimentModel, batch: &[usize]) -> Result<(SentimentModel, f64), TextError> {
        self.steps_done += 1;
        let lr = learning_rate(
            self.options.learning_rate,
            self.steps_done,
            self.warmup,
            self.total_steps,
        );
        let texts: Vec<&str> = batch.iter().map(|&j| self.train_set[j].text.as_str()).collect();
        let targets: Vec<i64> = batch
            .iter()
            .map(|&j| self.train_set[j].label.index() as i64)
            .collect();
        let encoded = self.tokenizer.encode(&texts)?;
        let mut inputs = BatchTensors::new(&encoded, &self.device);
        if !self.lexicon.is_empty() {
            let rows: Vec<f32> = batch.iter().flat_map(|&j| self.lexicon[j]).collect();
            inputs = inputs.with_lexicon(rows, &self.device);
        }
        let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [batch.len()]), &self.device);
        let loss = self.loss_fn.forward(model.forward(&inputs), targets);
        let loss_value = f64::from(
            loss.clone()
                .try_into_scalar::<f32>()
                .map_err(|e| TextError::Model(format!("reading the loss failed: {e:?}")))?,
        );
        if !loss_value.is_finite() {
            return Ok((model, loss_value));
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        Ok((self.optimizer.step(lr, model, grads), loss_value))
    }
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
    use crate::Sentiment;

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
