//! The validation report (JSON for machines, text for people) and the quarantine table.

use super::load::History;
use super::table::{FileStats, OutsideTaxonomy};
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Per-table section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// Table name.
    pub table: &'static str,
    /// Files read.
    pub files: Vec<FileStats>,
    /// Rows read.
    pub rows_read: usize,
    /// Valid rows inside the window.
    pub rows_valid: usize,
    /// Rows before the lookback window (dropped, not bad).
    pub rows_before_window: usize,
    /// Rows after `--as-of` (future rows: left out, not bad).
    pub rows_after_as_of: usize,
    /// Rows the source's row filter left out before validation (`[sources.<table>]
    /// filter`; not in `rows_read`); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub rows_filtered: usize,
    /// Exact duplicates of a kept row (dropped, not bad).
    pub duplicates_dropped: usize,
    /// Rows whose account's `accounts` row was quarantined (left out, not bad).
    pub rows_of_quarantined_accounts: usize,
    /// Bad rows (quarantined).
    pub bad_rows: usize,
    /// Bad rows / rows checked (rows read less future rows, duplicates and rows of
    /// quarantined accounts).
    pub bad_share: f64,
    /// Bad rows by reason code.
    pub bad_by_reason: BTreeMap<&'static str, usize>,
    /// Earliest event time among valid rows (RFC 3339), for event tables.
    pub span_start: Option<String>,
    /// Latest event time among valid rows.
    pub span_end: Option<String>,
    /// End of the table's latest event up to `--as-of` (a date ends at the end of its day),
    /// over every row that is not bad: what the freshness gate measures.
    pub latest_event_end: Option<String>,
    /// Optional columns the files lack.
    pub missing_optional_columns: Vec<&'static str>,
    /// Columns the contract does not know (ignored).
    pub unknown_columns: Vec<String>,
    /// Values outside an open `[taxonomy]` set, accepted (one entry per column).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outside_taxonomy: Vec<OutsideTaxonomy>,
}

/// The whole validation report.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// Run's `--as-of`.
    pub as_of: String,
    /// Start of the lookback window.
    pub window_start: String,
    /// Tables found.
    pub tables: Vec<TableReport>,
    /// Optional tables not found.
    pub absent_tables: Vec<&'static str>,
    /// Signals unavailable because their tables are absent.
    pub signals_missing: Vec<String>,
    /// Rows quarantined over all tables.
    pub quarantined_rows: usize,
    /// Files under the sources base that belong to no table (ignored).
    pub ignored_files: Vec<String>,
}

