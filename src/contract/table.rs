//! Validating one table: all its files typed, checked row by row and across rows, split
//! into the good rows (typed, inside the window) and the bad rows (quarantined).

use super::ContractError;
use super::column::{self, BadCell, BadKind};
use super::schema::{ColumnType, TableSpec};
use crate::storage::FileFrame;
use crate::time::RunWindow;
use polars::prelude::*;
use std::collections::BTreeMap;

/// Per-file facts for the validation report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileStats {
    /// File URL.
    pub url: String,
    /// Format.
    pub format: &'static str,
    /// Rows in the file.
    pub rows: usize,
}

/// One validated table.
#[derive(Debug)]
pub struct ValidTable {
    /// Its contract.
    pub spec: &'static TableSpec,
    /// Good rows inside the window, every contract column present and typed.
    pub frame: DataFrame,
    /// Files read.
    pub files: Vec<FileStats>,
    /// Rows read from all files.
    pub rows_read: usize,
    /// Rows dropped because their event time is before the lookback window.
    pub rows_before_window: usize,
    /// Bad rows by reason code.
    pub bad_by_reason: BTreeMap<&'static str, usize>,
    /// Bad rows, for the quarantine table.
    pub bad: Vec<QuarantineRow>,
    /// Optional contract columns the files did not have (null in `frame`).
    pub missing_optional: Vec<&'static str>,
    /// Columns in the files that the contract does not know (dropped).
    pub unknown_columns: Vec<String>,
    /// When the table was narrowed to a shard: the distinct event times of all its rows
    /// (feed freshness is a property of the whole table).
    pub feed: Option<DataFrame>,
}

/// How a table's files were narrowed to one account shard as they were read.
#[derive(Debug, Default)]
pub struct Narrowed {
    /// Per file, the 0-based file row number of each kept row.
    pub rows: Vec<Vec<usize>>,
    /// The distinct event times of every row of every file, kept and dropped.
    pub times: Vec<i64>,
}

/// One quarantined row.
#[derive(Debug, Clone)]
pub struct QuarantineRow {
    /// File URL.
    pub file: String,
    /// 1-based data row in the file (the header is not counted).
    pub row: usize,
    /// The first problem in the row.
    pub cell: BadCell,
}

impl QuarantineRow {
    /// One-line description naming table, file, row, column and value.
    pub fn describe(&self, table: &str) -> String {
        format!(
            "table {table}, file {}, row {}, column {}: value {} — {}",
            self.file, self.row, self.cell.column, self.cell.value, self.cell.reason
        )
    }
}

impl ValidTable {
    /// Number of bad rows.
    pub fn bad_rows(&self) -> usize {
        self.bad.len()
    }
}

