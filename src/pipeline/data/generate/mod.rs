//! `vigil generate`: write a synthetic history under a URL. The native layout is one Parquet
//! file per table (`usage_daily` and `feature_usage` as one file per month, like a real
//! export); the foreign layout ([`foreign`]) holds the same facts in another company's names
//! and storage formats.

mod foreign;
#[cfg(test)]
mod tests;

use crate::Result;
use crate::contract::schema;
use crate::pipeline::runtime::StageReport;
use crate::synth::{SynthParams, generate as synthesize};
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;
use vigil_store::storage::{Location, Storage};

/// Tables written as one file per month.
const MONTHLY: &[&str] = &["usage_daily", "feature_usage"];

/// How the generated tables are named and stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HistoryLayout {
    /// The contract's names, one Parquet file (or one per month) per table, readable with
    /// `[sources] base` alone.
    #[default]
    Native,
    /// Another company's names, values and formats (`crate::synth::foreign`), readable with
    /// `pipelines/example-foreign.toml`.
    Foreign,
}

/// Resolved settings of `vigil generate`.
#[derive(Debug, Clone)]
pub struct GenerateSettings {
    /// Generator parameters.
    pub params: SynthParams,
    /// Folder to write the tables under.
    pub out: Location,
    /// How to name and store the tables.
    pub layout: HistoryLayout,
}

/// Generates a history and writes it; replaces what an earlier run wrote there.
pub fn generate(storage: &Storage, settings: &GenerateSettings) -> Result<StageReport> {
    let started = Instant::now();
    tracing::info!(
        accounts = settings.params.accounts,
        months = settings.params.months,
        end = %settings.params.end,
        seed = settings.params.seed,
        out = %settings.out,
        layout = ?settings.layout,
        "generating synthetic history"
    );
    let history = synthesize(&settings.params)?;
    let rows = match settings.layout {
        HistoryLayout::Native => write_history(storage, &settings.out, history.tables)?,
        HistoryLayout::Foreign => foreign::write(storage, &settings.out, &history, settings.params.end)?,
    };
    let mut report = StageReport::new("generate", started);
    report.rows_out = rows.values().sum::<usize>() as u64;
    report.outputs.push(settings.out.to_string());
    for (table, n) in &rows {
        tracing::info!(table, rows = n, "table written");
    }
    Ok(report)
}

/// Writes tables under `out` as the layout [`crate::contract::load_history`] reads with
/// `[sources] base = out`. Returns rows written per table.
pub fn write_history(
    storage: &Storage,
    out: &Location,
    tables: Vec<(&'static str, DataFrame)>,
) -> Result<BTreeMap<&'static str, usize>> {
    let mut rows = BTreeMap::new();
    for (name, mut frame) in tables {
        rows.insert(name, frame.height());
        if MONTHLY.contains(&name) {
            write_monthly(storage, &out.join(name), &frame, date_column(name), |month| {
                format!("{month}.parquet")
            })?;
        } else {
            storage.write_parquet(&out.join(&format!("{name}.parquet")), &mut frame)?;
        }
    }
    Ok(rows)
}

/// Replaces the folder with one Parquet file per calendar month of the Date column `column`,
/// at `file(month)` under it (`month` is `YYYY-MM`).
fn write_monthly(
    storage: &Storage,
    folder: &Location,
    frame: &DataFrame,
    column: &str,
    file: impl Fn(&str) -> String,
) -> Result<()> {
    storage.delete_prefix(folder)?;
    for (month, mut part) in split_by_month(frame, column)? {
        storage.write_parquet(&folder.join(&file(&month)), &mut part)?;
    }
    Ok(())
}

fn date_column(table: &str) -> &'static str {
    schema::table(table).and_then(|t| t.time_column).unwrap_or("date")
}

/// Splits a frame by the calendar month (`YYYY-MM`) of a Date column, in month order.
fn split_by_month(frame: &DataFrame, column: &str) -> Result<Vec<(String, DataFrame)>> {
    let days = frame.column(column)?.cast(&DataType::Int32)?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).ok_or_else(|| crate::Error::Internal("epoch".into()))?;
    let keys: Vec<Option<String>> = days
        .i32()?
        .iter()
        .map(|d| {
            d.and_then(|d| epoch.checked_add_signed(chrono::TimeDelta::days(d as i64)))
                .map(|date| format!("{:04}-{:02}", date.year(), date.month()))
        })
        .collect();
    let mut months: Vec<&String> = keys.iter().flatten().collect();
    months.sort();
    months.dedup();
    let mut parts = Vec::with_capacity(months.len());
    for m in months {
        let mask: BooleanChunked = keys.iter().map(|k| Some(k.as_ref() == Some(m))).collect();
        parts.push((m.clone(), frame.filter(&mask)?));
    }
    Ok(parts)
}
