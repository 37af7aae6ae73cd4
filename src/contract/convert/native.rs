//! The fast path for columns that already arrive with the contract's type (Parquet from a
//! typed pipeline, including vigil's own generator): no text round trip, only nulls, empty
//! strings, non-finite floats and the numeric rule are checked. Anything else, and any
//! column where a value needs rewriting (empty strings, enums), takes the text path.

use super::{BadCell, BadKind, dtype, out_of_range, set_bad};
use crate::contract::schema::{ColumnSpec, ColumnType, Rule};
use crate::contract::taxonomy::Taxonomy;
use polars::prelude::*;

/// Whether `dt` can be taken as `ty` without parsing text (a value set to check is text work).
fn is_native(ty: ColumnType, rule: Rule, dt: &DataType, taxonomy: &Taxonomy) -> bool {
    let value_set = match rule {
        Rule::OneOf(_) => true,
        Rule::Taxonomy(set) => taxonomy.set(set).is_some(),
        _ => false,
    };
    match ty {
        ColumnType::Str => dt == &DataType::String && !value_set,
        ColumnType::Int => dt.is_integer(),
        ColumnType::Float => dt.is_primitive_numeric(),
        ColumnType::Bool => dt == &DataType::Boolean,
        ColumnType::Date => dt == &DataType::Date,
        ColumnType::Timestamp => matches!(dt, DataType::Datetime(_, None) | DataType::Date),
    }
}

/// Types a natively typed column, marking bad rows; `None` when the text path is needed.
pub fn convert(
    spec: &ColumnSpec,
    col: &Column,
    bad: &mut [Option<BadCell>],
    taxonomy: &Taxonomy,
) -> PolarsResult<Option<Series>> {
    if !is_native(spec.ty, spec.rule, col.dtype(), taxonomy) {
        return Ok(None);
    }
    let series = col.as_materialized_series().cast(&dtype(spec.ty))?;
    if spec.ty == ColumnType::Str {
        // Empty strings must become nulls, which needs the text path.
        if series
            .str()?
            .iter()
            .any(|v| v.is_some_and(|s| s.trim().is_empty()))
        {
            return Ok(None);
        }
    }
    if !spec.nullable && series.null_count() > 0 {
        for (row, present) in series.is_not_null().iter().enumerate() {
            if present == Some(false) {
                let reason = format!("{} must not be empty", spec.name);
                set_bad(bad, row, spec, "", BadKind::Null, reason);
            }
        }
    }
    if matches!(spec.ty, ColumnType::Int | ColumnType::Float) {
        check_numbers(spec, &series, bad)?;
    }
    Ok(Some(series))
}

/// Non-finite floats are type errors; values outside the rule's range are range errors.
fn check_numbers(spec: &ColumnSpec, series: &Series, bad: &mut [Option<BadCell>]) -> PolarsResult<()> {
    let values = series.cast(&DataType::Float64)?;
    for (row, v) in values.f64()?.iter().enumerate() {
        let Some(x) = v else { continue };
        let (kind, reason) = if !x.is_finite() {
            (BadKind::Type, "expected a finite number".to_string())
        } else if let Some(reason) = out_of_range(spec.rule, x) {
            (BadKind::Range, reason)
        } else {
            continue;
        };
        set_bad(bad, row, spec, &x.to_string(), kind, reason);
    }
    Ok(())
}
