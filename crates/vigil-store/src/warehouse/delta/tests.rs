use super::*;
use crate::storage::RetryPolicy;
use chrono::NaiveDate;
use polars::prelude::*;
use std::sync::Arc;

fn storage() -> Storage {
    Storage::new(RetryPolicy::default(), Vec::new()).expect("storage")
}

fn date(d: &str) -> NaiveDate {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date")
}

fn ctx() -> CommitContext {
    CommitContext::new("2026-06-30-test")
}

fn scores(ids: &[&str], score: f64) -> DataFrame {
    let n = ids.len();
    let at = Column::new("scored_at".into(), vec![1_782_777_600_000_000_i64; n])
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .expect("datetime");
    DataFrame::new(
        n,
        vec![
            Column::new("account_id".into(), ids.to_vec()),
            Column::new("risk_score".into(), vec![score; n]),
            Column::new("alert".into(), vec![true; n]),
            at,
        ],
    )
    .expect("frame")
}

fn ids(frame: &DataFrame) -> Vec<String> {
    let mut v: Vec<String> = frame
        .column("account_id")
        .expect("account_id")
        .str()
        .expect("str")
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

fn parquet_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".parquet"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn replacing_a_partition_twice_keeps_only_the_second_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = storage();
    let t = Location::parse(&dir.path().join("risk_scores").to_string_lossy()).expect("loc");
    let d = date("2026-06-30");
    let first = replace_partition(&s, &t, d, &scores(&["a1", "a2", "a3"], 10.0), &ctx()).expect("first");
    assert_eq!(
        (first.version, first.rows, first.files_added, first.files_removed),
        (0, 3, 1, 0)
    );
    let other = replace_partition(&s, &t, date("2026-06-23"), &scores(&["z9"], 1.0), &ctx()).expect("other");
    assert_eq!(other.version, 1);
    let second = replace_partition(&s, &t, d, &scores(&["a1", "a4"], 20.0), &ctx()).expect("second");
    assert_eq!(
        (second.version, second.files_removed, second.table.as_str()),
        (2, 1, "risk_scores")
    );

    let back = read_partition(&s, &t, d).expect("read").expect("partition");
    assert_eq!(ids(&back), ["a1", "a4"]);
    assert_eq!(
        back.get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        ["account_id", "risk_score", "alert", "scored_at"]
    );
    // The removed file is still in the folder (time travel) but is never read.
    assert_eq!(
        parquet_files(&dir.path().join("risk_scores/run_date=2026-06-30")),
        2
    );
    assert_eq!(
        ids(&read_partition(&s, &t, date("2026-06-23"))
            .expect("read")
            .expect("p")),
        ["z9"]
    );
    assert!(
        read_partition(&s, &t, date("2026-06-01"))
            .expect("read")
            .is_none()
    );
    assert_eq!(table_version(&s, &t).expect("version"), Some(2));
    assert_eq!(partitions(&s, &t).expect("partitions"), [date("2026-06-23"), d]);
    // Timestamps come back naive and unchanged (stored as UTC `timestamp`).
    assert_eq!(
        back.column("scored_at").expect("col").dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, None)
    );
    assert_eq!(
        back.column("scored_at").expect("col"),
        scores(&["a1", "a4"], 0.0).column("scored_at").expect("c")
    );

    // Commit metadata names the run and vigil's version; the protocol stays at 1/2.
    let log = std::fs::read_to_string(
        dir.path()
            .join("risk_scores/_delta_log/00000000000000000002.json"),
    )
    .expect("log");
    assert!(
        log.contains("\"run_id\":\"2026-06-30-test\"") && log.contains("\"vigil_version\""),
        "{log}"
    );
    let v0 = std::fs::read_to_string(
        dir.path()
            .join("risk_scores/_delta_log/00000000000000000000.json"),
    )
    .expect("log");
    assert!(
        v0.contains("\"minReaderVersion\":1") && v0.contains("\"minWriterVersion\":2"),
        "{v0}"
    );
    assert!(
        v0.contains("\\\"type\\\":\\\"timestamp\\\"") && v0.contains("\"partitionColumns\":[\"run_date\"]"),
        "{v0}"
    );
}

