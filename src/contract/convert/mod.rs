//! Typing one column of one file against its contract spec, collecting bad cells.

mod native;

use super::parse;
use super::schema::{ColumnSpec, ColumnType, Rule};
use super::taxonomy::Taxonomy;
use polars::prelude::*;

/// Why a row was rejected (the quarantine `reason_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BadKind {
    /// Value does not parse as the column's type.
    Type,
    /// Null or empty where a value is required.
    Null,
    /// Not one of the allowed values.
    Enum,
    /// Number out of range.
    Range,
    /// Rows that share a natural key but differ in another column (all are quarantined).
    Duplicate,
    /// `account_id` not in `accounts`.
    UnknownAccount,
}

impl BadKind {
    /// Stable code used in reports and the quarantine table.
    pub fn code(self) -> &'static str {
        match self {
            BadKind::Type => "bad_type",
            BadKind::Null => "null_value",
            BadKind::Enum => "not_allowed",
            BadKind::Range => "out_of_range",
            BadKind::Duplicate => "duplicate_key",
            BadKind::UnknownAccount => "unknown_account",
        }
    }
}

/// One rejected cell: the first problem found in its row.
#[derive(Debug, Clone)]
pub struct BadCell {
    /// Column name.
    pub column: &'static str,
    /// Offending value as text (redacted for free-text columns), `null` for nulls.
    pub value: String,
    /// Category.
    pub kind: BadKind,
    /// Human explanation.
    pub reason: String,
}

/// Columns holding customer free text: their values never appear in messages or logs.
const FREE_TEXT: &[&str] = &[
    "subject",
    "body",
    "comment",
    "note",
    "text",
    "name",
    "email",
    "csm_email",
];

/// Renders a value for a message: free text is redacted, long values are cut.
pub fn display_value(column: &str, value: &str) -> String {
    if FREE_TEXT.contains(&column) {
        return format!("<{} chars of text, redacted>", value.chars().count());
    }
    let mut v: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        v.push('…');
    }
    format!("{v:?}")
}

/// Polars dtype of a contract type.
pub fn dtype(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Str => DataType::String,
        ColumnType::Int => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Date => DataType::Date,
        ColumnType::Timestamp => DataType::Datetime(TimeUnit::Microseconds, None),
    }
}

pub(super) fn set_bad(
    bad: &mut [Option<BadCell>],
    row: usize,
    spec: &ColumnSpec,
    value: &str,
    kind: BadKind,
    reason: String,
) {
    if bad[row].is_none() {
        let value = if kind == BadKind::Null {
            "null".to_string()
        } else {
            display_value(spec.name, value)
        };
        bad[row] = Some(BadCell {
            column: spec.name,
            value,
            kind,
            reason,
        });
    }
}

/// A zoned datetime column (Parquet written by Spark or pandas, in UTC or another zone) as
/// vigil's naive UTC: the stored instants are UTC whatever the zone, so the zone is dropped
/// and the instants kept.
fn to_utc(col: &Column, unit: TimeUnit) -> PolarsResult<Column> {
    col.to_physical_repr().cast(&DataType::Datetime(unit, None))
}

/// Types one column: returns the typed series (null where bad) and marks bad rows; values
/// of a [`Rule::Taxonomy`] column are checked against `taxonomy`.
pub fn convert(
    spec: &ColumnSpec,
    col: &Column,
    bad: &mut [Option<BadCell>],
    taxonomy: &Taxonomy,
) -> PolarsResult<Series> {
    let utc;
    let col = match col.dtype() {
        DataType::Datetime(unit, Some(_)) => {
            utc = to_utc(col, *unit)?;
            &utc
        }
        _ => col,
    };
    if let Some(series) = native::convert(spec, col, bad, taxonomy)? {
        return Ok(series);
    }
    let text = col.cast(&DataType::String)?;
    let text = text.str()?;
    let name: PlSmallStr = spec.name.into();
    let series = match spec.ty {
        ColumnType::Str => {
            let vals: Vec<Option<String>> = text
                .iter()
                .enumerate()
                .map(|(row, v)| check_str(spec, row, v, bad, taxonomy))
                .collect();
            Series::new(name, vals)
        }
        ColumnType::Int => typed(
            spec,
            text,
            bad,
            parse::int,
            |v| *v as f64,
            |n, v: Vec<Option<i64>>| Series::new(n, v),
        ),
        ColumnType::Float => typed(
            spec,
            text,
            bad,
            parse::float,
            |v| *v,
            |n, v: Vec<Option<f64>>| Series::new(n, v),
        ),
        ColumnType::Bool => typed(
            spec,
            text,
            bad,
            parse::boolean,
            |_| 0.0,
            |n, v: Vec<Option<bool>>| Series::new(n, v),
        ),
        ColumnType::Date => typed(
            spec,
            text,
            bad,
            parse::date,
            |_| 0.0,
            |n, v: Vec<Option<i32>>| Series::new(n, v),
        )
        .cast(&DataType::Date)?,
        ColumnType::Timestamp => typed(
            spec,
            text,
            bad,
            parse::timestamp,
            |_| 0.0,
            |n, v: Vec<Option<i64>>| Series::new(n, v),
        )
        .cast(&dtype(ColumnType::Timestamp))?,
    };
    Ok(series)
}

