//! The index of resolved past escalations and the k-nearest-cases estimate.

use super::phrases::{category_phrase, intervention_phrase};
use super::{Case, FeatureSpace, ResolutionError};
use crate::score::brief::{ResolutionEstimate, SimilarCase};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vigil_gbdt::FeatureSchema;

/// Similar cases per estimate. Measured on the demo history (8-week split, true category):
/// MAE 3.72 days at k = 7, 3.48 at 15, 3.40 at 25 against 3.28 for the category median —
/// resolution time there depends on the category and noise only, so fewer neighbours only
/// add sampling noise; 15 keeps the cases few enough to read.
pub const DEFAULT_K: usize = 15;
/// Most success factors an estimate names.
pub const MAX_SUCCESS_FACTORS: usize = 3;

/// A resolved past escalation in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedCase {
    /// Escalation id.
    pub escalation_id: String,
    /// Account id.
    pub account_id: String,
    /// Category.
    pub category: String,
    /// Days to resolve.
    pub resolution_days: f64,
    /// Interventions used.
    pub interventions: Vec<String>,
    /// Its features in the index's [`FeatureSpace`] (clipped z-scores, level indices, NaN).
    #[serde(with = "crate::score::nan_json::vec")]
    pub point: Vec<f64>,
}

/// Resolved past escalations and how to compare an account with them; saved as JSON in
/// the model registry beside the risk model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionIndex {
    /// Features of the rows it compares (encode a scoring frame with it).
    pub schema: FeatureSchema,
    /// Standardisation fitted on the indexed cases.
    pub space: FeatureSpace,
    /// The resolved cases.
    pub cases: Vec<IndexedCase>,
    /// Which estimate becomes `predicted_days` (chosen by the held-out backtest at training).
    #[serde(default)]
    pub estimator: Estimator,
}

/// The point estimate of resolution days an alert carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// The mean of the k most similar resolved cases.
    #[default]
    SimilarCases,
    /// The median of the predicted category's resolved cases (used when it was the more
    /// accurate on held-out time: the features then say little about resolution time).
    CategoryMedian,
}

impl Estimator {
    /// Name written to `risk_scores.resolution_method`.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::SimilarCases => "similar_cases",
            Estimator::CategoryMedian => "category_median",
        }
    }
}

impl ResolutionIndex {
    /// Indexes the resolved `cases` (vectors in `schema` order); unresolved ones are skipped.
    pub fn fit(schema: &FeatureSchema, cases: &[Case]) -> Result<Self, ResolutionError> {
        let width = schema.columns.len();
        let resolved: Vec<(&Case, f64)> = cases
            .iter()
            .filter_map(|c| c.resolution_days.map(|d| (c, d)))
            .collect();
        if resolved.is_empty() {
            return Err(ResolutionError::Data(
                "no resolved escalation has a feature snapshot: the resolution index needs at least one"
                    .into(),
            ));
        }
        if let Some((c, _)) = resolved.iter().find(|(c, _)| c.features.len() != width) {
            return Err(ResolutionError::Width {
                expected: width,
                found: c.features.len(),
            });
        }
        let rows: Vec<&[f64]> = resolved.iter().map(|(c, _)| c.features.as_slice()).collect();
        let space = FeatureSpace::fit(schema, &rows);
        let cases = resolved
            .into_iter()
            .map(|(c, days)| IndexedCase {
                escalation_id: c.escalation_id.clone(),
                account_id: c.account_id.clone(),
                category: c.category.clone(),
                resolution_days: days,
                interventions: c.interventions.clone(),
                point: space.transform(&c.features),
            })
            .collect();
        Ok(Self {
            schema: schema.clone(),
            space,
            cases,
            estimator: Estimator::default(),
        })
    }

    /// Median resolution days of the indexed cases of `category` (`None` when it has none).
    pub fn category_median(&self, category: &str) -> Option<f64> {
        median(
            self.cases
                .iter()
                .filter(|c| c.category == category)
                .map(|c| c.resolution_days)
                .collect(),
        )
    }

    /// Median resolution days of every indexed case.
    pub fn overall_median(&self) -> Option<f64> {
        median(self.cases.iter().map(|c| c.resolution_days).collect())
    }