/// Validates the files of one table. `accounts` is the set of known account ids (absent
/// while validating `accounts` itself).
///
/// `narrowed` says that the files were narrowed to one account shard as they were read
/// ([`super::shard::Shard::narrow`]): rows keep their file row numbers in the quarantine,
/// unique keys are checked within the shard, and the table's event times over all its rows
/// go to [`ValidTable::feed`].
pub fn validate(
    spec: &'static TableSpec,
    files: Vec<FileFrame>,
    window: &RunWindow,
    accounts: Option<&PlHashSet<String>>,
    narrowed: Option<Narrowed>,
) -> Result<ValidTable, ContractError> {
    let mut unknown_columns = Vec::new();
    let mut missing_optional = Vec::new();
    let mut frames = Vec::with_capacity(files.len());
    let mut bad: Vec<Option<BadCell>> = Vec::new();
    let mut origin: Vec<(usize, usize)> = Vec::new(); // (file index, 1-based row)
    let mut stats = Vec::with_capacity(files.len());
    for (fi, file) in files.iter().enumerate() {
        let url = file.location.to_string();
        let names: Vec<String> = file
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        for col in spec.columns.iter().filter(|c| c.required) {
            if !names.iter().any(|n| n == col.name) {
                return Err(ContractError::MissingColumn {
                    table: spec.name.into(),
                    file: url,
                    column: col.name.into(),
                    found: names.join(", "),
                });
            }
        }
        for n in &names {
            if spec.column(n).is_none() && !unknown_columns.contains(n) {
                unknown_columns.push(n.clone());
            }
        }
        let source = &file.frame;
        let height = source.height();
        let mut file_bad = vec![None; height];
        let mut cols = Vec::with_capacity(spec.columns.len());
        for col in spec.columns {
            let series = match source.column(col.name) {
                Ok(c) => column::convert(col, c, &mut file_bad).map_err(|e| ContractError::Polars {
                    table: spec.name.into(),
                    file: url.clone(),
                    reason: format!("column {}: {e}", col.name),
                })?,
                Err(_) => {
                    if !missing_optional.contains(&col.name) {
                        missing_optional.push(col.name);
                    }
                    Series::full_null(col.name.into(), height, &column::dtype(col.ty))
                }
            };
            cols.push(series.into_column());
        }
        frames.push(DataFrame::new(height, cols).map_err(|e| ContractError::Polars {
            table: spec.name.into(),
            file: url.clone(),
            reason: e.to_string(),
        })?);
        bad.extend(file_bad);
        match narrowed.as_ref().and_then(|n| n.rows.get(fi)) {
            Some(rows) => origin.extend(rows.iter().map(|r| (fi, r + 1))),
            None => origin.extend((0..height).map(|r| (fi, r + 1))),
        }
        stats.push(FileStats {
            url,
            format: file.format.name(),
            rows: height,
        });
    }
    let mut frame = concat_frames(spec, frames)?;
    let rows_read = frame.height();
    let in_window = check_time(spec, &frame, window, &mut bad)?;
    let locate = |row: usize| {
        let (fi, r) = origin[row];
        format!("file {} row {r}", stats[fi].url)
    };
    check_keys(spec, &frame, accounts, &mut bad, &locate)?;
    let keep: BooleanChunked = bad
        .iter()
        .zip(&in_window)
        .map(|(b, w)| Some(b.is_none() && *w))
        .collect();
    frame = frame.filter(&keep).map_err(|e| polars_err(spec, e))?;
    let rows_before_window = in_window
        .iter()
        .zip(&bad)
        .filter(|(w, b)| !**w && b.is_none())
        .count();
    let mut bad_by_reason = BTreeMap::new();
    let quarantined: Vec<QuarantineRow> = bad
        .into_iter()
        .zip(origin)
        .filter_map(|(b, (fi, row))| {
            b.map(|cell| {
                *bad_by_reason.entry(cell.kind.code()).or_insert(0) += 1;
                QuarantineRow {
                    file: stats[fi].url.clone(),
                    row,
                    cell,
                }
            })
        })
        .collect();
    Ok(ValidTable {
        spec,
        frame,
        files: stats,
        rows_read,
        rows_before_window,
        bad_by_reason,
        bad: quarantined,
        missing_optional,
        unknown_columns,
        feed: narrowed.map(|n| feed_frame(spec, n.times)).transpose()?.flatten(),
    })
}

/// The distinct event times of a whole table, as a one-column frame named like its time
/// column (what the freshness features read).
fn feed_frame(spec: &TableSpec, mut times: Vec<i64>) -> Result<Option<DataFrame>, ContractError> {
    let (Some(tc), Some(col)) = (spec.time_column, spec.time_column.and_then(|tc| spec.column(tc))) else {
        return Ok(None);
    };
    times.sort_unstable();
    times.dedup();
    let series = match col.ty {
        ColumnType::Date => Series::new(
            tc.into(),
            times
                .iter()
                .map(|t| t.div_euclid(86_400_000_000) as i32)
                .collect::<Vec<_>>(),
        )
        .cast(&DataType::Date),
        _ => Series::new(tc.into(), times).cast(&DataType::Datetime(TimeUnit::Microseconds, None)),
    }
    .map_err(|e| polars_err(spec, e))?;
    DataFrame::new(series.len(), vec![series.into_column()])
        .map(Some)
        .map_err(|e| polars_err(spec, e))
}

fn polars_err(spec: &TableSpec, e: PolarsError) -> ContractError {
    ContractError::Polars {
        table: spec.name.into(),
        file: "(all files)".into(),
        reason: e.to_string(),
    }
}

fn concat_frames(spec: &TableSpec, frames: Vec<DataFrame>) -> Result<DataFrame, ContractError> {
    let mut iter = frames.into_iter();
    let Some(mut first) = iter.next() else {
        return Err(ContractError::Polars {
            table: spec.name.into(),
            file: "(none)".into(),
            reason: "no files".into(),
        });
    };
    for f in iter {
        first.vstack_mut(&f).map_err(|e| polars_err(spec, e))?;
    }
    first.rechunk_mut();
    Ok(first)
}

