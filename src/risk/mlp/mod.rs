//! The neural engine: a multi-layer perceptron in burn over standardised numerics,
//! missing-value indicators and one learned embedding per categorical feature.
//!
//! Inputs: each numeric column is standardised with the unweighted mean and standard
//! deviation of its non-missing training values (weights undo down-sampling of the label
//! distribution, which matters for the loss, not for conditioning the inputs) and clipped to
//! ±10; a missing (or infinite) value becomes 0 plus a 1 in that column's "is missing"
//! indicator, which exists only for columns with a missing value in training. Each
//! categorical column has its own `levels + 1` embedding rows (the last for missing or
//! unknown levels); all columns' rows live in one table at per-column offsets, so one lookup
//! serves them all. Network: `[Linear → ReLU → Dropout]` per `hidden` width, then a linear
//! head to one logit, the raw margin.
//!
//! Training: sample-weighted binary cross-entropy on logits (`softplus(z) − y·z`, stable for
//! any `z`), AdamW, seeded shuffled mini-batches, early stopping on the validation weighted
//! log loss, keeping the best epoch's weights.

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::softplus;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::explain::sampling_shapley;
use super::{EngineKind, RiskError, RiskModel};
use net::{Encoded, Input, Net, background_row, encode, learn_inputs, predict_with};
use vigil_gbdt::loss::log_loss;
use vigil_gbdt::{ColumnKind, Contributions, Dataset, FeatureSchema, FitReport, Matrix};

/// Permutations per row of the sampling Shapley explanations.
const SHAPLEY_PERMUTATIONS: usize = 8;
/// Seed of the Shapley permutations (explanations are reproducible).
const SHAPLEY_SEED: u64 = 0x5eed_0071;
/// First bytes of a saved MLP.
const MAGIC: &[u8; 8] = b"VIGILMLP";
/// Version of the saved layout.
const FORMAT: u32 = 1;

use super::params::MlpParams;

impl MlpParams {
    /// Checks that every option is in range.
    pub fn check(&self) -> Result<(), RiskError> {
        self.validate()
            .map_err(|m| RiskError::InvalidOption(format!("risk.mlp: {m}")))
    }
}

/// Checks that a dataset is well formed for `schema`; `what` names it in errors.
fn check_dataset(d: &Dataset, schema: &FeatureSchema, what: &str) -> Result<(), RiskError> {
    let bad = |m: String| Err(RiskError::Data(format!("{what} set: {m}")));
    if d.is_empty() || d.x.rows != d.len() || d.w.len() != d.len() {
        return bad(format!(
            "{} rows, {} labels, {} weights",
            d.x.rows,
            d.len(),
            d.w.len()
        ));
    }
    if d.x.schema != *schema {
        return bad("its feature schema differs from the training set's".into());
    }
    if d.x.columns.len() != schema.columns.len() || d.x.columns.iter().any(|c| c.len() != d.x.rows) {
        return bad("its columns do not match its schema and row count".into());
    }
    if d.y.iter().any(|&y| y != 0.0 && y != 1.0) {
        return bad("labels must be 0 or 1".into());
    }
    if d.w.iter().any(|&w| !(w.is_finite() && w >= 0.0)) || d.w.iter().all(|&w| w == 0.0) {
        return bad("weights must be finite, ≥ 0 and not all 0".into());
    }
    Ok(())
}

/// Trains an MLP on `train`, early-stopping on `valid`. `device` is a plain device (autodiff
/// is enabled here for training only). The same data, parameters and seed give the same
/// weights: all randomness comes from RNGs seeded with `params.seed`, none from burn's
/// process-global one.
pub fn fit(
    params: &MlpParams,
    train: &Dataset,
    valid: &Dataset,
    device: &Device,
) -> Result<(Mlp, FitReport), RiskError> {
    fit_with_progress(params, train, valid, device, &|_| {})
}

