//! Reading through the Delta log: only the files active in the latest version. The folder is
//! never listed: files of replaced partitions stay there (for time travel, until a `VACUUM`)
//! and must not be read.

use super::schema::{naive, polars_type};
use super::{DeltaError, PARTITION_COLUMN, load, load_version, log_store, table_name};
use crate::storage::{FileFormat, Location, ReadOptions, Storage, TableFile};
use chrono::NaiveDate;
use deltalake::kernel::StructType;
use polars::prelude::*;
use std::collections::BTreeMap;

/// The active files of a table by partition, with its schema.
struct Files {
    schema: StructType,
    version: u64,
    by_date: BTreeMap<NaiveDate, Vec<String>>,
}

fn files(storage: &Storage, table: &Location) -> Result<Option<Files>, DeltaError> {
    files_at(storage, table, None)
}

/// The active files of the table at `version` (`None`: the latest).
fn files_at(storage: &Storage, table: &Location, version: Option<u64>) -> Result<Option<Files>, DeltaError> {
    let store = log_store(storage, table)?;
    let loaded = match version {
        None => storage.block_on(load(store, table))?,
        Some(v) => storage.block_on(load_version(store, table, v))?,
    };
    let Some(t) = loaded else {
        return Ok(None);
    };
    let state = t
        .snapshot()
        .map_err(DeltaError::delta(table, "reading the snapshot"))?;
    let mut by_date: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    for file in state.log_data().iter() {
        let raw = file
            .partition_values_map()
            .get(PARTITION_COLUMN)
            .cloned()
            .flatten();
        let date = raw
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| DeltaError::Encode {
                table: table.to_string(),
                reason: format!(
                    "file {} has the partition value {raw:?}, not a date (YYYY-MM-DD)",
                    file.path()
                ),
            })?;
        by_date.entry(date).or_default().push(file.path().into_owned());
    }
    Ok(Some(Files {
        schema: state.schema().as_ref().clone(),
        version: state.version(),
        by_date,
    }))
}

/// The latest version of the table, or `None` when there is no table yet.
pub fn table_version(storage: &Storage, table: &Location) -> Result<Option<i64>, DeltaError> {
    Ok(files(storage, table)?.map(|f| i64::try_from(f.version).unwrap_or(i64::MAX)))
}

/// The run dates that have rows in the latest version, oldest first.
pub fn partitions(storage: &Storage, table: &Location) -> Result<Vec<NaiveDate>, DeltaError> {
    Ok(files(storage, table)?
        .map(|f| f.by_date.into_keys().collect())
        .unwrap_or_default())
}

/// The rows of one `run_date` partition (without the `run_date` column, columns in table
/// order), or `None` when the table or the partition does not exist.
pub fn read_partition(
    storage: &Storage,
    table: &Location,
    run_date: NaiveDate,
) -> Result<Option<DataFrame>, DeltaError> {
    let Some(f) = files(storage, table)? else {
        return Ok(None);
    };
    match f.by_date.get(&run_date) {
        Some(paths) => read_files(storage, table, &f.schema, paths).map(Some),
        None => Ok(None),
    }
}

/// The rows of one `run_date` partition as they were at table `version` (time travel: what a
/// `runs` row names), or `None` when the table, that version or the partition does not exist.
pub fn read_partition_at(
    storage: &Storage,
    table: &Location,
    run_date: NaiveDate,
    version: u64,
) -> Result<Option<DataFrame>, DeltaError> {
    let Some(f) = files_at(storage, table, Some(version))? else {
        return Ok(None);
    };
    match f.by_date.get(&run_date) {
        Some(paths) => read_files(storage, table, &f.schema, paths).map(Some),
        None => Ok(None),
    }
}

/// The latest partition strictly before `run_date` and its rows (the previous run, for "what
/// changed"), or `None` when there is none.
pub fn latest_partition_before(
    storage: &Storage,
    table: &Location,
    run_date: NaiveDate,
) -> Result<Option<(NaiveDate, DataFrame)>, DeltaError> {
    let Some(f) = files(storage, table)? else {
        return Ok(None);
    };
    match f.by_date.range(..run_date).next_back() {
        Some((date, paths)) => Ok(Some((*date, read_files(storage, table, &f.schema, paths)?))),
        None => Ok(None),
    }
}

/// Reads files and aligns them to the table schema: columns a file lacks (added later by
/// schema evolution) are null; timestamps come back naive (UTC).
fn read_files(
    storage: &Storage,
    table: &Location,
    schema: &StructType,
    paths: &[String],
) -> Result<DataFrame, DeltaError> {
    let name = table_name(table);
    let mut out: Option<DataFrame> = None;
    for path in paths {
        let loc = table.join(path);
        let file = TableFile::new(loc.clone(), FileFormat::Parquet);
        let part = storage.read_file(&name, &file, &ReadOptions::default())?.frame;
        let aligned = align(&part, schema).map_err(|reason| DeltaError::Encode {
            table: table.to_string(),
            reason: format!("file {loc}: {reason}"),
        })?;
        out = Some(match out {
            None => aligned,
            Some(mut acc) => {
                acc.vstack_mut(&aligned).map_err(|e| DeltaError::Encode {
                    table: table.to_string(),
                    reason: format!("file {loc} does not stack with the partition's other files: {e}"),
                })?;
                acc
            }
        });
    }
    let mut frame = out.unwrap_or_default();
    frame.rechunk_mut();
    Ok(frame)
}

fn align(part: &DataFrame, schema: &StructType) -> Result<DataFrame, String> {
    let mut columns = Vec::new();
    for field in schema.fields().filter(|f| f.name() != PARTITION_COLUMN) {
        let name = field.name().as_str();
        let column = match part.column(name) {
            Ok(c) => {
                let target = naive(c.dtype());
                if &target == c.dtype() {
                    c.clone()
                } else {
                    c.cast(&target).map_err(|e| format!("column {name}: {e}"))?
                }
            }
            Err(_) => {
                let dtype = polars_type(field.data_type()).map_err(|e| format!("column {name}: {e}"))?;
                Column::full_null(name.into(), part.height(), &dtype)
            }
        };
        columns.push(column);
    }
    DataFrame::new(part.height(), columns).map_err(|e| e.to_string())
}
