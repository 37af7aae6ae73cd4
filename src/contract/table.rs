//! Validating one table: all its files typed, checked row by row and across rows, split
//! into the good rows (typed, inside the window) and the bad rows (quarantined).

use super::ContractError;
use super::convert::{self, BadCell};
use super::keys::{self, AccountIds, LeftOut};
use super::mapping::{MappedFile, TableMapping};
use super::schema::{ColumnType, Rule, TableSpec};
use super::taxonomy::Taxonomy;
use crate::time::DAY_US;
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
    /// Rows left out because their event time is after `--as-of` (not bad).
    pub rows_after_as_of: usize,
    /// Rows the source's row filter left out before validation (not bad, not counted in
    /// `rows_read`).
    pub rows_filtered: usize,
    /// Exact duplicate rows dropped (every contract column equal to a kept row; not bad).
    pub duplicates_dropped: usize,
    /// Rows left out because their account's `accounts` row was quarantined (not bad).
    pub rows_of_quarantined_accounts: usize,
    /// The quarantined `accounts` row behind the first of those rows.
    pub first_quarantined_parent: Option<String>,
    /// The end of the latest event up to `--as-of` over all of the table's rows that are
    /// not bad (µs since the epoch; a date covers its whole day), for the freshness gate.
    /// With narrowed reads it is taken over every row of the table, not only the shard's.
    pub latest_event_us: Option<i64>,
    /// For `accounts`: the ids whose every row was quarantined, each with its first
    /// quarantined row described (what other tables' rows of that account are left out for).
    pub quarantined_ids: PlHashMap<String, String>,
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
    /// Valid values outside an open taxonomy set (accepted with a warning), per column.
    pub outside_taxonomy: Vec<OutsideTaxonomy>,
}

/// The valid rows of one column whose value lies outside its open taxonomy set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutsideTaxonomy {
    /// Contract column.
    pub column: &'static str,
    /// The `[taxonomy]` key of the set.
    pub key: &'static str,
    /// Valid rows whose value is outside the set.
    pub rows: usize,
    /// The distinct values outside the set, sorted.
    pub values: Vec<String>,
}

/// How many values a taxonomy warning names.
const NAMED_VALUES: usize = 5;

impl OutsideTaxonomy {
    /// The warning for the run summary and the validation report (names up to five values:
    /// category names are not customer text).
    pub fn describe(&self, table: &str) -> String {
        let named: Vec<String> = self
            .values
            .iter()
            .take(NAMED_VALUES)
            .map(|v| format!("{v:?}"))
            .collect();
        let more = self.values.len().saturating_sub(NAMED_VALUES);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let distinct = match self.values.len() {
            1 => "1 distinct value".to_string(),
            n => format!("{n} distinct values"),
        };
        format!(
            "table {table}: {} rows have a {} outside {} ({distinct}: {}{more}); accepted because the set is open",
            self.rows,
            self.column,
            self.key,
            named.join(", ")
        )
    }
}

/// How a table's files were narrowed to one account shard as they were read (each
/// [`MappedFile`] keeps the file row numbers of its kept rows).
#[derive(Debug, Default)]
pub struct Narrowed {
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
    /// The user's name of the cell's column when their source renames it
    /// (`[sources.<table>] columns`).
    pub their_column: Option<String>,
}

impl QuarantineRow {
    /// The column as the user's file names it.
    pub fn column(&self) -> &str {
        self.their_column.as_deref().unwrap_or(self.cell.column)
    }

    /// One-line description naming table, file, row, column and value.
    pub fn describe(&self, table: &str) -> String {
        format!(
            "table {table}, file {}, row {}, column {}: value {} — {}",
            self.file,
            self.row,
            self.column(),
            self.cell.value,
            self.cell.reason
        )
    }
}

impl ValidTable {
    /// Number of bad rows.
    pub fn bad_rows(&self) -> usize {
        self.bad.len()
    }

    /// Rows judged against the contract: rows read less future rows, exact duplicates and
    /// rows of quarantined accounts (the denominator of the bad-row share).
    pub fn rows_checked(&self) -> usize {
        self.rows_read - self.rows_after_as_of - self.duplicates_dropped - self.rows_of_quarantined_accounts
    }

    /// Bad rows / rows checked.
    pub fn bad_share(&self) -> f64 {
        self.bad_rows() as f64 / self.rows_checked().max(1) as f64
    }
}

