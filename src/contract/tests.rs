//! Unit tests of table validation, and the guard that keeps data/CONTRACT.md in sync with
//! the schema in code.

use super::schema::{self, ColumnType, Rule, TABLES};
use super::table::validate;
use crate::storage::{FileFormat, FileFrame, Location};
use crate::time::{RunWindow, parse_run_date};
use polars::prelude::PlHashSet;
use polars::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn window() -> Result<RunWindow, String> {
    RunWindow::new(parse_run_date("2026-06-30")?, 6)
}

fn frame(df: DataFrame) -> Result<FileFrame, Box<dyn std::error::Error>> {
    Ok(FileFrame {
        location: Location::parse("memory://t/x.parquet")?,
        format: FileFormat::Parquet,
        frame: df,
    })
}

#[test]
fn typed_parquet_columns_pass_and_old_rows_leave_the_window() -> TestResult {
    let spec = schema::table("nps_responses").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a1", "a1", "a2"],
        "responded_at" => ["2026-06-01T00:00:00Z", "2025-01-01T00:00:00Z", "2026-06-30T23:59:59Z"],
        "score" => [9i64, 3, 10],
    )?;
    let known: PlHashSet<String> = ["a1", "a2"].iter().map(|s| s.to_string()).collect();
    let t = validate(spec, vec![frame(df)?], &window()?, Some(&known), None)?;
    assert_eq!(t.rows_read, 3);
    assert_eq!(t.rows_before_window, 1);
    assert_eq!(t.bad_rows(), 0);
    assert_eq!(t.frame.height(), 2);
    assert_eq!(
        t.frame.column("responded_at")?.dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, None)
    );
    assert_eq!(
        t.frame.column("comment")?.null_count(),
        2,
        "missing optional column is all null"
    );
    assert_eq!(t.missing_optional, ["contact_id", "comment"]);
    Ok(())
}

#[test]
fn every_bad_cell_is_named() -> TestResult {
    let spec = schema::table("tickets").ok_or("spec")?;
    let df = df!(
        "ticket_id" => [Some("t1"), Some("t1"), None, Some("t4")],
        "account_id" => ["a1", "a1", "a1", "zz"],
        "created_at" => ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04"],
        "priority" => ["HIGH", "low", "low", "low"],
        "subject" => ["s", "s", "s", "s"],
        "body" => ["b", "b", "b", "b"],
        "csat" => ["5", "0", "3", "3"],
    )?;
    let known: PlHashSet<String> = ["a1".to_string()].into_iter().collect();
    let t = validate(spec, vec![frame(df)?], &window()?, Some(&known), None)?;
    let got: Vec<(usize, &str, &str)> = t
        .bad
        .iter()
        .map(|q| (q.row, q.cell.column, q.cell.kind.code()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "csat", "out_of_range"),
            (3, "ticket_id", "null_value"),
            (4, "account_id", "unknown_account")
        ]
    );
    assert_eq!(
        t.frame.column("priority")?.str()?.get(0),
        Some("high"),
        "enums are normalised to lower case"
    );
    Ok(())
}

/// Renders data/CONTRACT.md from the schema.
fn render_contract() -> String {
    let mut md = String::from(
        "# vigil input data contract\n\n\
         Generated from `src/contract/schema.rs` (`VIGIL_UPDATE_DOCS=1 cargo test contract_doc` rewrites it).\n\n\
         All timestamps are UTC; ids are strings. Formats: Parquet, CSV (UTF-8, header row) or NDJSON, chosen by\n\
         extension; a table is one file or a folder of files. Only `accounts` is mandatory. Bad rows go to the\n\
         `quarantine` output with a reason; a run fails with exit 3 when a table is unreadable, a required column is\n\
         missing, or the share of bad rows passes `[validation] max_bad_row_share`.\n\n\
         Rows whose event time is after `--as-of` are bad (`after_as_of`); rows before the lookback window are\n\
         dropped, not counted as bad. A `date` D counts as the whole day D.\n",
    );
    for t in TABLES {
        md += &format!(
            "\n## {}{}\n\n{}\nFeeds: {}.\n\n",
            t.name,
            if t.mandatory { " (mandatory)" } else { "" },
            t.doc,
            t.signals
        );
        let mut facts = Vec::new();
        if let Some(k) = t.unique_key {
            facts.push(format!("unique key `{k}`"));
        }
        if let Some(tc) = t.time_column {
            facts.push(format!("event time `{tc}`"));
        }
        if t.references_accounts {
            facts.push("`account_id` must exist in `accounts`".to_string());
        }
        if !facts.is_empty() {
            md += &format!("Rules: {}.\n\n", facts.join("; "));
        }
        md += "| column | type | required | nulls | allowed | example | meaning |\n|---|---|---|---|---|---|---|\n";
        for c in t.columns {
            let allowed = match c.rule {
                Rule::None => String::new(),
                Rule::OneOf(v) => v.join(", "),
                Rule::Range(lo, hi) => format!("{lo} to {hi}"),
                Rule::AtLeast(lo) => format!(">= {lo}"),
            };
            let ty = if c.ty == ColumnType::Timestamp {
                "timestamp"
            } else {
                c.ty.name()
            };
            md += &format!(
                "| {} | {ty} | {} | {} | {allowed} | {} | {} |\n",
                c.name,
                if c.required { "yes" } else { "no" },
                if c.nullable { "yes" } else { "no" },
                c.example(),
                c.doc
            );
        }
    }
    md
}

#[test]
fn contract_doc_matches_schema() -> TestResult {
    crate::testutil::assert_doc_current("data/CONTRACT.md", &render_contract(), "contract_doc")?;
    Ok(())
}

#[test]
fn natively_typed_columns_are_checked_without_parsing() -> TestResult {
    // Typed Parquet skips the text path; the same rules must still hold.
    let spec = schema::table("nps_responses").ok_or("spec")?;
    let at = Series::new("responded_at".into(), [1_780_000_000_000_000i64; 4])
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?;
    let df = DataFrame::new(
        4,
        vec![
            Series::new("account_id".into(), [Some("a1"), None, Some("a1"), Some("")]).into_column(),
            at.into_column(),
            Series::new("score".into(), [9i32, 3, 11, 5]).into_column(),
        ],
    )?;
    let known: PlHashSet<String> = ["a1".to_string()].into_iter().collect();
    let t = validate(spec, vec![frame(df)?], &window()?, Some(&known), None)?;
    let got: Vec<(usize, &str, &str)> = t
        .bad
        .iter()
        .map(|q| (q.row, q.cell.column, q.cell.kind.code()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "account_id", "null_value"),
            (3, "score", "out_of_range"),
            (4, "account_id", "null_value")
        ]
    );
    assert_eq!(t.frame.column("score")?.dtype(), &DataType::Int64);
    let floats = schema::table("accounts").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a", "b"], "name" => ["A", "B"], "segment" => ["smb", "smb"],
        "arr" => [f64::NAN, 1.0], "renewal_date" => ["2026-12-01", "2026-12-01"],
    )?;
    let t = validate(floats, vec![frame(df)?], &window()?, None, None)?;
    assert_eq!(t.bad.len(), 1);
    assert_eq!(
        (t.bad[0].cell.column, t.bad[0].cell.kind.code()),
        ("arr", "bad_type")
    );
    Ok(())
}
