//! Unit tests of table validation, and the guard that keeps data/CONTRACT.md in sync with
//! the schema in code.

use super::ContractError;
use super::keys::AccountIds;
use super::mapping::{MappedFile, TableMapping};
use super::schema::{self, ColumnType, Rule, TABLES, TableSpec};
use super::table::{self, Narrowed, ValidTable};
use super::taxonomy::{Taxonomy, TaxonomySet};
use crate::time::{RunWindow, parse_run_date};
use polars::prelude::*;
use vigil_store::storage::{FileFormat, FileFrame, Location};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn window() -> Result<RunWindow, String> {
    RunWindow::new(parse_run_date("2026-06-30")?, 6)
}

fn frame(df: DataFrame) -> Result<MappedFile, Box<dyn std::error::Error>> {
    Ok(MappedFile::native(FileFrame {
        location: Location::parse("memory://t/x.parquet")?,
        format: FileFormat::Parquet,
        frame: df,
    }))
}

/// [`table::validate`] of files read as they are (no source mapping).
fn validate(
    spec: &'static TableSpec,
    files: Vec<MappedFile>,
    window: &RunWindow,
    accounts: Option<&AccountIds>,
    narrowed: Option<Narrowed>,
    taxonomy: &Taxonomy,
) -> Result<ValidTable, ContractError> {
    table::validate(
        spec,
        files,
        window,
        accounts,
        narrowed,
        &TableMapping::default(),
        taxonomy,
    )
}

/// Each quarantined row as (file row, column, reason code).
fn bad_cells(t: &ValidTable) -> Vec<(usize, &'static str, &'static str)> {
    t.bad
        .iter()
        .map(|q| (q.row, q.cell.column, q.cell.kind.code()))
        .collect()
}

fn ids(known: &[&str]) -> AccountIds {
    AccountIds {
        known: known.iter().map(|s| s.to_string()).collect(),
        quarantined: Default::default(),
    }
}

