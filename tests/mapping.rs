//! `[sources.<table>]` mapping (issue #18): a history in the user's own column names, values,
//! timestamp format and time zone validates to the same rows as the native history, and
//! every wrong mapping fails with the key, file, row, their column and their value named.

use crate::common::{Project, Run};
use polars::prelude::{ParquetReader, ParquetWriter, SerReader, df};

const USAGE: i32 = 2;
const BAD_DATA: i32 = 3;

/// The mapping of the foreign export written by [`foreign_history`].
const MAPPING: &str = r#"
[sources.tickets]
url = "export/helpdesk.csv"
format = "csv"
columns = { ticket_id = "Ticket", account_id = "Customer", created_at = "Opened", priority = "Prio", subject = "Title", body = "Text", csat = "Rating" }
values.priority = { P1 = "urgent", P2 = "high", P3 = "normal", P4 = "low" }
timestamp_format = "%d/%m/%Y %H:%M"
time_zone = "Europe/Berlin"
filter = "is_test = false and Prio != 'deleted'"

[sources.accounts]
url = "export/crm_accounts.parquet"
columns = { account_id = "Customer", name = "Company", segment = "Tier", arr = "ARR", renewal_date = "Renewal", csm_owner = "Owner" }
values.segment = { SMB = "smb", Commercial = "mid-market", Strategic = "enterprise" }
timestamp_format = "%d/%m/%Y %H:%M"
"#;

/// The small history of [`Project::small_history`] with accounts and tickets exported the
/// way another company keeps them: other column names, P1–P4 priorities, their segments,
/// `dd/mm/yyyy HH:MM` Berlin times, and test and deleted tickets a filter leaves out.
fn foreign_history(p: &Project) {
    p.small_history();
    let native_tickets = std::fs::read_to_string(p.file("history/tickets.csv")).expect("tickets");
    std::fs::remove_file(p.file("history/accounts.csv")).expect("remove accounts");
    std::fs::remove_file(p.file("history/tickets.csv")).expect("remove tickets");
    let n = 100;
    let mut accounts = df!(
        "Customer" => (0..n).map(|i| format!("a{i:03}")).collect::<Vec<_>>(),
        "Company" => (0..n).map(|i| format!("Account {i}")).collect::<Vec<_>>(),
        "Tier" => (0..n).map(|i| ["SMB", "Commercial", "Strategic"][i % 3]).collect::<Vec<_>>(),
        "ARR" => (0..n).map(|i| 1000.0 * (i + 1) as f64 + 0.5).collect::<Vec<_>>(),
        "Renewal" => vec!["31/12/2026"; n],
        "Owner" => (0..n).map(|i| format!("csm{}", i % 5)).collect::<Vec<_>>(),
    )
    .expect("accounts");
    std::fs::create_dir_all(p.file("export")).expect("mkdir");
    let file = std::fs::File::create(p.file("export/crm_accounts.parquet")).expect("create");
    ParquetWriter::new(file)
        .finish(&mut accounts)
        .expect("write accounts");
    let mut tickets = String::from("Ticket,Customer,Opened,Prio,Title,Text,Rating,is_test\n");
    for line in native_tickets.lines().skip(1) {
        // ticket_id,account_id,created_at,priority,subject,"body",csat
        let f: Vec<&str> = line.splitn(5, ',').collect();
        let opened = chrono::DateTime::parse_from_rfc3339(f[2]).expect("native time");
        let opened = opened
            .with_timezone(&chrono_tz::Europe::Berlin)
            .format("%d/%m/%Y %H:%M");
        let prio = match f[3] {
            "urgent" => "P1",
            "high" => "P2",
            "normal" => "P3",
            _ => "P4",
        };
        tickets += &format!("{},{},{opened},{prio},{},false\n", f[0], f[1], f[4]);
    }
    // Rows the filter leaves out: a test ticket and a deleted one, each invalid on its own.
    tickets += "x0001,a001,not a time,P9,Test,Test,9,true\n";
    tickets += "x0002,nobody,01/06/2026 12:00,deleted,Gone,Gone,1,false\n";
    p.write("export/helpdesk.csv", tickets.as_bytes());
}

/// The validation report of a run, each table without what names files or their columns.
fn validated_tables(p: &Project) -> Vec<serde_json::Value> {
    let text = std::fs::read(p.file("wh/validation/run_date=2026-06-30/report.json")).expect("report");
    let report: serde_json::Value = serde_json::from_slice(&text).expect("json");
    let mut tables = report["tables"].as_array().expect("tables").clone();
    for t in &mut tables {
        let t = t.as_object_mut().expect("table");
        for key in ["files", "unknown_columns", "rows_filtered"] {
            t.remove(key);
        }
    }
    tables
}

fn table<'a>(tables: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    tables
        .iter()
        .find(|t| t["table"] == name)
        .expect("table in report")
}

/// The quarantine rows as (file name, row, column, value, reason code).
fn quarantine(p: &Project) -> Vec<(String, i64, String, String, String)> {
    let file =
        std::fs::File::open(p.file("wh/quarantine/run_date=2026-06-30/part-0.parquet")).expect("quarantine");
    let q = ParquetReader::new(file).finish().expect("read quarantine");
    let text = |name: &str| -> Vec<String> {
        let c = q.column(name).expect("column");
        c.str()
            .expect("text")
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect()
    };
    let rows: Vec<i64> = q
        .column("row")
        .expect("row")
        .i64()
        .expect("i64")
        .iter()
        .flatten()
        .collect();
    let files = text("file");
    let (columns, values, codes) = (text("column"), text("value"), text("reason_code"));
    (0..q.height())
        .map(|i| {
            let name = files[i].rsplit('/').next().unwrap_or_default().to_string();
            (
                name,
                rows[i],
                columns[i].clone(),
                values[i].clone(),
                codes[i].clone(),
            )
        })
        .collect()
}

