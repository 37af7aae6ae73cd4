//! The numeric matrix both engines train on: one `f32` column per feature (column-major),
//! NaN for a missing value, categorical features as the index of their level.
//!
//! The [`FeatureSchema`] (names, order, kinds and categorical levels) is learned once from
//! the training frame and saved with the model; scoring maps its frame through the same
//! schema, so a level unseen in training reads as missing and a missing or retyped column is
//! a [`RiskError::SchemaMismatch`].

use super::RiskError;
use polars::prelude::*;
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
    /// Learns the schema of `names` from a training frame: string columns become
    /// categorical with their sorted levels, everything numeric or boolean is numeric.
    pub fn learn(frame: &DataFrame, names: &[String]) -> Result<Self, RiskError> {
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let col = frame.column(name).map_err(|_| RiskError::MissingColumn {
                column: name.clone(),
                context: "the training feature table".into(),
            })?;
            let kind = match col.dtype() {
                DataType::String => {
                    let mut levels: Vec<String> = col
                        .str()?
                        .iter()
                        .flatten()
                        .map(str::to_string)
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    if levels.len() > MAX_LEVELS {
                        return Err(RiskError::TooManyLevels {
                            column: name.clone(),
                            levels: levels.len(),
                        });
                    }
                    levels.shrink_to_fit();
                    ColumnKind::Categorical { levels }
                }
                d if d.is_primitive_numeric() || d.is_bool() => ColumnKind::Numeric,
                other => {
                    return Err(RiskError::UnsupportedType {
                        column: name.clone(),
                        dtype: other.to_string(),
                    });
                }
            };
            columns.push(SchemaColumn {
                name: name.clone(),
                kind,
            });
        }
        Ok(Self { columns })
    }

    /// Column names in model order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// A short stable fingerprint of names, order, kinds and levels (FNV-1a, hex).
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{:016x}", crate::text::fnv1a(&[json.as_bytes()]))
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
    /// Encodes a frame with a schema. Every schema column must exist with a compatible type;
    /// `context` names the frame in errors (e.g. "the scoring feature table").
    pub fn from_frame(frame: &DataFrame, schema: &FeatureSchema, context: &str) -> Result<Self, RiskError> {
        let rows = frame.height();
        let mut columns = Vec::with_capacity(schema.columns.len());
        for sc in &schema.columns {
            let col = frame.column(&sc.name).map_err(|_| RiskError::MissingColumn {
                column: sc.name.clone(),
                context: context.to_string(),
            })?;
            let mismatch = |found: &DataType| RiskError::SchemaMismatch {
                column: sc.name.clone(),
                expected: match &sc.kind {
                    ColumnKind::Numeric => "numeric".into(),
                    ColumnKind::Categorical { .. } => "categorical (string)".into(),
                },
                found: found.to_string(),
                context: context.to_string(),
            };
            let values = match &sc.kind {
                ColumnKind::Numeric => {
                    let dtype = col.dtype();
                    if !(dtype.is_primitive_numeric() || dtype.is_bool() || dtype.is_null()) {
                        return Err(mismatch(dtype));
                    }
                    let cast = col.cast(&DataType::Float32)?;
                    cast.f32()?.iter().map(|v| v.unwrap_or(f32::NAN)).collect()
                }
                ColumnKind::Categorical { levels } => {
                    let dtype = col.dtype();
                    if !(matches!(dtype, DataType::String) || dtype.is_null()) {
                        return Err(mismatch(dtype));
                    }
                    let cast = col.cast(&DataType::String)?;
                    cast.str()?
                        .iter()
                        .map(|v| {
                            v.and_then(|s| levels.binary_search_by(|l| l.as_str().cmp(s)).ok())
                                .map_or(f32::NAN, |i| i as f32)
                        })
                        .collect()
                }
            };
            columns.push(values);
        }
        Ok(Self {
            schema: schema.clone(),
            columns,
            rows,
        })
    }

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
