//! Delta Lake tables on any object-store URL (local folder, `s3://`, `gs://`, `az://`,
//! `memory://`), partitioned by `run_date`.
//!
//! Built without deltalake's DataFusion and cloud features (DESIGN.md, build cost): vigil
//! hands deltalake its own object store, writes each partition's Parquet file itself, and
//! commits the change as one Delta transaction of Remove + Add actions (`CommitBuilder`).
//!
//! A table is `<table>/_delta_log/NNN.json` plus `<table>/run_date=YYYY-MM-DD/part-<id>.zstd.parquet`
//! (the partition value lives in the log and the folder name, not in the file). The protocol
//! stays at reader 1 / writer 2 (no deletion vectors, no column mapping, no `timestamp_ntz`),
//! which every Delta reader understands.
//!
//! - **Atomic**: the data file is written first (invisible until committed), then the commit
//!   file with a conditional put (`PutMode::Create`). A crash before the commit leaves the old
//!   version and an unreferenced file (a Delta `VACUUM` removes it); after it, the new one.
//! - **Idempotent**: [`replace_partition`] removes every file of the partition and adds the
//!   new one in the same commit, so a re-run replaces, never duplicates.
//! - **Concurrent writers**: the conditional put picks one winner per version. The loser
//!   reloads the table, recomputes its Remove actions (and schema merge) from the new
//!   version and commits again, up to [`COMMIT_ATTEMPTS`] times, then fails with
//!   [`DeltaError::Conflict`]. The last writer of a partition wins; rows never duplicate.
//! - **Schema evolution**: new nullable columns are merged into the table schema (a Metadata
//!   action in the same commit); a changed column type is an error naming both types.
//!
//! deltalake's own object-store calls (log reads, the commit put) go straight to the store,
//! without vigil's retry layer: a conditional put must not be blindly retried. Data files
//! are read and written through [`Storage`], with its retries.

mod commit;
mod read;
mod schema;
#[cfg(test)]
mod tests;
mod vacuum;

pub use commit::replace_partition;
pub use read::{latest_partition_before, partitions, read_partition, read_partition_at, table_version};
pub use vacuum::{VacuumReport, tables_under, vacuum};

use crate::storage::{Location, Storage, StorageError};
use deltalake::logstore::{LogStore, LogStoreRef, StorageConfig, default_logstore};
use deltalake::{DeltaTable, DeltaTableError, ObjectStore};
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use std::sync::Arc;
use url::Url;

/// The partition column of every vigil table (Delta type `date`).
pub const PARTITION_COLUMN: &str = "run_date";

/// Commit attempts before a writer that keeps losing the race gives up.
pub const COMMIT_ATTEMPTS: u32 = 12;

/// Who is committing: recorded in each commit's `commitInfo`.
#[derive(Debug, Clone)]
pub struct CommitContext {
    /// The vigil run that produced the data.
    pub run_id: String,
    /// vigil's version (`CARGO_PKG_VERSION`).
    pub vigil_version: String,
}

impl CommitContext {
    /// A context for `run_id` with this build's version.
    pub fn new(run_id: impl Into<String>) -> Self {
        Self {
            run_id: run_id.into(),
            vigil_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// What one commit did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeltaCommit {
    /// Table name (last segment of its URL).
    pub table: String,
    /// The table version the commit created.
    pub version: i64,
    /// Rows added.
    pub rows: usize,
    /// Data files added (0 or 1).
    pub files_added: usize,
    /// Data files removed (the partition's previous files).
    pub files_removed: usize,
    /// Commit attempts (more than 1 when concurrent writers committed first).
    pub attempts: u32,
}

/// Errors of the Delta sink. `table` is the table's URL.
#[derive(Debug, thiserror::Error)]
pub enum DeltaError {
    /// Reading or writing a data file failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The table URL cannot serve as a Delta table root.
    #[error("invalid Delta table location {url}: {reason}")]
    InvalidLocation {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A column cannot be written (type, name, or it is the partition column).
    #[error("Delta table {table}: column {column:?} {reason}")]
    InvalidColumn {
        /// Table URL.
        table: String,
        /// Column name.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// A column exists in the table with another type.
    #[error(
        "Delta table {table}: column {column:?} has type {old} in the table but {new} in the new data; \
         vigil only adds nullable columns (write to a new table, or migrate this one)"
    )]
    TypeChange {
        /// Table URL.
        table: String,
        /// Column name.
        column: String,
        /// Type in the table.
        old: String,
        /// Type in the new data.
        new: String,
    },
    /// The table exists but is not partitioned by `run_date` alone.
    #[error(
        "Delta table {table} is partitioned by {partition_columns:?}, not [\"run_date\"]; it was not \
         written by vigil (point [warehouse] url elsewhere)"
    )]
    Partitioning {
        /// Table URL.
        table: String,
        /// Its partition columns.
        partition_columns: Vec<String>,
    },
    /// Other writers kept committing first.
    #[error(
        "Delta table {table}: gave up after {attempts} commit attempts, each lost to a concurrent \
         writer; the table is unchanged by this run (re-run it)"
    )]
    Conflict {
        /// Table URL.
        table: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The Delta log could not be read or written.
    #[error("Delta table {table}: {op} failed: {source}")]
    Delta {
        /// Table URL.
        table: String,
        /// What was being done.
        op: &'static str,
        /// deltalake's error.
        source: Box<DeltaTableError>,
    },
    /// A frame could not be encoded or a data file decoded.
    #[error("Delta table {table}: {reason}")]
    Encode {
        /// Table URL (and file, where one is concerned).
        table: String,
        /// Encoder or decoder error.
        reason: String,
    },
}

