//! Held-out metrics of a category model: accuracy, macro-F1 (scikit-learn's definitions,
//! `zero_division=0`, over every class that is true or predicted), log loss and per-class
//! precision / recall / F1.

use super::{CategoryLearner, CategoryModel};
use crate::score::resolution::{Case, ResolutionError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vigil_text::metrics::ClassMetrics;
use vigil_text::metrics::ratio;

/// Smallest probability in the log loss (a category the model never saw).
const MIN_PROB: f64 = 1e-6;

/// How well a category model predicts held-out escalations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryMetrics {
    /// The learner.
    pub learner: CategoryLearner,
    /// Cases it was fitted on.
    pub n_train: usize,
    /// Cases it was evaluated on.
    pub n_test: usize,
    /// Share predicted right (the most probable category).
    pub accuracy: f64,
    /// Unweighted mean F1 over the classes that are true or predicted.
    pub macro_f1: f64,
    /// Mean negative log probability of the true category (floored at 1e-6).
    pub log_loss: f64,
    /// Per class, sorted by name.
    pub per_class: Vec<ClassMetrics>,
}

/// Evaluates `model` on `cases`.
pub fn evaluate(model: &CategoryModel, cases: &[Case]) -> Result<CategoryMetrics, ResolutionError> {
    if cases.is_empty() {
        return Err(ResolutionError::Data(
            "no held-out case to evaluate the category model on".into(),
        ));
    }
    // (true, predicted) → count
    let mut pairs: BTreeMap<(&str, String), u64> = BTreeMap::new();
    let mut loss = 0.0;
    for c in cases {
        let probs = model.predict(&c.features)?;
        let predicted = probs.first().map(|p| p.0.clone()).unwrap_or_default();
        let p_true = probs.iter().find(|(k, _)| *k == c.category).map_or(0.0, |p| p.1);
        loss -= p_true.max(MIN_PROB).ln();
        *pairs.entry((c.category.as_str(), predicted)).or_default() += 1;
    }
    let mut classes: Vec<&str> = pairs.keys().flat_map(|(t, p)| [*t, p.as_str()]).collect();
    classes.sort_unstable();
    classes.dedup();
    let per_class: Vec<ClassMetrics> = classes
        .iter()
        .map(|&k| {
            let count = |f: &dyn Fn(&str, &str) -> bool| -> u64 {
                pairs.iter().filter(|((t, p), _)| f(t, p)).map(|(_, n)| n).sum()
            };
            let tp = count(&|t, p| t == k && p == k);
            let predicted = count(&|_, p| p == k);
            let support = count(&|t, _| t == k);
            ClassMetrics::from_counts(k, tp, predicted, support)
        })
        .collect();
    let correct: u64 = pairs.iter().filter(|((t, p), _)| t == p).map(|(_, n)| n).sum();
    let n = cases.len();
    Ok(CategoryMetrics {
        learner: model.learner(),
        n_train: model.trained_on,
        n_test: n,
        accuracy: ratio(correct, n as u64),
        macro_f1: per_class.iter().map(|c| c.f1).sum::<f64>() / per_class.len().max(1) as f64,
        log_loss: loss / n as f64,
        per_class,
    })
}