/// Marks rows after `--as-of` bad; returns which rows are inside the lookback window.
fn check_time(
    spec: &TableSpec,
    frame: &DataFrame,
    w: &RunWindow,
    bad: &mut [Option<BadCell>],
) -> Result<Vec<bool>, ContractError> {
    let Some(tc) = spec.time_column else {
        return Ok(vec![true; frame.height()]);
    };
    let Some(col) = spec.column(tc) else {
        return Ok(vec![true; frame.height()]);
    };
    let col_data = frame.column(tc).map_err(|e| polars_err(spec, e))?;
    let as_of = w.as_of.timestamp_micros();
    let start = w.start.timestamp_micros();
    // Values in microseconds since the epoch; a date D covers [D, D+1 day).
    let (values, span): (Vec<Option<i64>>, i64) = match col.ty {
        ColumnType::Date => {
            let days = col_data.cast(&DataType::Int32).map_err(|e| polars_err(spec, e))?;
            let v = days
                .i32()
                .map_err(|e| polars_err(spec, e))?
                .iter()
                .map(|d| d.map(|d| d as i64 * 86_400_000_000))
                .collect();
            (v, 86_400_000_000)
        }
        _ => {
            let us = col_data.cast(&DataType::Int64).map_err(|e| polars_err(spec, e))?;
            (us.i64().map_err(|e| polars_err(spec, e))?.iter().collect(), 0)
        }
    };
    let mut in_window = Vec::with_capacity(values.len());
    for (row, v) in values.iter().enumerate() {
        let Some(t) = v else {
            in_window.push(true);
            continue;
        };
        if t + span > as_of && bad[row].is_none() {
            let shown = format_micros(*t, col.ty);
            bad[row] = Some(BadCell {
                column: col.name,
                value: format!("{shown:?}"),
                kind: BadKind::Future,
                reason: format!("after --as-of {}", w.as_of.to_rfc3339()),
            });
        }
        in_window.push(t + span > start);
    }
    Ok(in_window)
}

fn format_micros(t: i64, ty: ColumnType) -> String {
    match chrono::DateTime::from_timestamp_micros(t) {
        Some(dt) if ty == ColumnType::Date => dt.date_naive().to_string(),
        Some(dt) => dt.to_rfc3339(),
        None => t.to_string(),
    }
}

/// Marks duplicate unique keys and unknown account ids.
fn check_keys(
    spec: &TableSpec,
    frame: &DataFrame,
    accounts: Option<&PlHashSet<String>>,
    bad: &mut [Option<BadCell>],
    locate: &dyn Fn(usize) -> String,
) -> Result<(), ContractError> {
    if let Some(key) = spec.unique_key {
        let col = frame.column(key).map_err(|e| polars_err(spec, e))?;
        let ids = col.str().map_err(|e| polars_err(spec, e))?;
        let mut seen: PlHashMap<&str, usize> = PlHashMap::with_capacity(ids.len());
        for (row, id) in ids.iter().enumerate() {
            let Some(id) = id else { continue };
            if let Some(first) = seen.get(id) {
                if bad[row].is_none() {
                    bad[row] = Some(BadCell {
                        column: key,
                        value: column::display_value(key, id),
                        kind: BadKind::Duplicate,
                        reason: format!("duplicate {key}; first seen in {}", locate(*first)),
                    });
                }
            } else {
                seen.insert(id, row);
            }
        }
    }
    if let (true, Some(known)) = (spec.references_accounts, accounts) {
        let col = frame.column("account_id").map_err(|e| polars_err(spec, e))?;
        // Rows of one account often come together: check an id once per run of it.
        let mut last_known: Option<&str> = None;
        for (row, id) in col.str().map_err(|e| polars_err(spec, e))?.iter().enumerate() {
            let Some(id) = id else { continue };
            if last_known == Some(id) {
                continue;
            }
            if known.contains(id) {
                last_known = Some(id);
            } else if bad[row].is_none() {
                bad[row] = Some(BadCell {
                    column: "account_id",
                    value: column::display_value("account_id", id),
                    kind: BadKind::UnknownAccount,
                    reason: "no such account_id in table accounts".into(),
                });
            }
        }
    }
    Ok(())
}