fn check_str(
    spec: &ColumnSpec,
    row: usize,
    v: Option<&str>,
    bad: &mut [Option<BadCell>],
    taxonomy: &Taxonomy,
) -> Option<String> {
    let v = v.filter(|s| !s.trim().is_empty());
    let Some(v) = v else {
        if !spec.nullable {
            set_bad(
                bad,
                row,
                spec,
                "",
                BadKind::Null,
                format!("{} must not be empty", spec.name),
            );
        }
        return None;
    };
    let found = match spec.rule {
        Rule::OneOf(allowed) => {
            let norm = v.trim().to_ascii_lowercase();
            allowed
                .contains(&norm.as_str())
                .then_some(norm)
                .ok_or_else(|| allowed.join(", "))
        }
        Rule::Taxonomy(set) => match taxonomy.set(set) {
            Some(values) => match values.find(v) {
                Some(canonical) => Ok(canonical.to_string()),
                None if taxonomy.is_open(set) => Ok(v.trim().to_string()),
                None => Err(format!(
                    "{} (configurable in {})",
                    values.values().join(", "),
                    set.key()
                )),
            },
            None => Ok(v.to_string()),
        },
        _ => Ok(v.to_string()),
    };
    match found {
        Ok(value) => Some(value),
        Err(allowed) => {
            set_bad(
                bad,
                row,
                spec,
                v,
                BadKind::Enum,
                format!("allowed values: {allowed}"),
            );
            None
        }
    }
}

/// Why `x` breaks a numeric rule (`Range`, `AtLeast`), or `None` when it does not.
pub(super) fn out_of_range(rule: Rule, x: f64) -> Option<String> {
    match rule {
        Rule::Range(lo, hi) if x < lo || x > hi => Some(format!("allowed range: {lo} to {hi}")),
        Rule::AtLeast(lo) if x < lo => Some(format!("allowed range: >= {lo}")),
        _ => None,
    }
}

/// Parses every value with `parse`, checks nullability and the numeric rule.
fn typed<T: Copy, P, N, B>(
    spec: &ColumnSpec,
    text: &StringChunked,
    bad: &mut [Option<BadCell>],
    parse: P,
    numeric: N,
    build: B,
) -> Series
where
    P: Fn(&str) -> Result<T, String>,
    N: Fn(&T) -> f64,
    B: Fn(PlSmallStr, Vec<Option<T>>) -> Series,
{
    let vals = text
        .iter()
        .enumerate()
        .map(|(row, v)| match v.filter(|s| !s.trim().is_empty()) {
            None => {
                if !spec.nullable {
                    set_bad(
                        bad,
                        row,
                        spec,
                        "",
                        BadKind::Null,
                        format!("{} must not be empty", spec.name),
                    );
                }
                None
            }
            Some(s) => match parse(s) {
                Err(why) => {
                    set_bad(
                        bad,
                        row,
                        spec,
                        s,
                        BadKind::Type,
                        format!("{why} ({})", spec.ty.name()),
                    );
                    None
                }
                Ok(t) => {
                    if let Some(reason) = out_of_range(spec.rule, numeric(&t)) {
                        set_bad(bad, row, spec, s, BadKind::Range, reason);
                        None
                    } else {
                        Some(t)
                    }
                }
            },
        })
        .collect();
    build(spec.name.into(), vals)
}