#[test]
fn latest_partition_before_is_the_previous_run() {
    let s = storage();
    let t = Location::parse("memory://latest/wh/risk_scores").expect("loc");
    assert!(
        latest_partition_before(&s, &t, date("2026-06-30"))
            .expect("none")
            .is_none()
    );
    for (d, id) in [("2026-06-16", "a"), ("2026-06-23", "b"), ("2026-06-30", "c")] {
        replace_partition(&s, &t, date(d), &scores(&[id], 1.0), &ctx()).expect("write");
    }
    let (d, frame) = latest_partition_before(&s, &t, date("2026-06-30"))
        .expect("read")
        .expect("some");
    assert_eq!((d, ids(&frame)), (date("2026-06-23"), vec!["b".to_string()]));
    assert!(
        latest_partition_before(&s, &t, date("2026-06-16"))
            .expect("read")
            .is_none()
    );
}

#[test]
fn new_nullable_columns_merge_into_the_schema() {
    let s = storage();
    let t = Location::parse("memory://merge/wh/actions").expect("loc");
    replace_partition(&s, &t, date("2026-06-23"), &scores(&["a"], 1.0), &ctx()).expect("old");
    let mut wider = scores(&["b"], 2.0);
    wider
        .with_column(Column::new("owner".into(), ["csm1"]))
        .expect("col");
    let c = replace_partition(&s, &t, date("2026-06-30"), &wider, &ctx()).expect("merged");
    assert_eq!(c.version, 1);
    let old = read_partition(&s, &t, date("2026-06-23"))
        .expect("read")
        .expect("old");
    assert_eq!(
        old.column("owner").expect("owner").null_count(),
        1,
        "older files read the new column as null"
    );
    let new = read_partition(&s, &t, date("2026-06-30"))
        .expect("read")
        .expect("new");
    assert_eq!(
        new.column("owner").expect("owner").str().expect("str").get(0),
        Some("csm1")
    );
    // A later frame without the column still commits (the column is null there).
    replace_partition(&s, &t, date("2026-07-07"), &scores(&["c"], 3.0), &ctx()).expect("narrower");
}

#[test]
fn a_changed_column_type_is_a_clear_error() {
    let s = storage();
    let t = Location::parse("memory://types/wh/risk_scores").expect("loc");
    replace_partition(&s, &t, date("2026-06-23"), &scores(&["a"], 1.0), &ctx()).expect("old");
    let bad = df!("account_id" => ["a"], "risk_score" => ["high"]).expect("frame");
    let err = replace_partition(&s, &t, date("2026-06-30"), &bad, &ctx()).expect_err("type change");
    let msg = err.to_string();
    assert!(
        msg.contains("risk_scores")
            && msg.contains("\"risk_score\"")
            && msg.contains("double")
            && msg.contains("string"),
        "{msg}"
    );
    assert!(err.is_usage());
    assert_eq!(table_version(&s, &t).expect("v"), Some(0), "nothing committed");
    // The partition column cannot be in the frame; odd names are refused by name.
    let with_date = df!("run_date" => ["2026-06-30"]).expect("frame");
    let msg = replace_partition(&s, &t, date("2026-06-30"), &with_date, &ctx())
        .expect_err("run_date")
        .to_string();
    assert!(
        msg.contains("\"run_date\"") && msg.contains("partition column"),
        "{msg}"
    );
    let spaced = df!("bad name" => [1i64]).expect("frame");
    let msg = replace_partition(&s, &t, date("2026-06-30"), &spaced, &ctx())
        .expect_err("name")
        .to_string();
    assert!(msg.contains("\"bad name\""), "{msg}");
}

#[test]
fn an_empty_replace_empties_the_partition() {
    let s = storage();
    let t = Location::parse("memory://empty/wh/model_runs").expect("loc");
    let d = date("2026-06-30");
    replace_partition(&s, &t, d, &scores(&["m1", "m2"], 1.0), &ctx()).expect("two rows");
    assert_eq!(
        ids(&read_partition(&s, &t, d).expect("read").expect("p")),
        ["m1", "m2"]
    );
    let empty = scores(&[], 0.0);
    let c = replace_partition(&s, &t, d, &empty, &ctx()).expect("empty");
    assert_eq!((c.rows, c.files_added, c.files_removed), (0, 0, 1));
    assert!(read_partition(&s, &t, d).expect("read").is_none());
}

