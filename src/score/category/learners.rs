//! Fitting and applying each learner of the category model.

use super::{CategoryLearner, Fitted, Logistic};
use crate::risk::RiskError;
use crate::score::resolution::{FeatureSpace, ResolutionError};
use vigil_gbdt::loss::sigmoid;
use vigil_gbdt::{self as gbdt, Dataset, FeatureSchema, GbdtParams, Matrix};

/// Neighbours in the k-nearest-cases vote.
pub const KNN_K: usize = 25;
/// Boosting rounds of each one-vs-rest GBDT (no early stopping: a few hundred cases per
/// category leave no validation set to stop on).
pub const GBDT_ROUNDS: usize = 60;

/// Fits `learner` on schema-order `rows` with class indices `labels` (< `classes`).
pub(super) fn fit(
    learner: CategoryLearner,
    schema: &FeatureSchema,
    rows: &[&[f64]],
    labels: &[usize],
    classes: usize,
) -> Result<Fitted, ResolutionError> {
    let mut priors = vec![0.0; classes];
    for &y in labels {
        priors[y] += 1.0 / labels.len() as f64;
    }
    Ok(match learner {
        CategoryLearner::Majority => Fitted::Majority { priors },
        CategoryLearner::Logistic => Fitted::Logistic(Logistic::fit(schema, rows, labels, classes)),
        CategoryLearner::Knn => {
            let space = FeatureSpace::fit(schema, rows);
            let points = rows.iter().map(|r| space.transform(r)).collect();
            Fitted::Knn {
                space,
                points,
                labels: labels.to_vec(),
                priors,
            }
        }
        CategoryLearner::Gbdt => Fitted::Gbdt {
            models: fit_gbdt(schema, rows, labels, classes)?,
            priors,
        },
    })
}

/// Class probabilities of one row, in class order, summing to 1.
pub(super) fn probabilities(fitted: &Fitted, schema: &FeatureSchema, row: &[f64]) -> Vec<f64> {
    match fitted {
        Fitted::Majority { priors } => priors.clone(),
        Fitted::Logistic(m) => m.probabilities(row),
        Fitted::Knn {
            space,
            points,
            labels,
            priors,
        } => knn_vote(space, points, labels, priors, row),
        Fitted::Gbdt { models, priors } => {
            let x = matrix(schema, &[row]);
            let raw: Vec<f64> = models
                .iter()
                .zip(priors)
                .map(|(m, &prior)| match m {
                    Some(m) => m
                        .predict_margin(&x)
                        .ok()
                        .and_then(|v| v.first().copied())
                        .map_or(prior, sigmoid),
                    None => prior,
                })
                .collect();
            normalise(raw, priors)
        }
    }
}

/// Votes of the [`KNN_K`] nearest points, smoothed with one pseudo-vote spread by the priors.
fn knn_vote(
    space: &FeatureSpace,
    points: &[Vec<f64>],
    labels: &[usize],
    priors: &[f64],
    row: &[f64],
) -> Vec<f64> {
    let x = space.transform(row);
    let mut near: Vec<(f64, usize)> = points
        .iter()
        .zip(labels)
        .map(|(p, &y)| (space.distance(&x, p), y))
        .collect();
    let k = KNN_K.min(near.len());
    if k > 0 && k < near.len() {
        near.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
    }
    let mut votes: Vec<f64> = priors.to_vec();
    for &(_, y) in &near[..k] {
        votes[y] += 1.0;
    }
    normalise(votes, priors)
}

/// Scales non-negative scores to sum to 1 (the priors when they sum to 0).
fn normalise(scores: Vec<f64>, priors: &[f64]) -> Vec<f64> {
    let total: f64 = scores.iter().sum();
    if total > 0.0 && total.is_finite() {
        scores.into_iter().map(|s| s / total).collect()
    } else {
        priors.to_vec()
    }
}

/// A column-major `f32` matrix of `rows` for the GBDT.
fn matrix(schema: &FeatureSchema, rows: &[&[f64]]) -> Matrix {
    let width = schema.columns.len();
    Matrix {
        schema: schema.clone(),
        columns: (0..width)
            .map(|j| rows.iter().map(|r| r[j] as f32).collect())
            .collect(),
        rows: rows.len(),
    }
}

/// One binary GBDT per class (one-vs-rest); `None` where the class is absent or is every row.
fn fit_gbdt(
    schema: &FeatureSchema,
    rows: &[&[f64]],
    labels: &[usize],
    classes: usize,
) -> Result<Vec<Option<gbdt::Gbdt>>, ResolutionError> {
    let params = GbdtParams {
        learning_rate: 0.05,
        max_rounds: GBDT_ROUNDS,
        num_leaves: 8,
        min_data_in_leaf: 10,
        lambda_l2: 1.0,
        max_bins: 64,
        ..GbdtParams::default()
    };
    let x = matrix(schema, rows);
    let mut models = Vec::with_capacity(classes);
    for c in 0..classes {
        let y: Vec<f32> = labels.iter().map(|&l| f32::from(u8::from(l == c))).collect();
        let positives = y.iter().filter(|&&v| v > 0.5).count();
        if positives == 0 || positives == y.len() {
            models.push(None);
            continue;
        }
        let data = Dataset {
            x: x.clone(),
            w: vec![1.0; y.len()],
            y,
        };
        let (model, _) = gbdt::fit(&params, &data, None).map_err(RiskError::from)?;
        models.push(Some(model));
    }
    Ok(models)
}
