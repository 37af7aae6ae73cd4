//! The bad-input corpus: each case breaks one thing and asserts the exit code and that the
//! message names the table, file, column, row and value, with no panic.

use crate::common::{Project, vigil};
use polars::prelude::{ParquetReader, SerReader};

const BAD_DATA: i32 = 3;
const USAGE: i32 = 2;

/// Asserts a failed validation: exit 3, the error in the summary, no panic.
fn expect_bad(p: &Project, needles: &[&str]) {
    let run = p.validate();
    run.expect_code(BAD_DATA).expect_stderr(needles);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.summary()["exit_code"], BAD_DATA);
}

#[test]
fn clean_small_history_validates() {
    let p = Project::new("");
    p.small_history();
    let run = p.validate();
    run.expect_code(0);
    let s = run.summary();
    assert_eq!(s["status"], "ok");
    assert_eq!(s["run_date"], "2026-06-30");
    assert!(run.stdout.contains("tickets"), "{}", run.stdout);
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.file("wh/validation/run_date=2026-06-30/report.json")).expect("report"),
    )
    .expect("json");
    let tickets = report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["table"] == "tickets")
        .expect("tickets");
    assert_eq!(tickets["rows_valid"], 200);
    assert_eq!(tickets["bad_rows"], 0);
    assert!(
        report["absent_tables"]
            .as_array()
            .expect("absent")
            .iter()
            .any(|t| t == "escalations")
    );
    // Beside the JSON and the text: the same report as a page and its Markdown twin.
    let dir = p.file("wh/validation/run_date=2026-06-30");
    assert!(dir.join("report.txt").is_file());
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(
        html.contains("<span class=\"badge pass\">Passed</span>"),
        "{html}"
    );
    assert!(html.contains("<td>tickets</td>") && html.contains("<td class=\"num\">200</td>"));
    assert!(html.contains("<td>escalations</td>") && !html.contains("**"));
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(
        md.contains("**Passed.**") && md.contains("| tickets | 1 | 200 | 200 | 0 | 0% |"),
        "{md}"
    );
}

#[test]
fn hostile_value_fails_the_gate_and_is_escaped_in_the_validation_page() {
    let p = Project::new("");
    p.small_history();
    p.edit("history/tickets.csv", ",low,", ",<script>alert(1)</script>,");
    expect_bad(
        &p,
        &["table tickets", "column priority", "<script>alert(1)</script>"],
    );
    let html = std::fs::read_to_string(p.file("wh/validation/run_date=2026-06-30/report.html"))
        .expect("the page is written when the gate fails");
    assert!(
        html.contains("<span class=\"badge fail\">Failed</span>"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&quot;&lt;script&gt;alert(1)&lt;&#x2f;script&gt;&quot;"),
        "{html}"
    );
    assert!(html.contains("<code>not_allowed</code>"), "{html}");
}

#[test]
fn stray_file_under_base_is_reported_not_read() {
    // A misnamed export (tickets_2026.csv) must not silently vanish.
    let p = Project::new("");
    p.small_history();
    p.write("history/tickets_2026.csv", b"ticket_id\nx\n");
    let run = p.validate();
    run.expect_code(0)
        .expect_stderr(&["tickets_2026.csv", "belongs to no input table"]);
    let warnings = run.summary()["stages"][0]["warnings"].to_string();
    assert!(warnings.contains("tickets_2026.csv"), "{warnings}");
}

#[test]
fn missing_required_column() {
    let p = Project::new("");
    p.small_history();
    p.edit(
        "history/tickets.csv",
        "ticket_id,account_id,created_at,priority,",
        "ticket_id,account_id,created_at,prio,",
    );
    expect_bad(
        &p,
        &["table tickets", "tickets.csv", "`priority`", "columns found"],
    );
}

#[test]
fn wrong_type() {
    let p = Project::new("");
    p.small_history();
    p.edit(
        "history/usage_daily/2026-06.csv",
        "a000,2026-06-28,5,10",
        "a000,2026-06-28,5,many",
    );
    expect_bad(
        &p,
        &[
            "table usage_daily",
            "2026-06.csv",
            "row 1",
            "column logins",
            "\"many\"",
            "integer",
        ],
    );
}

#[test]
fn null_id() {
    let p = Project::new("");
    p.small_history();
    p.edit("history/accounts.csv", "a007,Account 7", ",Account 7");
    expect_bad(
        &p,
        &[
            "table accounts",
            "accounts.csv",
            "row 8",
            "column account_id",
            "null",
        ],
    );
}

#[test]
fn duplicate_id() {
    let p = Project::new("");
    p.small_history();
    p.edit("history/tickets.csv", "t0005,", "t0004,");
    expect_bad(
        &p,
        &[
            "table tickets",
            "row 6",
            "column ticket_id",
            "\"t0004\"",
            "duplicate ticket_id",
            "row 5",
        ],
    );
}

#[test]
fn unknown_account() {
    let p = Project::new("");
    p.small_history();
    p.edit("history/tickets.csv", "t0003,a003", "t0003,a999");
    expect_bad(
        &p,
        &[
            "table tickets",
            "row 4",
            "column account_id",
            "\"a999\"",
            "no such account_id",
        ],
    );
}

#[test]
fn future_timestamp_is_left_out_not_bad() {
    // Rows after --as-of are future rows (issue #16): counted apart, never bad, never quarantined.
    let p = Project::new("");
    p.small_history();
    p.edit(
        "history/tickets.csv",
        "t0002,a002,2026-06-03T10:00:00Z",
        "t0002,a002,2026-07-03T10:00:00Z",
    );
    let run = p.validate();
    run.expect_code(0);
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.file("wh/validation/run_date=2026-06-30/report.json")).expect("report"),
    )
    .expect("json");
    let tickets = report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["table"] == "tickets")
        .expect("tickets");
    assert_eq!(tickets["rows_after_as_of"], 1);
    assert_eq!(tickets["bad_rows"], 0);
    assert_eq!(tickets["rows_valid"], 199);
    assert_eq!(report["quarantined_rows"], 0);
}

