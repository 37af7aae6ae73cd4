//! Calibration: turns the model's raw margin into the probability of an escalation within
//! the horizon, fitted on held-out predictions.
//!
//! Isotonic regression (pool-adjacent-violators, weighted) is the default: it assumes only
//! that risk rises with the margin. The fitted step function is interpolated linearly
//! between block centres, so the score stays strictly informative between steps and is
//! monotone by construction. Platt scaling (a logistic fit of the margin) is the
//! alternative for small validation sets.

use super::RiskError;
use serde::{Deserialize, Serialize};
use vigil_gbdt::loss::sigmoid;

/// Which calibrator to fit (`[risk] calibration`).
use super::params::CalibrationMethod as Method;

/// A fitted calibrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Calibrator {
    /// Piecewise-linear through block centres `(margin, probability)`, ascending.
    Isotonic {
        /// Block centres (margins), ascending.
        x: Vec<f64>,
        /// Calibrated probability at each centre, non-decreasing.
        y: Vec<f64>,
    },
    /// `sigmoid(a · margin + b)`.
    Platt {
        /// Slope.
        a: f64,
        /// Intercept.
        b: f64,
    },
}

impl Calibrator {
    /// Fits a calibrator to margins and outcomes (weighted).
    pub fn fit(method: Method, margin: &[f64], label: &[bool], weight: &[f64]) -> Result<Self, RiskError> {
        let pos = positive_weight(label, weight);
        let all: f64 = weight.iter().sum();
        if margin.is_empty() || pos <= 0.0 || pos >= all {
            return Err(RiskError::Data(format!(
                "calibration needs held-out rows of both classes ({} rows, positive weight {pos})",
                margin.len()
            )));
        }
        Ok(match method {
            Method::Isotonic => isotonic(margin, label, weight),
            Method::Platt => platt(margin, label, weight),
        })
    }

    /// Calibrated probability of one margin.
    pub fn apply(&self, margin: f64) -> f64 {
        match self {
            Calibrator::Platt { a, b } => sigmoid(a * margin + b),
            Calibrator::Isotonic { x, y } => {
                let i = x.partition_point(|&v| v < margin);
                if i == 0 {
                    y.first().copied().unwrap_or(0.0)
                } else if i == x.len() {
                    y.last().copied().unwrap_or(0.0)
                } else {
                    let t = (margin - x[i - 1]) / (x[i] - x[i - 1]);
                    y[i - 1] + t * (y[i] - y[i - 1])
                }
            }
        }
    }

    /// Calibrated probabilities of many margins.
    pub fn apply_all(&self, margin: &[f64]) -> Vec<f64> {
        margin.iter().map(|&m| self.apply(m)).collect()
    }
}

/// Total weight of the positive rows.
fn positive_weight(label: &[bool], weight: &[f64]) -> f64 {
    label
        .iter()
        .zip(weight)
        .filter(|(y, _)| **y)
        .map(|(_, w)| w)
        .sum()
}

fn isotonic(margin: &[f64], label: &[bool], weight: &[f64]) -> Calibrator {
    let mut order: Vec<usize> = (0..margin.len()).collect();
    order.sort_by(|&a, &b| margin[a].total_cmp(&margin[b]));
    // Blocks: (weight, weighted label sum, weighted margin sum).
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    for i in order {
        let w = weight[i];
        let yv = if label[i] { w } else { 0.0 };
        blocks.push((w, yv, w * margin[i]));
        while blocks.len() >= 2 {
            let n = blocks.len();
            let (a, b) = (blocks[n - 2], blocks[n - 1]);
            if a.1 / a.0 < b.1 / b.0 {
                break;
            }
            blocks.truncate(n - 2);
            blocks.push((a.0 + b.0, a.1 + b.1, a.2 + b.2));
        }
    }
    let x = blocks.iter().map(|b| b.2 / b.0).collect();
    let y = blocks.iter().map(|b| b.1 / b.0).collect();
    Calibrator::Isotonic { x, y }
}

fn platt(margin: &[f64], label: &[bool], weight: &[f64]) -> Calibrator {
    // Newton's method on the weighted log loss of sigmoid(a·m + b), with Platt's smoothed
    // targets so separable data still converge.
    let pos = positive_weight(label, weight);
    let neg: f64 = weight.iter().sum::<f64>() - pos;
    let (t_pos, t_neg) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for ((&m, &y), &w) in margin.iter().zip(label).zip(weight) {
            let p = sigmoid(a * m + b);
            let t = if y { t_pos } else { t_neg };
            let d = w * (p - t);
            let h = w * p * (1.0 - p);
            ga += d * m;
            gb += d;
            haa += h * m * m;
            hab += h * m;
            hbb += h;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-300 {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        a -= da;
        b -= db;
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            break;
        }
    }
    Calibrator::Platt { a, b }
}

/// Out-of-fold calibrated probabilities: rows are split into folds (`fold[i]`), and each
/// fold is calibrated by a calibrator fitted on the other folds, so the held-out metrics
/// of calibrated scores are not measured on the rows the calibrator saw.
pub fn cross_fit(
    method: Method,
    margin: &[f64],
    label: &[bool],
    weight: &[f64],
    fold: &[u8],
) -> Result<Vec<f64>, RiskError> {
    let folds: std::collections::BTreeSet<u8> = fold.iter().copied().collect();
    let mut out = vec![0.0; margin.len()];
    for &k in &folds {
        let pick = |keep: bool| -> (Vec<f64>, Vec<bool>, Vec<f64>) {
            let mut m = Vec::new();
            let mut l = Vec::new();
            let mut w = Vec::new();
            for i in 0..margin.len() {
                if (fold[i] == k) != keep {
                    m.push(margin[i]);
                    l.push(label[i]);
                    w.push(weight[i]);
                }
            }
            (m, l, w)
        };
        let (m, l, w) = pick(false);
        let cal = if folds.len() > 1 {
            Calibrator::fit(method, &m, &l, &w)?
        } else {
            Calibrator::fit(method, margin, label, weight)?
        };
        for i in (0..margin.len()).filter(|&i| fold[i] == k) {
            out[i] = cal.apply(margin[i]);
        }
    }
    Ok(out)
}
