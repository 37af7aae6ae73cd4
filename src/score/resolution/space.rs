//! The similarity space of cases: numeric features standardised (z-scores, clipped),
//! categorical features compared by equality, missing values compared by presence.

use serde::{Deserialize, Serialize};
use vigil_gbdt::{ColumnKind, FeatureSchema};

/// z-scores are clipped to ±this, so one extreme value (a huge ARR, a year without an NPS
/// answer) cannot dominate a distance.
pub const Z_CLIP: f64 = 4.0;
/// Squared distance contribution when one value is missing and the other is not: the
/// expected squared difference of two independent standardised values.
pub const MISSING_PENALTY: f64 = 2.0;
/// Squared distance contribution of two different categorical levels.
pub const LEVEL_PENALTY: f64 = 1.0;

/// Standardisation of each feature, fitted on the cases it compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpace {
    /// Per feature, whether it is categorical (a level index; compared by equality).
    pub categorical: Vec<bool>,
    /// Per numeric feature, the mean over the fitted rows (0 for categoricals).
    #[serde(with = "crate::score::nan_json::vec")]
    pub means: Vec<f64>,
    /// Per numeric feature, the standard deviation (1 where it is 0 or undefined).
    #[serde(with = "crate::score::nan_json::vec")]
    pub stds: Vec<f64>,
}

impl FeatureSpace {
    /// Fits means and standard deviations of the numeric features over `rows`
    /// (schema-order rows, NaN missing), ignoring missing values.
    pub fn fit(schema: &FeatureSchema, rows: &[&[f64]]) -> Self {
        let categorical: Vec<bool> = schema
            .columns
            .iter()
            .map(|c| matches!(c.kind, ColumnKind::Categorical { .. }))
            .collect();
        let width = categorical.len();
        let (mut means, mut stds) = (vec![0.0; width], vec![1.0; width]);
        for j in (0..width).filter(|&j| !categorical[j]) {
            let values: Vec<f64> = rows.iter().map(|r| r[j]).filter(|v| v.is_finite()).collect();
            if values.is_empty() {
                continue;
            }
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            means[j] = mean;
            stds[j] = if var > 1e-24 { var.sqrt() } else { 1.0 };
        }
        Self {
            categorical,
            means,
            stds,
        }
    }

    /// Number of features.
    pub fn width(&self) -> usize {
        self.categorical.len()
    }

    /// A row in the space: numeric values as clipped z-scores, categoricals as they are,
    /// NaN kept as missing.
    pub fn transform(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .enumerate()
            .map(|(j, &v)| {
                if self.categorical[j] || !v.is_finite() {
                    v
                } else {
                    ((v - self.means[j]) / self.stds[j]).clamp(-Z_CLIP, Z_CLIP)
                }
            })
            .collect()
    }

    /// Root-mean-square distance of two transformed rows: per feature, the squared
    /// z-difference, [`LEVEL_PENALTY`] for different levels, [`MISSING_PENALTY`] when
    /// exactly one value is missing, 0 when both are.
    pub fn distance(&self, a: &[f64], b: &[f64]) -> f64 {
        let width = self.width().max(1);
        let sum: f64 = a
            .iter()
            .zip(b)
            .zip(&self.categorical)
            .map(|((&x, &y), &cat)| match (x.is_nan(), y.is_nan()) {
                (true, true) => 0.0,
                (true, false) | (false, true) => MISSING_PENALTY,
                (false, false) if cat => {
                    if x == y {
                        0.0
                    } else {
                        LEVEL_PENALTY
                    }
                }
                (false, false) => (x - y).powi(2),
            })
            .sum();
        (sum / width as f64).sqrt()
    }
}