#[test]
fn typed_parquet_columns_pass_and_old_rows_leave_the_window() -> TestResult {
    let spec = schema::table("nps_responses").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a1", "a1", "a2"],
        "responded_at" => ["2026-06-01T00:00:00Z", "2025-01-01T00:00:00Z", "2026-06-30T23:59:59Z"],
        "score" => [9i64, 3, 10],
    )?;
    let known = ids(&["a1", "a2"]);
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        Some(&known),
        None,
        Taxonomy::builtin(),
    )?;
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
    let known = ids(&["a1"]);
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        Some(&known),
        None,
        Taxonomy::builtin(),
    )?;
    let got = bad_cells(&t);
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
         extension; a table is one file, a folder of files or a Delta table (below). Only `accounts` is mandatory. Bad rows go to the\n\
         `quarantine` output with a reason; a run fails with exit 3 when a table is unreadable, a required column is\n\
         missing, the share of bad rows passes `[validation] max_bad_row_share`, or a table is stale (below).\n\n\
         **Your own names.** The column names and values below are the contract's; a table given as\n\
         `[sources.<table>]` in the pipeline config maps yours onto them as each file is read (`columns`, `values`,\n\
         `timestamp_format`, `time_zone`, a row `filter`; README, *Your own data*). Bad rows of a mapped table name\n\
         your file, row, column and value.\n\n\
         **Files and tables.** Under `[sources] base` a table is the file `<table>.<ext>`, the folder `<table>/` or a\n\
         Spark-style folder `<table>.<ext>/` of part files (`accounts.parquet/`); a table's own `[sources]` URL names a file\n\
         or a folder. A folder with a `_delta_log/` is a Delta table: exactly the files its log lists at the latest version\n\
         are read (files the log has removed never are; `version` or `as_of` pin an older version), and its partition values\n\
         become text columns. In any other folder every file with a known extension is read, in path order, and Hive\n\
         partition folders `key=value/` (`year=2026/month=06/`) become text columns (a column the file has itself wins).\n\
         Nothing at or below a name starting with `_` or `.` (`_delta_log/`, `_SUCCESS`, `_temporary/`, `.spark-staging/`)\n\
         is read or reported as an ignored file. Extensions: `.parquet`/`.pq`, `.csv`, `.ndjson`/`.jsonl`/`.json`, each\n\
         optionally compressed (`.gz`, `.zst`). Parquet timestamps with a time zone (as Spark and pandas write them) are\n\
         read as their UTC instants. Delta tables with deletion vectors or column mapping are refused (exit 3).\n\n\
         Rows whose event time is after `--as-of` are *future* rows: left out and counted (`rows_after_as_of` in the\n\
         validation report), never bad, so a backfill (a run date before the end of the data) validates like a daily\n\
         run. Rows before the lookback window are dropped, not counted as bad. A `date` D counts as the whole day D.\n\n\
         **Natural keys.** Every table has a natural key (below). Rows equal in every contract column are *exact\n\
         duplicates* (a file delivered twice, a retried export): the first is kept, the others are dropped and counted\n\
         (`duplicates_dropped`, and a warning in the run summary); they are not bad rows. Rows equal in the key but\n\
         different in another column are *conflicting duplicates*: every row of that key is quarantined\n\
         (`duplicate_key`), each naming another row of the key by file and row. None is kept, because choosing one\n\
         (the first file listed, the last row) would be a silent, order-dependent choice between two versions of a\n\
         fact. Nulls in a nullable key column compare equal to each other. Values compare after typing (`5` and\n\
         `5.0` in an integer column are equal; text compares exactly).\n\n\
         **References.** A row whose `account_id` is in no row of `accounts` is bad (`unknown_account`). A row whose\n\
         account's `accounts` row was quarantined is left out as a consequence and counted\n\
         (`rows_of_quarantined_accounts`, with the quarantined `accounts` row named in the run summary): the cause is\n\
         the parent row, which the quarantine already holds.\n\n\
         **Freshness.** A table with a freshness limit fails the run (exit 3) when its latest event (over every row that\n\
         is not bad, up to `--as-of`) ends more than the limit before `--as-of`, naming the table and that event.\n\
         `[validation] max_staleness_hours` sets limits per table (`0` turns one off); `--allow-stale` turns the\n\
         failure into a warning. Defaults: 72 hours for the daily feeds (`usage_daily`, `feature_usage`) and\n\
         `tickets` (any real installation opens tickets every working day; 72 hours covers a weekend). The other\n\
         event tables are sparse by nature (a quiet week of NPS answers, escalations, feedback or logged\n\
         communications is normal), so they have no default limit.\n\n\
         **Ranges.** Money columns (ARR, ARR at risk) allow 0 to 1e10 USD; people counts (seats, active and admin\n\
         users) 0 to 1e7; daily event counts (logins, sessions, feature events) 0 to 1e9. Larger values are data\n\
         errors that would dominate scores and revenue totals, so their rows are quarantined (`out_of_range`).\n\n\
         **Taxonomies.** Segments, ticket priorities, escalation severities and categories, and communication\n\
         channels are configurable value sets (`[taxonomy]` in the pipeline config; the *allowed* column names the key\n\
         and shows the default). Values compare case-insensitively after trimming and are stored in the configured\n\
         spelling; a value outside its set is bad (`not_allowed`). With `[taxonomy.categories] open = true` an unknown\n\
         category is kept as written, with one warning per table in the run summary and validation report.\n",
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
        let key: Vec<String> = t.key.iter().map(|k| format!("`{k}`")).collect();
        md += &format!("Natural key: {}. {}\n\n", key.join(" + "), t.key_doc);
        if let Some(tc) = t.time_column {
            facts.push(format!("event time `{tc}`"));
        }
        if let Some(h) = t.max_staleness_hours {
            facts.push(format!("default freshness limit {h} hours"));
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
                Rule::Taxonomy(set) => taxonomy_doc(set),
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

/// The *allowed* cell of a configurable column: its key and its default values.
fn taxonomy_doc(set: TaxonomySet) -> String {
    match Taxonomy::builtin().set(set) {
        Some(values) => format!("`{}`; default: {}", set.key(), values.values().join(", ")),
        None => format!("`{}`; default: any value", set.key()),
    }
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
    let known = ids(&["a1"]);
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        Some(&known),
        None,
        Taxonomy::builtin(),
    )?;
    let got = bad_cells(&t);
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
    let t = validate(
        floats,
        vec![frame(df)?],
        &window()?,
        None,
        None,
        Taxonomy::builtin(),
    )?;
    assert_eq!(t.bad.len(), 1);
    assert_eq!(
        (t.bad[0].cell.column, t.bad[0].cell.kind.code()),
        ("arr", "bad_type")
    );
    Ok(())
}

