//! The models that travel with a risk model version: the escalation-category model and the
//! resolution-time index (similar past cases), fitted on the feature snapshots taken just
//! before each past escalation, and backtested on the same held-out weeks as the risk model.

use super::input::Labelled;
use crate::contract::Taxonomy;
use crate::score::ScoreError;
use crate::score::category::{fit_best, fold_rare};
use crate::score::drift::Reference;
use crate::score::resolution::{DEFAULT_K, Estimator, ResolutionIndex, cases, default_features};
use crate::score::resolution_backtest::backtest;
use crate::{Error, Result};
use bytes::Bytes;
use serde_json::{Value, json};
use vigil_gbdt::Matrix;

/// Registry files and headline figures of the side models.
pub struct SideModels {
    /// `category.json`, `resolution.json`, `resolution_backtest.json`.
    pub files: Vec<(&'static str, Bytes)>,
    /// Headline figures for the manifest and the run summary.
    pub metrics: Value,
}

fn json_bytes<T: serde::Serialize>(v: &T) -> Result<Bytes> {
    Ok(Bytes::from(
        serde_json::to_vec_pretty(v).map_err(|e| Error::Internal(e.to_string()))?,
    ))
}

/// Fits the category model and the resolution index when the history has escalations with
/// categories; `split_us` is the start of the validation weeks. With an open category
/// taxonomy, categories of fewer than its `min_count` cases are folded into `other` first.
/// `None` (with the reason logged) when there is nothing to learn from.
pub fn fit(data: &Labelled, split_us: i64, taxonomy: &Taxonomy) -> Result<Option<SideModels>> {
    let Some(escalations) = &data.escalation_table else {
        return Ok(None);
    };
    let names = default_features();
    let names: Vec<&str> = names
        .into_iter()
        .filter(|n| data.frame.column(n).is_ok())
        .collect();
    let mut table = cases(&data.frame, escalations, &names).map_err(ScoreError::from)?;
    if taxonomy.categories.open {
        let folded = fold_rare(&mut table.cases, taxonomy.categories.min_count);
        if !folded.is_empty() {
            tracing::info!(
                categories = folded.len(),
                min_count = taxonomy.categories.min_count,
                "rare escalation categories folded into `other` for the category model"
            );
        }
    }
    if table.cases.is_empty() || !table.cases.iter().any(|c| c.resolution_days.is_some()) {
        tracing::warn!(
            escalations = escalations.height(),
            "no past escalation has a feature snapshot and a resolution: no category model or resolution estimate"
        );
        return Ok(None);
    }
    let (category, candidates) = fit_best(&table.schema, &table.cases, split_us).map_err(ScoreError::from)?;
    let mut index = ResolutionIndex::fit(&table.schema, &table.cases).map_err(ScoreError::from)?;
    let bt = match backtest(&table, split_us, DEFAULT_K, category.learner()) {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::warn!(reason = %e, "resolution estimate not backtested");
            None
        }
    };
    // The point estimate an alert carries is whichever was the more accurate on the held-out
    // weeks; the similar cases, their spread and success factors are reported either way.
    if bt.as_ref().is_some_and(|b| b.baseline_mae < b.knn_mae) {
        index.estimator = Estimator::CategoryMedian;
    }
    let chosen = candidates.iter().find(|m| m.learner == category.learner());
    let metrics = json!({
        "category_learner": category.learner().name(),
        "category_accuracy": chosen.map(|m| m.accuracy),
        "category_macro_f1": chosen.map(|m| m.macro_f1),
        "category_majority_accuracy": candidates
            .iter()
            .find(|m| m.learner.name() == "majority")
            .map(|m| m.accuracy),
        "escalation_cases": table.cases.len(),
        "resolution_k": DEFAULT_K,
        "resolution_estimator": index.estimator.name(),
        "resolution_mae_days": bt.as_ref().map(|b| b.knn_mae),
        "resolution_baseline_mae_days": bt.as_ref().map(|b| b.baseline_mae),
        "resolution_mae_days_predicted_category": bt.as_ref().map(|b| b.knn_mae_predicted),
        "resolution_heldout": bt.as_ref().map(|b| b.n),
    });
    let mut files = vec![
        ("category.json", json_bytes(&category)?),
        ("resolution.json", json_bytes(&index)?),
    ];
    files.push((
        "resolution_backtest.json",
        json_bytes(&json!({ "category_candidates": candidates, "resolution": bt }))?,
    ));
    Ok(Some(SideModels { files, metrics }))
}

/// Registry file name of the drift reference.
pub const DRIFT_REFERENCE: &str = "drift_reference.json";

/// The drift reference (`drift_reference.json`) of the validation matrix and its calibrated
/// probabilities.
///
/// The reference population is the validation rows — the most recent held-out weeks — not
/// the training rows: they are the population nearest in time to the one scored next, and
/// the model never fitted them, so their score distribution is the one the model produces on
/// unseen accounts (training rows score more confidently than new data ever will, which would
/// read as score drift on every run). They are also the rows the backtest gate proved the
/// model on: drift from them says the proof may no longer hold.
///
/// The feed-freshness features (`*_staleness_hours`) are left out: they measure the input
/// feeds, the same value for every account at one moment, so today's population is a single
/// point against a reference spread over the held-out weeks and their PSI is always large
/// whatever the accounts do (the feeds' freshness is reported by the features stage).
pub fn drift_reference(valid: &Matrix, probability: &[f64]) -> Result<(&'static str, Bytes)> {
    let reference = Reference::build(
        valid,
        probability,
        "validation rows (account snapshots of the held-out weeks), calibrated probability",
        |name| !name.ends_with("_staleness_hours"),
    );
    Ok((DRIFT_REFERENCE, json_bytes(&reference)?))
}
