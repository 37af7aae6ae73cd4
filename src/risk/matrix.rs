//! The bridge from feature frames to the GBDT's matrix ([`vigil_gbdt::Matrix`]): learning a
//! [`FeatureSchema`] from a training frame and encoding a frame with a schema.
//!
//! The schema (names, order, kinds and categorical levels) is learned once from the
//! training frame and saved with the model; scoring maps its frame through the same schema,
//! so a level unseen in training reads as missing and a missing or retyped column is a
//! [`RiskError::SchemaMismatch`]. The two steps are traits so that call sites read
//! `FeatureSchema::learn(…)` and `Matrix::from_frame(…)` with the trait in scope.

use super::RiskError;
use polars::prelude::*;
use vigil_gbdt::{ColumnKind, FeatureSchema, MAX_LEVELS, Matrix, SchemaColumn};

/// Learning a [`FeatureSchema`] from a data frame.
pub trait LearnSchema: Sized {
    /// Learns the schema of `names` from a training frame: string columns become
    /// categorical with their sorted levels, everything numeric or boolean is numeric.
    fn learn(frame: &DataFrame, names: &[String]) -> Result<Self, RiskError>;
}

impl LearnSchema for FeatureSchema {
    fn learn(frame: &DataFrame, names: &[String]) -> Result<Self, RiskError> {
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
}

/// Encoding a data frame as a [`Matrix`].
pub trait FromFrame: Sized {
    /// Encodes a frame with a schema. Every schema column must exist with a compatible type;
    /// `context` names the frame in errors (e.g. "the scoring feature table").
    fn from_frame(frame: &DataFrame, schema: &FeatureSchema, context: &str) -> Result<Self, RiskError>;
}

impl FromFrame for Matrix {
    fn from_frame(frame: &DataFrame, schema: &FeatureSchema, context: &str) -> Result<Self, RiskError> {
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
}
