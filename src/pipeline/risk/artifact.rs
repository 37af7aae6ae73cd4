//! Risk models as the registry stores them: the manifest, saving a trained model with its
//! calibrator, and loading one back for scoring or a backtest.

use crate::risk::calibrate::Calibrator;
use crate::risk::engine::Predict;
use crate::risk::matrix::FromFrame;
use crate::risk::mlp::Mlp;
use crate::risk::params::RiskOptions;
use crate::risk::{EngineKind, RiskModel};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use vigil_gbdt::{FeatureSchema, Gbdt, Matrix};
use vigil_store::registry::Registry;
use vigil_text::DeviceName;

/// `manifest.json` of a registered risk model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Version id (`risk-<run date>-<hash>`).
    pub version: String,
    /// Learner.
    pub engine: EngineKind,
    /// Run that trained it.
    pub run_id: Option<String>,
    /// Run date of that run.
    pub run_date: String,
    /// Training window: first and last snapshot instants, the training end and the
    /// validation start (RFC 3339; the last two absent for random splits).
    pub window: TrainingWindow,
    /// Inputs in order.
    pub feature_schema: FeatureSchema,
    /// Fingerprint of the schema (scoring refuses another).
    pub schema_fingerprint: String,
    /// Fingerprint of the training input (features and labels).
    pub input_fingerprint: String,
    /// Raw margin → probability.
    pub calibrator: Calibrator,
    /// Label horizon (hours).
    pub horizon_hours: u32,
    /// The `[risk]` section it was trained with.
    pub config: RiskOptions,
    /// Alert threshold re-tuned on the validation window by feedback retraining (scoring
    /// and the backtest use it instead of `[risk] alert_threshold`); `None`: not re-tuned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_threshold: Option<u32>,
    /// Headline validation metrics (the full backtest is `backtest.json`).
    pub metrics: serde_json::Value,
    /// Whether the backtest gate passed.
    pub gate_passed: bool,
    /// The gate's reason.
    pub gate_reason: String,
    /// Git commit vigil was built from.
    pub git_commit: String,
    /// vigil version.
    pub vigil_version: String,
}

/// The time span a model was trained and validated on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingWindow {
    /// First labelled snapshot.
    pub first_snapshot: Option<String>,
    /// Last labelled snapshot.
    pub last_snapshot: Option<String>,
    /// Training snapshots are before this.
    pub train_end: Option<String>,
    /// Validation snapshots are at or after this.
    pub valid_start: Option<String>,
}

/// A model loaded from the registry.
pub struct LoadedModel {
    /// Its manifest.
    pub manifest: Manifest,
    /// The model.
    pub model: Box<dyn RiskModel>,
}

impl LoadedModel {
    /// Encodes a feature frame with the model's schema (a clear error when a column is
    /// missing or retyped) and returns raw margins and calibrated probabilities.
    pub fn score(
        &self,
        frame: &polars::prelude::DataFrame,
        context: &str,
    ) -> Result<(Matrix, Vec<f64>, Vec<f64>)> {
        let x = Matrix::from_frame(frame, &self.manifest.feature_schema, context)?;
        let margin = self.model.predict_margin(&x)?;
        let prob = self.manifest.calibrator.apply_all(&margin);
        Ok((x, margin, prob))
    }
}

/// Loads a version from the registry (`champion` for the current champion).
pub fn load(registry: &Registry<'_>, version: &str, device: DeviceName) -> Result<LoadedModel> {
    let version = if version == "champion" {
        registry.champion()?.ok_or_else(|| {
            Error::Usage(format!(
                "the registry at {} has no champion yet: train one with `vigil train`, or name a version",
                registry.root()
            ))
        })?
    } else {
        version.to_string()
    };
    let manifest = read_manifest(registry, &version)?;
    let bytes = registry.read(&version, "model.bin")?;
    let model: Box<dyn RiskModel> = match manifest.engine {
        EngineKind::Gbdt => Box::new(Gbdt::read(&bytes, &())?),
        EngineKind::Mlp => Box::new(Mlp::read(&bytes, &crate::device::burn_device(device)?)?),
    };
    if model.schema().fingerprint() != manifest.schema_fingerprint {
        return Err(Error::Internal(format!(
            "model {version}: the model file's schema differs from its manifest's"
        )));
    }
    Ok(LoadedModel { manifest, model })
}

/// The manifest of a registered version.
pub fn read_manifest(registry: &Registry<'_>, version: &str) -> Result<Manifest> {
    serde_json::from_value(registry.manifest(version)?)
        .map_err(|e| Error::Internal(format!("manifest of {version} is not a risk manifest: {e}")))
}

/// The git commit vigil was built from (set by build.rs), or `unknown`.
pub fn git_commit() -> &'static str {
    option_env!("VIGIL_GIT_COMMIT").unwrap_or("unknown")
}
