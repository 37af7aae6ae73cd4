//! Explanations: model-agnostic sampling Shapley values (for the MLP).
//!
//! Trees use exact TreeSHAP ([`vigil_gbdt`]); a neural network has no exact polynomial
//! algorithm, so the MLP uses permutation sampling against one background row (the
//! training medians): each permutation walks the features in random order, switching one
//! at a time from the background to the row's value, and credits each feature with the
//! change of the margin. Every permutation's credits sum exactly to
//! `margin(row) − margin(background)`, so the average does too — the additivity the
//! narratives rely on holds exactly, and only the split between features is estimated.

use super::RiskError;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use vigil_gbdt::{Contributions, Matrix};

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
