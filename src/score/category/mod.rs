//! The escalation-category model: which kind of escalation (implementation delay, product
//! defect, pricing dispute, …) an account's current state points to, learned from the
//! snapshots taken just before past escalations ([`crate::score::resolution::cases`]).
//!
//! Four learners behind one [`CategoryModel`]: the majority class (the baseline),
//! multinomial logistic regression on standardised features with missing indicators,
//! k-nearest-cases vote in the resolution index's similarity space, and one-vs-rest
//! gradient-boosted trees ([`vigil_gbdt`]). [`fit_best`] compares them on held-out
//! time and refits the winner on every case. Saved as JSON in the model registry.

mod learners;
mod logistic;
mod metrics;

#[cfg(test)]
mod tests;

pub use learners::{GBDT_ROUNDS, KNN_K};
pub use logistic::Logistic;
pub use metrics::{CategoryMetrics, evaluate};

use crate::contract::taxonomy::OTHER_CATEGORY;
use crate::score::resolution::{Case, FeatureSpace, ResolutionError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vigil_gbdt::{FeatureSchema, Gbdt};

/// Which learner a category model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoryLearner {
    /// Always the most frequent training category, with the training shares as probabilities.
    Majority,
    /// Multinomial logistic regression (L2) on clipped z-scores, missing indicators and
    /// one-hot levels.
    Logistic,
    /// Smoothed vote of the [`KNN_K`] nearest training cases.
    Knn,
    /// One GBDT per category (one-vs-rest), probabilities normalised to sum to 1.
    Gbdt,
}

impl CategoryLearner {
    /// Every learner, the baseline first.
    pub const ALL: [CategoryLearner; 4] = [Self::Majority, Self::Logistic, Self::Knn, Self::Gbdt];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Majority => "majority",
            Self::Logistic => "logistic",
            Self::Knn => "knn",
            Self::Gbdt => "gbdt",
        }
    }
}

/// The fitted state of a learner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "learner", rename_all = "lowercase")]
pub enum Fitted {
    /// Training shares of the categories.
    Majority {
        /// Share per class, in [`CategoryModel::classes`] order.
        priors: Vec<f64>,
    },
    /// Softmax regression.
    Logistic(Logistic),
    /// Nearest-cases vote.
    Knn {
        /// Standardisation of the training cases.
        space: FeatureSpace,
        /// Training cases in the space.
        #[serde(with = "crate::score::nan_json::vec2")]
        points: Vec<Vec<f64>>,
        /// Class index of each point.
        labels: Vec<usize>,
        /// Training shares (the vote's smoothing prior).
        priors: Vec<f64>,
    },
    /// One-vs-rest trees; `None` for a class with no training case or only training cases.
    Gbdt {
        /// One model per class.
        models: Vec<Option<Gbdt>>,
        /// Training shares (used for a class without a model).
        priors: Vec<f64>,
    },
}

/// A fitted escalation-category model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryModel {
    /// Features of the rows it reads (encode a scoring frame with it).
    pub schema: FeatureSchema,
    /// Categories it can predict, sorted.
    pub classes: Vec<String>,
    /// Training cases.
    pub trained_on: usize,
    /// The learner and its parameters.
    pub fitted: Fitted,
}

impl CategoryModel {
    /// Fits `learner` on `cases` (vectors in `schema` order); every case counts, resolved
    /// or not, since the category is known when an escalation opens.
    pub fn fit(
        schema: &FeatureSchema,
        cases: &[Case],
        learner: CategoryLearner,
    ) -> Result<Self, ResolutionError> {
        if cases.is_empty() {
            return Err(ResolutionError::Data(
                "no escalation has a feature snapshot: the category model needs at least one".into(),
            ));
        }
        let width = schema.columns.len();
        if let Some(c) = cases.iter().find(|c| c.features.len() != width) {
            return Err(ResolutionError::Width {
                expected: width,
                found: c.features.len(),
            });
        }
        let mut classes: Vec<String> = cases.iter().map(|c| c.category.clone()).collect();
        classes.sort();
        classes.dedup();
        let labels: Vec<usize> = cases
            .iter()
            .map(|c| classes.binary_search(&c.category).unwrap_or_default())
            .collect();
        let rows: Vec<&[f64]> = cases.iter().map(|c| c.features.as_slice()).collect();
        let fitted = learners::fit(learner, schema, &rows, &labels, classes.len())?;
        Ok(Self {
            schema: schema.clone(),
            classes,
            trained_on: cases.len(),
            fitted,
        })
    }