/// Validates the files of one table. `accounts` holds the account ids other tables may refer
/// to (absent while validating `accounts` itself); `mapping` is the source's mapping the
/// files went through, so bad rows name the user's columns.
///
/// `narrowed` says that the files were narrowed to one account shard as they were read
/// ([`super::shard::Shard::narrow`]): rows keep their file row numbers in the quarantine,
/// natural keys are checked within the shard (exact for keys with `account_id`; an id key
/// such as `ticket_id` whose rows name accounts of different shards is caught only by the
/// unsharded `vigil validate` of the run), and the table's event times over all its rows go
/// to [`ValidTable::feed`] and [`ValidTable::latest_event_us`].
pub fn validate(
    spec: &'static TableSpec,
    files: Vec<MappedFile>,
    window: &RunWindow,
    accounts: Option<&AccountIds>,
    narrowed: Option<Narrowed>,
    mapping: &TableMapping,
    taxonomy: &Taxonomy,
) -> Result<ValidTable, ContractError> {
    let rows_filtered = files.iter().map(|f| f.filtered).sum();
    let Typed {
        frame,
        mut bad,
        origin,
        stats,
        missing_optional,
        unknown_columns,
    } = type_files(spec, &files, taxonomy)?;
    drop(files);
    let rows_read = frame.height();
    let mut left: Vec<Option<LeftOut>> = vec![None; rows_read];
    let times = check_time(spec, &frame, window, &bad, &mut left)?;
    let locate = |row: usize| {
        let (fi, r) = origin[row];
        format!("file {} row {r}", stats[fi].url)
    };
    let duplicates_dropped = keys::check_natural_key(spec, &frame, &mut bad, &mut left, &locate)
        .map_err(|e| polars_err(spec, e))?;
    let orphans = match (spec.references_accounts, accounts) {
        (true, Some(ids)) => {
            keys::check_references(&frame, ids, &mut bad, &mut left).map_err(|e| polars_err(spec, e))?
        }
        _ => keys::Orphans::default(),
    };
    let keep: BooleanChunked = bad
        .iter()
        .zip(&left)
        .zip(&times.in_window)
        .map(|((b, l), w)| Some(b.is_none() && l.is_none() && *w))
        .collect();
    let valid = frame.filter(&keep).map_err(|e| polars_err(spec, e))?;
    let outside_taxonomy = outside_taxonomy(spec, &valid, taxonomy).map_err(|e| polars_err(spec, e))?;
    let (rows_before_window, rows_after_as_of, rows_of_quarantined_accounts) =
        left_out_counts(&bad, &left, &times.in_window);
    let quarantined = quarantine_rows(bad, &origin, &stats, mapping);
    let quarantined_ids = if spec.name == "accounts" {
        quarantined_account_ids(spec, &frame, &valid, &quarantined)?
    } else {
        PlHashMap::new()
    };
    drop(frame);
    let latest_event_us = match &narrowed {
        Some(n) => latest_up_to(spec, &n.times, window),
        None => times.latest,
    };
    Ok(ValidTable {
        spec,
        frame: valid,
        files: stats,
        rows_read,
        rows_before_window,
        rows_after_as_of,
        rows_filtered,
        duplicates_dropped,
        rows_of_quarantined_accounts,
        first_quarantined_parent: orphans.first_parent,
        latest_event_us,
        quarantined_ids,
        bad_by_reason: by_reason(&quarantined),
        bad: quarantined.into_iter().map(|(_, q)| q).collect(),
        missing_optional,
        unknown_columns,
        feed: narrowed.map(|n| feed_frame(spec, n.times)).transpose()?.flatten(),
        outside_taxonomy,
    })
}

/// Per column of an open taxonomy set, the valid rows whose value is outside the set.
fn outside_taxonomy(
    spec: &TableSpec,
    valid: &DataFrame,
    taxonomy: &Taxonomy,
) -> PolarsResult<Vec<OutsideTaxonomy>> {
    let mut out = Vec::new();
    for col in spec.columns {
        let Rule::Taxonomy(set) = col.rule else { continue };
        let Some(values) = taxonomy.set(set).filter(|_| taxonomy.is_open(set)) else {
            continue;
        };
        let mut rows = 0;
        let mut distinct = std::collections::BTreeSet::new();
        for v in valid.column(col.name)?.str()?.iter().flatten() {
            if !values.contains(v) {
                rows += 1;
                distinct.insert(v);
            }
        }
        if rows > 0 {
            out.push(OutsideTaxonomy {
                column: col.name,
                key: set.key(),
                rows,
                values: distinct.into_iter().map(str::to_string).collect(),
            });
        }
    }
    Ok(out)
}

