//! Backtest of the resolution estimate on held-out time.
//!
//! What is known at the split: the escalations resolved before it (the index and the
//! per-category medians) and those opened before it (the category model). Evaluated: the
//! escalations opened at or after the split and resolved by the end of the data. Both the
//! estimate and the baseline see the same cases, so their mean absolute errors compare.

use super::{CaseTable, ResolutionError, ResolutionIndex, rfc3339};
use crate::score::category::{CategoryLearner, CategoryModel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Errors of one category's held-out escalations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryBacktestRow {
    /// Category (the true one).
    pub category: String,
    /// Held-out resolved escalations of it.
    pub n: usize,
    /// Their mean days to resolve.
    pub mean_days: f64,
    /// MAE of the k-nearest-cases mean (true category).
    pub knn_mae: f64,
    /// MAE of the category's training median.
    pub baseline_mae: f64,
}

/// The resolution estimate against a per-category median on held-out time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionBacktest {
    /// The split, RFC 3339.
    pub split_at: String,
    /// Neighbours per estimate.
    pub k: usize,
    /// Resolved escalations known at the split (the index).
    pub indexed: usize,
    /// Held-out escalations evaluated (opened at or after the split, resolved).
    pub n: usize,
    /// MAE (days) of the estimate's `mean_days` with the true category.
    pub knn_mae: f64,
    /// MAE (days) of the true category's training median.
    pub baseline_mae: f64,
    /// MAE (days) of the estimate with the predicted category.
    pub knn_mae_predicted: f64,
    /// MAE (days) of the predicted category's training median.
    pub baseline_mae_predicted: f64,
    /// MAE (days) of the median of all training cases (no category at all).
    pub overall_median_mae: f64,
    /// The category model's learner (fitted on escalations opened before the split).
    pub category_learner: CategoryLearner,
    /// Share of held-out escalations whose category it predicted right.
    pub category_accuracy: f64,
    /// Estimates (true category) that had to fill k from other categories.
    pub filled: usize,
    /// Per true category, sorted by name.
    pub per_category: Vec<CategoryBacktestRow>,
}

/// Fits the index on the escalations resolved before `split_at` (µs) and the category model
/// (`learner`) on those opened before it, then estimates every escalation opened at or after
/// it that is resolved, with `k` neighbours, and compares the MAE with the per-category
/// median baseline (true and predicted category).
pub fn backtest(
    table: &CaseTable,
    split_at: i64,
    k: usize,
    learner: CategoryLearner,
) -> Result<ResolutionBacktest, ResolutionError> {
    let known: Vec<_> = table
        .cases
        .iter()
        .filter(|c| c.resolved_at.is_some_and(|r| r < split_at))
        .cloned()
        .collect();
    let opened: Vec<_> = table
        .cases
        .iter()
        .filter(|c| c.opened_at < split_at)
        .cloned()
        .collect();
    let held_out: Vec<_> = table
        .cases
        .iter()
        .filter(|c| c.opened_at >= split_at && c.resolution_days.is_some())
        .collect();
    if held_out.is_empty() {
        return Err(ResolutionError::Data(format!(
            "no escalation opened after {} is resolved: nothing to backtest the resolution estimate on",
            rfc3339(split_at)
        )));
    }
    let index = ResolutionIndex::fit(&table.schema, &known)?;
    let model = CategoryModel::fit(&table.schema, &opened, learner)?;
    let overall = index.overall_median().unwrap_or(f64::NAN);
    let baseline = |category: &str| index.category_median(category).unwrap_or(overall);
    let mut sums = [0.0; 5];
    let (mut correct, mut filled) = (0usize, 0usize);
    let mut per: BTreeMap<&str, (usize, f64, f64, f64)> = BTreeMap::new();
    for c in &held_out {
        let actual = c.resolution_days.unwrap_or_default();
        let estimate = |category: &str| -> Result<(f64, bool), ResolutionError> {
            Ok(index
                .estimate(&c.features, category, k)?
                .map_or((baseline(category), false), |e| {
                    let other = e.cases.iter().any(|s| s.category != category);
                    (e.mean_days, other)
                }))
        };
        let (knn, was_filled) = estimate(&c.category)?;
        let predicted = model
            .predict(&c.features)?
            .first()
            .map(|p| p.0.clone())
            .unwrap_or_default();
        let (knn_pred, _) = estimate(&predicted)?;
        correct += usize::from(predicted == c.category);
        filled += usize::from(was_filled);
        let errors = [
            (knn - actual).abs(),
            (baseline(&c.category) - actual).abs(),
            (knn_pred - actual).abs(),
            (baseline(&predicted) - actual).abs(),
            (overall - actual).abs(),
        ];
        for (s, e) in sums.iter_mut().zip(errors) {
            *s += e;
        }
        let row = per.entry(c.category.as_str()).or_default();
        row.0 += 1;
        row.1 += actual;
        row.2 += errors[0];
        row.3 += errors[1];
    }
    let n = held_out.len() as f64;
    Ok(ResolutionBacktest {
        split_at: rfc3339(split_at),
        k,
        indexed: index.cases.len(),
        n: held_out.len(),
        knn_mae: sums[0] / n,
        baseline_mae: sums[1] / n,
        knn_mae_predicted: sums[2] / n,
        baseline_mae_predicted: sums[3] / n,
        overall_median_mae: sums[4] / n,
        category_learner: learner,
        category_accuracy: correct as f64 / n,
        filled,
        per_category: per
            .into_iter()
            .map(|(category, (count, days, knn, base))| {
                let m = count as f64;
                CategoryBacktestRow {
                    category: category.to_string(),
                    n: count,
                    mean_days: days / m,
                    knn_mae: knn / m,
                    baseline_mae: base / m,
                }
            })
            .collect(),
    })
}
