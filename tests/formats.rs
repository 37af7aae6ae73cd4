//! Table formats and layouts (issue #18): Delta tables read through their log, Spark-style
//! `name.parquet/` folders, Hive-partitioned folders, zoned Parquet timestamps, gzip and
//! zstd text files, NDJSON errors that name the line, and metadata folders (`_*`, `.*`)
//! that are never data. Each case runs `vigil validate` on a small history and reads its
//! validation report.

use crate::common::{Project, python_has, report_table as table, validation_report};
use polars::prelude::*;
use std::io::Write;
use vigil_store::storage::{Location, RetryPolicy, Storage, encode_parquet};
use vigil_store::warehouse::delta::{CommitContext, replace_partition};

const BAD_DATA: i32 = 3;

/// A history file of [`Project::small_history`] as a frame of text columns; the file is removed.
fn take_csv(p: &Project, rel: &str) -> DataFrame {
    let path = p.file(rel);
    let frame = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.clone()))
        .expect("reader")
        .finish()
        .expect("csv");
    std::fs::remove_file(path).expect("remove");
    frame
}

fn write_parquet(p: &Project, rel: &str, mut frame: DataFrame) {
    p.write(rel, &encode_parquet(&mut frame).expect("parquet"));
}

/// `vigil validate` passes with no ignored file; returns the report.
fn validated(p: &Project) -> serde_json::Value {
    p.validate().expect_code(0);
    let report = validation_report(p, "2026-06-30");
    assert_eq!(report["ignored_files"], serde_json::json!([]), "{report}");
    report
}

fn storage() -> Storage {
    Storage::new(RetryPolicy::default(), Vec::new()).expect("storage")
}

/// Writes `accounts` as a Delta table at `dir` in two commits: the first with a row that
/// breaks the contract, the second replacing that file with the good rows.
fn delta_accounts(dir: &std::path::Path, accounts: &DataFrame) {
    let storage = storage();
    let loc = Location::parse(&dir.to_string_lossy()).expect("location");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 29).expect("date");
    let ctx = CommitContext::new("formats-test");
    let bad = df!("account_id" => ["zz"], "name" => ["Bad"], "segment" => ["not-a-segment"],
        "arr" => ["1"], "renewal_date" => ["2026-12-31"], "csm_owner" => ["csm0"])
    .expect("frame");
    let first = accounts.vstack(&bad).expect("vstack");
    replace_partition(&storage, &loc, day, &first, &ctx).expect("first commit");
    replace_partition(&storage, &loc, day, accounts, &ctx).expect("second commit");
}

#[test]
fn a_delta_table_is_read_at_its_latest_version_under_base_and_by_url() {
    let p = Project::new("");
    p.small_history();
    let accounts = take_csv(&p, "history/accounts.csv");
    delta_accounts(&p.file("history/accounts"), &accounts);
    let report = validated(&p);
    let t = table(&report, "accounts");
    assert_eq!(
        (t["rows_read"].as_u64(), t["bad_rows"].as_u64()),
        (Some(100), Some(0)),
        "{t}"
    );
    assert_eq!(
        t["files"].as_array().map(Vec::len),
        Some(1),
        "only the live file: {t}"
    );

    // The same table named by URL, outside the base.
    std::fs::rename(p.file("history/accounts"), p.file("crm_accounts")).expect("move");
    p.config("[sources]\nbase = \"history\"\naccounts = \"crm_accounts\"\n\n[warehouse]\nurl = \"wh\"\n\n[validation]\nmax_bad_row_share = 0.0\n");
    let report = validated(&p);
    assert_eq!(table(&report, "accounts")["rows_read"].as_u64(), Some(100));
}

/// `[sources.accounts]` reading the Delta table of [`delta_accounts`] with `extra` options.
fn pinned_config(extra: &str) -> String {
    format!(
        "[sources]\nbase = \"history\"\n[sources.accounts]\nurl = \"crm_accounts\"\nformat = \"delta\"\n{extra}\n\
         [warehouse]\nurl = \"wh\"\n\n[validation]\nmax_bad_row_share = 0.05\n"
    )
}

#[test]
fn a_pinned_delta_version_or_instant_reads_that_version_and_a_missing_one_is_named() {
    let p = Project::new("");
    p.small_history();
    let accounts = take_csv(&p, "history/accounts.csv");
    delta_accounts(&p.file("crm_accounts"), &accounts);

    // Version 0 still has the row the second commit removed.
    p.config(&pinned_config("version = 0"));
    let report = validated(&p);
    let t = table(&report, "accounts");
    assert_eq!(
        (t["rows_read"].as_u64(), t["bad_rows"].as_u64()),
        (Some(101), Some(1)),
        "{t}"
    );
    // An instant after both commits reads the latest version.
    p.config(&pinned_config("as_of = \"2999-01-01T00:00:00Z\""));
    let t = table(&validated(&p), "accounts").clone();
    assert_eq!(t["rows_read"].as_u64(), Some(100), "{t}");

    // A version that does not exist, or an instant before the first commit: exit 3 naming it.
    for (extra, named) in [
        ("version = 7", "7"),
        ("as_of = \"2001-01-01T00:00:00Z\"", "2001-01-01"),
    ] {
        p.config(&pinned_config(extra));
        let run = p.validate();
        run.expect_code(BAD_DATA);
        assert!(
            run.stderr.contains("accounts") && run.stderr.contains(named),
            "{extra}: {}",
            run.stderr
        );
    }
}