/// Rows left out, not bad: (before the lookback window, after `--as-of`, of quarantined
/// accounts).
fn left_out_counts(
    bad: &[Option<BadCell>],
    left: &[Option<LeftOut>],
    in_window: &[bool],
) -> (usize, usize, usize) {
    let count = |kind: LeftOut| left.iter().filter(|l| **l == Some(kind)).count();
    let before = (0..bad.len())
        .filter(|&r| !in_window[r] && bad[r].is_none() && left[r].is_none())
        .count();
    (before, count(LeftOut::Future), count(LeftOut::QuarantinedAccount))
}

/// Every file of a table typed against its contract and stacked.
struct Typed {
    frame: DataFrame,
    bad: Vec<Option<BadCell>>,
    /// Per stacked row: (file index, 1-based row in the file).
    origin: Vec<(usize, usize)>,
    stats: Vec<FileStats>,
    missing_optional: Vec<&'static str>,
    unknown_columns: Vec<String>,
}

/// Checks each file's columns, types every contract column and stacks the files.
fn type_files(
    spec: &'static TableSpec,
    files: &[MappedFile],
    taxonomy: &Taxonomy,
) -> Result<Typed, ContractError> {
    let mut unknown_columns = Vec::new();
    let mut missing_optional = Vec::new();
    let mut frames = Vec::with_capacity(files.len());
    let mut bad: Vec<Option<BadCell>> = Vec::new();
    let mut origin: Vec<(usize, usize)> = Vec::new();
    let mut stats = Vec::with_capacity(files.len());
    for (fi, mapped) in files.iter().enumerate() {
        let file = &mapped.file;
        let url = file.location.to_string();
        check_columns(spec, file, &url, &mut unknown_columns)?;
        let height = file.frame.height();
        let mut file_bad = if mapped.bad.is_empty() {
            vec![None; height]
        } else {
            mapped.bad.clone()
        };
        let mut cols = Vec::with_capacity(spec.columns.len());
        for col in spec.columns {
            let series = match file.frame.column(col.name) {
                Ok(c) => {
                    convert::convert(col, c, &mut file_bad, taxonomy).map_err(|e| ContractError::Polars {
                        table: spec.name.into(),
                        file: url.clone(),
                        reason: format!("column {}: {e}", col.name),
                    })?
                }
                Err(_) => {
                    if !missing_optional.contains(&col.name) {
                        missing_optional.push(col.name);
                    }
                    Series::full_null(col.name.into(), height, &convert::dtype(col.ty))
                }
            };
            cols.push(series.into_column());
        }
        mapped
            .show_raw_values(&mut file_bad)
            .map_err(|e| ContractError::Polars {
                table: spec.name.into(),
                file: url.clone(),
                reason: e.to_string(),
            })?;
        frames.push(DataFrame::new(height, cols).map_err(|e| ContractError::Polars {
            table: spec.name.into(),
            file: url.clone(),
            reason: e.to_string(),
        })?);
        bad.extend(file_bad);
        origin.extend((0..height).map(|r| (fi, mapped.file_row(r))));
        stats.push(FileStats {
            url,
            format: file.format.name(),
            rows: height,
        });
    }
    Ok(Typed {
        frame: concat_frames(spec, frames)?,
        bad,
        origin,
        stats,
        missing_optional,
        unknown_columns,
    })
}

/// Fails on a missing required column; collects columns the contract does not know.
fn check_columns(
    spec: &TableSpec,
    file: &vigil_store::storage::FileFrame,
    url: &str,
    unknown_columns: &mut Vec<String>,
) -> Result<(), ContractError> {
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
                file: url.to_string(),
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
    Ok(())
}

/// The bad rows with their stacked row index, in row order.
fn quarantine_rows(
    bad: Vec<Option<BadCell>>,
    origin: &[(usize, usize)],
    stats: &[FileStats],
    mapping: &TableMapping,
) -> Vec<(usize, QuarantineRow)> {
    bad.into_iter()
        .zip(origin)
        .enumerate()
        .filter_map(|(i, (b, (fi, row)))| {
            b.map(|cell| {
                (
                    i,
                    QuarantineRow {
                        file: stats[*fi].url.clone(),
                        row: *row,
                        their_column: mapping.their_column(cell.column).map(str::to_string),
                        cell,
                    },
                )
            })
        })
        .collect()
}

