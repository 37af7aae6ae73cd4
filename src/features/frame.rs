//! Reading typed columns of validated frames into plain vectors, and back.

use super::FeatureError;
use crate::time::DAY_US;
use polars::prelude::*;

fn col<'a>(df: &'a DataFrame, table: &'static str, column: &'static str) -> Result<&'a Column, FeatureError> {
    df.column(column).map_err(|e| FeatureError::Column {
        table,
        column,
        reason: e.to_string(),
    })
}

/// A text column, without copying its values (iterate it for `Option<&str>`).
pub fn str_column(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<StringChunked, FeatureError> {
    col(df, table, column)?
        .str()
        .cloned()
        .map_err(|e| FeatureError::Column {
            table,
            column,
            reason: e.to_string(),
        })
}

/// A text column as owned strings.
pub fn strings(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<String>>, FeatureError> {
    let c = col(df, table, column)?;
    let s = c.str().map_err(|e| FeatureError::Column {
        table,
        column,
        reason: e.to_string(),
    })?;
    Ok(s.iter().map(|v| v.map(str::to_string)).collect())
}

/// A timestamp or date column as microseconds since the epoch (a date is its midnight).
pub fn micros(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<i64>>, FeatureError> {
    let c = col(df, table, column)?;
    let us = match c.dtype() {
        DataType::Date => c
            .cast(&DataType::Int32)?
            .i32()?
            .iter()
            .map(|d| d.map(|d| d as i64 * DAY_US))
            .collect(),
        _ => c
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .collect(),
    };
    Ok(us)
}

/// A timestamp column from microseconds.
pub fn timestamp_column(name: &str, values: Vec<i64>) -> PolarsResult<Column> {
    Ok(Series::new(name.into(), values)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
        .into_column())
}