#[test]
fn nps_out_of_range() {
    let p = Project::new("");
    p.small_history();
    p.edit(
        "history/nps_responses.csv",
        "a000,2026-05-01 09:30:00,0,",
        "a000,2026-05-01 09:30:00,11,",
    );
    expect_bad(
        &p,
        &[
            "table nps_responses",
            "row 1",
            "column score",
            "\"11\"",
            "0 to 10",
        ],
    );
}

#[test]
fn enum_and_negative_arr() {
    let p = Project::new("");
    p.small_history();
    p.edit("history/tickets.csv", ",low,", ",p1,");
    expect_bad(
        &p,
        &[
            "table tickets",
            "column priority",
            "\"p1\"",
            "low, normal, high, urgent",
        ],
    );
    let p = Project::new("");
    p.small_history();
    p.edit("history/accounts.csv", "1000.5", "-1000.5");
    // ARR has an upper bound too since issue #16 (money columns: 0 to 1e10 USD).
    expect_bad(
        &p,
        &["table accounts", "column arr", "\"-1000.5\"", "0 to 10000000000"],
    );
}

#[test]
fn non_utf8_csv() {
    let p = Project::new("");
    p.small_history();
    let path = p.file("history/accounts.csv");
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.windows(9).position(|w| w == b"Account 2").expect("row") + 8;
    bytes[at] = 0xe9;
    std::fs::write(path, bytes).expect("write");
    expect_bad(
        &p,
        &[
            "table accounts",
            "accounts.csv",
            "UTF-8",
            "line 4",
            "column name",
            "data row 3",
        ],
    );
}

#[test]
fn truncated_parquet() {
    let p = Project::new("");
    p.small_history();
    p.generate("20", "gen");
    let bytes = std::fs::read(p.file("gen/contacts.parquet")).expect("contacts");
    p.write("history/contacts.parquet", &bytes[..bytes.len() / 3]);
    expect_bad(&p, &["table contacts", "contacts.parquet", "Parquet"]);
}

#[test]
fn empty_file() {
    let p = Project::new("");
    p.small_history();
    p.write("history/escalations.csv", b"");
    expect_bad(&p, &["table escalations", "escalations.csv", "empty"]);
}