#[test]
fn an_unreadable_delta_log_names_the_table_and_writes_nothing() {
    let p = Project::new("");
    p.small_history();
    let accounts = take_csv(&p, "history/accounts.csv");
    delta_accounts(&p.file("history/accounts"), &accounts);
    p.write(
        "history/accounts/_delta_log/00000000000000000001.json",
        b"not json",
    );
    p.validate().expect_failure(
        BAD_DATA,
        &["table accounts", "history/accounts", "unreadable as Delta"],
    );
    assert!(p.files_under("wh").is_empty(), "no output on failure");
}

/// Writes the history's accounts and tickets as Delta tables with delta-rs (Python), the way
/// a data platform would: partitioned by contract columns (`segment`, `priority`) that live
/// only in the log, UTC-zoned timestamps, and an overwrite that removes a file with a bad row.
const DELTA_RS_WRITER: &str = r#"
import sys, os
import pyarrow as pa, pyarrow.csv as csv
from deltalake import write_deltalake
h = sys.argv[1]
accounts = csv.read_csv(f"{h}/accounts.csv")
bad = accounts.slice(0, 1).set_column(2, "segment", pa.array(["not-a-segment"]))
write_deltalake(f"{h}/accounts", pa.concat_tables([accounts, bad]), partition_by=["segment"])
write_deltalake(f"{h}/accounts", accounts, mode="overwrite", partition_by=["segment"])
tickets = csv.read_csv(f"{h}/tickets.csv")
at = tickets.column("created_at").cast(pa.timestamp("us", tz="UTC"))
tickets = tickets.set_column(tickets.schema.get_field_index("created_at"), "created_at", at)
write_deltalake(f"{h}/tickets", tickets, partition_by=["priority"])
os.remove(f"{h}/accounts.csv")
os.remove(f"{h}/tickets.csv")
# pyarrow's and deltalake's threads can abort the interpreter at exit (apache/arrow#34314).
os._exit(0)
"#;

#[test]
fn delta_tables_written_by_delta_rs_are_read_with_their_partition_columns() {
    if !python_has("deltalake") {
        return;
    }
    let p = Project::new("");
    p.small_history();
    let out = std::process::Command::new("python3")
        .args(["-c", DELTA_RS_WRITER, &p.file("history").to_string_lossy()])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = validated(&p);
    let a = table(&report, "accounts");
    assert_eq!(
        (a["rows_read"].as_u64(), a["bad_rows"].as_u64()),
        (Some(100), Some(0)),
        "{a}"
    );
    assert_eq!(
        a["unknown_columns"],
        serde_json::json!([]),
        "segment comes from the log: {a}"
    );
    let t = table(&report, "tickets");
    assert_eq!(
        (t["rows_read"].as_u64(), t["bad_rows"].as_u64()),
        (Some(200), Some(0)),
        "{t}"
    );
    assert_eq!(
        t["latest_event_end"].as_str(),
        Some("2026-06-28T10:00:00+00:00"),
        "{t}"
    );
}

#[test]
fn spark_folders_and_hive_partitions_are_tables_and_metadata_folders_are_not_data() {
    let p = Project::new("");
    p.small_history();
    let tickets = take_csv(&p, "history/tickets.csv");
    write_parquet(
        &p,
        "history/tickets.parquet/part-00000.snappy.parquet",
        tickets.slice(0, 120),
    );
    write_parquet(
        &p,
        "history/tickets.parquet/part-00001.snappy.parquet",
        tickets.slice(120, 80),
    );
    p.write("history/tickets.parquet/_SUCCESS", b"");
    p.write(
        "history/tickets.parquet/_temporary/0/part-00002.parquet",
        b"not parquet",
    );
    p.write("history/tickets.parquet/.part-00000.snappy.parquet.crc", b"crc");
    let usage = take_csv(&p, "history/usage_daily/2026-06.csv");
    write_parquet(&p, "history/usage_daily/year=2026/month=06/part-0.parquet", usage);
    p.write("history/usage_daily/.spark-staging/part-9.csv", b"garbage\xff");
    p.write("history/_scratch/notes.csv", b"a,b\n1,2\n");

    let report = validated(&p);
    let t = table(&report, "tickets");
    assert_eq!(
        (t["rows_read"].as_u64(), t["bad_rows"].as_u64()),
        (Some(200), Some(0)),
        "{t}"
    );
    let u = table(&report, "usage_daily");
    assert_eq!(u["rows_read"].as_u64(), Some(300), "{u}");
    assert_eq!(u["unknown_columns"], serde_json::json!(["year", "month"]), "{u}");
}