impl DeltaError {
    /// Whether the error is the caller's to fix (a bad URL, an incompatible existing table):
    /// exit 2 rather than 1.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            DeltaError::InvalidLocation { .. }
                | DeltaError::TypeChange { .. }
                | DeltaError::Partitioning { .. }
        ) || matches!(self, DeltaError::Storage(e) if e.is_config_problem())
    }

    fn delta(table: &Location, op: &'static str) -> impl FnOnce(DeltaTableError) -> Self {
        let table = table.to_string();
        move |e| DeltaError::Delta {
            table,
            op,
            source: Box::new(e),
        }
    }
}

/// The table's short name: the last segment of its URL.
fn table_name(table: &Location) -> String {
    table.file_name().unwrap_or("table").to_string()
}

/// The table root as a URL whose path maps back to the location's store path (deltalake's
/// kernel turns URLs into store paths with `Path::from_url_path`).
fn table_url(table: &Location) -> Result<Url, DeltaError> {
    let invalid = |reason: String| DeltaError::InvalidLocation {
        url: table.to_string(),
        reason,
    };
    let raw = format!("{}/{}/", table.store_key(), table.path());
    let url = Url::parse(&raw).map_err(|e| invalid(e.to_string()))?;
    let back = Path::from_url_path(url.path()).map_err(|e| invalid(e.to_string()))?;
    if &back != table.path() {
        return Err(invalid(format!(
            "its path does not survive the round trip through a URL ({back} != {})",
            table.path()
        )));
    }
    if table.path().as_ref().is_empty() {
        return Err(invalid(
            "a table needs a folder of its own, not a store root".into(),
        ));
    }
    Ok(url)
}

/// A log store over vigil's store for the table: the table-rooted (prefixed) store for the
/// log, the root store for the kernel, which addresses files by full URL path.
pub(crate) fn log_store(storage: &Storage, table: &Location) -> Result<LogStoreRef, DeltaError> {
    let url = table_url(table)?;
    let root: Arc<dyn ObjectStore> = storage.object_store(table)?;
    let prefixed: Arc<dyn ObjectStore> = Arc::new(PrefixStore::new(Arc::clone(&root), table.path().clone()));
    Ok(default_logstore(prefixed, root, &url, &StorageConfig::default()))
}

/// Loads the table at `version`, or `None` if there is no Delta log or no such version
/// (it was never committed, or its log entry is gone).
async fn load_version(
    log_store: LogStoreRef,
    table: &Location,
    version: u64,
) -> Result<Option<DeltaTable>, DeltaError> {
    let Some(latest) = load(log_store.clone(), table).await? else {
        return Ok(None);
    };
    if latest.version().is_none_or(|v| v < version) {
        return Ok(None);
    }
    let mut t = DeltaTable::new(log_store);
    t.load_version(version)
        .await
        .map_err(DeltaError::delta(table, "loading a version of the table"))?;
    Ok(Some(t))
}

/// Loads the latest version of the table, or `None` if there is no Delta log yet.
async fn load(log_store: LogStoreRef, table: &Location) -> Result<Option<DeltaTable>, DeltaError> {
    let exists = log_store
        .is_delta_table_location()
        .await
        .map_err(DeltaError::delta(table, "looking for the Delta log"))?;
    if !exists {
        return Ok(None);
    }
    let mut t = DeltaTable::new(log_store);
    t.load()
        .await
        .map_err(DeltaError::delta(table, "loading the table"))?;
    let partitions = t
        .snapshot()
        .map_err(DeltaError::delta(table, "loading the table"))?
        .metadata()
        .partition_columns();
    if partitions != [PARTITION_COLUMN] {
        return Err(DeltaError::Partitioning {
            table: table.to_string(),
            partition_columns: partitions.to_vec(),
        });
    }
    Ok(Some(t))
}