#[test]
fn exact_duplicates_are_dropped_and_conflicts_quarantined_whole() -> TestResult {
    // A re-delivered usage row is one fact; two different totals for one day are a conflict.
    let spec = schema::table("usage_daily").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a1", "a1", "a1", "a1", "a2", "a1"],
        "date" => ["2026-06-01", "2026-06-01", "2026-06-02", "2026-06-02", "2026-06-01", "2026-06-01"],
        "active_users" => ["5", "5", "5", "6", "5", "5.0"],
        "logins" => ["9", "9", "9", "9", "9", "9"],
    )?;
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        Some(&ids(&["a1", "a2"])),
        None,
        Taxonomy::builtin(),
    )?;
    assert_eq!(
        t.duplicates_dropped, 2,
        "rows 2 and 6 copy row 1 (5.0 types as 5)"
    );
    let got = bad_cells(&t);
    assert_eq!(
        got,
        [
            (3, "account_id", "duplicate_key"),
            (4, "account_id", "duplicate_key")
        ]
    );
    assert!(t.bad[0].cell.reason.contains("row 4"), "{}", t.bad[0].cell.reason);
    assert!(
        t.bad[0].cell.reason.contains("active_users"),
        "{}",
        t.bad[0].cell.reason
    );
    assert!(t.bad[1].cell.reason.contains("row 3"), "{}", t.bad[1].cell.reason);
    assert_eq!(t.frame.height(), 2);
    assert_eq!(t.rows_checked(), 4);
    Ok(())
}

#[test]
fn future_rows_are_left_out_not_bad() -> TestResult {
    let spec = schema::table("tickets").ok_or("spec")?;
    let df = df!(
        "ticket_id" => ["t1", "t2", "t3"],
        "account_id" => ["a1", "a1", "a1"],
        "created_at" => ["2026-06-29T10:00:00Z", "2026-07-01T00:00:01Z", "2026-08-01"],
        "priority" => ["low", "low", "low"],
        "subject" => ["s", "s", "s"],
        "body" => ["b", "b", "b"],
    )?;
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        Some(&ids(&["a1"])),
        None,
        Taxonomy::builtin(),
    )?;
    assert_eq!((t.bad_rows(), t.rows_after_as_of, t.frame.height()), (0, 2, 1));
    let latest = chrono::DateTime::parse_from_rfc3339("2026-06-29T10:00:00Z")?.timestamp_micros();
    assert_eq!(
        t.latest_event_us,
        Some(latest),
        "future rows do not count as fresh"
    );
    Ok(())
}

#[test]
fn rows_of_quarantined_accounts_are_left_out_and_unknown_ids_stay_bad() -> TestResult {
    let accounts = schema::table("accounts").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a1", "a2", "a3"], "name" => ["A", "B", "C"],
        "segment" => ["smb", "galaxy", "smb"], "arr" => ["1", "2", "3"],
        "renewal_date" => ["2026-12-01", "2026-12-01", "2026-12-01"],
    )?;
    let parent = validate(
        accounts,
        vec![frame(df)?],
        &window()?,
        None,
        None,
        Taxonomy::builtin(),
    )?;
    assert_eq!(parent.quarantined_ids.len(), 1);
    let why = parent.quarantined_ids.get("a2").ok_or("a2 quarantined")?;
    assert!(
        why.contains("row 2") && why.contains("column segment") && why.contains("galaxy"),
        "{why}"
    );
    let known = AccountIds {
        known: ["a1".to_string(), "a3".to_string()].into_iter().collect(),
        quarantined: parent.quarantined_ids.clone(),
    };
    let spec = schema::table("nps_responses").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a1", "a2", "a2", "zz"],
        "responded_at" => ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04"],
        "score" => ["1", "2", "3", "4"],
    )?;
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        Some(&known),
        None,
        Taxonomy::builtin(),
    )?;
    assert_eq!(t.rows_of_quarantined_accounts, 2);
    assert_eq!(t.first_quarantined_parent.as_deref(), Some(why.as_str()));
    let got: Vec<(usize, &str)> = t.bad.iter().map(|q| (q.row, q.cell.kind.code())).collect();
    assert_eq!(got, [(4, "unknown_account")]);
    Ok(())
}

