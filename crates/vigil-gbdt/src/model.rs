//! Boosting: [`fit`] grows trees round by round on the binned training matrix, stopping
//! early on a validation set; a [`Gbdt`] predicts margins and explains them.

use crate::bins::Binner;
use crate::grow::{Grower, Scratch};
use crate::hist::{RowBins, Slots};
use crate::loss;
use crate::tree::Tree;
use crate::{ColumnKind, Dataset, FeatureSchema, GbdtError, GbdtParams, Matrix, route, shap};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Per-row additive explanation of a raw margin: `bias + Σ values[i] = margin`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    /// The expected margin (same for every row of one model and background).
    pub bias: f64,
    /// One vector per row, one value per feature in schema order.
    pub values: Vec<Vec<f64>>,
}

/// What a training run reports besides the model.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FitReport {
    /// Rounds (trees) or epochs kept.
    pub iterations: usize,
    /// Best validation loss (weighted log loss).
    pub valid_loss: f64,
    /// Validation loss after each round or epoch.
    pub curve: Vec<f64>,
}

/// A trained ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gbdt {
    /// Input schema.
    pub schema: FeatureSchema,
    /// Hyper-parameters it was trained with.
    pub params: GbdtParams,
    /// Initial margin (log-odds of the weighted positive rate).
    pub base_score: f64,
    /// Trees kept after early stopping.
    pub trees: Vec<Tree>,
    /// Total split gain per feature, schema order.
    pub importance: Vec<f64>,
}

/// Trains on `train`, stopping early on `valid` when given.
pub fn fit(
    params: &GbdtParams,
    train: &Dataset,
    valid: Option<&Dataset>,
) -> Result<(Gbdt, FitReport), GbdtError> {
    fit_with_progress(params, train, valid, &|_| {})
}