fn by_reason(rows: &[(usize, QuarantineRow)]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for (_, q) in rows {
        *counts.entry(q.cell.kind.code()).or_insert(0) += 1;
    }
    counts
}

/// The account ids with no valid row whose rows were quarantined, each with its first
/// quarantined row described. A row whose `account_id` itself is unreadable names no id.
fn quarantined_account_ids(
    spec: &TableSpec,
    all: &DataFrame,
    valid: &DataFrame,
    quarantined: &[(usize, QuarantineRow)],
) -> Result<PlHashMap<String, String>, ContractError> {
    let err = |e| polars_err(spec, e);
    let valid_ids: PlHashSet<&str> = valid
        .column("account_id")
        .map_err(err)?
        .str()
        .map_err(err)?
        .iter()
        .flatten()
        .collect();
    let ids = all.column("account_id").map_err(err)?.str().map_err(err)?;
    let mut out = PlHashMap::new();
    for (i, q) in quarantined {
        let Some(id) = ids.get(*i) else { continue };
        if !valid_ids.contains(id) && !out.contains_key(id) {
            out.insert(id.to_string(), q.describe(spec.name));
        }
    }
    Ok(out)
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
                .map(|t| t.div_euclid(DAY_US) as i32)
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

/// Which rows are inside the lookback window, and the latest event up to `--as-of`.
struct Times {
    in_window: Vec<bool>,
    latest: Option<i64>,
}

/// The event times of a table's column in µs since the epoch and the span one value covers
/// (a date D covers [D, D+1 day)).
fn event_micros(
    spec: &TableSpec,
    frame: &DataFrame,
    tc: &str,
    ty: ColumnType,
) -> Result<(Vec<Option<i64>>, i64), ContractError> {
    let col_data = frame.column(tc).map_err(|e| polars_err(spec, e))?;
    if ty == ColumnType::Date {
        let days = col_data.cast(&DataType::Int32).map_err(|e| polars_err(spec, e))?;
        let v = days
            .i32()
            .map_err(|e| polars_err(spec, e))?
            .iter()
            .map(|d| d.map(|d| d as i64 * DAY_US))
            .collect();
        return Ok((v, DAY_US));
    }
    let us = col_data.cast(&DataType::Int64).map_err(|e| polars_err(spec, e))?;
    Ok((us.i64().map_err(|e| polars_err(spec, e))?.iter().collect(), 0))
}

/// Leaves rows after `--as-of` out as future rows (not bad); returns which rows are inside
/// the lookback window and the end of the latest event up to `--as-of` among rows not bad.
fn check_time(
    spec: &TableSpec,
    frame: &DataFrame,
    w: &RunWindow,
    bad: &[Option<BadCell>],
    left: &mut [Option<LeftOut>],
) -> Result<Times, ContractError> {
    let (Some(tc), Some(col)) = (spec.time_column, spec.time_column.and_then(|tc| spec.column(tc))) else {
        return Ok(Times {
            in_window: vec![true; frame.height()],
            latest: None,
        });
    };
    let (values, span) = event_micros(spec, frame, tc, col.ty)?;
    let as_of = w.as_of.timestamp_micros();
    let start = w.start.timestamp_micros();
    let mut in_window = Vec::with_capacity(values.len());
    let mut latest: Option<i64> = None;
    for (row, v) in values.iter().enumerate() {
        let Some(t) = v else {
            in_window.push(true);
            continue;
        };
        if bad[row].is_none() {
            if t + span > as_of {
                left[row] = Some(LeftOut::Future);
            } else {
                latest = latest.max(Some(t + span));
            }
        }
        in_window.push(t + span > start);
    }
    Ok(Times { in_window, latest })
}

/// The end of the latest of `times` (a narrowed table's event times over all its rows) up
/// to `--as-of`.
fn latest_up_to(spec: &TableSpec, times: &[i64], w: &RunWindow) -> Option<i64> {
    let col = spec.time_column.and_then(|tc| spec.column(tc))?;
    let span = if col.ty == ColumnType::Date { DAY_US } else { 0 };
    let as_of = w.as_of.timestamp_micros();
    times.iter().map(|t| t + span).filter(|t| *t <= as_of).max()
}

/// An instant in µs for a message: a date for date columns, RFC 3339 otherwise.
pub(super) fn format_micros(t: i64, ty: ColumnType) -> String {
    match crate::time::units::instant(t) {
        Some(dt) if ty == ColumnType::Date => dt.date_naive().to_string(),
        Some(dt) => dt.to_rfc3339(),
        None => t.to_string(),
    }
}
