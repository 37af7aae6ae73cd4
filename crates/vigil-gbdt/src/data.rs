//! The numeric matrix the GBDT (and vigil's MLP) train on: one `f32` column per feature
//! (column-major), NaN for a missing value, categorical features as the index of their level.
//!
//! The [`FeatureSchema`] (names, order, kinds and categorical levels) is saved with every
//! model; a matrix given to a model must carry the same schema. Building a schema and a
//! matrix from a data frame is the caller's business (vigil does it in `risk::matrix`):
//! this crate never sees a data frame.

use serde::{Deserialize, Serialize};

/// Most levels a categorical feature may have (the GBDT keeps one histogram bin per level).
pub const MAX_LEVELS: usize = 250;

/// How a feature is encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ColumnKind {
    /// A number (integers, floats and flags are read as `f32`).
    Numeric,
    /// A string with a fixed set of levels, sorted; other values read as missing.
    Categorical {
        /// Levels seen in training, sorted.
        levels: Vec<String>,
    },
}

/// One input column of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaColumn {
    /// Column name in the feature table.
    pub name: String,
    /// Encoding.
    #[serde(flatten)]
    pub kind: ColumnKind,
}

/// The model's inputs in order: saved with every model and checked at scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSchema {
    /// Columns in model order.
    pub columns: Vec<SchemaColumn>,
}

impl FeatureSchema {
    /// Column names in model order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// A short stable fingerprint of names, order, kinds and levels: XXH3-64 of the schema's
    /// JSON, hex (XXH3 is a published hash, so the value does not change with the toolchain).
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(json.as_bytes()))
    }
}

/// A column-major `f32` matrix in schema order.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The columns' schema.
    pub schema: FeatureSchema,
    /// One vector per column, each `rows` long; NaN is missing.
    pub columns: Vec<Vec<f32>>,
    /// Number of rows.
    pub rows: usize,
}

impl Matrix {
    /// The rows at `idx`, in that order.
    pub fn take(&self, idx: &[usize]) -> Self {
        Self {
            schema: self.schema.clone(),
            columns: self
                .columns
                .iter()
                .map(|c| idx.iter().map(|&i| c[i]).collect())
                .collect(),
            rows: idx.len(),
        }
    }

    /// Number of features.
    pub fn width(&self) -> usize {
        self.columns.len()
    }
}

/// Training rows: features, 0/1 labels and sample weights (which undo down-sampling).
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Features.
    pub x: Matrix,
    /// Labels, 0.0 or 1.0.
    pub y: Vec<f32>,
    /// Sample weights (> 0).
    pub w: Vec<f32>,
}

impl Dataset {
    /// The rows at `idx`.
    pub fn take(&self, idx: &[usize]) -> Self {
        Self {
            x: self.x.take(idx),
            y: idx.iter().map(|&i| self.y[i]).collect(),
            w: idx.iter().map(|&i| self.w[i]).collect(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Weighted share of positives.
    pub fn positive_rate(&self) -> f64 {
        let (pos, all) = self.y.iter().zip(&self.w).fold((0.0, 0.0), |(p, a), (&y, &w)| {
            (p + f64::from(y * w), a + f64::from(w))
        });
        if all > 0.0 { pos / all } else { 0.0 }
    }
}
