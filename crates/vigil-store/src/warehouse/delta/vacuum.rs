//! Housekeeping: removing data files that no table version within the retention needs —
//! partitions replaced by re-publishing, and files a crashed writer left uncommitted.
//!
//! deltalake's own `VACUUM` (`deltalake::operations::vacuum`, available without the
//! `datafusion` feature) does the work, in its `full` mode: files removed from the table
//! (Remove actions) longer ago than the retention, and files no version references whose
//! object is older than the retention. It records the vacuum as two commits (`VACUUM START`,
//! `VACUUM END`), as Spark and delta-rs do. vigil's part is finding its tables and measuring
//! what goes (deltalake reports paths only; sizes come from one `HEAD` per file before the
//! delete).

use super::{DeltaError, load, log_store, table_name};
use crate::storage::{Location, Storage};
use deltalake::DeltaTable;
use deltalake::logstore::LogStore as _;
use deltalake::operations::vacuum::VacuumMode;
use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use std::collections::BTreeMap;

/// What vacuuming one table removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VacuumReport {
    /// Table name.
    pub table: String,
    /// Files removed (or to remove).
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Whether nothing was deleted (`--dry-run`).
    pub dry_run: bool,
}

/// The Delta tables directly under `root` (folders holding a `_delta_log/`), by name.
/// Folders starting with `_` or `.` (vigil's `_staged/`) are not tables.
pub fn tables_under(storage: &Storage, root: &Location) -> Result<Vec<Location>, DeltaError> {
    let store = storage.object_store(root)?;
    let prefix = root.path().clone();
    let listing = storage
        .block_on(store.list_with_delimiter((!prefix.as_ref().is_empty()).then_some(&prefix)))
        .map_err(|e| DeltaError::Encode {
            table: root.to_string(),
            reason: format!("cannot list the warehouse: {e}"),
        })?;
    let mut tables = Vec::new();
    for dir in listing.common_prefixes {
        let loc = root.with_path(dir);
        let Some(name) = loc.file_name() else { continue };
        if name.starts_with(['_', '.']) {
            continue;
        }
        let log_dir = loc.join("_delta_log");
        let first = storage.block_on(async { store.list(Some(log_dir.path())).try_next().await });
        if matches!(first, Ok(Some(_))) {
            tables.push(loc);
        }
    }
    tables.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(tables)
}

/// Vacuums one table: removes every data file that no version of the last `retain` needs.
/// The caller checks the retention (vigil refuses less than Delta's default 168 h without
/// `--force`); this function enforces none. `None` when `table` is not a Delta table.
pub fn vacuum(
    storage: &Storage,
    table: &Location,
    retain: chrono::Duration,
    dry_run: bool,
) -> Result<Option<VacuumReport>, DeltaError> {
    let store = log_store(storage, table)?;
    let Some(loaded) = storage.block_on(load(store.clone(), table))? else {
        return Ok(None);
    };
    let planned = run(storage, table, loaded.clone(), retain, true)?;
    let object_store = store.object_store(None);
    let mut sizes = BTreeMap::new();
    for file in &planned {
        // deltalake plans every expired Remove of the log, also files an earlier vacuum
        // deleted already (its log keeps the tombstones): only files still there count.
        if let Ok(meta) = storage.block_on(object_store.head(&Path::from(file.as_str()))) {
            sizes.insert(file.clone(), meta.size);
        }
    }
    let removed = if dry_run || sizes.is_empty() {
        planned
    } else {
        run(storage, table, loaded, retain, false)?
    };
    let present: Vec<u64> = removed.iter().filter_map(|f| sizes.get(f).copied()).collect();
    let report = VacuumReport {
        table: table_name(table),
        files: present.len(),
        bytes: present.iter().sum(),
        dry_run,
    };
    tracing::info!(table = %table, files = report.files, bytes = report.bytes, dry_run, "vacuumed");
    Ok(Some(report))
}

/// One deltalake vacuum (full mode); the paths it deleted (or would delete), relative to the
/// table root.
fn run(
    storage: &Storage,
    table: &Location,
    loaded: DeltaTable,
    retain: chrono::Duration,
    dry_run: bool,
) -> Result<Vec<String>, DeltaError> {
    let builder = loaded
        .vacuum()
        .with_retention_period(retain)
        .with_enforce_retention_duration(false)
        .with_mode(VacuumMode::Full)
        .with_dry_run(dry_run);
    let (_, metrics) = storage
        .block_on(async move { builder.await })
        .map_err(DeltaError::delta(table, "vacuuming"))?;
    Ok(metrics.files_deleted)
}
