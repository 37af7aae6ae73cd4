//! Writing: one data file per call, then one commit of Remove + Add actions (plus Protocol
//! and Metadata when the table is new, or Metadata when its schema grows), planned again from
//! a fresh snapshot whenever another writer commits first.

use super::schema::{self, Prepared};
use super::{
    COMMIT_ATTEMPTS, CommitContext, DeltaCommit, DeltaError, PARTITION_COLUMN, load, log_store, table_name,
};
use crate::storage::{Location, Storage};
use chrono::NaiveDate;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties, TableReference, TransactionError};
use deltalake::kernel::{Action, Add, MetadataExt, Protocol, StructType, new_metadata};
use deltalake::logstore::LogStoreRef;
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::{DeltaTable, DeltaTableError};
use polars::prelude::*;
use std::collections::HashMap;
use std::time::Duration;

/// Replaces the `run_date` partition of the table with `frame` in one commit, creating the
/// table if needed. `frame` has no `run_date` column. An empty frame empties the partition.
pub fn replace_partition(
    storage: &Storage,
    table: &Location,
    run_date: NaiveDate,
    frame: &DataFrame,
    ctx: &CommitContext,
) -> Result<DeltaCommit, DeltaError> {
    let url = table.to_string();
    let prepared = schema::prepare(&url, frame)?;
    let store = log_store(storage, table)?;
    let mut loaded = storage.block_on(load(store.clone(), table))?;
    // Schema problems surface before any file is written.
    plan_schema(&url, loaded.as_ref(), &prepared)?;
    let add = write_file(storage, table, run_date, &prepared)?;
    for attempt in 1..=COMMIT_ATTEMPTS {
        let plan = plan(table, loaded.as_ref(), &prepared, run_date, add.clone())?;
        if plan.actions.is_empty() {
            let version = loaded.as_ref().and_then(DeltaTable::version).unwrap_or(0);
            return Ok(commit_report(table, version, &prepared, &plan, attempt));
        }
        match storage.block_on(commit(&store, loaded.as_ref(), &plan, run_date, ctx)) {
            Ok(version) => {
                let rows = prepared.frame.height();
                let removed = plan.removed;
                tracing::info!(table = %url, version, rows, removed, %run_date, "Delta commit");
                return Ok(commit_report(table, version, &prepared, &plan, attempt));
            }
            Err(e) if lost_race(&e) => {
                tracing::warn!(table = %url, attempt, "another writer committed first; re-planning");
                std::thread::sleep(backoff(attempt));
                loaded = storage.block_on(load(store.clone(), table))?;
            }
            Err(e) => return Err(DeltaError::delta(table, "committing")(e)),
        }
    }
    Err(DeltaError::Conflict {
        table: url,
        attempts: COMMIT_ATTEMPTS,
    })
}

/// The actions of one commit attempt.
struct Plan {
    actions: Vec<Action>,
    removed: usize,
    added: usize,
}

fn commit_report(
    table: &Location,
    version: u64,
    prepared: &Prepared,
    plan: &Plan,
    attempts: u32,
) -> DeltaCommit {
    DeltaCommit {
        table: table_name(table),
        version: i64::try_from(version).unwrap_or(i64::MAX),
        rows: prepared.frame.height(),
        files_added: plan.added,
        files_removed: plan.removed,
        attempts,
    }
}

/// The new table schema if it must change (`Err` on an incompatible type).
fn plan_schema(
    url: &str,
    loaded: Option<&DeltaTable>,
    prepared: &Prepared,
) -> Result<Option<StructType>, DeltaError> {
    match loaded {
        None => schema::new_table_schema(url, &prepared.fields).map(Some),
        Some(t) => {
            let current = t
                .snapshot()
                .map_err(|e| delta_err(url, "reading the schema", e))?
                .schema();
            schema::merge(url, &current, &prepared.fields)
        }
    }
}

fn plan(
    table: &Location,
    loaded: Option<&DeltaTable>,
    prepared: &Prepared,
    run_date: NaiveDate,
    add: Option<Add>,
) -> Result<Plan, DeltaError> {
    let mut actions = Vec::new();
    let url = &table.to_string();
    let new_schema = plan_schema(url, loaded, prepared)?;
    match (loaded, new_schema) {
        (None, Some(schema)) => {
            let protocol: Protocol = serde_json::from_value(serde_json::json!({
                "minReaderVersion": 1,
                "minWriterVersion": 2,
            }))
            .map_err(|e| delta_err(url, "building the protocol", e.into()))?;
            let metadata = new_metadata(&schema, [PARTITION_COLUMN], Vec::<(String, String)>::new())
                .and_then(|m| m.with_name(table_name(table)))
                .map_err(|e| delta_err(url, "building the table metadata", e.into()))?;
            actions.push(Action::Protocol(protocol));
            actions.push(Action::Metadata(metadata));
        }
        (Some(t), Some(schema)) => {
            let metadata = t
                .snapshot()
                .map_err(|e| delta_err(url, "reading the metadata", e))?
                .metadata()
                .clone()
                .with_schema(&schema)
                .map_err(|e| delta_err(url, "merging the schema", e.into()))?;
            actions.push(Action::Metadata(metadata));
        }
        _ => {}
    }
    let mut removed = 0;
    if let Some(t) = loaded {
        let value = run_date.to_string();
        let state = t.snapshot().map_err(|e| delta_err(url, "listing files", e))?;
        for file in state.log_data().iter() {
            if file
                .partition_values_map()
                .get(PARTITION_COLUMN)
                .cloned()
                .flatten()
                .as_deref()
                == Some(value.as_str())
            {
                actions.push(Action::Remove(file.remove_action(true)));
                removed += 1;
            }
        }
    }
    let added = usize::from(add.is_some());
    actions.extend(add.map(Action::Add));
    Ok(Plan {
        actions,
        removed,
        added,
    })
}