    /// The `k` resolved cases nearest to `row` (encoded with [`Self::schema`], NaN missing):
    /// those of `category` first, then the nearest of other categories to fill `k` (the
    /// summary says so), with their mean and standard deviation of days and the
    /// interventions most common among the fastest half. `None` when `k` is 0; a row of the
    /// wrong width is an error.
    pub fn estimate(
        &self,
        row: &[f64],
        category: &str,
        k: usize,
    ) -> Result<Option<ResolutionEstimate>, ResolutionError> {
        if row.len() != self.space.width() {
            return Err(ResolutionError::Width {
                expected: self.space.width(),
                found: row.len(),
            });
        }
        if k == 0 || self.cases.is_empty() {
            return Ok(None);
        }
        let x = self.space.transform(row);
        let mut scored: Vec<(f64, &IndexedCase)> = self
            .cases
            .iter()
            .map(|c| (self.space.distance(&x, &c.point), c))
            .collect();
        scored.sort_by(|a, b| {
            (a.1.category != category)
                .cmp(&(b.1.category != category))
                .then(a.0.total_cmp(&b.0))
                .then_with(|| a.1.escalation_id.cmp(&b.1.escalation_id))
        });
        scored.truncate(k);
        let same = scored.iter().filter(|(_, c)| c.category == category).count();
        let days: Vec<f64> = scored.iter().map(|(_, c)| c.resolution_days).collect();
        let (mean_days, spread_days) = mean_sd(&days);
        let success_factors = success_factors(&scored);
        let summary = summary_sentence(
            category,
            same,
            scored.len() - same,
            mean_days,
            spread_days,
            &success_factors,
        );
        let cases = scored
            .iter()
            .map(|(d, c)| SimilarCase {
                escalation_id: c.escalation_id.clone(),
                account_id: c.account_id.clone(),
                category: c.category.clone(),
                resolution_days: c.resolution_days,
                distance: *d,
            })
            .collect();
        let predicted_days = match self.estimator {
            Estimator::CategoryMedian => self.category_median(category).unwrap_or(mean_days),
            Estimator::SimilarCases => mean_days,
        };
        Ok(Some(ResolutionEstimate {
            category: category.to_string(),
            cases,
            mean_days,
            spread_days,
            predicted_days,
            method: self.estimator.name().into(),
            success_factors,
            summary,
        }))
    }
}

/// Interventions most common among the fastest half (rounded up) of `cases`: by how many
/// of those cases used each, then by their mean days (faster first), then by name; at most
/// [`MAX_SUCCESS_FACTORS`].
fn success_factors(cases: &[(f64, &IndexedCase)]) -> Vec<String> {
    let mut by_speed: Vec<&IndexedCase> = cases.iter().map(|(_, c)| *c).collect();
    by_speed.sort_by(|a, b| a.resolution_days.total_cmp(&b.resolution_days));
    by_speed.truncate(cases.len().div_ceil(2));
    let mut tally: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for c in &by_speed {
        let mut seen: Vec<&str> = Vec::new();
        for i in c.interventions.iter().map(String::as_str) {
            if !seen.contains(&i) {
                seen.push(i);
                let e = tally.entry(i).or_insert((0, 0.0));
                e.0 += 1;
                e.1 += c.resolution_days;
            }
        }
    }
    let mut ranked: Vec<(&str, usize, f64)> = tally
        .into_iter()
        .map(|(i, (n, sum))| (i, n, sum / n as f64))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.total_cmp(&b.2)).then(a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(MAX_SUCCESS_FACTORS)
        .map(|(i, _, _)| i.to_string())
        .collect()
}

/// The estimate as one sentence, e.g. "comparable to 7 previous product defect escalations,
/// which averaged 4.2 ± 1.3 days to resolve; success factors: a hotfix, a war room and an
/// engineering fix". `same` cases are of `category`, `others` of other categories.
pub fn summary_sentence(
    category: &str,
    same: usize,
    others: usize,
    mean_days: f64,
    spread_days: f64,
    success_factors: &[String],
) -> String {
    let n = same + others;
    let cat = category_phrase(category);
    let plural = if n == 1 { "escalation" } else { "escalations" };
    let which = if others == 0 {
        format!("comparable to {n} previous {cat} {plural}")
    } else {
        format!("comparable to {n} previous {plural} ({same} {cat}, {others} of other categories)")
    };
    let days = if n == 1 {
        format!("which took {mean_days:.1} days to resolve")
    } else {
        format!("which averaged {mean_days:.1} ± {spread_days:.1} days to resolve")
    };
    let mut sentence = format!("{which}, {days}");
    if !success_factors.is_empty() {
        let phrases: Vec<String> = success_factors.iter().map(|s| intervention_phrase(s)).collect();
        sentence.push_str("; success factors: ");
        sentence.push_str(&join_and(&phrases));
    }
    sentence
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Mean and sample standard deviation (0 for fewer than two values).
pub(super) fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

/// Median (mean of the two middle values for an even count); `None` when empty.
pub(super) fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    })
}