#[test]
fn money_and_counts_have_upper_bounds() -> TestResult {
    let spec = schema::table("accounts").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a", "b", "c"], "name" => ["A", "B", "C"], "segment" => ["smb", "smb", "smb"],
        "arr" => ["1e308", "9999999999", "-1"], "renewal_date" => ["2026-12-01", "2026-12-01", "2026-12-01"],
    )?;
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        None,
        None,
        Taxonomy::builtin(),
    )?;
    let got = bad_cells(&t);
    assert_eq!(got, [(1, "arr", "out_of_range"), (3, "arr", "out_of_range")]);
    let usage = schema::table("usage_daily").ok_or("spec")?;
    let df = df!(
        "account_id" => ["a", "a"], "date" => ["2026-06-01", "2026-06-02"],
        "active_users" => [20_000_000i64, 5], "logins" => [1i64, 2_000_000_000],
    )?;
    let t = validate(
        usage,
        vec![frame(df)?],
        &window()?,
        Some(&ids(&["a"])),
        None,
        Taxonomy::builtin(),
    )?;
    let got: Vec<(usize, &str)> = t.bad.iter().map(|q| (q.row, q.cell.column)).collect();
    assert_eq!(got, [(1, "active_users"), (2, "logins")]);
    Ok(())
}

/// A company's own value sets: P1–P4, its categories, and its channels.
fn company_taxonomy(open: bool) -> Taxonomy {
    use super::taxonomy::ValueSet;
    let mut t = Taxonomy {
        priorities: ValueSet::new(["P4", "P3", "P2", "P1"]),
        high_priorities: ValueSet::new(["P2", "P1"]),
        channels: Some(ValueSet::new(["email", "call"])),
        ..Taxonomy::default()
    };
    t.categories.values = ValueSet::new(["Outage", "Champion change"]);
    t.categories.open = open;
    t
}

#[test]
fn configured_values_are_matched_loosely_and_stored_as_configured() -> TestResult {
    let spec = schema::table("tickets").ok_or("spec")?;
    let df = df!(
        "ticket_id" => ["t1", "t2", "t3"],
        "account_id" => ["a1", "a1", "a1"],
        "created_at" => ["2026-06-01", "2026-06-02", "2026-06-03"],
        "priority" => [" p1 ", "P4", "urgent"],
        "subject" => ["s", "s", "s"],
        "body" => ["b", "b", "b"],
        "channel" => ["Email", "call", "fax"],
    )?;
    let t = validate(
        spec,
        vec![frame(df)?],
        &window()?,
        Some(&ids(&["a1"])),
        None,
        &company_taxonomy(false),
    )?;
    assert_eq!(bad_cells(&t), [(3, "priority", "not_allowed")]);
    assert!(
        t.bad[0]
            .cell
            .reason
            .contains("P4, P3, P2, P1 (configurable in taxonomy.priorities)")
    );
    let priorities: Vec<Option<&str>> = t.frame.column("priority")?.str()?.iter().collect();
    assert_eq!(priorities, [Some("P1"), Some("P4")]);
    let channels: Vec<Option<&str>> = t.frame.column("channel")?.str()?.iter().collect();
    assert_eq!(channels, [Some("email"), Some("call")]);
    Ok(())
}

#[test]
fn open_categories_are_accepted_with_a_count_and_closed_ones_quarantined() -> TestResult {
    let spec = schema::table("escalations").ok_or("spec")?;
    let df = || {
        df!(
            "escalation_id" => ["e1", "e2", "e3", "e4"],
            "account_id" => ["a1", "a1", "a1", "a1"],
            "opened_at" => ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04"],
            "category" => ["outage", "Security review", " Security review ", "Billing"],
        )
    };
    let known = ids(&["a1"]);
    let closed = validate(
        spec,
        vec![frame(df()?)?],
        &window()?,
        Some(&known),
        None,
        &company_taxonomy(false),
    )?;
    assert_eq!(closed.bad_rows(), 3);
    assert!(closed.outside_taxonomy.is_empty());
    let open = validate(
        spec,
        vec![frame(df()?)?],
        &window()?,
        Some(&known),
        None,
        &company_taxonomy(true),
    )?;
    assert_eq!(open.bad_rows(), 0);
    let categories: Vec<Option<&str>> = open.frame.column("category")?.str()?.iter().collect();
    assert_eq!(
        categories,
        [
            Some("Outage"),
            Some("Security review"),
            Some("Security review"),
            Some("Billing")
        ]
    );
    assert_eq!(open.outside_taxonomy.len(), 1);
    let warning = open.outside_taxonomy[0].describe("escalations");
    assert!(
        warning.contains("3 rows have a category outside taxonomy.categories.values (2 distinct values: \"Billing\", \"Security review\")"),
        "{warning}"
    );
    Ok(())
}