impl ValidationReport {
    /// Builds the report of a loaded history.
    pub fn new(history: &History) -> PolarsResult<Self> {
        let mut tables = Vec::new();
        for t in history.tables.values() {
            let (span_start, span_end) = span(&t.frame, t.spec.time_column)?;
            tables.push(TableReport {
                table: t.spec.name,
                files: t.files.clone(),
                rows_read: t.rows_read,
                rows_valid: t.frame.height(),
                rows_before_window: t.rows_before_window,
                rows_after_as_of: t.rows_after_as_of,
                rows_filtered: t.rows_filtered,
                duplicates_dropped: t.duplicates_dropped,
                rows_of_quarantined_accounts: t.rows_of_quarantined_accounts,
                bad_rows: t.bad_rows(),
                bad_share: t.bad_share(),
                bad_by_reason: t.bad_by_reason.clone(),
                span_start,
                span_end,
                latest_event_end: t.latest_event_us.and_then(crate::time::units::rfc3339),
                missing_optional_columns: t.missing_optional.clone(),
                unknown_columns: t.unknown_columns.clone(),
                outside_taxonomy: t.outside_taxonomy.clone(),
            });
        }
        Ok(Self {
            as_of: history.window.as_of.to_rfc3339(),
            window_start: history.window.start.to_rfc3339(),
            quarantined_rows: tables.iter().map(|t| t.bad_rows).sum(),
            tables,
            absent_tables: history.absent.clone(),
            ignored_files: history.ignored_files.clone(),
            signals_missing: history
                .absent
                .iter()
                .map(|t| format!("{t}: {}", super::schema::table(t).map_or("", |s| s.signals)))
                .collect(),
        })
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn span(frame: &DataFrame, time_column: Option<&str>) -> PolarsResult<(Option<String>, Option<String>)> {
    let Some(tc) = time_column else {
        return Ok((None, None));
    };
    let col = frame.column(tc)?.cast(&DataType::String)?;
    let s = col.str()?;
    // ISO dates and timestamps sort lexically.
    Ok((
        s.iter().flatten().min().map(str::to_string),
        s.iter().flatten().max().map(str::to_string),
    ))
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "validation as of {} (window from {})",
            self.as_of, self.window_start
        )?;
        writeln!(
            f,
            "{:<17} {:>5} {:>10} {:>10} {:>8} {:>9}  span",
            "table", "files", "rows", "valid", "bad", "bad %"
        )?;
        for t in &self.tables {
            let span = match (&t.span_start, &t.span_end) {
                (Some(a), Some(b)) => format!("{} .. {}", &a[..a.len().min(10)], &b[..b.len().min(10)]),
                _ => "-".into(),
            };
            writeln!(
                f,
                "{:<17} {:>5} {:>10} {:>10} {:>8} {:>8.3}%  {span}",
                t.table,
                t.files.len(),
                t.rows_read,
                t.rows_valid,
                t.bad_rows,
                t.bad_share * 100.0
            )?;
            for (reason, n) in &t.bad_by_reason {
                writeln!(f, "{:<17}   {n} bad rows: {reason}", "")?;
            }
            let left_out = [
                (t.rows_filtered, "rows left out by the source's filter"),
                (t.rows_after_as_of, "rows after --as-of (left out)"),
                (t.duplicates_dropped, "exact duplicate rows (dropped)"),
                (
                    t.rows_of_quarantined_accounts,
                    "rows of quarantined accounts (left out)",
                ),
            ];
            for (n, what) in left_out.iter().filter(|(n, _)| *n > 0) {
                writeln!(f, "{:<17}   {n} {what}", "")?;
            }
            for o in &t.outside_taxonomy {
                writeln!(f, "{:<17}   warning: {}", "", o.describe(t.table))?;
            }
        }
        for s in &self.signals_missing {
            writeln!(f, "absent (signals unavailable) {s}")?;
        }
        for file in &self.ignored_files {
            writeln!(f, "ignored (matches no table) {file}")?;
        }
        Ok(())
    }
}

/// The quarantine rows of a history as a frame: table, file, row, column, value,
/// reason_code, reason. The run date is the Hive partition (`run_date=D/`) of the path the
/// frame is written to, not a column, so Hive-partitioned readers see it once.
pub fn quarantine_frame(history: &History) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = history
        .tables
        .values()
        .flat_map(|t| t.bad.iter().map(move |q| (t.spec.name, q)))
        .collect();
    let n = rows.len();
    let cols = vec![
        Column::new("table".into(), rows.iter().map(|(t, _)| *t).collect::<Vec<_>>()),
        Column::new(
            "file".into(),
            rows.iter().map(|(_, q)| q.file.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "row".into(),
            rows.iter().map(|(_, q)| q.row as i64).collect::<Vec<_>>(),
        ),
        Column::new(
            "column".into(),
            rows.iter().map(|(_, q)| q.column()).collect::<Vec<_>>(),
        ),
        Column::new(
            "value".into(),
            rows.iter()
                .map(|(_, q)| q.cell.value.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "reason_code".into(),
            rows.iter().map(|(_, q)| q.cell.kind.code()).collect::<Vec<_>>(),
        ),
        Column::new(
            "reason".into(),
            rows.iter()
                .map(|(_, q)| q.cell.reason.as_str())
                .collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(n, cols)
}
