//! Backtest of the resolution estimate (and the category model it relies on) on held-out
//! time. Above both `resolution` and `category`, which it measures together.
//!
//! What is known at the split: the escalations resolved before it (the index and the
//! per-category medians) and those opened before it (the category model). Evaluated: the
//! escalations opened at or after the split and resolved by the end of the data. Both the
//! estimate and the baseline see the same cases, so their mean absolute errors compare.

use crate::score::category::{CategoryLearner, CategoryModel};
use crate::score::resolution::{Case, CaseTable, ResolutionError, ResolutionIndex, rfc3339};
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
    let known = cases_where(table, |c| c.resolved_at.is_some_and(|r| r < split_at));
    let opened = cases_where(table, |c| c.opened_at < split_at);
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
    let judge = Judge {
        overall: index.overall_median().unwrap_or(f64::NAN),
        index: &index,
        model: &model,
        k,
    };
    let mut tally = Tally::default();
    for c in &held_out {
        tally.add(c, &judge.judge(c)?);
    }
    Ok(tally.report(rfc3339(split_at), k, index.cases.len(), learner))
}

/// The cases that satisfy `keep`, in table order.
fn cases_where(table: &CaseTable, keep: impl Fn(&Case) -> bool) -> Vec<Case> {
    table.cases.iter().filter(|c| keep(c)).cloned().collect()
}

/// What was fitted before the split, estimating held-out cases.
struct Judge<'a> {
    index: &'a ResolutionIndex,
    model: &'a CategoryModel,
    k: usize,
    /// Median of all indexed cases (the baseline of a category without one).
    overall: f64,
}

/// One held-out case's absolute errors and how its estimate was made.
struct Judged {
    /// Errors of: estimate (true category), its median, estimate (predicted category), its
    /// median, overall median.
    errors: [f64; 5],
    /// The category model predicted the true category.
    correct: bool,
    /// The estimate (true category) had to fill k from other categories.
    filled: bool,
}

impl Judge<'_> {
    /// The training median of `category`, or the overall one.
    fn baseline(&self, category: &str) -> f64 {
        self.index.category_median(category).unwrap_or(self.overall)
    }

    /// The k-nearest-cases mean for `case` in `category` (the baseline when there is no
    /// neighbour), and whether a neighbour came from another category.
    fn estimate(&self, case: &Case, category: &str) -> Result<(f64, bool), ResolutionError> {
        Ok(self.index.estimate(&case.features, category, self.k)?.map_or(
            (self.baseline(category), false),
            |e| {
                let other = e.cases.iter().any(|s| s.category != category);
                (e.mean_days, other)
            },
        ))
    }

    fn judge(&self, c: &Case) -> Result<Judged, ResolutionError> {
        let actual = c.resolution_days.unwrap_or_default();
        let (knn, filled) = self.estimate(c, &c.category)?;
        let predicted = self
            .model
            .predict(&c.features)?
            .first()
            .map(|p| p.0.clone())
            .unwrap_or_default();
        let (knn_pred, _) = self.estimate(c, &predicted)?;
        Ok(Judged {
            errors: [
                (knn - actual).abs(),
                (self.baseline(&c.category) - actual).abs(),
                (knn_pred - actual).abs(),
                (self.baseline(&predicted) - actual).abs(),
                (self.overall - actual).abs(),
            ],
            correct: predicted == c.category,
            filled,
        })
    }
}

/// Sums of the held-out cases' errors, overall and per true category.
#[derive(Default)]
struct Tally<'a> {
    n: usize,
    sums: [f64; 5],
    correct: usize,
    filled: usize,
    /// Per category: cases, days to resolve, estimate error, median error.
    per: BTreeMap<&'a str, (usize, f64, f64, f64)>,
}

impl<'a> Tally<'a> {
    fn add(&mut self, c: &'a Case, j: &Judged) {
        self.n += 1;
        self.correct += usize::from(j.correct);
        self.filled += usize::from(j.filled);
        for (s, e) in self.sums.iter_mut().zip(j.errors) {
            *s += e;
        }
        let row = self.per.entry(c.category.as_str()).or_default();
        row.0 += 1;
        row.1 += c.resolution_days.unwrap_or_default();
        row.2 += j.errors[0];
        row.3 += j.errors[1];
    }

    /// Mean errors over all cases and per category (sorted by name).
    fn report(
        self,
        split_at: String,
        k: usize,
        indexed: usize,
        learner: CategoryLearner,
    ) -> ResolutionBacktest {
        let n = self.n as f64;
        ResolutionBacktest {
            split_at,
            k,
            indexed,
            n: self.n,
            knn_mae: self.sums[0] / n,
            baseline_mae: self.sums[1] / n,
            knn_mae_predicted: self.sums[2] / n,
            baseline_mae_predicted: self.sums[3] / n,
            overall_median_mae: self.sums[4] / n,
            category_learner: learner,
            category_accuracy: self.correct as f64 / n,
            filled: self.filled,
            per_category: self
                .per
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
        }
    }
}