/// [`fit`], calling `progress` with the number of epochs done after each epoch (at most
/// `epochs`; fewer when early stopping ends it).
pub fn fit_with_progress(
    params: &MlpParams,
    train: &Dataset,
    valid: &Dataset,
    device: &Device,
    progress: &dyn Fn(u64),
) -> Result<(Mlp, FitReport), RiskError> {
    check_training_data(params, train, valid)?;
    let valid_w = class_weighted(params, valid);
    let inputs = learn_inputs(&train.x);
    let background = background_row(&train.x, &inputs);
    let (mut trainer, mut model) = Trainer::new(params, train, &inputs, device);
    // Batch order comes from `shuffle` (initial weights and dropout masks from the trainer's
    // `noise`): burn's process-global RNG is never used, so a seed reproduces a run whatever
    // other threads do.
    let mut shuffle = ChaCha8Rng::seed_from_u64(params.seed ^ 0x6261_7463_6865_7300);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut curve = Vec::with_capacity(params.epochs);
    let mut best: Option<(f64, usize, Net)> = None;
    for epoch in 1..=params.epochs {
        order.shuffle(&mut shuffle);
        model = trainer.epoch(model, &order);
        let snapshot = model.valid();
        let loss = log_loss(
            &predict_with(&snapshot, &inputs, &valid.x, device)?,
            &valid.y,
            &valid_w,
        );
        curve.push(loss);
        progress(epoch as u64);
        if !loss.is_finite() {
            break; // diverged: the weights will not recover
        }
        if keep_best(&mut best, (loss, epoch, snapshot), params.patience) {
            break;
        }
    }
    let (valid_loss, iterations, net) =
        best.ok_or_else(|| RiskError::Neural(format!("training diverged (validation losses {curve:?})")))?;
    let mlp = Mlp {
        params: params.clone(),
        schema: train.x.schema.clone(),
        inputs,
        background,
        net,
        device: device.clone(),
    };
    let report = FitReport {
        iterations,
        valid_loss,
        curve,
    };
    Ok((mlp, report))
}

/// Checks the options, both datasets against the training schema, and that the training
/// set has positive and negative rows with weight.
fn check_training_data(params: &MlpParams, train: &Dataset, valid: &Dataset) -> Result<(), RiskError> {
    params.check()?;
    let schema = &train.x.schema;
    if schema.columns.is_empty() {
        return Err(RiskError::Data("the model has no feature".into()));
    }
    check_dataset(train, schema, "training")?;
    check_dataset(valid, schema, "validation")?;
    let has = |label: f32| train.y.iter().zip(&train.w).any(|(&y, &w)| y == label && w > 0.0);
    if !has(1.0) || !has(0.0) {
        return Err(RiskError::Data(
            "the training set needs positive and negative rows (with weight > 0)".into(),
        ));
    }
    Ok(())
}

/// Row weights with positive rows weighted `positive_weight` times more.
fn class_weighted(params: &MlpParams, d: &Dataset) -> Vec<f32> {
    let k = params.positive_weight.unwrap_or(1.0) as f32;
    d.y.iter()
        .zip(&d.w)
        .map(|(&y, &w)| if y == 1.0 { w * k } else { w })
        .collect()
}

/// Early stopping: keeps `(loss, epoch, weights)` when its loss beats the best so far;
/// true when `patience` epochs (0: never) have passed without improvement.
fn keep_best(best: &mut Option<(f64, usize, Net)>, epoch: (f64, usize, Net), patience: usize) -> bool {
    match best {
        Some((best_loss, best_epoch, _)) if epoch.0 >= *best_loss => {
            patience > 0 && epoch.1 - *best_epoch >= patience
        }
        _ => {
            *best = Some(epoch);
            false
        }
    }
}

/// Mini-batch training on the autodiff device: the encoded training rows, their class
/// weights, the optimizer and the RNG of initial weights and dropout masks.
struct Trainer<'a> {
    params: &'a MlpParams,
    train: &'a Dataset,
    train_w: Vec<f32>,
    encoded: Encoded,
    device: Device,
    noise: ChaCha8Rng,
    optimizer: ModuleOptimizer,
}

