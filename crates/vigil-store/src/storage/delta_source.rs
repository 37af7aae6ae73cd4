//! Delta tables as input: exactly the data files the log lists at the latest version, or at
//! a pinned version or instant, with their partition values. The folder is never listed for
//! data: files the log has removed (overwritten or deleted rows, kept for time travel until
//! a `VACUUM`) are never read.
//!
//! The log is read by deltalake over vigil's own object store (the one the warehouse's
//! Delta sink uses), so a Delta source works wherever a location does (local, S3, GCS,
//! Azure, memory). Tables that need features vigil does not read (deletion vectors, column
//! mapping) are refused with a message saying so, never read wrongly.

use super::{DeltaPin, FileFormat, Location, Storage, StorageError, TableFile};
use crate::warehouse::delta::{DeltaError, log_store};
use chrono::{DateTime, Utc};
use deltalake::logstore::LogStoreRef;
use deltalake::table::state::DeltaTableState;
use deltalake::{DeltaTable, DeltaTableError};

/// The table's data files at the version `pin` selects.
pub(super) fn table_files(
    storage: &Storage,
    table: &str,
    root: &Location,
    pin: &DeltaPin,
) -> Result<Vec<TableFile>, StorageError> {
    // The kernel appends a backtrace to its errors when RUST_BACKTRACE is set: first line only.
    let unreadable = |reason: String| StorageError::Unreadable {
        table: table.to_string(),
        url: root.to_string(),
        format: FileFormat::Delta.name(),
        reason: reason.lines().next().unwrap_or_default().to_string(),
    };
    let store = log_store(storage, root).map_err(|e| storage_error(e, &unreadable))?;
    let is_table = storage
        .block_on(store.is_delta_table_location())
        .map_err(|e| unreadable(format!("cannot look for its Delta log: {e}")))?;
    if !is_table {
        return Err(StorageError::NotFound {
            what: format!("Delta table {table} (no _delta_log/ with a commit)"),
            url: root.to_string(),
        });
    }
    let t = storage.block_on(open(store, pin)).map_err(&unreadable)?;
    let state = t
        .snapshot()
        .map_err(|e| unreadable(format!("cannot read the snapshot: {e}")))?;
    check_readable(state, pin).map_err(&unreadable)?;
    live_files(state, root).map_err(unreadable)
}

/// Refuses a snapshot that is not what was asked for (every version after `as_of`) or that
/// needs a feature vigil does not read (column mapping).
fn check_readable(state: &DeltaTableState, pin: &DeltaPin) -> Result<(), String> {
    if let Some(as_of) = pin.as_of {
        check_as_of(state.version(), state.version_timestamp(state.version()), as_of)?;
    }
    let mapping = state.metadata().configuration().get("delta.columnMapping.mode");
    if mapping.is_some_and(|m| m != "none") {
        return Err("it uses column mapping (delta.columnMapping.mode), which vigil does not read".into());
    }
    Ok(())
}

/// The snapshot's data files, sorted by path, each with its partition values in the table's
/// partition-column order.
fn live_files(state: &DeltaTableState, root: &Location) -> Result<Vec<TableFile>, String> {
    let partition_columns = state.metadata().partition_columns().to_vec();
    let mut files = Vec::new();
    for file in state.log_data().iter() {
        let path = file.path();
        if file.deletion_vector_descriptor().is_some() {
            return Err(format!(
                "file {path} has a deletion vector, which vigil does not read; rewrite the table \
                 without them (REORG TABLE … APPLY (PURGE))"
            ));
        }
        let location = if path.contains("://") {
            Location::parse(&path).map_err(|e| e.to_string())?
        } else {
            root.join(&path)
        };
        let mut values = file.partition_values_map();
        let partitions = partition_columns
            .iter()
            .map(|c| (c.clone(), values.remove(c).flatten()))
            .collect();
        files.push(TableFile {
            location,
            format: FileFormat::Parquet,
            partitions,
        });
    }
    files.sort_by(|a, b| a.location.path().cmp(b.location.path()));
    Ok(files)
}

/// Loads the version the pin selects: a version, the latest at or before an instant, or
/// the latest.
async fn open(store: LogStoreRef, pin: &DeltaPin) -> Result<DeltaTable, String> {
    let mut t = DeltaTable::new(store.clone());
    let loaded: Result<(), DeltaTableError> = match (pin.version, pin.as_of) {
        (Some(_), Some(_)) => return Err("set either version or as_of, not both".into()),
        (Some(v), None) => {
            let wanted = u64::try_from(v).map_err(|_| format!("the table has no version {v}"))?;
            let latest = store
                .get_latest_version(0)
                .await
                .map_err(|e| format!("cannot find the latest version: {e}"))?;
            if wanted > latest {
                return Err(format!("the table has no version {v} (its latest is {latest})"));
            }
            t.load_version(wanted).await
        }
        (None, Some(at)) => t.load_with_datetime(at).await,
        (None, None) => t.load().await,
    };
    loaded.map_err(|e| format!("cannot load the table: {e}"))?;
    Ok(t)
}

/// deltalake picks the oldest version when every commit is after `as_of`: that is no
/// version "at or before" it.
fn check_as_of(version: u64, committed_ms: Option<i64>, as_of: DateTime<Utc>) -> Result<(), String> {
    match committed_ms {
        Some(ms) if ms > as_of.timestamp_millis() => Err(format!(
            "no version was committed at or before as_of {} (the oldest, version {version}, at {})",
            as_of.to_rfc3339(),
            DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), |t| t.to_rfc3339())
        )),
        _ => Ok(()),
    }
}

/// A log-store error as a storage error: storage failures as they are, a location that
/// cannot be a table root as an invalid URL, anything else as unreadable input.
fn storage_error(e: DeltaError, unreadable: &dyn Fn(String) -> StorageError) -> StorageError {
    match e {
        DeltaError::Storage(s) => s,
        DeltaError::InvalidLocation { url, reason } => StorageError::InvalidUrl { url, reason },
        other => unreadable(other.to_string()),
    }
}
