//! `vigil doctor` on generated histories: the report (text, JSON, HTML) and that nothing
//! else is written; a history without `tickets` (the features lost named); an `escalations`
//! table whose `opened_at` is called `opened` (the mapping suggested); no `accounts` (exit 3,
//! report still written).

use crate::common::{Project, Run};
use polars::prelude::{ParquetReader, ParquetWriter, SerReader};
use serde_json::Value;
use std::collections::BTreeMap;

const REPORT: &str = "wh/reports/doctor/run_date=2026-06-30";

/// A project with a generated 300-account, 6-month history.
fn generated() -> Project {
    let p = Project::new("");
    p.generate("300", "history");
    p
}

/// `vigil doctor` on the project as of the end of 2026-06-30, with extra flags.
fn doctor(p: &Project, extra: &[&str]) -> Run {
    p.dated(&["doctor"], extra, &[])
}

fn report_json(p: &Project) -> Value {
    let bytes = std::fs::read(p.file(&format!("{REPORT}/doctor.json"))).expect("doctor.json");
    serde_json::from_slice(&bytes).expect("doctor.json is JSON")
}

/// The report's tables by name.
fn tables(report: &Value) -> BTreeMap<String, Value> {
    let list = report["tables"].as_array().expect("tables");
    list.iter()
        .map(|t| (t["table"].as_str().expect("table name").to_string(), t.clone()))
        .collect()
}

fn table(report: &Value, name: &str) -> Value {
    tables(report)
        .remove(name)
        .unwrap_or_else(|| panic!("no table {name} in {report}"))
}

fn family<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["families"]
        .as_array()
        .expect("families")
        .iter()
        .find(|f| f["family"] == name)
        .unwrap_or_else(|| panic!("no family {name}"))
}

#[test]
fn reports_every_table_and_the_gate_and_writes_only_its_report() {
    let p = generated();
    let before = p.files_under("");
    let run = doctor(&p, &["--format", "json"]);
    run.expect_code(0);
    let after = p.files_under("");
    let written: Vec<&String> = after.iter().filter(|f| !before.contains(f)).collect();
    assert_eq!(
        written,
        [&format!("{REPORT}/doctor.html"), &format!("{REPORT}/doctor.json")],
        "the doctor writes its report and nothing else"
    );
    assert_eq!(before.len() + 2, after.len(), "nothing was removed either");

    let report = report_json(&p);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let printed: Value =
        serde_json::from_str(lines[lines.len() - 2]).expect("--format json prints the report");
    assert_eq!(printed, report);
    assert_eq!(report["readable"], true);
    let all = tables(&report);
    assert_eq!(all.len(), 11, "every contract table: {:?}", all.keys());
    for (name, t) in &all {
        let expected = if name == "sentiment_labels" {
            "absent"
        } else {
            "present"
        };
        assert_eq!(t["status"], expected, "{name}: {t}");
    }
    let tickets = table(&report, "tickets");
    assert_eq!(tickets["status"], "present");
    assert!(tickets["validation"]["rows_valid"].as_u64().expect("rows") > 0);
    assert!(
        tickets["coverage"]["share"].as_f64().expect("share") > 0.5,
        "{tickets}"
    );
    assert_eq!(family(&report, "tickets")["state"], "available");
    let escalations = &report["escalations"];
    assert!(escalations["total"].as_u64().expect("total") > 0);
    assert!(escalations["per_month"].as_array().expect("months").len() >= 6);
    let gate = &report["gate"];
    assert_eq!(gate["sample_accounts"], 300);
    assert!(
        gate["result"]["curve"].as_array().expect("curve").len() >= 5,
        "{gate}"
    );
    assert!(
        gate["verdict"].as_str().expect("verdict").contains("recall"),
        "{gate}"
    );

    let html = std::fs::read_to_string(p.file(&format!("{REPORT}/doctor.html"))).expect("html");
    assert!(
        html.contains("<h2>Lead-time gate") && html.contains("<svg"),
        "{html}"
    );
    crate::report::assert_readable_page(&html);
    assert_eq!(
        html.matches("<figure><svg").count(),
        html.matches("</svg><figcaption>").count(),
        "every chart is a figure with its caption"
    );
    let rows = tickets["validation"]["rows_valid"].as_u64().expect("rows") as usize;
    let total = escalations["total"].as_u64().expect("total") as usize;
    for figure in [
        vigil::format::count(rows),
        format!(
            "<h2>Escalations ({} in the window)</h2>",
            vigil::format::count(total)
        ),
        format!(
            "on a sample of {} of",
            vigil::format::count(gate["sample_accounts"].as_u64().expect("sample") as usize)
        ),
        "<td class=\"present\">present".to_string(),
        "<td>Pricing dispute</td>".to_string(),
    ] {
        assert!(html.contains(&figure), "{figure:?} not in\n{html}");
    }
    assert!(
        !crate::report::outside_charts(&html).contains("pricing_dispute"),
        "categories by their titles: {html}"
    );
    let summary = run.summary();
    assert_eq!(summary["stages"][0]["stage"], "doctor");
    assert_eq!(
        summary["stages"][0]["outputs"].as_array().expect("outputs").len(),
        2
    );
}