#[test]
fn a_foreign_export_validates_to_the_same_rows_as_the_native_history() {
    let native = Project::new("");
    native.small_history();
    native.validate().expect_code(0);
    let foreign = Project::new(MAPPING);
    foreign_history(&foreign);
    let run = foreign.validate();
    run.expect_code(0);
    assert!(
        run.stdout.contains("2 rows left out by the source's filter"),
        "{}",
        run.stdout
    );
    let (ours, theirs) = (validated_tables(&native), validated_tables(&foreign));
    for name in ["accounts", "tickets", "usage_daily", "nps_responses"] {
        assert_eq!(table(&ours, name), table(&theirs, name), "{name}");
    }
    assert_eq!(table(&theirs, "tickets")["rows_valid"], 200);
    assert!(quarantine(&foreign).is_empty());
    let report = std::fs::read_to_string(foreign.file("wh/validation/run_date=2026-06-30/report.json"))
        .expect("report");
    assert!(report.contains("\"rows_filtered\": 2"), "{report}");
    assert!(
        report.contains("\"is_test\""),
        "their unmapped column is listed as unknown: {report}"
    );
    assert_eq!(scoring_features(&native), scoring_features(&foreign));
}

/// `vigil features --mode score` of a project, sorted by account.
fn scoring_features(p: &Project) -> polars::prelude::DataFrame {
    p.dated(&["features"], &["--mode", "score"], &[]).expect_code(0);
    let path = p.file("wh/features/mode=score/run_date=2026-06-30/part-0.parquet");
    let frame = ParquetReader::new(std::fs::File::open(path).expect("features"))
        .finish()
        .expect("parquet");
    assert_eq!(frame.height(), 100);
    frame
        .sort(["account_id"], polars::prelude::SortMultipleOptions::default())
        .expect("sort")
}

#[test]
fn bad_rows_of_a_mapped_table_name_their_row_column_and_raw_value() {
    let p = Project::new(&MAPPING.replace("P1 = \"urgent\"", "P1 = \"critical\""));
    foreign_history(&p);
    p.edit(
        "export/helpdesk.csv",
        "03/06/2026 12:00,P2",
        "2026-06-03 12:00,P2",
    );
    p.edit(
        "export/helpdesk.csv",
        "05/06/2026 12:00,P4",
        "05/06/2026 12:00,P5",
    );
    let run = p.validate();
    run.expect_failure(
        BAD_DATA,
        &["table tickets", "helpdesk.csv", "column Prio", "value \"P1\""],
    );
    let q = quarantine(&p);
    let row = |r: i64| q.iter().find(|x| x.1 == r).cloned().expect("quarantined row");
    // Row 3 (t0002): a time not in the source's format, named in their column and value.
    assert_eq!(
        row(3),
        (
            "helpdesk.csv".into(),
            3,
            "Opened".into(),
            "\"2026-06-03 12:00\"".into(),
            "bad_type".into()
        )
    );
    // Row 4 (t0003, P1): mapped to a value outside the contract; their raw value is shown.
    assert_eq!(
        row(4),
        (
            "helpdesk.csv".into(),
            4,
            "Prio".into(),
            "\"P1\"".into(),
            "not_allowed".into()
        )
    );
    // Row 5 (t0004): a value the map does not know passes through and is checked as usual.
    assert_eq!(
        row(5),
        (
            "helpdesk.csv".into(),
            5,
            "Prio".into(),
            "\"P5\"".into(),
            "not_allowed".into()
        )
    );
    assert!(run.stderr.contains("%d/%m/%Y %H:%M"), "{}", run.stderr);
}

/// Asserts a clean failure with nothing written under the warehouse.
fn expect_nothing_written(p: &Project, run: &Run, code: i32, needles: &[&str]) {
    run.expect_failure(code, needles);
    assert!(p.files_under("wh").is_empty(), "{:?}", p.files_under("wh"));
}

#[test]
fn a_wrong_mapping_fails_naming_the_key_before_any_output() {
    let cases: [(&str, &str, i32, &[&str]); 4] = [
        (
            "columns = { ticket_id = \"Ticket\",",
            "columns = { ticket_idd = \"Ticket\",",
            USAGE,
            &[
                "sources.tickets.columns.ticket_idd",
                "not a column of table tickets",
                "ticket_id",
            ],
        ),
        (
            "Prio != 'deleted'\"",
            "Prio != deleted\"",
            USAGE,
            &["sources.tickets.filter", "expected a literal"],
        ),
        (
            "account_id = \"Customer\", created_at",
            "account_id = \"Client\", created_at",
            BAD_DATA,
            &[
                "helpdesk.csv",
                "`Client`",
                "sources.tickets.columns.account_id",
                "columns found",
            ],
        ),
        (
            "filter = \"is_test = false",
            "filter = \"Rating > 2 and is_test = false",
            BAD_DATA,
            &[
                "table tickets",
                "helpdesk.csv",
                "row 201",
                "column Rating",
                "\"Test\"",
                "a number",
            ],
        ),
    ];
    for (from, to, code, needles) in cases {
        let p = Project::new(&MAPPING.replacen(from, to, 1));
        foreign_history(&p);
        if to.contains("Rating >") {
            p.edit("export/helpdesk.csv", "Test,Test,9,true", "Test,Test,Test,true");
        }
        expect_nothing_written(&p, &p.validate(), code, needles);
    }
}