#[test]
fn missing_accounts_table() {
    let p = Project::new("");
    p.small_history();
    std::fs::remove_file(p.file("history/accounts.csv")).expect("rm");
    expect_bad(&p, &["table accounts is required", "was not found"]);
}

#[test]
fn explicit_source_that_does_not_exist() {
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"history\"\ntickets = \"exports/tickets.parquet\"\n[warehouse]\nurl = \"wh\"\n",
    );
    expect_bad(
        &p,
        &["input table tickets", "exports/tickets.parquet", "not found"],
    );
}

#[test]
fn too_many_bad_rows_fails_but_few_are_quarantined() {
    // 1 bad ticket of 200 = 0.5%: under the default 1% limit the run passes and the row
    // is quarantined; with a 0.1% limit the same data fails.
    let p = Project::new("");
    p.small_history();
    p.edit("history/tickets.csv", ",low,", ",p1,");
    p.config("[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n");
    let run = p.validate();
    run.expect_code(0);
    let q =
        std::fs::File::open(p.file("wh/quarantine/run_date=2026-06-30/part-0.parquet")).expect("quarantine");
    let df = ParquetReader::new(q).finish().expect("parquet");
    assert_eq!(df.height(), 1);
    assert_eq!(
        df.column("reason_code").expect("col").str().expect("str").get(0),
        Some("not_allowed")
    );
    assert_eq!(df.column("row").expect("col").i64().expect("i64").get(0), Some(1));
    p.config(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n[validation]\nmax_bad_row_share = 0.001\n",
    );
    expect_bad(
        &p,
        &["table tickets: 1 of 200 rows are invalid", "0.50% > limit 0.10%"],
    );
}

#[test]
fn unknown_config_key() {
    let p = Project::new("[window]\nlookback_month = 12\n");
    let run = p.validate();
    run.expect_code(USAGE)
        .expect_stderr(&["pipelines/test.toml", "lookback_month", "lookback_months"]);
}

#[test]
fn bad_config_value() {
    let p = Project::new("[window]\nlookback_months = 36\n");
    p.validate()
        .expect_code(USAGE)
        .expect_stderr(&["window.lookback_months", "6 to 24"]);
}

#[test]
fn missing_or_empty_date_flag_is_a_usage_error_never_now() {
    let p = Project::new("");
    p.small_history();
    let run = vigil(p.path(), &["validate", "--config", "pipelines/test.toml"]);
    run.expect_code(USAGE).expect_stderr(&["--as-of"]);
    assert_eq!(run.summary()["exit_code"], USAGE);
    let run = vigil(
        p.path(),
        &["validate", "--config", "pipelines/test.toml", "--run-date", ""],
    );
    run.expect_code(USAGE).expect_stderr(&["--run-date is empty"]);
    let run = vigil(
        p.path(),
        &["validate", "--config", "pipelines/test.toml", "--as-of", "   "],
    );
    run.expect_code(USAGE).expect_stderr(&["--as-of is empty"]);
    assert!(!p.file("wh").exists(), "a usage error writes nothing");
}

#[test]
fn unreadable_url() {
    let p = Project::new("");
    p.small_history();
    p.config("[sources]\nbase = \"history\"\ntickets = \"ftp://example.invalid/tickets.csv\"\n[warehouse]\nurl = \"wh\"\n");
    p.validate()
        .expect_code(USAGE)
        .expect_stderr(&["ftp://example.invalid/tickets.csv"]);
}

#[test]
fn missing_config_file() {
    let p = Project::new("");
    let run = vigil(
        p.path(),
        &[
            "validate",
            "--config",
            "pipelines/nope.toml",
            "--run-date",
            "2026-06-30",
        ],
    );
    run.expect_code(USAGE).expect_stderr(&["pipelines/nope.toml"]);
}

#[test]
fn generator_rejects_impossible_parameters() {
    let p = Project::new("");
    let run = vigil(p.path(), &["generate", "--accounts", "0", "--out", "gen"]);
    run.expect_code(USAGE)
        .expect_stderr(&["accounts and months must be at least 1"]);
    let run = vigil(p.path(), &["generate", "--end", "2026-02-30", "--out", "gen"]);
    run.expect_code(USAGE).expect_stderr(&["--end", "2026-02-30"]);
    assert!(!p.file("gen").exists(), "nothing written");
}
