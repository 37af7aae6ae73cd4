//! Explanations: model-agnostic sampling Shapley values (for the MLP), and the top-k
//! factors of a row in words the feature catalogue gives (for both engines).
//!
//! Trees use exact TreeSHAP ([`super::gbdt`]); a neural network has no exact polynomial
//! algorithm, so the MLP uses permutation sampling against one background row (the
//! training medians): each permutation walks the features in random order, switching one
//! at a time from the background to the row's value, and credits each feature with the
//! change of the margin. Every permutation's credits sum exactly to
//! `margin(row) − margin(background)`, so the average does too — the additivity the
//! narratives rely on holds exactly, and only the split between features is estimated.

use super::{Contributions, Matrix, RiskError};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Sampling Shapley values of `predict` (margins) for every row of `x` against
/// `background` (one value per feature). `permutations` ≥ 1 per row; seeded.
pub fn sampling_shapley<F>(
    predict: F,
    x: &Matrix,
    background: &[f32],
    permutations: usize,
    seed: u64,
) -> Result<Contributions, RiskError>
where
    F: Fn(&Matrix) -> Result<Vec<f64>, RiskError>,
{
    let width = x.width();
    if background.len() != width {
        return Err(RiskError::InvalidOption(format!(
            "background row has {} values for {width} features",
            background.len()
        )));
    }
    let permutations = permutations.max(1);
    let base_matrix = Matrix {
        schema: x.schema.clone(),
        columns: background.iter().map(|&v| vec![v]).collect(),
        rows: 1,
    };
    let bias = predict(&base_matrix)?.first().copied().unwrap_or(0.0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut values = vec![vec![0.0; width]; x.rows];
    // Rows are explained in chunks: every chunk builds one matrix with, per row and
    // permutation, the width + 1 intermediate inputs, and predicts it in one call.
    let steps = width + 1;
    let chunk = (4096 / (steps * permutations)).max(1);
    let mut start = 0;
    while start < x.rows {
        let end = (start + chunk).min(x.rows);
        let mut orders = Vec::with_capacity((end - start) * permutations);
        let mut columns: Vec<Vec<f32>> =
            vec![Vec::with_capacity((end - start) * permutations * steps); width];
        for r in start..end {
            for _ in 0..permutations {
                let mut order: Vec<usize> = (0..width).collect();
                order.shuffle(&mut rng);
                let mut current = background.to_vec();
                for step in 0..steps {
                    if step > 0 {
                        let f = order[step - 1];
                        current[f] = x.columns[f][r];
                    }
                    for (f, col) in columns.iter_mut().enumerate() {
                        col.push(current[f]);
                    }
                }
                orders.push(order);
            }
        }
        let rows = columns.first().map_or(0, Vec::len);
        let batch = Matrix {
            schema: x.schema.clone(),
            columns,
            rows,
        };
        let margins = predict(&batch)?;
        for (k, order) in orders.iter().enumerate() {
            let r = start + k / permutations;
            let base = k * steps;
            for (step, &f) in order.iter().enumerate() {
                let delta = margins[base + step + 1] - margins[base + step];
                values[r][f] += delta / permutations as f64;
            }
        }
        start = end;
    }
    Ok(Contributions { bias, values })
}

/// One reason behind a score, as `risk_scores.top_factors` stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Feature name (see data/FEATURES.md).
    pub feature: String,
    /// The feature's value at the snapshot (null when missing).
    pub value: Option<f64>,
    /// For a categorical feature, its level.
    pub level: Option<String>,
    /// Contribution to the margin (log-odds); positive raises the risk.
    pub contribution: f64,
    /// `raises` or `lowers`.
    pub direction: String,
    /// The catalogue's description of the feature.
    pub description: String,
}

/// The `k` features with the largest positive contributions of row `r` (what raises the
/// risk), with their values and descriptions (`describe` looks a feature up, e.g. in the
/// feature catalogue); fewer when fewer raise it.
pub fn top_factors(
    x: &Matrix,
    contributions: &[f64],
    r: usize,
    k: usize,
    describe: &dyn Fn(&str) -> Option<String>,
) -> Vec<Factor> {
    let mut order: Vec<usize> = (0..contributions.len()).collect();
    order.sort_by(|&a, &b| contributions[b].total_cmp(&contributions[a]));
    order
        .into_iter()
        .filter(|&f| contributions[f] > 0.0)
        .take(k)
        .map(|f| {
            let col = &x.schema.columns[f];
            let raw = x.columns[f][r];
            let (value, level) = match &col.kind {
                super::ColumnKind::Numeric => ((!raw.is_nan()).then_some(f64::from(raw)), None),
                super::ColumnKind::Categorical { levels } => (
                    None,
                    (!raw.is_nan())
                        .then(|| levels.get(raw as usize).cloned())
                        .flatten(),
                ),
            };
            Factor {
                feature: col.name.clone(),
                value,
                level,
                contribution: contributions[f],
                direction: if contributions[f] >= 0.0 {
                    "raises"
                } else {
                    "lowers"
                }
                .into(),
                description: describe(&col.name).unwrap_or_else(|| col.name.replace('_', " ")),
            }
        })
        .collect()
}
