//! A source's mapping onto the contract (`[sources.<table>]`): applied to each file frame
//! right after it is read and before validation, in this order: the row filter (on the
//! user's column names), the column renames, the value maps, and text timestamps and dates
//! parsed with the source's format and time zone.
//!
//! What validation reports about a mapped table stays in the user's terms: a
//! [`MappedFile`] keeps each row's file row number, their raw values of value-mapped
//! columns and the cells that did not parse, and [`TableMapping::their_column`] names a
//! contract column as their file does.

mod filter;

pub use filter::{CellError, Condition, Filter, FilterFailure, Literal, Op, Test};

use super::ContractError;
use super::convert::{self, BadCell, BadKind};
use super::parse;
use super::schema::{ColumnSpec, ColumnType, TableSpec};
use chrono_tz::Tz;
use polars::prelude::*;
use std::collections::BTreeMap;
use vigil_store::storage::FileFrame;

/// How one source's files map onto its contract table. The default maps nothing: files are
/// taken as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableMapping {
    /// Contract column → their column.
    pub columns: BTreeMap<String, String>,
    /// Contract column → (their value, trimmed → the value vigil uses).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// chrono strftime pattern of the text timestamps and dates.
    pub timestamp_format: Option<String>,
    /// Zone of text timestamps without an offset (`None`: UTC).
    pub time_zone: Option<Tz>,
    /// Rows to keep, on their column names.
    pub filter: Option<Filter>,
}

/// One file frame after its source's mapping, with what validation needs to report its
/// rows in the user's terms.
#[derive(Debug)]
pub struct MappedFile {
    /// The frame, in contract names and values.
    pub file: FileFrame,
    /// The 0-based file row of each frame row when rows were left out (filter, shard);
    /// `None`: every row, in file order.
    pub rows: Option<Vec<usize>>,
    /// Cells found bad while mapping (text times that do not parse), per frame row; empty
    /// when there are none.
    pub bad: Vec<Option<BadCell>>,
    /// Their raw values of the value-mapped columns (named by contract column), aligned
    /// with the frame's rows.
    pub raw: Option<DataFrame>,
    /// Rows the filter left out.
    pub filtered: usize,
}

impl MappedFile {
    /// A file taken as it is.
    pub fn native(file: FileFrame) -> Self {
        Self {
            file,
            rows: None,
            bad: Vec::new(),
            raw: None,
            filtered: 0,
        }
    }

    /// Keeps only the frame rows `keep` (0-based, ascending), with their row numbers, bad
    /// cells and raw values; `frame` is the frame already narrowed to them.
    pub fn retain(&mut self, frame: DataFrame, keep: &[usize]) -> PolarsResult<()> {
        self.rows = Some(match &self.rows {
            Some(rows) => keep.iter().map(|&r| rows[r]).collect(),
            None => keep.to_vec(),
        });
        if !self.bad.is_empty() {
            self.bad = keep.iter().map(|&r| self.bad[r].clone()).collect();
        }
        if let Some(raw) = &self.raw {
            let idx = IdxCa::from_vec("rows".into(), keep.iter().map(|&r| r as IdxSize).collect());
            self.raw = Some(raw.take(&idx)?);
        }
        self.file.frame = frame;
        Ok(())
    }

    /// The 1-based file row of frame row `row`.
    pub fn file_row(&self, row: usize) -> usize {
        self.rows.as_ref().map_or(row, |rows| rows[row]) + 1
    }

    /// Shows their raw value in each bad cell of a value-mapped column.
    pub fn show_raw_values(&self, bad: &mut [Option<BadCell>]) -> PolarsResult<()> {
        let Some(raw) = &self.raw else {
            return Ok(());
        };
        for (row, cell) in bad.iter_mut().enumerate() {
            let Some(cell) = cell else { continue };
            let Ok(col) = raw.column(cell.column) else {
                continue;
            };
            if let Some(v) = col.str()?.get(row) {
                cell.value = convert::display_value(cell.column, v);
            }
        }
        Ok(())
    }
}

impl TableMapping {
    /// Whether it maps nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Their name of contract column `column`, when it is renamed.
    pub fn their_column(&self, column: &str) -> Option<&str> {
        self.columns.get(column).map(String::as_str)
    }

