//! Writing the foreign layout (`crate::synth::foreign`): each table in its own storage form —
//! Parquet files, a Spark-style folder of part files, a `;`-separated CSV, Hive month folders,
//! monthly files, and a Delta table committed twice.

use super::write_monthly;
use crate::Result;
use crate::synth::SynthHistory;
use crate::synth::foreign::names::Store;
use crate::synth::foreign::{ForeignTable, relayout};
use bytes::Bytes;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::WarehouseError;
use vigil_store::warehouse::delta::{CommitContext, replace_partition};

/// Run id recorded in the `commitInfo` of the Delta table's commits.
const COMMIT_RUN_ID: &str = "vigil-generate";

/// Writes the history in the foreign layout under `out`, replacing what an earlier run wrote
/// there; the Delta table's partition is `export_date`. Returns rows written per contract
/// table (the live rows, test organisations' included).
pub(super) fn write(
    storage: &Storage,
    out: &Location,
    history: &SynthHistory,
    export_date: NaiveDate,
) -> Result<BTreeMap<&'static str, usize>> {
    let mut rows = BTreeMap::new();
    for table in relayout(history)? {
        write_table(storage, &out.join(table.names.path), &table, export_date)?;
        rows.insert(table.names.table, table.frame.height());
    }
    Ok(rows)
}

fn write_table(
    storage: &Storage,
    loc: &Location,
    table: &ForeignTable,
    export_date: NaiveDate,
) -> Result<()> {
    let frame = &table.frame;
    match table.names.store {
        Store::Parquet => storage.write_parquet(loc, &mut frame.clone())?,
        Store::SparkFolder { parts } => write_spark_folder(storage, loc, frame, parts)?,
        Store::Csv { delimiter } => storage.write(loc, encode_csv(frame, delimiter)?)?,
        Store::HiveMonthly { key, column } => write_monthly(storage, loc, frame, column, |month| {
            format!("{key}={month}/part-0.parquet")
        })?,
        Store::Monthly { column } => {
            write_monthly(storage, loc, frame, column, |month| format!("{month}.parquet"))?
        }
        Store::Delta => write_delta(storage, loc, table, export_date)?,
    }
    Ok(())
}

/// Replaces the folder with `parts` part files (rows split evenly, in order) and the empty
/// `_SUCCESS` marker a Spark job leaves.
fn write_spark_folder(storage: &Storage, folder: &Location, frame: &DataFrame, parts: usize) -> Result<()> {
    storage.delete_prefix(folder)?;
    let per_part = frame.height().div_ceil(parts.max(1));
    for part in 0..parts {
        let offset = i64::try_from(part * per_part).unwrap_or(i64::MAX);
        let mut rows = frame.slice(offset, per_part);
        storage.write_parquet(
            &folder.join(&format!("part-{part:05}-c000.zstd.parquet")),
            &mut rows,
        )?;
    }
    storage.write(&folder.join("_SUCCESS"), Bytes::new())?;
    Ok(())
}

/// A frame as CSV with a header row (nulls as empty fields, text quoted where needed).
fn encode_csv(frame: &DataFrame, delimiter: u8) -> Result<Bytes> {
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .with_separator(delimiter)
        .finish(&mut frame.clone())?;
    Ok(Bytes::from(buf))
}

/// Replaces the folder with a Delta table partitioned by `run_date = export_date`: a commit of
/// the superseded rows (if any), then one that replaces them with the live rows, removing the
/// first commit's file.
fn write_delta(
    storage: &Storage,
    table_loc: &Location,
    table: &ForeignTable,
    export_date: NaiveDate,
) -> Result<()> {
    storage.delete_prefix(table_loc)?;
    let ctx = CommitContext::new(COMMIT_RUN_ID);
    for frame in table.superseded.iter().chain([&table.frame]) {
        replace_partition(storage, table_loc, export_date, frame, &ctx).map_err(WarehouseError::from)?;
    }
    Ok(())
}
