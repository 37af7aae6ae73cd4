//! The risk model's parameters (`[risk]` in the config): engine, split, calibration,
//! backtest gate, registry, CSM feedback and the MLP's hyper-parameters. Each type checks its
//! own ranges; `config` deserialises and composes them. The GBDT's hyper-parameters are the
//! GBDT crate's ([`vigil_gbdt::GbdtParams`]).

use serde::{Deserialize, Serialize};
use vigil_gbdt::GbdtParams;
use vigil_text::DeviceName;

/// Which learner `vigil train` fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    /// Histogram gradient-boosted trees.
    #[default]
    Gbdt,
    /// The burn MLP.
    Mlp,
    /// Train both; keep the better validation PR-AUC.
    Auto,
}

/// How raw margins become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CalibrationMethod {
    /// Isotonic regression (pool-adjacent-violators).
    #[default]
    Isotonic,
    /// Platt scaling (logistic regression of the margin).
    Platt,
}

/// The `[risk]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskOptions {
    /// Learner.
    pub engine: EngineChoice,
    /// Model registry root (a folder or object-store URL; relative to the project root).
    pub registry: String,
    /// Weeks at the end of the window held out for validation and the backtest.
    pub validation_weeks: u32,
    /// Share of training negatives kept (kept ones are weighted 1/rate).
    pub negative_sample_rate: f64,
    /// Weight of positive training rows (class weighting; 1 = none).
    pub positive_weight: f64,
    /// Calibrator.
    pub calibration: CalibrationMethod,
    /// Alert when the risk score (0–100) is at or above this.
    pub alert_threshold: u32,
    /// Lead window of the backtest: an escalation counts as detected when flagged between
    /// `lead_max_hours` and `lead_min_hours` before it opened.
    pub lead_min_hours: u32,
    /// See `lead_min_hours`.
    pub lead_max_hours: u32,
    /// Gate: early-detection recall at the alert threshold.
    pub min_recall: f64,
    /// Gate: alert precision at the alert threshold.
    pub min_precision: f64,
    /// A challenger is promoted only if its validation PR-AUC is at least the champion's
    /// minus this (both scored on the challenger's validation window).
    pub promote_tolerance: f64,
    /// Thresholds the backtest reports recall and precision at (the tier boundaries).
    pub tier_thresholds: Vec<u32>,
    /// Features the model uses (empty: every catalogue feature).
    pub features: Vec<String>,
    /// Features left out.
    pub exclude_features: Vec<String>,
    /// Device of the MLP.
    pub device: DeviceName,
    /// Seed of down-sampling and the calibration folds.
    pub seed: u64,
    /// Gradient-boosting hyper-parameters.
    pub gbdt: GbdtParams,
    /// MLP hyper-parameters.
    pub mlp: MlpParams,
    /// CSM feedback in retraining (`[risk.feedback]`).
    pub feedback: FeedbackOptions,
}

impl Default for RiskOptions {
    fn default() -> Self {
        Self {
            engine: EngineChoice::Gbdt,
            registry: "out/registry".into(),
            validation_weeks: 8,
            negative_sample_rate: 0.3,
            positive_weight: 1.0,
            calibration: CalibrationMethod::Isotonic,
            alert_threshold: 7,
            lead_min_hours: 24,
            lead_max_hours: 72,
            min_recall: 0.8,
            min_precision: 0.3,
            promote_tolerance: 0.01,
            tier_thresholds: vec![60, 70, 80, 85, 90, 95],
            features: Vec::new(),
            exclude_features: Vec::new(),
            device: DeviceName::Flex,
            seed: 42,
            gbdt: GbdtParams::default(),
            mlp: MlpParams::default(),
            feedback: FeedbackOptions::default(),
        }
    }
}

/// A value out of range: `(dotted key, value, what is allowed)`, which `config` turns into its
/// `ConfigError::Value` (exit 2) with the file's path.
pub type InvalidValue = (String, String, String);