impl<'a> Trainer<'a> {
    /// The trainer and the network with its initial weights.
    fn new(params: &'a MlpParams, train: &'a Dataset, inputs: &[Input], device: &Device) -> (Self, Net) {
        let mut noise = ChaCha8Rng::seed_from_u64(params.seed);
        let device = device.clone().autodiff();
        let model = Net::init(params, inputs, &device, Some(&mut noise));
        let trainer = Self {
            params,
            train,
            train_w: class_weighted(params, train),
            encoded: encode(inputs, &train.x, 0, train.len()),
            device,
            noise,
            optimizer: AdamWConfig::new()
                .with_weight_decay(params.weight_decay as f32)
                .init(),
        };
        (trainer, model)
    }

    /// One pass over the rows in `order`, `batch_size` rows per step.
    fn epoch(&mut self, mut model: Net, order: &[usize]) -> Net {
        for idx in order.chunks(self.params.batch_size) {
            model = self.step(model, idx);
        }
        model
    }

    /// One optimizer step on the weighted loss of rows `idx` (skipped when their weights
    /// sum to 0).
    fn step(&mut self, model: Net, idx: &[usize]) -> Net {
        let weight_sum: f32 = idx.iter().map(|&i| self.train_w[i]).sum();
        if weight_sum <= 0.0 {
            return model;
        }
        let column = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [idx.len()]), &self.device);
        let y = column(idx.iter().map(|&i| self.train.y[i]).collect());
        let w = column(idx.iter().map(|&i| self.train_w[i]).collect());
        let z = model.forward(
            &self.encoded.gather(idx),
            &self.device,
            Some((&mut self.noise, self.params.dropout)),
        );
        let loss = ((softplus(z.clone(), 1.0) - z * y) * w)
            .sum()
            .div_scalar(weight_sum);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.optimizer.step(self.params.learning_rate, model, grads)
    }
}

/// A trained MLP on a device.
#[derive(Debug)]
pub struct Mlp {
    params: MlpParams,
    schema: FeatureSchema,
    inputs: Vec<Input>,
    background: Vec<Option<f32>>,
    net: Net,
    device: Device,
}

/// Everything but the weights, as the JSON header of a saved model.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    params: MlpParams,
    schema: FeatureSchema,
    inputs: Vec<Input>,
    background: Vec<Option<f32>>,
}

impl Mlp {
    /// The hyper-parameters it was trained with.
    pub fn params(&self) -> &MlpParams {
        &self.params
    }

