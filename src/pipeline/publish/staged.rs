//! Reading what a scoring run staged for publishing: either one folder of tables
//! (`_staged/run_date=D/<table>.parquet` + `_run.json`), or the shards of a sharded run
//! (`_staged/run_date=D/shards/i-of-n/…`, see [`crate::pipeline::score::shard`]), combined
//! into one frame per table — all shards present and finished, one model version, one run
//! id — with the drift rows re-measured over the whole population.

use crate::pipeline::score::shard::{self, RUN_FILE, Shard};
use crate::score::drift::merge::merge_shards;
use crate::score::drift::monitoring_frame;
use crate::{Error, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use vigil_store::storage::{FileFormat, Location, ReadOptions, Storage, TableFile};
use vigil_store::warehouse::delta::PARTITION_COLUMN;

/// The drift table, whose rows are combined by re-measuring rather than stacking.
const MONITORING: &str = "monitoring";

/// One staged table, read.
pub(super) struct Staged {
    /// Table name.
    pub name: String,
    /// Its rows (without the partition column).
    pub frame: DataFrame,
}

/// What one run date has staged.
pub(super) struct StagedRun {
    /// The run id that produced it, when recorded.
    pub run_id: Option<String>,
    /// The model version that scored it, when recorded.
    pub model_version: Option<String>,
    /// The tables, sorted by name.
    pub tables: Vec<Staged>,
    /// The number of shards combined (`None`: unsharded).
    pub shards: Option<u32>,
}

/// The `_run.json` marker of one staged folder.
#[derive(Debug, Default, serde::Deserialize)]
struct RunMarker {
    run_id: Option<String>,
    model_version: Option<String>,
}

/// Reads the run staged under `dir` for `run_date`. Exit 99 when nothing is staged; exit 3
/// when the run is unfinished (no `_run.json`: scoring was interrupted), when a staged table
/// holds rows of another run than its marker names, or when shards are missing, unfinished
/// or inconsistent.
pub(super) fn read_run(storage: &Storage, dir: &Location, run_date: NaiveDate) -> Result<StagedRun> {
    let plan = shard::read_plan(storage, dir)?;
    let dirs = shard::shard_dirs(storage, dir)?;
    if plan.is_none() && dirs.is_empty() {
        return read_unsharded(storage, dir, run_date);
    }
    let count = match &plan {
        Some(p) => p.shards,
        None => {
            let mut counts: Vec<u32> = dirs.iter().map(|(s, _)| s.count).collect();
            counts.dedup();
            if counts.len() > 1 {
                return Err(Error::IncompleteRun(format!(
                    "run date {run_date} has shards of different runs ({}) under {dir}: run `vigil plan` and \
                     score every shard again",
                    counts
                        .iter()
                        .map(|c| format!("of {c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            counts[0]
        }
    };
    let mut missing = Vec::new();
    let mut parts: Vec<(Shard, RunMarker, Vec<Staged>)> = Vec::new();
    for s in Shard::all(count).map_err(Error::IncompleteRun)? {
        let Some((_, loc)) = dirs.iter().find(|(d, _)| *d == s) else {
            missing.push(s.to_string());
            continue;
        };
        if !storage.exists(&loc.join(RUN_FILE))? {
            missing.push(format!("{s} (unfinished: no {RUN_FILE})"));
            continue;
        }
        let (marker, tables) = read_folder(storage, loc, run_date)?;
        parts.push((s, marker, tables));
    }
    if !missing.is_empty() {
        return Err(Error::IncompleteRun(format!(
            "run date {run_date} is planned as {count} shards but shard {} {} missing under {dir}: score it \
             with `vigil score --shard i/{count}` before publishing; nothing was published",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )));
    }
    let expected_model = plan
        .as_ref()
        .map(|p| p.model_version.clone())
        .or_else(|| parts.first().and_then(|(_, m, _)| m.model_version.clone()));
    for (s, marker, _) in &parts {
        if marker.model_version != expected_model {
            return Err(Error::IncompleteRun(format!(
                "shard {s} of run date {run_date} was scored by model {} but the run uses {}: score it again",
                marker.model_version.as_deref().unwrap_or("(unrecorded)"),
                expected_model.as_deref().unwrap_or("(unrecorded)")
            )));
        }
    }
    let run_id = plan
        .map(|p| p.run_id)
        .or_else(|| parts.first().and_then(|(_, m, _)| m.run_id.clone()));
    let tables = combine(parts.into_iter().map(|(_, _, t)| t).collect(), run_id.as_deref())?;
    Ok(StagedRun {
        run_id,
        model_version: expected_model,
        tables,
        shards: Some(count),
    })
}

/// The unsharded layout: the tables and `_run.json` directly in `dir`.
fn read_unsharded(storage: &Storage, dir: &Location, run_date: NaiveDate) -> Result<StagedRun> {
    let nothing = || {
        Error::NothingToDo(format!(
            "no tables staged for run date {run_date} under {dir} (run `vigil score` for that date first)"
        ))
    };
    if !storage.exists(&dir.join(RUN_FILE))? {
        let staged_any = storage
            .list(dir)?
            .iter()
            .any(|f| f.parent() == *dir && f.file_name().is_some_and(|n| n.ends_with(".parquet")));
        if !staged_any {
            return Err(nothing());
        }
        return Err(Error::IncompleteRun(format!(
            "the run staged for run date {run_date} under {dir} is unfinished (no {RUN_FILE}: scoring was \
             interrupted); run `vigil score` (or `vigil run`) for that date again; nothing was published"
        )));
    }
    let (marker, tables) = read_folder(storage, dir, run_date)?;
    if tables.is_empty() {
        return Err(nothing());
    }
    Ok(StagedRun {
        run_id: marker.run_id,
        model_version: marker.model_version,
        tables,
        shards: None,
    })
}

/// One frame per table across shards: rows stacked in shard order, the `run_id` column set to
/// the run's id, and the `monitoring` rows re-measured over all shards.
fn combine(shards: Vec<Vec<Staged>>, run_id: Option<&str>) -> Result<Vec<Staged>> {
    let mut names: Vec<String> = shards.iter().flatten().map(|t| t.name.clone()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let frames: Vec<DataFrame> = shards
            .iter()
            .flatten()
            .filter(|t| t.name == name)
            .map(|t| t.frame.clone())
            .collect();
        let mut stacked = frames[0].clone();
        for f in &frames[1..] {
            stacked.vstack_mut(f).map_err(|e| {
                Error::IncompleteRun(format!("the shards' staged {name} tables differ in columns: {e}"))
            })?;
        }
        stacked.rechunk_mut();
        if name == MONITORING {
            let drifts = merge_shards(&stacked).map_err(|e| Error::IncompleteRun(e.to_string()))?;
            let version = stacked
                .column("model_version")?
                .str()?
                .get(0)
                .unwrap_or_default()
                .to_string();
            stacked = monitoring_frame(run_id.unwrap_or_default(), &version, &drifts)?;
        } else if let (Some(id), Ok(_)) = (run_id, stacked.column("run_id")) {
            let n = stacked.height();
            stacked.with_column(Column::new("run_id".into(), vec![id; n]))?;
        }
        out.push(Staged { name, frame: stacked });
    }
    Ok(out)
}

/// Reads the run marker and the tables of one staged folder (its direct files; sorted by
/// name). A `run_date` column in a staged frame must hold the run date; it is dropped (the
/// partition carries it).
fn read_folder(storage: &Storage, dir: &Location, run_date: NaiveDate) -> Result<(RunMarker, Vec<Staged>)> {
    let mut marker = RunMarker::default();
    let mut tables = Vec::new();
    for file in storage.list(dir)? {
        let Some(name) = file.file_name() else { continue };
        if file.parent() != *dir {
            continue;
        }
        if name == RUN_FILE {
            let bytes = storage.read(&file)?;
            marker = serde_json::from_slice(&bytes)
                .map_err(|e| Error::Internal(format!("staged {file} is not valid JSON: {e}")))?;
            continue;
        }
        let Some(table) = name.strip_suffix(".parquet") else {
            continue;
        };
        if table.starts_with(['_', '.']) {
            continue;
        }
        if !table
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(Error::Internal(format!(
                "staged file {file}: table names are lower-case identifiers ([a-z0-9_])"
            )));
        }
        let staged = TableFile::new(file.clone(), FileFormat::Parquet);
        let mut frame = storage.read_file(table, &staged, &ReadOptions::default())?.frame;
        if let Ok(col) = frame.column(PARTITION_COLUMN) {
            check_run_date(col, run_date).map_err(|e| Error::Internal(format!("staged {file}: {e}")))?;
            frame = frame.drop(PARTITION_COLUMN)?;
        }
        tables.push(Staged {
            name: table.to_string(),
            frame,
        });
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(id) = &marker.run_id {
        for t in &tables {
            check_run_id(t, id).map_err(|found| {
                Error::IncompleteRun(format!(
                    "staged table {} under {dir} holds rows of run {found:?}, but {RUN_FILE} names run {id:?}: \
                     the folder mixes two scoring runs; run `vigil score` for run date {run_date} again; \
                     nothing was published",
                    t.name
                ))
            })?;
        }
    }
    Ok((marker, tables))
}

/// Every `run_id` of a staged table (when it has the column) is the marker's; `Err` with the
/// first other value.
fn check_run_id(table: &Staged, id: &str) -> std::result::Result<(), String> {
    let Ok(col) = table.frame.column("run_id") else {
        return Ok(());
    };
    let Ok(values) = col.str() else {
        return Ok(());
    };
    match values.iter().flatten().find(|v| *v != id) {
        None => Ok(()),
        Some(other) => Err(other.to_string()),
    }
}

/// Every value of a staged `run_date` column (date or `YYYY-MM-DD` text) is the run date.
fn check_run_date(col: &Column, run_date: NaiveDate) -> std::result::Result<(), String> {
    let text = col.cast(&DataType::String).map_err(|e| e.to_string())?;
    let expected = run_date.to_string();
    match text
        .str()
        .map_err(|e| e.to_string())?
        .iter()
        .find(|v| *v != Some(expected.as_str()))
    {
        None => Ok(()),
        Some(other) => Err(format!(
            "its run_date column holds {other:?}, but it is staged for {run_date}"
        )),
    }
}
