//! The foreign layout of a generated history (`vigil generate --layout foreign`): the same
//! facts as the native layout, as another company's systems would export them, for trying
//! `[sources.<table>]` mappings and `[taxonomy]` end to end (`pipelines/example-foreign.toml`).
//!
//! What changes ([`names`] holds every name):
//! - column names (`accounts.account_id` → `id`, `tickets.created_at` → `opened`, …) and the
//!   closed sets' values (P1–P4 priorities, SMB/Commercial/Strategic segments, Sev1–Sev4,
//!   the company's own escalation categories, `in`/`out` directions);
//! - storage: `accounts` as a Spark-style `accounts.parquet/` folder of part files, `tickets` as
//!   a `;`-separated CSV whose timestamps are `dd/mm/yyyy HH:MM:SS[.f]` wall-clock text in
//!   Asia/Singapore, `usage_daily` Hive-partitioned by month, `communications` with zoned (UTC,
//!   nanosecond) timestamps as pandas writes them, `escalations` as a Delta table;
//! - rows a mapping must drop: internal test organisations' usage, flagged `is_test = true`;
//! - the Delta table's first version holds an earlier export of every escalation (none yet
//!   resolved) that its second version replaces, so a reader that lists the folder instead of
//!   following the log reads every escalation twice.
//!
//! Ids, texts, numbers and instants are untouched, so a run on the mapped foreign layout must
//! give the native layout's results, up to the renamed values. Pure: frames in, frames out;
//! `pipeline::data` writes them.

pub mod names;

#[cfg(test)]
mod tests;

use super::{SynthError, SynthHistory};
use names::{Store, TEST_FLAG, TEXT_TIME_FORMAT, TEXT_TIME_ZONE, TableNames, VALUES};
use polars::prelude::*;

/// Accounts whose usage is copied to internal test organisations (`qa-sandbox-NN`).
const TEST_ORGS: usize = 2;

/// One table of the foreign layout, ready to write.
#[derive(Debug, Clone)]
pub struct ForeignTable {
    /// Its names and storage.
    pub names: &'static TableNames,
    /// Its rows, in their column names and words.
    pub frame: DataFrame,
    /// Rows an earlier version of the table held and `frame` replaced (the Delta table's first
    /// commit); `None` for a table written once.
    pub superseded: Option<DataFrame>,
}

/// The history in the foreign layout, in contract table order.
pub fn relayout(history: &SynthHistory) -> Result<Vec<ForeignTable>, SynthError> {
    history
        .tables
        .iter()
        .map(|(table, frame)| {
            let names = names::table(table).ok_or(SynthError::NoForeignNames(table))?;
            Ok(foreign_table(names, frame)?)
        })
        .collect()
}

/// One table: values in their words, the table's own changes, then their column names.
fn foreign_table(names: &'static TableNames, native: &DataFrame) -> PolarsResult<ForeignTable> {
    let mut frame = native.clone();
    for set in VALUES.iter().filter(|v| v.table == names.table) {
        map_strings(&mut frame, set.column, |v| set.theirs_for(v).to_string())?;
    }
    match names.table {
        "communications" => zoned_nanoseconds(&mut frame, "sent_at")?,
        "usage_daily" => frame = with_test_orgs(&frame)?,
        _ => {}
    }
    if let Store::Csv { .. } = names.store {
        let timestamps: Vec<String> = frame
            .columns()
            .iter()
            .filter(|c| matches!(c.dtype(), DataType::Datetime(..)))
            .map(|c| c.name().to_string())
            .collect();
        for column in &timestamps {
            local_text(&mut frame, column)?;
        }
    }
    let superseded = match names.table {
        "escalations" => Some(rename(names, unresolved(&frame)?)?),
        _ => None,
    };
    Ok(ForeignTable {
        names,
        frame: rename(names, frame)?,
        superseded,
    })
}

/// Renames every contract column to theirs.
fn rename(names: &TableNames, mut frame: DataFrame) -> PolarsResult<DataFrame> {
    for (contract, theirs) in names.columns {
        if contract != theirs {
            frame.rename(contract, (*theirs).into())?;
        }
    }
    Ok(frame)
}

/// Replaces each value of a String column with `f(value)` (nulls stay null).
fn map_strings(frame: &mut DataFrame, column: &str, f: impl Fn(&str) -> String) -> PolarsResult<()> {
    let mapped: StringChunked = frame.column(column)?.str()?.iter().map(|v| v.map(&f)).collect();
    frame.replace(column, mapped.with_name(column.into()).into_column())?;
    Ok(())
}

/// Turns a UTC timestamp column into wall-clock text in [`TEXT_TIME_ZONE`], formatted with
/// [`TEXT_TIME_FORMAT`] (microseconds kept, so the text names the same instant).
fn local_text(frame: &mut DataFrame, column: &str) -> PolarsResult<()> {
    let micros = frame.column(column)?.datetime()?.physical().clone();
    let text: StringChunked = micros
        .iter()
        .map(|us| {
            us.and_then(chrono::DateTime::from_timestamp_micros).map(|t| {
                t.with_timezone(&TEXT_TIME_ZONE)
                    .format(TEXT_TIME_FORMAT)
                    .to_string()
            })
        })
        .collect();
    frame.replace(column, text.with_name(column.into()).into_column())?;
    Ok(())
}

/// Stores a naive-UTC microsecond timestamp column as a zoned (UTC) nanosecond one.
fn zoned_nanoseconds(frame: &mut DataFrame, column: &str) -> PolarsResult<()> {
    let micros = frame.column(column)?.datetime()?.physical().clone();
    let nanos: Int64Chunked = micros.apply_values(|us| us * 1_000);
    let zoned = nanos
        .with_name(column.into())
        .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC));
    frame.replace(column, zoned.into_column())?;
    Ok(())
}

/// The usage rows flagged `is_test = false`, followed by the first [`TEST_ORGS`] accounts'
/// rows again as internal test organisations' (`qa-sandbox-NN`, `is_test = true`), which
/// belong to no account.
fn with_test_orgs(usage: &DataFrame) -> PolarsResult<DataFrame> {
    let orgs: Vec<(String, String)> = (1..=TEST_ORGS)
        .map(|k| (super::frames::account_id(k - 1), format!("qa-sandbox-{k:02}")))
        .collect();
    let test_org = |id: &str| orgs.iter().find(|(account, _)| account == id).map(|(_, org)| org);
    let mask: BooleanChunked = usage
        .column("account_id")?
        .str()?
        .iter()
        .map(|id| Some(id.and_then(test_org).is_some()))
        .collect();
    let mut test = usage.filter(&mask)?;
    map_strings(&mut test, "account_id", |id| {
        test_org(id).map_or_else(|| id.to_string(), String::clone)
    })?;
    let flag = |frame: &DataFrame, value: bool| {
        let mut frame = frame.clone();
        frame.with_column(Column::new(TEST_FLAG.into(), vec![value; frame.height()]))?;
        Ok::<_, PolarsError>(frame)
    };
    flag(usage, false)?.vstack(&flag(&test, true)?)
}

/// An earlier export of the escalations: the same ones, none resolved yet.
fn unresolved(escalations: &DataFrame) -> PolarsResult<DataFrame> {
    let mut frame = escalations.clone();
    let n = frame.height();
    let resolved = frame.column("resolved_at")?.clone();
    frame.replace(
        "resolved_at",
        Column::full_null(resolved.name().clone(), n, resolved.dtype()),
    )?;
    frame.replace("outcome", Column::new("outcome".into(), vec!["ongoing"; n]))?;
    Ok(frame)
}
