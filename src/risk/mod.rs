//! The escalation-risk model: training data, two engines behind one interface (a
//! histogram GBDT and a burn MLP), calibration, explanations and the lead-time backtest.
//!
//! This module does no I/O: it takes feature frames and returns models, scores and
//! metrics; [`vigil_store::registry`] stores models and [`crate::pipeline`] runs the stages.

pub mod backtest;
pub mod calibrate;
pub mod engine;
pub mod explain;
pub mod feedback;
mod gbdt;
pub mod matrix;
pub mod metrics;
pub mod mlp;
pub mod params;
pub mod split;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use vigil_gbdt::{Contributions, FeatureSchema, Matrix};

/// Errors of the risk model.
#[derive(Debug, thiserror::Error)]
pub enum RiskError {
    /// A feature the model needs is not in the frame.
    #[error("{context} has no column {column:?}, which the model needs")]
    MissingColumn {
        /// Column.
        column: String,
        /// Which frame.
        context: String,
    },
    /// A column's type does not match the model's feature schema.
    #[error(
        "feature schema mismatch in {context}: column {column:?} is {found}, the model expects {expected}"
    )]
    SchemaMismatch {
        /// Column.
        column: String,
        /// What the model was trained with.
        expected: String,
        /// What the frame has.
        found: String,
        /// Which frame.
        context: String,
    },
    /// A column type the model cannot use.
    #[error("column {column:?} has type {dtype}; features must be numeric, boolean or string")]
    UnsupportedType {
        /// Column.
        column: String,
        /// Its type.
        dtype: String,
    },
    /// A categorical feature has too many levels.
    #[error("categorical column {column:?} has {levels} levels (at most {max})", max = vigil_gbdt::MAX_LEVELS)]
    TooManyLevels {
        /// Column.
        column: String,
        /// Levels found.
        levels: usize,
    },
    /// The training data cannot train a model (no positives, too few rows, bad labels).
    #[error("cannot train: {0}")]
    Data(String),
    /// An option is out of range.
    #[error("invalid risk option: {0}")]
    InvalidOption(String),
    /// A saved model cannot be read.
    #[error("cannot read model: {0}")]
    Corrupt(String),
    /// The neural engine failed.
    #[error("neural engine: {0}")]
    Neural(String),
    /// A polars operation failed.
    #[error("risk data processing failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// Which learner produced a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Histogram gradient-boosted trees ([`vigil_gbdt`]).
    Gbdt,
    /// Multi-layer perceptron in burn ([`mlp`]).
    Mlp,
}

impl EngineKind {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Gbdt => "gbdt",
            EngineKind::Mlp => "mlp",
        }
    }
}

/// A trained model: raw margins (log-odds) and additive explanations of them.
pub trait RiskModel: Send + Sync {
    /// The learner.
    fn engine(&self) -> EngineKind;
    /// The input schema.
    fn schema(&self) -> &FeatureSchema;
    /// Raw margin (log-odds before calibration) per row.
    fn predict_margin(&self, x: &Matrix) -> Result<Vec<f64>, RiskError>;
    /// Feature contributions per row that sum with the bias to the margin.
    fn contributions(&self, x: &Matrix) -> Result<Contributions, RiskError>;
    /// Serialised model (what the registry stores as `model.bin`).
    fn to_bytes(&self) -> Result<Vec<u8>, RiskError>;
}
