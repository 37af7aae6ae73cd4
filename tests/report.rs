//! `vigil report`: the quarterly escalation-patterns report through the real binary, on a
//! generated history with a trained champion.

use crate::common::{Project, delta_partition};

#[test]
fn quarterly_report_writes_the_table_and_a_self_contained_html_report() {
    let p = Project::new(
        "[risk]\nregistry = \"registry\"\nvalidation_weeks = 6\nmin_recall = 0.0\nmin_precision = 0.0\n\
         promote_tolerance = 1.0\n[risk.gbdt]\nmax_rounds = 60\nthreads = 2\n[report]\nmin_support = 3\n",
    );
    p.generate("300", "history");
    p.dated(&["train"], &[], &[]).expect_code(0);

    let run = p.dated(&["report"], &[], &[]);
    run.expect_code(0);
    let summary = run.summary();
    let stage = &summary["stages"][0];
    assert_eq!(stage["stage"], "report");
    assert_eq!(stage["metrics"]["quarter"], "2026Q2");
    assert_eq!(stage["metrics"]["replayed"], true);

    let wh = p.file("wh").to_string_lossy().into_owned();
    let table = delta_partition(&format!("{wh}/quarterly_patterns"), "2026-06-30").expect("partition");
    assert!(table.height() >= 6 + 6 + 6, "{table}");
    let quarters = table
        .column("quarter")
        .expect("quarter")
        .str()
        .expect("str")
        .clone();
    assert!(quarters.iter().all(|q| q == Some("2026Q2")));
    let sections = table
        .column("section")
        .expect("section")
        .str()
        .expect("str")
        .clone();
    for s in ["category_change", "performance", "prevention", "resolution"] {
        assert!(sections.iter().any(|x| x == Some(s)), "section {s} missing");
    }

    let dir = p.file("wh/reports/quarter=2026Q2");
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert_eq!(html.matches("<svg").count(), 4, "one inline SVG per chart");
    for chart in [
        "Escalations by category",
        "Lead time",
        "precision and recall by month",
        "Calibration",
    ] {
        assert!(html.contains(chart), "chart {chart} missing");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "external reference"
    );
    assert!(!html.contains("<script") && !html.contains("<link"));
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.contains("**Replayed**") && md.contains("(estimate)"), "{md}");

    // A quarter after the run date, or a malformed one, is a usage error.
    p.dated(&["report"], &["--quarter", "2026Q3"], &[]).expect_code(2);
    p.dated(&["report"], &["--quarter", "2026Q9"], &[]).expect_code(2);
}