impl RiskOptions {
    /// Checks value ranges: `Err((key, value, allowed))` for the first value out of range,
    /// keys under `risk.`.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        self.validate_sampling()?;
        self.validate_gate()?;
        self.validate_tier_thresholds()?;
        if self.registry.trim().is_empty() {
            return bad("registry", "\"\"".into(), "a folder path or URL");
        }
        self.feedback.validate()?;
        self.gbdt
            .validate()
            .map_err(|e| ("risk.gbdt".into(), e.to_string(), "see README".into()))?;
        self.mlp
            .validate()
            .map_err(|m| ("risk.mlp".into(), m, "see README".into()))
    }

    /// The validation window and the training rows' sampling and weights.
    fn validate_sampling(&self) -> Result<(), InvalidValue> {
        if !(1..=26).contains(&self.validation_weeks) {
            return bad(
                "validation_weeks",
                self.validation_weeks.to_string(),
                "allowed: 1 to 26",
            );
        }
        if !(self.negative_sample_rate > 0.0 && self.negative_sample_rate <= 1.0) {
            return bad(
                "negative_sample_rate",
                self.negative_sample_rate.to_string(),
                "allowed: (0, 1]",
            );
        }
        if !(self.positive_weight > 0.0 && self.positive_weight.is_finite()) {
            return bad(
                "positive_weight",
                self.positive_weight.to_string(),
                "allowed: > 0",
            );
        }
        Ok(())
    }

    /// The alert threshold, the lead window and the backtest gate.
    fn validate_gate(&self) -> Result<(), InvalidValue> {
        if !(1..=100).contains(&self.alert_threshold) {
            return bad(
                "alert_threshold",
                self.alert_threshold.to_string(),
                "allowed: 1 to 100",
            );
        }
        if self.lead_min_hours >= self.lead_max_hours {
            let v = format!("{} / {}", self.lead_min_hours, self.lead_max_hours);
            return bad(
                "lead_min_hours / lead_max_hours",
                v,
                "allowed: lead_min_hours < lead_max_hours",
            );
        }
        for (k, v) in [
            ("min_recall", self.min_recall),
            ("min_precision", self.min_precision),
            ("promote_tolerance", self.promote_tolerance),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(k, v.to_string(), "allowed: 0.0 to 1.0");
            }
        }
        Ok(())
    }

    /// The backtest's thresholds: each 1 to 100, strictly ascending.
    fn validate_tier_thresholds(&self) -> Result<(), InvalidValue> {
        if let Some(t) = self.tier_thresholds.iter().find(|t| !(1..=100).contains(*t)) {
            return bad("tier_thresholds", t.to_string(), "allowed: thresholds 1 to 100");
        }
        if let Some(w) = self.tier_thresholds.windows(2).find(|w| w[1] <= w[0]) {
            return bad(
                "tier_thresholds",
                format!("{:?}", self.tier_thresholds),
                &format!(
                    "allowed: strictly ascending thresholds, without duplicates ({} is followed by {})",
                    w[0], w[1]
                ),
            );
        }
        Ok(())
    }
}

/// `Err` of the value at `risk.<key>`.
fn bad(key: &str, value: String, allowed: &str) -> Result<(), InvalidValue> {
    Err((format!("risk.{key}"), value, allowed.to_string()))
}

/// `[risk.feedback]`: how CSM verdicts (the `feedback` table) change retraining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedbackOptions {
    /// Use the verdicts when `vigil run` trains (`vigil train --with-feedback` always does),
    /// and write the `feedback_summary` table in `vigil run`.
    pub enabled: bool,
    /// Training weight of a snapshot a `false_positive` verdict confirms as negative (it is
    /// never sampled out).
    pub false_positive_weight: f64,
    /// Training weight of a lead-window snapshot before a `missed` escalation (a positive).
    pub missed_weight: f64,
    /// Re-tune the alert threshold: the highest one whose 24–72 h validation recall still
    /// reaches `min_recall` (the best precision at the target recall).
    pub retune_threshold: bool,
}

impl Default for FeedbackOptions {
    fn default() -> Self {
        Self {
            enabled: false,
            false_positive_weight: 3.0,
            missed_weight: 2.0,
            retune_threshold: true,
        }
    }
}

impl FeedbackOptions {
    /// Checks value ranges: `Err((key, value, allowed))` for the first value out of range.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        for (k, v) in [
            ("false_positive_weight", self.false_positive_weight),
            ("missed_weight", self.missed_weight),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err((format!("risk.feedback.{k}"), v.to_string(), "allowed: > 0".into()));
            }
        }
        Ok(())
    }
}

/// Hyper-parameters of the MLP (`[risk.mlp]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpParams {
    /// Widths of the hidden layers (may be empty: a linear model over the inputs).
    pub hidden: Vec<usize>,
    /// Width of each categorical feature's embedding.
    pub embedding_dim: usize,
    /// Dropout rate after each hidden layer while training, in `[0, 1)`.
    pub dropout: f64,
    /// Most passes over the training rows.
    pub epochs: usize,
    /// Rows per mini-batch.
    pub batch_size: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW (decoupled) weight decay.
    pub weight_decay: f64,
    /// Epochs without a better validation loss before stopping (0: run every epoch; the best
    /// epoch is kept either way).
    pub patience: usize,
    /// Seed of initialisation, dropout and batch order.
    pub seed: u64,
    /// `None`: sample weights as given; `Some(k)`: positives' weights are multiplied by `k`
    /// (class weighting), in training and in the validation loss used for early stopping.
    pub positive_weight: Option<f64>,
}

impl Default for MlpParams {
    fn default() -> Self {
        Self {
            hidden: vec![64, 32],
            embedding_dim: 4,
            dropout: 0.1,
            epochs: 40,
            batch_size: 512,
            learning_rate: 1e-3,
            weight_decay: 1e-4,
            patience: 5,
            seed: 42,
            positive_weight: None,
        }
    }
}

impl MlpParams {
    /// Checks that every option is in range; the message names the first one that is not
    /// (`risk::mlp` also checks before training, as a `RiskError::InvalidOption`).
    pub fn validate(&self) -> Result<(), String> {
        if self.hidden.contains(&0) {
            return Err(format!("hidden widths {:?} must be positive", self.hidden));
        }
        if self.embedding_dim == 0 || self.epochs == 0 || self.batch_size == 0 {
            return Err("embedding_dim, epochs and batch_size must be positive".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(format!("dropout {} must be in [0, 1)", self.dropout));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(format!("learning_rate {} must be positive", self.learning_rate));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(format!("weight_decay {} must be ≥ 0", self.weight_decay));
        }
        if let Some(k) = self.positive_weight
            && !(k.is_finite() && k > 0.0)
        {
            return Err(format!("positive_weight {k} must be positive"));
        }
        Ok(())
    }
}