/// Writes the frame's Parquet file under `run_date=D/`; `None` for an empty frame.
fn write_file(
    storage: &Storage,
    table: &Location,
    run_date: NaiveDate,
    prepared: &Prepared,
) -> Result<Option<Add>, DeltaError> {
    let rows = prepared.frame.height();
    if rows == 0 {
        return Ok(None);
    }
    let rel = format!(
        "{PARTITION_COLUMN}={run_date}/part-{:032x}.zstd.parquet",
        rand::random::<u128>()
    );
    let loc = table.join(&rel);
    let mut frame = prepared.frame.clone();
    let bytes = crate::storage::encode_parquet(&mut frame).map_err(|e| DeltaError::Encode {
        table: table.to_string(),
        reason: format!("cannot encode {loc} as Parquet: {e}"),
    })?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    storage.write(&loc, bytes)?;
    Ok(Some(Add {
        path: rel,
        partition_values: HashMap::from([(PARTITION_COLUMN.to_string(), Some(run_date.to_string()))]),
        size,
        modification_time: chrono::Utc::now().timestamp_millis(),
        data_change: true,
        stats: Some(stats(&prepared.frame)),
        ..Default::default()
    }))
}

/// File statistics: the row count and the null count of each non-nested column. Min/max
/// values are left out (readers then read the file instead of skipping it, never wrongly).
fn stats(frame: &DataFrame) -> String {
    let nulls: serde_json::Map<String, serde_json::Value> = frame
        .columns()
        .iter()
        .filter(|c| !c.dtype().is_nested())
        .map(|c| (c.name().to_string(), serde_json::json!(c.null_count())))
        .collect();
    serde_json::json!({ "numRecords": frame.height(), "nullCount": nulls }).to_string()
}

/// One commit attempt; `Ok(version)` once the commit file is in place. A failing post-commit
/// step (a checkpoint) is logged: the commit itself stands.
async fn commit(
    store: &LogStoreRef,
    loaded: Option<&DeltaTable>,
    plan: &Plan,
    run_date: NaiveDate,
    ctx: &CommitContext,
) -> Result<u64, DeltaTableError> {
    let operation = DeltaOperation::Write {
        mode: SaveMode::Overwrite,
        partition_by: Some(vec![PARTITION_COLUMN.to_string()]),
        predicate: Some(format!("{PARTITION_COLUMN} = '{run_date}'")),
    };
    let properties = CommitProperties::default()
        // Every concurrent commit sends us back to re-plan (see the module docs).
        .with_max_retries(0)
        .with_metadata([
            ("run_id".to_string(), serde_json::json!(ctx.run_id)),
            ("vigil_version".to_string(), serde_json::json!(ctx.vigil_version)),
            ("run_date".to_string(), serde_json::json!(run_date.to_string())),
        ]);
    let snapshot: Option<&dyn TableReference> = match loaded {
        Some(t) => Some(t.snapshot()? as &dyn TableReference),
        None => None,
    };
    let post = CommitBuilder::from(properties)
        .with_actions(plan.actions.clone())
        .build(snapshot, store.clone(), operation)
        .into_prepared_commit_future()
        .await?
        .await?;
    let version = post.version;
    if let Err(e) = post.await {
        tracing::warn!(version, error = %e, "post-commit step (checkpoint) failed; the commit stands");
    }
    Ok(version)
}

/// Whether a commit failed only because another writer took the version first.
fn lost_race(e: &DeltaTableError) -> bool {
    matches!(
        e,
        DeltaTableError::VersionAlreadyExists(_)
            | DeltaTableError::Transaction {
                source: TransactionError::MaxCommitAttempts(_)
                    | TransactionError::VersionAlreadyExists(_)
                    | TransactionError::CommitConflict(_)
            }
    )
}

/// Growing, jittered pause between commit attempts.
fn backoff(attempt: u32) -> Duration {
    let base = 20 * u64::from(attempt.min(8));
    Duration::from_millis(base + rand::random::<u64>() % (base + 1))
}

fn delta_err(url: &str, op: &'static str, e: DeltaTableError) -> DeltaError {
    DeltaError::Delta {
        table: url.to_string(),
        op,
        source: Box::new(e),
    }
}