#[test]
fn nested_lists_of_structs_round_trip() {
    let s = storage();
    let t = Location::parse("memory://nested/wh/risk_scores").expect("loc");
    let factor = |f: &str, c: f64| {
        StructChunked::from_columns(
            "f".into(),
            1,
            &[
                Column::new("feature".into(), [f]),
                Column::new("contribution".into(), [c]),
            ],
        )
        .expect("struct")
        .into_series()
    };
    let lists = Series::new(
        "top_factors".into(),
        [factor("tickets_7d", 0.4), factor("nps_drop", -0.1)],
    );
    let frame = DataFrame::new(
        2,
        vec![Column::new("account_id".into(), ["a", "b"]), lists.into_column()],
    )
    .expect("frame");
    replace_partition(&s, &t, date("2026-06-30"), &frame, &ctx()).expect("write");
    let back = read_partition(&s, &t, date("2026-06-30"))
        .expect("read")
        .expect("p");
    assert_eq!(
        back.column("top_factors").expect("col").dtype(),
        frame.column("top_factors").expect("c").dtype()
    );
    assert!(back.equals_missing(&frame), "{back}\n{frame}");
}

/// Regression guard for concurrent publishers: the conditional put picks one winner per
/// version, the loser re-plans, and no partition ever holds two writers' rows.
#[test]
fn concurrent_writers_never_duplicate_or_lose_a_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Arc::new(storage());
    let t = Location::parse(&dir.path().join("risk_scores").to_string_lossy()).expect("loc");
    let rounds = 6;
    let handles: Vec<_> = ["w1", "w2"]
        .into_iter()
        .map(|w| {
            let s = Arc::clone(&s);
            let t = t.clone();
            std::thread::spawn(move || {
                let mut retries = 0;
                for i in 0..rounds {
                    // Both writers replace the shared partition and one of their own.
                    let shared = scores(&[&format!("{w}-{i}-a"), &format!("{w}-{i}-b")], 1.0);
                    let c = replace_partition(&s, &t, date("2026-06-30"), &shared, &ctx()).expect("shared");
                    let own = if w == "w1" { "2026-06-01" } else { "2026-06-02" };
                    let d =
                        replace_partition(&s, &t, date(own), &scores(&[&format!("{w}-{i}")], 1.0), &ctx())
                            .expect("own");
                    retries += c.attempts + d.attempts - 2;
                }
                retries
            })
        })
        .collect();
    let retries: u32 = handles
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .sum();
    eprintln!("{} commits, {retries} lost races re-planned", 4 * rounds);
    assert_eq!(
        table_version(&s, &t).expect("v"),
        Some(4 * rounds - 1),
        "every commit landed once"
    );
    let shared = ids(&read_partition(&s, &t, date("2026-06-30"))
        .expect("read")
        .expect("p"));
    assert_eq!(shared.len(), 2, "one writer's rows, never both: {shared:?}");
    assert_eq!(
        shared[0].split('-').take(2).collect::<Vec<_>>(),
        shared[1].split('-').take(2).collect::<Vec<_>>()
    );
    let last = |d: &str| ids(&read_partition(&s, &t, date(d)).expect("read").expect("p"));
    assert_eq!(last("2026-06-01"), [format!("w1-{}", rounds - 1)]);
    assert_eq!(last("2026-06-02"), [format!("w2-{}", rounds - 1)]);
}

#[test]
fn urls_map_to_store_paths() {
    let loc = Location::parse("s3://bucket/wh/risk_scores").expect("loc");
    assert_eq!(
        table_url(&loc).expect("url").as_str(),
        "s3://bucket/wh/risk_scores/"
    );
    let loc = Location::parse("memory://m/wh/t").expect("loc");
    assert_eq!(table_url(&loc).expect("url").as_str(), "memory://m/wh/t/");
    let loc = Location::parse("/tmp/a b/t").expect("loc");
    assert_eq!(table_url(&loc).expect("url").path(), "/tmp/a%20b/t/");
    let root = Location::parse("s3://bucket").expect("loc");
    assert!(matches!(
        table_url(&root),
        Err(DeltaError::InvalidLocation { .. })
    ));
}
