//! Reading the typed columns of validated frames into plain vectors, and writing them back:
//! the one place where a polars column becomes a `Vec` (strings, µs instants, floats).
//!
//! Readers name the table and column in their error; the `opt_` readers give all `None`
//! for a column the frame lacks (an optional contract column, or a column of an older
//! table), the others fail.

use crate::time::DAY_US;
use polars::prelude::*;

/// A column that is missing or cannot be read as the type asked for.
#[derive(Debug, thiserror::Error)]
#[error("table {table}: column {column}: {reason}")]
pub struct ColumnError {
    /// Table (or frame) the column was read from.
    pub table: &'static str,
    /// Column.
    pub column: &'static str,
    /// What polars said.
    pub reason: String,
}

/// The column's result with its table and column named in the error.
fn named<T>(table: &'static str, column: &'static str, r: PolarsResult<T>) -> Result<T, ColumnError> {
    r.map_err(|e| ColumnError {
        table,
        column,
        reason: e.to_string(),
    })
}

fn col<'a>(df: &'a DataFrame, table: &'static str, column: &'static str) -> Result<&'a Column, ColumnError> {
    named(table, column, df.column(column))
}

/// `read(df)` when the frame has the column, else `height` `None`s.
fn optional<T: Clone>(
    df: &DataFrame,
    column: &str,
    read: impl FnOnce(&DataFrame) -> Result<Vec<Option<T>>, ColumnError>,
) -> Result<Vec<Option<T>>, ColumnError> {
    if df.schema().contains(column) {
        read(df)
    } else {
        Ok(vec![None; df.height()])
    }
}

/// A text column, without copying its values (iterate it for `Option<&str>`).
pub fn str_column(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<StringChunked, ColumnError> {
    let c = col(df, table, column)?;
    named(table, column, c.str().cloned())
}

/// A text column as owned strings.
pub fn strings(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<String>>, ColumnError> {
    Ok(str_column(df, table, column)?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// [`strings`], or all `None` when the frame lacks the column.
pub fn opt_strings(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<String>>, ColumnError> {
    optional(df, column, |df| strings(df, table, column))
}

/// A timestamp or date column as microseconds since the epoch (a date is its midnight).
pub fn micros(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<i64>>, ColumnError> {
    let c = col(df, table, column)?;
    let us = match c.dtype() {
        DataType::Date => named(table, column, days_as_micros(c))?,
        _ => named(table, column, timestamp_micros(c))?,
    };
    Ok(us)
}

fn days_as_micros(c: &Column) -> PolarsResult<Vec<Option<i64>>> {
    Ok(c.cast(&DataType::Int32)?
        .i32()?
        .iter()
        .map(|d| d.map(|d| i64::from(d) * DAY_US))
        .collect())
}

fn timestamp_micros(c: &Column) -> PolarsResult<Vec<Option<i64>>> {
    Ok(c.cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect())
}

/// [`micros`], or all `None` when the frame lacks the column.
pub fn opt_micros(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<i64>>, ColumnError> {
    optional(df, column, |df| micros(df, table, column))
}

/// A numeric (or boolean) column as `f64`.
pub fn floats(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<f64>>, ColumnError> {
    let c = col(df, table, column)?;
    let cast = named(table, column, c.cast(&DataType::Float64))?;
    Ok(named(table, column, cast.f64())?.iter().collect())
}

/// [`floats`], or all `None` when the frame lacks the column.
pub fn opt_floats(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<f64>>, ColumnError> {
    optional(df, column, |df| floats(df, table, column))
}

/// A timestamp column (µs, no time zone) from microseconds since the epoch.
pub fn timestamp_column(name: &str, values: Vec<i64>) -> PolarsResult<Column> {
    Ok(Series::new(name.into(), values)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
        .into_column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_convert_and_name_the_column() -> Result<(), Box<dyn std::error::Error>> {
        let df = DataFrame::new(
            2,
            vec![
                Series::new("s".into(), [Some("a"), None]).into_column(),
                Series::new("d".into(), [1i32, 2])
                    .cast(&DataType::Date)?
                    .into_column(),
                timestamp_column("t", vec![5, 6])?,
                Series::new("n".into(), [1i64, 2]).into_column(),
            ],
        )?;
        assert_eq!(strings(&df, "x", "s")?, [Some("a".to_string()), None]);
        assert_eq!(micros(&df, "x", "d")?, [Some(DAY_US), Some(2 * DAY_US)]);
        assert_eq!(micros(&df, "x", "t")?, [Some(5), Some(6)]);
        assert_eq!(floats(&df, "x", "n")?, [Some(1.0), Some(2.0)]);
        assert_eq!(opt_floats(&df, "x", "absent")?, [None, None]);
        assert_eq!(opt_strings(&df, "x", "s")?.len(), 2);
        let e = strings(&df, "x", "absent")
            .err()
            .ok_or("a missing column is an error")?;
        assert!(e.to_string().starts_with("table x: column absent: "), "{e}");
        let e = strings(&df, "x", "n").err().ok_or("a number is not text")?;
        assert_eq!((e.table, e.column), ("x", "n"));
        Ok(())
    }
}