    /// The learner.
    pub fn learner(&self) -> CategoryLearner {
        match self.fitted {
            Fitted::Majority { .. } => CategoryLearner::Majority,
            Fitted::Logistic(_) => CategoryLearner::Logistic,
            Fitted::Knn { .. } => CategoryLearner::Knn,
            Fitted::Gbdt { .. } => CategoryLearner::Gbdt,
        }
    }

    /// Category probabilities for one row (encoded with [`Self::schema`], NaN missing), most
    /// likely first; a row of the wrong width is an error.
    pub fn predict(&self, row: &[f64]) -> Result<Vec<(String, f64)>, ResolutionError> {
        if row.len() != self.schema.columns.len() {
            return Err(ResolutionError::Width {
                expected: self.schema.columns.len(),
                found: row.len(),
            });
        }
        let probs = learners::probabilities(&self.fitted, &self.schema, row);
        let mut out: Vec<(String, f64)> = self.classes.iter().cloned().zip(probs).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}

/// Folds the category of every case whose category has fewer than `min_count` cases into
/// [`OTHER_CATEGORY`] (an open taxonomy's rare categories: too few to learn, too many to
/// list). Returns the folded categories, sorted.
pub fn fold_rare(cases: &mut [Case], min_count: usize) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in cases.iter() {
        *counts.entry(c.category.clone()).or_default() += 1;
    }
    let rare: Vec<String> = counts
        .into_iter()
        .filter(|(category, n)| *n < min_count && category != OTHER_CATEGORY)
        .map(|(category, _)| category)
        .collect();
    for c in cases.iter_mut() {
        if rare.binary_search(&c.category).is_ok() {
            c.category = OTHER_CATEGORY.to_string();
        }
    }
    rare
}

/// Fits every learner on the cases opened before `split_at` (µs), evaluates each on those
/// opened at or after it, and refits the one with the best macro-F1 (accuracy breaks ties;
/// the baseline never wins a tie) on every case. Returns that model and every learner's
/// held-out metrics, the baseline first. Without held-out or training cases, the
/// logistic model is fitted on every case and the metrics are empty.
pub fn fit_best(
    schema: &FeatureSchema,
    cases: &[Case],
    split_at: i64,
) -> Result<(CategoryModel, Vec<CategoryMetrics>), ResolutionError> {
    let (train, test): (Vec<Case>, Vec<Case>) = cases.iter().cloned().partition(|c| c.opened_at < split_at);
    if train.is_empty() || test.is_empty() {
        return Ok((
            CategoryModel::fit(schema, cases, CategoryLearner::Logistic)?,
            Vec::new(),
        ));
    }
    let mut metrics = Vec::new();
    for learner in CategoryLearner::ALL {
        let model = CategoryModel::fit(schema, &train, learner)?;
        metrics.push(evaluate(&model, &test)?);
    }
    let best = metrics
        .iter()
        .max_by(|a, b| {
            a.macro_f1
                .total_cmp(&b.macro_f1)
                .then(a.accuracy.total_cmp(&b.accuracy))
                .then((a.learner != CategoryLearner::Majority).cmp(&(b.learner != CategoryLearner::Majority)))
        })
        .map_or(CategoryLearner::Logistic, |m| m.learner);
    Ok((CategoryModel::fit(schema, cases, best)?, metrics))
}
