//! The foreign layout's files, read back as plain Parquet, CSV and Delta readers see them,
//! hold exactly the relaid-out frames, in the storage forms its names promise.

use super::foreign;
use crate::synth::foreign::names::Store;
use crate::synth::foreign::{ForeignTable, relayout};
use crate::synth::{SynthHistory, SynthParams, generate};
use chrono::NaiveDate;
use polars::prelude::*;
use std::error::Error;
use std::path::{Path, PathBuf};
use vigil_store::storage::{Location, RetryPolicy, Storage};
use vigil_store::warehouse::delta;

type TestResult = Result<(), Box<dyn Error>>;

fn end() -> Result<NaiveDate, Box<dyn Error>> {
    NaiveDate::from_ymd_opt(2026, 3, 31).ok_or_else(|| "bad date".into())
}

fn history() -> Result<SynthHistory, Box<dyn Error>> {
    Ok(generate(&SynthParams {
        accounts: 30,
        months: 2,
        end: end()?,
        seed: 5,
    })?)
}

/// Relative paths of the files under `dir`, sorted.
fn files(dir: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir)?.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn parquet(path: &Path) -> Result<DataFrame, Box<dyn Error>> {
    Ok(ParquetReader::new(std::fs::File::open(path)?).finish()?)
}

/// The Parquet files `names` under `dir`, stacked in order.
fn stacked(dir: &Path, names: &[String]) -> Result<DataFrame, Box<dyn Error>> {
    let mut out: Option<DataFrame> = None;
    for name in names {
        let part = parquet(&dir.join(name))?;
        out = Some(match out {
            None => part,
            Some(acc) => acc.vstack(&part)?,
        });
    }
    out.ok_or_else(|| "no files".into())
}

/// The frame as a CSV reader without a schema sees it: every column as text.
fn as_text(frame: &DataFrame) -> Result<DataFrame, Box<dyn Error>> {
    let columns: PolarsResult<Vec<Column>> = frame
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect();
    Ok(DataFrame::new_infer_height(columns?)?)
}

/// Reads one foreign table back the way its storage form is read, checking the form.
fn read_back(storage: &Storage, root: &Path, t: &ForeignTable) -> Result<DataFrame, Box<dyn Error>> {
    let at = root.join(t.names.path);
    let listed = || files(&at);
    Ok(match t.names.store {
        Store::Parquet => parquet(&at)?,
        Store::Csv { delimiter } => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_parse_options(CsvParseOptions::default().with_separator(delimiter))
            .try_into_reader_with_file_path(Some(at))?
            .finish()?,
        Store::SparkFolder { parts } => {
            let names = listed()?;
            let data: Vec<String> = names.iter().filter(|n| *n != "_SUCCESS").cloned().collect();
            assert_eq!((names.len(), data.len()), (parts + 1, parts), "{names:?}");
            stacked(&at, &data)?
        }
        Store::HiveMonthly { key, column } => {
            let names = listed()?;
            for name in &names {
                let month = name
                    .strip_prefix(&format!("{key}="))
                    .and_then(|n| n.strip_suffix("/part-0.parquet"))
                    .ok_or_else(|| format!("not a Hive month file: {name}"))?;
                let part = parquet(&at.join(name))?;
                assert!(part.column(key).is_err(), "{name} holds the partition column");
                let days = part.column(column)?.cast(&DataType::String)?;
                assert!(
                    days.str()?.iter().flatten().all(|d| d.starts_with(month)),
                    "{name}"
                );
            }
            stacked(&at, &names)?
        }
        Store::Monthly { .. } => stacked(&at, &listed()?)?,
        Store::Delta => read_delta(storage, &at, t)?,
    })
}

/// The Delta table: version 1 live, version 0 the superseded rows, both files still there.
fn read_delta(storage: &Storage, at: &Path, t: &ForeignTable) -> Result<DataFrame, Box<dyn Error>> {
    let loc = Location::parse(&at.to_string_lossy())?;
    assert_eq!(delta::table_version(storage, &loc)?, Some(1));
    let data = files(at)?.into_iter().filter(|f| f.ends_with(".parquet")).count();
    assert_eq!(data, 2, "the removed file stays in the folder");
    let old = delta::read_partition_at(storage, &loc, end()?, 0)?.ok_or("no version 0")?;
    let superseded = t.superseded.as_ref().ok_or("no superseded rows")?;
    assert!(old.equals_missing(superseded), "{old}\nvs\n{superseded}");
    Ok(delta::read_partition(storage, &loc, end()?)?.ok_or("no live partition")?)
}

/// The rows as monthly files hold them: month by month, in frame order within a month.
fn in_month_order(frame: &DataFrame, column: &str) -> Result<DataFrame, Box<dyn Error>> {
    let mut out = frame.clear();
    for (_, part) in super::split_by_month(frame, column)? {
        out.vstack_mut(&part)?;
    }
    Ok(out)
}

fn write_foreign(storage: &Storage, dir: &Path, history: &SynthHistory) -> Result<PathBuf, Box<dyn Error>> {
    let root = dir.join("foreign");
    foreign::write(
        storage,
        &Location::parse(&root.to_string_lossy())?,
        history,
        end()?,
    )?;
    Ok(root)
}

#[test]
fn foreign_files_hold_the_relaid_out_frames_in_their_storage_forms() -> TestResult {
    let dir = tempfile::tempdir()?;
    let storage = Storage::new(RetryPolicy::default(), Vec::new())?;
    let history = history()?;
    // Written twice: a re-run replaces every table (the Delta table starts again at version 0).
    write_foreign(&storage, dir.path(), &history)?;
    let root = write_foreign(&storage, dir.path(), &history)?;
    for t in relayout(&history)? {
        let back = read_back(&storage, &root, &t)?;
        let expected = match t.names.store {
            Store::Csv { .. } => as_text(&t.frame)?,
            Store::HiveMonthly { column, .. } | Store::Monthly { column } => {
                in_month_order(&t.frame, column)?
            }
            _ => t.frame.clone(),
        };
        assert!(
            back.equals_missing(&expected),
            "{}:\n{back}\nvs\n{expected}",
            t.names.table
        );
    }
    Ok(())
}