/// [`fit`], calling `progress` with the number of boosting rounds done after each round
/// (at most `max_rounds`; fewer when early stopping ends it).
pub fn fit_with_progress(
    params: &GbdtParams,
    train: &Dataset,
    valid: Option<&Dataset>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Gbdt, FitReport), GbdtError> {
    params.validate()?;
    check_labels(train)?;
    let schema = &train.x.schema;
    let mut monotone = vec![0i8; schema.columns.len()];
    for (name, &c) in &params.monotone {
        let i = schema
            .columns
            .iter()
            .position(|sc| &sc.name == name)
            .ok_or_else(|| {
                GbdtError::InvalidOption(format!(
                    "gbdt.monotone names {name:?}, which is not a model feature"
                ))
            })?;
        if c != 0 && !matches!(schema.columns[i].kind, ColumnKind::Numeric) {
            return Err(GbdtError::InvalidOption(format!(
                "gbdt.monotone.{name}: a categorical feature cannot be monotone"
            )));
        }
        monotone[i] = c;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(params.threads)
        .build()
        .map_err(|e| GbdtError::InvalidOption(format!("gbdt.threads: {e}")))?;
    pool.install(|| train_rounds(params, train, valid, &monotone, progress))
}

fn check_labels(d: &Dataset) -> Result<(), GbdtError> {
    if d.is_empty() {
        return Err(GbdtError::Data("the training set is empty".into()));
    }
    if let Some(i) = d.y.iter().position(|&y| y != 0.0 && y != 1.0) {
        return Err(GbdtError::Data(format!(
            "label of training row {i} is {} (must be 0 or 1)",
            d.y[i]
        )));
    }
    if let Some(i) = d.w.iter().position(|&w| !(w > 0.0 && w.is_finite())) {
        return Err(GbdtError::Data(format!(
            "sample weight of training row {i} is {} (must be > 0)",
            d.w[i]
        )));
    }
    let rate = d.positive_rate();
    if rate <= 0.0 || rate >= 1.0 {
        return Err(GbdtError::Data(format!(
            "the training set needs both classes; its positive share is {rate}"
        )));
    }
    Ok(())
}

fn train_rounds(
    params: &GbdtParams,
    train: &Dataset,
    valid: Option<&Dataset>,
    monotone: &[i8],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Gbdt, FitReport), GbdtError> {
    let binner = Binner::fit(&train.x, params.max_bins);
    let columns = binner.bin(&train.x);
    let counts: Vec<usize> = binner.features.iter().map(|f| f.count()).collect();
    let slots = Slots::new(&columns, &counts);
    let rows = RowBins::new(&columns, &slots, train.len());
    let rate = train.positive_rate();
    let base_score = (rate / (1.0 - rate)).ln();
    let grower = Grower {
        rows: &rows,
        slots: &slots,
        columns: &columns,
        binner: &binner,
        monotone,
        params,
    };
    let n = train.len();
    let mut margin = vec![base_score; n];
    let mut valid_margin = valid.map(|v| vec![base_score; v.len()]);
    let valid_bins = valid.map(|v| route::bin_for_scoring(&binner, &v.x));
    let mut gh = vec![[0f32; 2]; n];
    let mut scratch = Scratch::default();
    let mut indices: Vec<u32> = (0..n as u32).collect();
    let mut trees = Vec::new();
    let mut curve = Vec::new();
    let (mut best_loss, mut best_rounds) = (f64::INFINITY, 0);
    for round in 0..params.max_rounds {
        gh.par_iter_mut().enumerate().for_each(|(i, gh)| {
            let p = loss::sigmoid(margin[i]);
            let w = f64::from(train.w[i]);
            *gh = [
                (w * (p - f64::from(train.y[i]))) as f32,
                (w * p * (1.0 - p)).max(1e-16) as f32,
            ];
        });
        let (tree, bin_tree, leaves) = grower.grow(&gh, &train.w, &mut indices, &mut scratch);
        progress(round as u64 + 1);
        if tree.nodes.len() == 1 {
            tracing::debug!(round, "no split improves the loss; boosting stops");
            break;
        }
        for &(start, end, value) in &leaves {
            for &r in &indices[start..end] {
                margin[r as usize] += value;
            }
        }
        if let (Some(v), Some(vm), Some(vb)) = (valid, valid_margin.as_mut(), valid_bins.as_ref()) {
            bin_tree.add_to(vb, vm);
            let loss = log_loss(vm, &v.y, &v.w);
            curve.push(loss);
            if loss < best_loss - 1e-12 {
                best_loss = loss;
                best_rounds = round + 1;
            }
            trees.push(tree);
            if round + 1 - best_rounds >= params.early_stopping_rounds.max(1) {
                break;
            }
        } else {
            curve.push(loss::log_loss(&margin, &train.y, &train.w));
            trees.push(tree);
            best_rounds = trees.len();
            best_loss = curve.last().copied().unwrap_or(f64::NAN);
        }
    }
    trees.truncate(best_rounds);
    let mut importance = vec![0.0; train.x.width()];
    for t in &trees {
        for node in t.nodes.iter().filter(|n| !n.is_leaf()) {
            importance[node.feature as usize] += node.gain;
        }
    }
    let model = Gbdt {
        schema: train.x.schema.clone(),
        params: params.clone(),
        base_score,
        trees,
        importance,
    };
    let report = FitReport {
        iterations: best_rounds,
        valid_loss: best_loss,
        curve,
    };
    Ok((model, report))
}

/// [`loss::log_loss`] over fixed chunks in parallel, added up in chunk order (the same
/// value for any thread count).
fn log_loss(margin: &[f64], y: &[f32], w: &[f32]) -> f64 {
    const CHUNK: usize = 32_768;
    let parts: Vec<(f64, f64)> = margin
        .par_chunks(CHUNK)
        .zip(y.par_chunks(CHUNK))
        .zip(w.par_chunks(CHUNK))
        .map(|((m, y), w)| {
            let weight: f64 = w.iter().map(|&w| f64::from(w)).sum();
            (loss::log_loss(m, y, w) * weight, weight)
        })
        .collect();
    let (sum, weight) = parts.iter().fold((0.0, 0.0), |(s, t), &(a, b)| (s + a, t + b));
    if weight > 0.0 { sum / weight } else { 0.0 }
}

impl Gbdt {
    /// Reads a model saved by [`Gbdt::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GbdtError> {
        serde_json::from_slice(bytes).map_err(|e| GbdtError::Corrupt(format!("gbdt model: {e}")))
    }

    fn check_width(&self, x: &Matrix) -> Result<(), GbdtError> {
        if x.schema != self.schema {
            return Err(GbdtError::SchemaMismatch {
                expected: self.schema.fingerprint(),
                found: x.schema.fingerprint(),
            });
        }
        Ok(())
    }

    /// Raw margin (log-odds) per row of `x`, which must have the model's schema.
    pub fn predict_margin(&self, x: &Matrix) -> Result<Vec<f64>, GbdtError> {
        self.check_width(x)?;
        Ok((0..x.rows)
            .into_par_iter()
            .map(|r| self.base_score + self.trees.iter().map(|t| t.predict(&x.columns, r)).sum::<f64>())
            .collect())
    }

    /// Exact TreeSHAP contributions per row of `x` (path-dependent, by per-leaf tables:
    /// `shap::table`); with the bias they sum to the margin.
    pub fn contributions(&self, x: &Matrix) -> Result<Contributions, GbdtError> {
        self.explained(x, shap::explain)
    }

    /// [`Gbdt::contributions`] by the reference algorithm, recursive TreeSHAP (Lundberg
    /// et al. 2018, Algorithm 2): the same values up to float rounding, several times slower.
    /// For tests and benchmarks.
    pub fn contributions_recursive(&self, x: &Matrix) -> Result<Contributions, GbdtError> {
        self.explained(x, shap::explain_recursive)
    }

    /// `x`'s contributions by `explain`; the bias is the expected margin (the base score plus
    /// every tree's cover-weighted mean output).
    fn explained(&self, x: &Matrix, explain: shap::Explain) -> Result<Contributions, GbdtError> {
        self.check_width(x)?;
        Ok(Contributions {
            bias: self.base_score + self.trees.iter().map(Tree::expected_value).sum::<f64>(),
            values: explain(&self.trees, &x.columns, x.rows, x.width()),
        })
    }

    /// The model as JSON (what vigil's registry stores as `model.bin`).
    pub fn to_bytes(&self) -> Result<Vec<u8>, GbdtError> {
        serde_json::to_vec(self).map_err(|e| GbdtError::Corrupt(format!("cannot encode gbdt model: {e}")))
    }
}
