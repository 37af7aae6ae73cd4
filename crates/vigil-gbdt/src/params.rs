//! The GBDT's hyper-parameters (`[risk.gbdt]` in vigil's config) and their ranges.

use crate::GbdtError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Hyper-parameters (`[risk.gbdt]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GbdtParams {
    /// Shrinkage of every tree.
    pub learning_rate: f64,
    /// Most boosting rounds.
    pub max_rounds: usize,
    /// Stop when the validation loss has not improved for this many rounds.
    pub early_stopping_rounds: usize,
    /// Most leaves per tree.
    pub num_leaves: usize,
    /// Deepest split level (0: unlimited).
    pub max_depth: usize,
    /// Fewest training rows in a leaf.
    pub min_data_in_leaf: u32,
    /// Smallest hessian sum in a leaf.
    pub min_sum_hessian: f64,
    /// L2 regularisation of leaf values.
    pub lambda_l2: f64,
    /// Smallest loss reduction worth a split.
    pub min_gain_to_split: f64,
    /// Histogram bins per feature, including the missing bin (2–255).
    pub max_bins: usize,
    /// Feature → +1 (risk never falls as it grows) or −1 (never rises).
    pub monotone: BTreeMap<String, i8>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

impl Default for GbdtParams {
    fn default() -> Self {
        Self {
            learning_rate: 0.05,
            max_rounds: 400,
            early_stopping_rounds: 40,
            num_leaves: 31,
            max_depth: 0,
            min_data_in_leaf: 20,
            min_sum_hessian: 1e-3,
            lambda_l2: 1.0,
            min_gain_to_split: 0.0,
            max_bins: 255,
            monotone: BTreeMap::new(),
            threads: 0,
        }
    }
}

impl GbdtParams {
    /// Checks value ranges: [`GbdtError::InvalidOption`] names the first value out of range
    /// (`gbdt.<key>`), which [`crate::fit`] also checks before training.
    pub fn validate(&self) -> Result<(), GbdtError> {
        let bad = |m: String| Err(GbdtError::InvalidOption(m));
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return bad(format!(
                "gbdt.learning_rate {} (allowed: (0, 1])",
                self.learning_rate
            ));
        }
        if self.max_rounds == 0 {
            return bad("gbdt.max_rounds 0 (allowed: at least 1)".into());
        }
        if self.num_leaves < 2 {
            return bad(format!(
                "gbdt.num_leaves {} (allowed: at least 2)",
                self.num_leaves
            ));
        }
        if !(2..=255).contains(&self.max_bins) {
            return bad(format!("gbdt.max_bins {} (allowed: 2 to 255)", self.max_bins));
        }
        if self.lambda_l2 < 0.0 || self.min_sum_hessian < 0.0 || self.min_gain_to_split < 0.0 {
            return bad("gbdt.lambda_l2, min_sum_hessian and min_gain_to_split must be ≥ 0".into());
        }
        if let Some((name, c)) = self.monotone.iter().find(|(_, c)| !matches!(c, -1..=1)) {
            return bad(format!("gbdt.monotone.{name} = {c} (allowed: -1, 0, 1)"));
        }
        Ok(())
    }
}