    /// The contract column their column `theirs` becomes, when it is renamed.
    fn contract_column(&self, theirs: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, t)| *t == theirs)
            .map(|(c, _)| c.as_str())
    }

    /// Maps one file of table `spec`: filter, rename, value maps, text times.
    pub fn apply(&self, spec: &'static TableSpec, file: FileFrame) -> Result<MappedFile, ContractError> {
        let mut out = MappedFile::native(file);
        if self.is_empty() {
            return Ok(out);
        }
        self.filter_rows(spec, &mut out)?;
        self.rename(spec, &mut out)?;
        let url = out_url(&out);
        out.raw = self
            .map_values(&mut out.file.frame)
            .map_err(polars_err(spec, &url))?;
        out.bad = self
            .parse_times(spec, &mut out.file.frame)
            .map_err(polars_err(spec, &url))?;
        Ok(out)
    }

    /// Leaves out the rows the filter rejects, counting them.
    fn filter_rows(&self, spec: &TableSpec, out: &mut MappedFile) -> Result<(), ContractError> {
        let Some(filter) = &self.filter else {
            return Ok(());
        };
        for column in filter.columns() {
            self.require(out, column, &format!("sources.{}.filter", spec.name))?;
        }
        let keep = filter.rows(&out.file.frame).map_err(|e| match e {
            FilterFailure::Cell(c) => ContractError::Filter {
                table: spec.name.into(),
                file: out_url(out),
                cell: format!(
                    "row {}, column {}: value {} — sources.{}.filter compares it with {}",
                    out.file_row(c.row),
                    c.column,
                    self.display_their_value(&c.column, &c.value),
                    spec.name,
                    c.expected
                ),
            },
            FilterFailure::Polars(e) => polars_err(spec, &out_url(out))(e),
        })?;
        let rows: Vec<usize> = (0..keep.len()).filter(|&r| keep[r]).collect();
        out.filtered = keep.len() - rows.len();
        let mask: BooleanChunked = keep.into_iter().map(Some).collect();
        let url = out_url(out);
        let frame = out.file.frame.filter(&mask).map_err(polars_err(spec, &url))?;
        out.retain(frame, &rows).map_err(polars_err(spec, &url))
    }

    /// Their value for a message, redacted when it is customer text.
    fn display_their_value(&self, theirs: &str, value: &str) -> String {
        convert::display_value(self.contract_column(theirs).unwrap_or(theirs), value)
    }

    /// Fails unless the file has their column `column`, which config key `key` names.
    fn require(&self, out: &MappedFile, column: &str, key: &str) -> Result<(), ContractError> {
        let names = out.file.frame.get_column_names();
        if names.iter().any(|n| n.as_str() == column) {
            return Ok(());
        }
        Err(ContractError::MissingMappedColumn {
            file: out_url(out),
            column: column.into(),
            key: key.into(),
            found: names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    /// Renames their columns to contract names. A column of theirs that is already named
    /// like a renamed contract column is dropped: the mapping says where that column is.
    fn rename(&self, spec: &TableSpec, out: &mut MappedFile) -> Result<(), ContractError> {
        if self.columns.is_empty() {
            return Ok(());
        }
        for (contract, theirs) in &self.columns {
            self.require(out, theirs, &format!("sources.{}.columns.{contract}", spec.name))?;
        }
        let frame = &out.file.frame;
        let mut cols: Vec<Column> = frame
            .columns()
            .iter()
            .filter(|c| {
                let name = c.name().as_str();
                self.contract_column(name).is_none() && !self.columns.contains_key(name)
            })
            .cloned()
            .collect();
        for (contract, theirs) in &self.columns {
            if let Ok(c) = frame.column(theirs) {
                cols.push(c.clone().with_name(contract.as_str().into()));
            }
        }
        out.file.frame = DataFrame::new(frame.height(), cols).map_err(polars_err(spec, &out_url(out)))?;
        Ok(())
    }

    /// Replaces mapped values (exact match after trimming; others pass unchanged); returns
    /// the raw values of the mapped columns.
    fn map_values(&self, frame: &mut DataFrame) -> PolarsResult<Option<DataFrame>> {
        let mut raw = Vec::new();
        for (column, map) in &self.values {
            let Ok(col) = frame.column(column) else {
                continue;
            };
            let text = col.cast(&DataType::String)?;
            let mapped: StringChunked = text
                .str()?
                .iter()
                .map(|v| v.map(|s| map.get(s.trim()).map_or(s, String::as_str)))
                .collect();
            frame.with_column(mapped.with_name(column.as_str().into()).into_column())?;
            raw.push(text);
        }
        if raw.is_empty() {
            return Ok(None);
        }
        DataFrame::new(frame.height(), raw).map(Some)
    }

    /// Parses the text timestamps and dates with the source's format and zone (when it sets
    /// either); returns the cells that did not parse.
    fn parse_times(&self, spec: &TableSpec, frame: &mut DataFrame) -> PolarsResult<Vec<Option<BadCell>>> {
        if self.timestamp_format.is_none() && self.time_zone.is_none() {
            return Ok(Vec::new());
        }
        let mut bad = vec![None; frame.height()];
        for col in spec.columns {
            if !matches!(col.ty, ColumnType::Timestamp | ColumnType::Date) {
                continue;
            }
            let Ok(c) = frame.column(col.name) else {
                continue;
            };
            if c.dtype() != &DataType::String {
                continue;
            }
            let typed = self.parse_column(col, c.str()?, &mut bad)?;
            frame.with_column(typed.into_column())?;
        }
        Ok(bad)
    }

    /// One text time column typed with the source's format and zone.
    fn parse_column(
        &self,
        col: &ColumnSpec,
        text: &StringChunked,
        bad: &mut [Option<BadCell>],
    ) -> PolarsResult<Series> {
        let fmt = self.timestamp_format.as_deref();
        let zone = self.time_zone.unwrap_or(Tz::UTC);
        let values: Vec<Option<i64>> = text
            .iter()
            .enumerate()
            .map(|(row, v)| {
                let v = v.filter(|s| !s.trim().is_empty())?;
                let parsed = match col.ty {
                    ColumnType::Date => parse::date_in(v, fmt).map(i64::from),
                    _ => parse::timestamp_in(v, fmt, zone),
                };
                parsed
                    .map_err(|why| convert::set_bad(bad, row, col, v, BadKind::Type, why))
                    .ok()
            })
            .collect();
        let series = Series::new(col.name.into(), values);
        match col.ty {
            ColumnType::Date => series.cast(&DataType::Int32)?.cast(&DataType::Date),
            _ => series.cast(&convert::dtype(ColumnType::Timestamp)),
        }
    }
}

fn out_url(out: &MappedFile) -> String {
    out.file.location.to_string()
}

/// A polars failure while mapping file `url` of table `spec`.
fn polars_err(spec: &TableSpec, url: &str) -> impl FnOnce(PolarsError) -> ContractError {
    let (table, file) = (spec.name.to_string(), url.to_string());
    move |e| ContractError::Polars {
        table,
        file,
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests;