#[test]
fn names_the_features_lost_without_tickets() {
    let p = generated();
    std::fs::remove_file(p.file("history/tickets.parquet")).expect("remove tickets");
    let run = doctor(&p, &[]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("lost with tickets absent: tickets_48h, tickets_7d"),
        "{}",
        run.stdout
    );
    let report = report_json(&p);
    assert_eq!(table(&report, "tickets")["status"], "absent");
    let tickets = family(&report, "tickets");
    assert_eq!(tickets["state"], "lost");
    assert!(
        tickets["features_lost"]
            .as_array()
            .expect("lost")
            .contains(&"high_priority_tickets_7d".into())
    );
    let freshness = family(&report, "freshness");
    assert_eq!(freshness["state"], "degraded");
    assert_eq!(
        freshness["features_lost"],
        serde_json::json!(["tickets_staleness_hours"])
    );
    assert!(
        report["snippet"]
            .as_str()
            .expect("snippet")
            .contains("# [sources.tickets]")
    );
    assert_eq!(
        run.summary()["stages"][0]["metrics"]["tables_absent"][0],
        "tickets"
    );

    // An explicit location with nothing there is an absent table too, not an error.
    p.config(
        "[sources]\nbase = \"history\"\ntickets = \"nowhere/tickets.csv\"\n\n[warehouse]\nurl = \"wh\"\n",
    );
    doctor(&p, &[]).expect_code(0);
    let tickets = table(&report_json(&p), "tickets");
    assert_eq!(tickets["status"], "absent");
    assert!(
        tickets["problem"]
            .as_str()
            .expect("problem")
            .contains("nowhere/tickets.csv"),
        "{tickets}"
    );
}

#[test]
fn suggests_a_mapping_for_a_renamed_column_and_goes_on_without_the_table() {
    let p = generated();
    let path = p.file("history/escalations.parquet");
    let mut frame = ParquetReader::new(std::fs::File::open(&path).expect("open"))
        .finish()
        .expect("read escalations");
    frame.rename("opened_at", "opened".into()).expect("rename");
    ParquetWriter::new(std::fs::File::create(&path).expect("create"))
        .finish(&mut frame)
        .expect("write escalations");

    let run = doctor(&p, &[]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("suggested: opened_at = \"opened\""),
        "{}",
        run.stdout
    );
    let report = report_json(&p);
    let escalations = table(&report, "escalations");
    assert_eq!(escalations["status"], "unusable");
    assert!(
        escalations["problem"]
            .as_str()
            .expect("problem")
            .contains("required column opened_at not found"),
        "{escalations}"
    );
    assert_eq!(escalations["suggestions"][0]["column"], "opened_at");
    assert_eq!(escalations["suggestions"][0]["their_column"], "opened");
    let snippet = report["snippet"].as_str().expect("snippet");
    assert!(
        snippet.contains("[sources.escalations]") && snippet.contains("columns = { opened_at = \"opened\" }"),
        "{snippet}"
    );
    // The other tables were still validated; without labels the gate cannot be estimated.
    assert_eq!(table(&report, "tickets")["status"], "present");
    assert!(table(&report, "tickets")["validation"].is_object());
    assert_eq!(family(&report, "history")["state"], "lost");
    assert!(
        report["gate"]["problem"]
            .as_str()
            .expect("problem")
            .contains("escalations")
    );
}

#[test]
fn without_accounts_it_still_reports_and_exits_3() {
    let p = generated();
    std::fs::remove_file(p.file("history/accounts.parquet")).expect("remove accounts");
    let run = doctor(&p, &[]);
    run.expect_failure(3, &["accounts"]);
    assert!(run.stdout.contains("accounts"), "{}", run.stdout);
    let report = report_json(&p);
    assert_eq!(report["readable"], false);
    assert_eq!(table(&report, "accounts")["status"], "absent");
    assert_eq!(table(&report, "tickets")["status"], "present");
    assert!(report["gate"].is_null());
}

#[test]
fn needs_a_config_and_a_point_in_time() {
    let p = Project::new("");
    crate::common::vigil(p.path(), &["doctor", "--run-date", "2026-06-30"]).expect_failure(2, &["--config"]);
    crate::common::vigil(p.path(), &["doctor", "--config", "pipelines/test.toml"]).expect_code(2);
}
