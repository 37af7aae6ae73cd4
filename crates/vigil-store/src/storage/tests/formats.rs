//! Table layouts: Delta tables through their log (latest, pinned version, `as_of`), Spark
//! `name.parquet/` folders, Hive partitions, and tables found under a base folder.

use super::{TestResult, fast_policy};
use crate::storage::*;
use crate::warehouse::delta::{CommitContext, replace_partition};
use chrono::{NaiveDate, Utc};
use polars::prelude::*;

fn accounts(ids: &[&str]) -> PolarsResult<DataFrame> {
    let arr: Vec<f64> = (0..ids.len()).map(|i| i as f64 + 0.5).collect();
    df!("account_id" => ids, "arr" => arr)
}

fn date(d: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
}

/// Every row's `account_id` and `run_date` (the Delta partition column), sorted.
fn rows(
    storage: &Storage,
    root: &Location,
    opts: &ReadOptions,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let frame = storage.read_table("accounts", root, opts)?;
    let ids = frame.column("account_id")?.str()?.clone();
    let dates = frame.column("run_date")?.str()?.clone();
    let mut out: Vec<(String, String)> = ids
        .iter()
        .zip(dates.iter())
        .map(|(i, d)| {
            (
                i.unwrap_or_default().to_string(),
                d.unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    Ok(out)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// Version 0 writes a1, a2 to 2026-06-29; version 1 replaces them with b1 (removing the
/// file, which stays in the folder); version 2 adds c1 on 2026-06-30. Returns the instant
/// between versions 0 and 1.
fn three_versions(
    storage: &Storage,
    table: &Location,
) -> Result<chrono::DateTime<Utc>, Box<dyn std::error::Error>> {
    let ctx = CommitContext::new("formats-test");
    replace_partition(
        storage,
        table,
        date("2026-06-29")?,
        &accounts(&["a1", "a2"])?,
        &ctx,
    )?;
    std::thread::sleep(std::time::Duration::from_millis(30));
    let between = Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(30));
    replace_partition(storage, table, date("2026-06-29")?, &accounts(&["b1"])?, &ctx)?;
    replace_partition(storage, table, date("2026-06-30")?, &accounts(&["c1"])?, &ctx)?;
    Ok(between)
}

#[test]
fn a_delta_table_is_read_through_its_log_at_the_latest_or_a_pinned_version() -> TestResult {
    let dir = tempfile::tempdir()?;
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    let table = Location::parse(&dir.path().join("accounts").to_string_lossy())?;
    let between = three_versions(&storage, &table)?;
    let on_disk = storage
        .list(&table)?
        .iter()
        .filter(|l| l.file_name().is_some_and(|n| n.ends_with(".parquet")))
        .count();
    assert_eq!(on_disk, 3, "the removed file stays in the folder");

    let latest = ReadOptions::default();
    assert_eq!(
        rows(&storage, &table, &latest)?,
        pairs(&[("b1", "2026-06-29"), ("c1", "2026-06-30")])
    );
    let pinned = |version: Option<i64>, as_of| ReadOptions {
        format: Some(FileFormat::Delta),
        delta: DeltaPin { version, as_of },
        ..ReadOptions::default()
    };
    let v0 = pairs(&[("a1", "2026-06-29"), ("a2", "2026-06-29")]);
    assert_eq!(rows(&storage, &table, &pinned(Some(0), None))?, v0);
    assert_eq!(rows(&storage, &table, &pinned(None, Some(between)))?, v0);

    let err = storage
        .table_files("accounts", &table, &pinned(Some(9), None))
        .unwrap_err();
    assert!(
        err.is_input_problem() && err.to_string().contains("no version 9"),
        "{err}"
    );
    let before = between - chrono::Duration::days(1);
    let err = storage
        .table_files("accounts", &table, &pinned(None, Some(before)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no version was committed at or before"), "{err}");
    Ok(())
}

#[test]
fn a_pin_or_delta_format_without_a_delta_log_is_an_error() -> TestResult {
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    let root = Location::parse("memory://plain/accounts")?;
    storage.write_parquet(&root.join("part-0.parquet"), &mut accounts(&["a1"])?)?;
    let delta = ReadOptions {
        format: Some(FileFormat::Delta),
        ..ReadOptions::default()
    };
    let err = storage.table_files("accounts", &root, &delta).unwrap_err();
    assert!(matches!(err, StorageError::NotFound { .. }), "{err}");
    let pinned = ReadOptions {
        delta: DeltaPin {
            version: Some(1),
            as_of: None,
        },
        ..ReadOptions::default()
    };
    let err = storage.table_files("accounts", &root, &pinned).unwrap_err();
    assert!(err.to_string().contains("Delta log"), "{err}");
    Ok(())
}

#[test]
fn spark_folders_and_hive_partitions_are_tables() -> TestResult {
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    let spark = Location::parse("memory://spark/h/accounts.parquet")?;
    storage.write_parquet(&spark.join("part-00000.snappy.parquet"), &mut accounts(&["a1"])?)?;
    storage.write_parquet(&spark.join("part-00001.snappy.parquet"), &mut accounts(&["a2"])?)?;
    storage.write_parquet(
        &spark.join("_temporary/0/part-00002.parquet"),
        &mut accounts(&["zz"])?,
    )?;
    storage.write(&spark.join("_SUCCESS"), Bytes::new())?;
    let opts = ReadOptions::default();
    let frame = storage.read_table("accounts", &spark, &opts)?;
    assert_eq!(frame.height(), 2);

    let hive = Location::parse("memory://spark/h/tickets")?;
    storage.write(
        &hive.join("year=2026/month=05/part-0.csv"),
        Bytes::from_static(b"ticket_id\nt1\n"),
    )?;
    storage.write(
        &hive.join("year=2026/month=06/part-0.csv"),
        Bytes::from_static(b"ticket_id,month\nt2,6\n"),
    )?;
    let frame = storage.read_table("tickets", &hive, &opts)?;
    let months: Vec<Option<&str>> = frame.column("month")?.str()?.iter().collect();
    assert_eq!(
        months,
        [Some("05"), Some("6")],
        "a column of the file wins over its folder"
    );
    assert_eq!(frame.column("year")?.str()?.get(0), Some("2026"));
    Ok(())
}

#[test]
fn tables_under_a_base_are_found_in_every_layout() -> TestResult {
    let dir = tempfile::tempdir()?;
    let storage = Storage::new(fast_policy(0), Vec::new())?;
    let base = Location::parse(&dir.path().to_string_lossy())?;
    three_versions(&storage, &base.join("accounts"))?;
    storage.write_parquet(
        &base.join("contacts.parquet/part-0.parquet"),
        &mut accounts(&["a1"])?,
    )?;
    storage.write(
        &base.join("tickets.csv.gz"),
        Bytes::from(gzip(b"ticket_id\nt1\n")?),
    )?;
    storage.write(
        &base.join("tickets/.staging/x.csv"),
        Bytes::from_static(b"ticket_id\nzz\n"),
    )?;
    storage.write(&base.join("notes.txt"), Bytes::from_static(b"hello"))?;
    let listed = storage.list(&base)?;
    let opts = ReadOptions::default();

    let found = storage.base_table_files("accounts", &base, &listed, &opts)?;
    assert_eq!(
        found.files.len(),
        2,
        "the live files of the Delta table: {:?}",
        found.files
    );
    assert!(
        listed
            .iter()
            .filter(|l| l.to_string().contains("/accounts/"))
            .all(|l| found.claims(l))
    );

    let found = storage.base_table_files("contacts", &base, &listed, &opts)?;
    assert_eq!(found.files.len(), 1);
    let found = storage.base_table_files("tickets", &base, &listed, &opts)?;
    let names: Vec<_> = found
        .files
        .iter()
        .filter_map(|f| f.location.file_name())
        .collect();
    assert_eq!(names, ["tickets.csv.gz"]);
    let frame = storage.read_file("tickets", &found.files[0], &opts)?.frame;
    assert_eq!(frame.column("ticket_id")?.str()?.get(0), Some("t1"));
    let notes = listed
        .iter()
        .find(|l| l.file_name() == Some("notes.txt"))
        .ok_or("notes")?;
    assert!(!is_hidden_below(&base, notes));
    Ok(())
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes)?;
    gz.finish()
}
