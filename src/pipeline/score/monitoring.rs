//! Drift monitoring in the scoring stage: today's scoring matrix and scores against the
//! champion's `drift_reference.json` (see [`crate::score::drift`]), as `monitoring` rows,
//! a warning naming the drifted features, and the optional `--fail-on-drift` gate.

use crate::pipeline::risk::side_models::DRIFT_REFERENCE;
use crate::score::drift::{Drift, Reference, SIGNIFICANT_PSI, gate_trips, monitoring_frame};
use crate::{Error, Result};
use polars::prelude::DataFrame;
use serde::Serialize;
use vigil_gbdt::Matrix;
use vigil_store::registry::Registry;
use vigil_store::storage::Storage;

/// What drift monitoring measured for one scoring run.
pub(super) struct Monitoring {
    /// The `monitoring` table's rows.
    pub frame: DataFrame,
    /// Headline figures for the score stage's metrics.
    pub metrics: DriftMetrics,
}

/// The headline drift figures of one scoring run (the `score` stage's `drift`).
#[derive(Debug, Serialize)]
pub(super) struct DriftMetrics {
    /// Columns monitored (the features and the score).
    columns: usize,
    /// Columns above [`SIGNIFICANT_PSI`].
    drifted: usize,
    /// The largest PSI, and the column it belongs to.
    max_psi: Option<f64>,
    max_psi_feature: Option<String>,
    /// The score's own PSI.
    score_psi: Option<f64>,
    /// [`SIGNIFICANT_PSI`].
    threshold: f64,
    /// Rows of the training reference.
    reference_rows: usize,
}

/// Measures drift when the model version has a reference; `None` (with a warning) when it
/// was trained before references were saved. Every column above [`SIGNIFICANT_PSI`] is a
/// warning. With `fail_on_drift`, the run stops with [`Error::DriftGate`] (exit 4) before
/// anything is staged when the score's own distribution drifted above [`SIGNIFICANT_PSI`], or
/// when more than [`crate::score::drift::GATE_FEATURE_SHARE`] of the monitored features did: one feature alone (e.g.
/// `days_since_nps`, which jumps with every NPS survey wave) warns but does not stop scoring.
#[allow(clippy::too_many_arguments)]
pub(super) fn measure(
    storage: &Storage,
    registry: &Registry<'_>,
    version: &str,
    run_id: &str,
    x: &Matrix,
    probability: &[f64],
    fail_on_drift: bool,
    warnings: &mut Vec<String>,
) -> Result<Option<Monitoring>> {
    let file = registry.version_location(version).join(DRIFT_REFERENCE);
    if !storage.exists(&file)? {
        warnings.push(format!(
            "model {version} has no {DRIFT_REFERENCE}: drift is not monitored for it (retrain to add one)"
        ));
        return Ok(None);
    }
    let bytes = registry.read(version, DRIFT_REFERENCE)?;
    let reference: Reference =
        serde_json::from_slice(&bytes).map_err(|e| Error::Internal(format!("{file} is unreadable: {e}")))?;
    let drifts = reference
        .compare(x, probability)
        .map_err(|e| Error::Internal(format!("{file}: {e}")))?;
    let drifted: Vec<&Drift> = drifts.iter().filter(|d| d.is_significant()).collect();
    let max = drifts.iter().max_by(|a, b| a.psi.total_cmp(&b.psi));
    let listed = |with_psi: bool| -> String {
        drifted
            .iter()
            .map(|d| match with_psi {
                true => format!("{}={:.3}", d.feature, d.psi),
                false => d.feature.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !drifted.is_empty() {
        tracing::warn!(
            model = %version,
            drifted = drifted.len(),
            features = %listed(false),
            "drift: PSI above {SIGNIFICANT_PSI} against the training reference"
        );
        if fail_on_drift && gate_trips(&drifts) {
            return Err(Error::DriftGate {
                version: version.to_string(),
                threshold: SIGNIFICANT_PSI,
                features: listed(true),
            });
        }
        warnings.push(format!(
            "drift: PSI above {SIGNIFICANT_PSI} against model {version}'s training reference for {} of {} \
             monitored columns: {}",
            drifted.len(),
            drifts.len(),
            listed(true)
        ));
    }
    let score_psi = drifts.last().map(|d| d.psi);
    let metrics = DriftMetrics {
        columns: drifts.len(),
        drifted: drifted.len(),
        max_psi: max.map(|d| d.psi),
        max_psi_feature: max.map(|d| d.feature.clone()),
        score_psi,
        threshold: SIGNIFICANT_PSI,
        reference_rows: reference.rows,
    };
    let frame = monitoring_frame(run_id, version, &drifts)?;
    Ok(Some(Monitoring { frame, metrics }))
}