/// Replaces a text timestamp column (UTC) by the same instants typed `Datetime(unit, zone)`,
/// as Spark and pandas write them.
fn zoned(frame: &mut DataFrame, column: &str, unit: TimeUnit, zone: &str) {
    let per_second = match unit {
        TimeUnit::Nanoseconds => 1_000_000_000,
        TimeUnit::Microseconds => 1_000_000,
        TimeUnit::Milliseconds => 1_000,
    };
    let values: Vec<Option<i64>> = frame
        .column(column)
        .expect("column")
        .str()
        .expect("text")
        .iter()
        .map(|v| {
            let v = v?.trim_end_matches('Z').replace('T', " ");
            let t = chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M:%S").ok()?;
            Some(t.and_utc().timestamp() * per_second)
        })
        .collect();
    let tz = TimeZone::opt_try_new(Some(zone)).expect("zone");
    let typed = Column::new(column.into(), values)
        .cast(&DataType::Datetime(unit, tz))
        .expect("zoned");
    frame.with_column(typed).expect("replace");
}

/// Spark and pandas write timestamps with a zone; the instants are UTC whatever the zone.
#[test]
fn zoned_parquet_timestamps_are_read_as_utc_instants() {
    let p = Project::new("");
    p.small_history();
    let mut nps = take_csv(&p, "history/nps_responses.csv");
    zoned(&mut nps, "responded_at", TimeUnit::Nanoseconds, "Europe/Berlin");
    write_parquet(&p, "history/nps_responses.parquet", nps);
    let mut tickets = take_csv(&p, "history/tickets.csv");
    zoned(&mut tickets, "created_at", TimeUnit::Milliseconds, "UTC");
    write_parquet(&p, "history/tickets.parquet", tickets);

    let report = validated(&p);
    let nps = table(&report, "nps_responses");
    assert_eq!(
        (nps["rows_read"].as_u64(), nps["bad_rows"].as_u64()),
        (Some(100), Some(0)),
        "{nps}"
    );
    let end = nps["latest_event_end"].as_str();
    assert_eq!(
        end,
        Some("2026-05-28T09:30:00+00:00"),
        "the UTC instant, not Berlin wall time: {nps}"
    );
    let t = table(&report, "tickets");
    assert_eq!(
        t["latest_event_end"].as_str(),
        Some("2026-06-28T10:00:00+00:00"),
        "{t}"
    );
}

#[test]
fn gzip_csv_and_zstd_ndjson_are_read() {
    let p = Project::new("");
    p.small_history();
    let text = std::fs::read(p.file("history/accounts.csv")).expect("read");
    std::fs::remove_file(p.file("history/accounts.csv")).expect("remove");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text).expect("gzip");
    p.write("history/accounts.csv.gz", &gz.finish().expect("gzip"));
    let nps = take_csv(&p, "history/nps_responses.csv");
    let mut lines = String::new();
    let col = |name: &str| nps.column(name).expect("column").str().expect("text").clone();
    let (ids, at, score, comment) = (
        col("account_id"),
        col("responded_at"),
        col("score"),
        col("comment"),
    );
    for i in 0..nps.height() {
        let row = serde_json::json!({
            "account_id": ids.get(i), "responded_at": at.get(i),
            "score": score.get(i).and_then(|s| s.parse::<i64>().ok()), "comment": comment.get(i),
        });
        lines.push_str(&format!("{row}\n"));
    }
    let zst = zstd::stream::encode_all(lines.as_bytes(), 3).expect("zstd");
    p.write("history/nps_responses/part-0.ndjson.zst", &zst);

    let report = validated(&p);
    assert_eq!(table(&report, "accounts")["rows_read"].as_u64(), Some(100));
    assert_eq!(table(&report, "nps_responses")["rows_read"].as_u64(), Some(100));
}

#[test]
fn a_malformed_ndjson_line_is_named_and_nothing_is_written() {
    let p = Project::new("");
    p.small_history();
    std::fs::remove_file(p.file("history/nps_responses.csv")).expect("remove");
    p.write(
        "history/nps_responses.ndjson",
        b"{\"account_id\": \"a001\", \"responded_at\": \"2026-05-02 09:30:00\", \"score\": 9}\n\
          {\"account_id\": \"a002\", \"responded_at\": \"2026-05-03 09:30:00\", \"score\": 8}\n\
          {\"account_id\": \"a003\", \"responded_at\": \"2026-05-04 09:30:00\", \"score\": }\n",
    );
    p.validate()
        .expect_failure(BAD_DATA, &["nps_responses.ndjson", "line 3"]);
    assert!(p.files_under("wh").is_empty(), "no output on failure");
}