    /// Reads a model saved with [`RiskModel::to_bytes`] onto `device`.
    pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<Self, RiskError> {
        let corrupt = |m: String| RiskError::Corrupt(format!("MLP model: {m}"));
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| corrupt("not an MLP model (bad magic bytes)".into()))?;
        let (format, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| corrupt("truncated".into()))?;
        let format = u32::from_le_bytes(*format);
        if format != FORMAT {
            return Err(corrupt(format!("format {format}, this build reads {FORMAT}")));
        }
        let (len, rest) = rest
            .split_first_chunk::<8>()
            .ok_or_else(|| corrupt("truncated".into()))?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|e| corrupt(e.to_string()))?;
        if rest.len() < len {
            return Err(corrupt("truncated header".into()));
        }
        let (header, weights) = rest.split_at(len);
        let header: Header =
            serde_json::from_slice(header).map_err(|e| corrupt(format!("bad header: {e}")))?;
        header.params.check().map_err(|e| corrupt(e.to_string()))?;
        // Categorical inputs must match the schema's levels and tile the embedding table in
        // order (an index past the table would make the lookup fail).
        let mut next_offset = 0;
        let consistent = header.inputs.len() == header.schema.columns.len()
            && header.background.len() == header.schema.columns.len()
            && header
                .inputs
                .iter()
                .zip(&header.schema.columns)
                .all(|(i, c)| match (i, &c.kind) {
                    (Input::Numeric { std, .. }, ColumnKind::Numeric) => std.is_finite() && *std > 0.0,
                    (Input::Categorical { offset, levels }, ColumnKind::Categorical { levels: names }) => {
                        let ok = *offset == next_offset && *levels == names.len();
                        next_offset += levels + 1;
                        ok
                    }
                    _ => false,
                });
        if !consistent {
            return Err(corrupt("header inputs do not match its schema".into()));
        }
        let record =
            burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(weights.to_vec()))
                .map_err(|e| corrupt(format!("weights are unreadable: {e}")))?;
        let net = Net::init(&header.params, &header.inputs, device, None)
            .try_load_record(record)
            .map_err(|e| corrupt(format!("weights do not match the header: {e}")))?;
        Ok(Self {
            params: header.params,
            schema: header.schema,
            inputs: header.inputs,
            background: header.background,
            net,
            device: device.clone(),
        })
    }

    /// Checks that `x` is laid out as the model's schema.
    fn check_matrix(&self, x: &Matrix) -> Result<(), RiskError> {
        let context = || "the scoring matrix".to_string();
        for (i, sc) in self.schema.columns.iter().enumerate() {
            match x.schema.columns.get(i) {
                Some(found) if found.name != sc.name => {
                    return Err(RiskError::MissingColumn {
                        column: sc.name.clone(),
                        context: format!("{} (position {i} holds {:?})", context(), found.name),
                    });
                }
                Some(found) if found.kind != sc.kind => {
                    let describe = |k: &ColumnKind| match k {
                        ColumnKind::Numeric => "numeric".to_string(),
                        ColumnKind::Categorical { levels } => {
                            format!("categorical ({} levels)", levels.len())
                        }
                    };
                    return Err(RiskError::SchemaMismatch {
                        column: sc.name.clone(),
                        expected: describe(&sc.kind),
                        found: describe(&found.kind),
                        context: context(),
                    });
                }
                Some(_) => {}
                None => {
                    return Err(RiskError::MissingColumn {
                        column: sc.name.clone(),
                        context: context(),
                    });
                }
            }
        }
        if x.schema.columns.len() != self.schema.columns.len()
            || x.columns.len() != self.schema.columns.len()
            || x.columns.iter().any(|c| c.len() != x.rows)
        {
            return Err(RiskError::Data(format!(
                "{} has {} columns of lengths {:?} for {} rows; the model takes {} columns",
                context(),
                x.columns.len(),
                x.columns.iter().map(Vec::len).collect::<Vec<_>>(),
                x.rows,
                self.schema.columns.len()
            )));
        }
        Ok(())
    }
}

impl RiskModel for Mlp {
    fn engine(&self) -> EngineKind {
        EngineKind::Mlp
    }

    fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    fn predict_margin(&self, x: &Matrix) -> Result<Vec<f64>, RiskError> {
        self.check_matrix(x)?;
        predict_with(&self.net, &self.inputs, x, &self.device)
    }

    fn contributions(&self, x: &Matrix) -> Result<Contributions, RiskError> {
        self.check_matrix(x)?;
        let background: Vec<f32> = self.background.iter().map(|b| b.unwrap_or(f32::NAN)).collect();
        let predict = |m: &Matrix| predict_with(&self.net, &self.inputs, m, &self.device);
        sampling_shapley(predict, x, &background, SHAPLEY_PERMUTATIONS, SHAPLEY_SEED)
    }

    fn to_bytes(&self) -> Result<Vec<u8>, RiskError> {
        let header = serde_json::to_vec(&Header {
            params: self.params.clone(),
            schema: self.schema.clone(),
            inputs: self.inputs.clone(),
            background: self.background.clone(),
        })
        .map_err(|e| RiskError::Neural(format!("serialising the header failed: {e}")))?;
        let weights = self
            .net
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|e| RiskError::Neural(format!("serialising the weights failed: {e}")))?;
        let mut out = Vec::with_capacity(MAGIC.len() + 12 + header.len() + weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&weights);
        Ok(out)
    }
}

mod net;

#[cfg(test)]
mod tests;
