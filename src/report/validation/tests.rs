use super::*;
use crate::contract::{FileStats, OutsideTaxonomy};
use std::collections::BTreeMap;

const HOSTILE: &str = "<script>alert(1)</script>";

fn tickets() -> TableReport {
    TableReport {
        table: "tickets",
        files: vec![FileStats {
            url: "file:///data/tickets.csv".into(),
            format: "csv",
            rows: 12_400,
        }],
        rows_read: 12_400,
        rows_valid: 12_000,
        rows_before_window: 300,
        rows_after_as_of: 2,
        rows_filtered: 0,
        duplicates_dropped: 37,
        rows_of_quarantined_accounts: 1,
        bad_rows: 60,
        bad_share: 0.004_86,
        bad_by_reason: BTreeMap::from([("not_allowed", 50), (HOSTILE, 10)]),
        span_start: Some("2026-01-02T10:00:00Z".into()),
        span_end: Some("2026-06-30T09:00:00Z".into()),
        latest_event_end: Some("2026-06-30T09:00:00+00:00".into()),
        missing_optional_columns: vec!["csat"],
        unknown_columns: vec![format!("col {HOSTILE}")],
        outside_taxonomy: vec![OutsideTaxonomy {
            column: "category",
            key: "categories",
            rows: 3,
            values: vec![HOSTILE.into()],
        }],
    }
}

fn accounts() -> TableReport {
    TableReport {
        table: "accounts",
        files: Vec::new(),
        rows_read: 1_500,
        rows_valid: 1_500,
        rows_before_window: 0,
        rows_after_as_of: 0,
        rows_filtered: 0,
        duplicates_dropped: 0,
        rows_of_quarantined_accounts: 0,
        bad_rows: 0,
        bad_share: 0.0,
        bad_by_reason: BTreeMap::new(),
        span_start: None,
        span_end: None,
        latest_event_end: None,
        missing_optional_columns: Vec::new(),
        unknown_columns: Vec::new(),
        outside_taxonomy: Vec::new(),
    }
}

fn report() -> ValidationReport {
    ValidationReport {
        as_of: "2026-06-30T23:59:59+00:00".into(),
        window_start: "2025-06-30T23:59:59+00:00".into(),
        tables: vec![accounts(), tickets()],
        absent_tables: vec!["escalations"],
        signals_missing: vec!["escalations: labels, escalation history".into()],
        quarantined_rows: 60,
        ignored_files: vec![format!("history/{HOSTILE}.csv")],
    }
}

fn failed() -> Verdict {
    Verdict::failed(&format!(
        "table tickets: 60 of 12097 rows are invalid (0.50% > limit 0.10%); first problems:\n  \
         table tickets, file tickets.csv, row 4, column priority: value \"{HOSTILE}\" — not allowed\n\
         all bad rows are in the quarantine table"
    ))
}

fn pages(verdict: &Verdict) -> (String, String) {
    let out = render(&report(), verdict).expect("render");
    let names: Vec<&str> = out.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["report.html", "report.md"]);
    (out[0].1.clone(), out[1].1.clone())
}

#[test]
fn html_escapes_every_value_from_the_data() {
    let (html, _) = pages(&failed());
    assert!(!html.contains("<script>"), "{html}");
    let escaped = "&lt;script&gt;alert(1)&lt;&#x2f;script&gt;";
    // In a bad-row reason, the verdict's example row, an unknown column, a taxonomy
    // warning and an ignored file name.
    assert!(
        html.contains(&format!("<code>{escaped}</code></td><td class=\"num\">10</td>")),
        "{html}"
    );
    assert!(
        html.contains(&format!("column priority: value &quot;{escaped}&quot;")),
        "{html}"
    );
    assert!(html.contains(&format!("(ignored): col {escaped}")), "{html}");
    assert!(
        html.contains(&format!("<code>history&#x2f;{escaped}.csv</code>")),
        "{html}"
    );
    assert!(html.matches(escaped).count() >= 5, "{html}");
}

#[test]
fn html_is_a_page_with_verdict_figures_and_tables_not_markdown() {
    let (html, _) = pages(&failed());
    assert!(html.starts_with("<!doctype html>") && html.contains("</html>"));
    for md in ["**", "|---", "|--:", "![", "](", "`", "\n# ", "\n- "] {
        assert!(!html.contains(md), "Markdown {md:?} in the HTML");
    }
    assert!(html.contains("<span class=\"badge fail\">Failed</span> The inputs fail a gate"));
    assert!(html.contains(
        "<li>table tickets: 60 of 12097 rows are invalid (0.50% &gt; limit 0.10%); first problems:</li>"
    ));
    assert!(html.contains("<li>all bad rows are in the quarantine table</li>"));
    for figure in [
        "The input tables as of 30 June 2026, 23:59 UTC",
        "window from 30 June 2025, 23:59 UTC",
        "<b>13,900</b>rows read",
        "<b>13,500</b>valid rows in the window",
        "<b>60</b>rows quarantined",
        "<b>37</b>duplicate rows dropped",
        "<td>tickets</td><td class=\"num\">1</td><td class=\"num\">12,400</td><td class=\"num\">12,000</td>\
         <td class=\"num\">60</td><td class=\"num\">0.49%</td><td class=\"num\">37</td><td class=\"num\">303</td>\
         <td>2 Jan 2026 – 30 Jun 2026</td><td>30 Jun 2026 09:00</td>",
        "<td>accounts</td><td class=\"num\">0</td><td class=\"num\">1,500</td>",
        "<td>–</td><td>–</td>",
        "<td>tickets</td><td>value not among the allowed ones</td><td><code>not_allowed</code></td><td class=\"num\">50</td>",
        "<td>escalations</td><td>labels, escalation history</td>",
        "<li>tickets: 300 rows before the lookback window (left out)</li>",
        "<li>tickets: optional columns absent: csat</li>",
    ] {
        assert!(html.contains(figure), "{figure:?} missing from\n{html}");
    }
    assert!(html.contains("<th class=\"num\">rows read</th>"));
    assert_eq!(
        html.matches("<table>").count(),
        3,
        "tables, bad rows, absent tables"
    );
}

#[test]
fn markdown_twin_has_the_same_content_as_tables_and_lists() {
    let (_, md) = pages(&Verdict::passed(&[]));
    assert!(
        md.starts_with("# Input validation, run date 30 June 2026\n"),
        "{md}"
    );
    assert!(md.contains("**Passed.** The inputs pass the bad-row and freshness gates."));
    for line in [
        "| 2 | 13,900 | 13,500 | 60 | 37 |",
        "| tickets | 1 | 12,400 | 12,000 | 60 | 0.49% | 37 | 303 | 2 Jan 2026 – 30 Jun 2026 | 30 Jun 2026 09:00 |",
        "| tickets | value not among the allowed ones | `not_allowed` | 50 |",
        "| escalations | labels, escalation history |",
        "- tickets: 37 exact duplicate rows (dropped)",
        &format!("- `history/{HOSTILE}.csv`"),
    ] {
        assert!(md.contains(line), "{line:?} missing from\n{md}");
    }
    assert!(!md.contains("<table") && !md.contains("&lt;"), "{md}");
}

#[test]
fn verdicts_say_what_passed_or_why_it_failed() {
    let clean = Verdict::passed(&[]);
    assert!(clean.passed && clean.details.is_empty());
    let f = failed();
    assert!(!f.passed);
    assert_eq!(f.details.len(), 3, "{:?}", f.details);
    let stale = Verdict::passed(&["usage_daily: its latest event is old".into()]);
    assert!(stale.summary.contains("--allow-stale") && stale.details.len() == 1);
    let (html, _) = pages(&stale);
    assert!(html.contains("<span class=\"badge pass\">Passed</span> The inputs pass the bad-row gate"));
    assert!(html.contains("<li>usage_daily: its latest event is old</li>"));
}

#[test]
fn sections_without_content_are_left_out() {
    let (html, _) = pages(&Verdict::passed(&[]));
    assert!(html.contains("<h2>Ignored files</h2>") && html.contains("<h2>Absent tables</h2>"));
    let clean = ValidationReport {
        tables: vec![accounts()],
        quarantined_rows: 0,
        ignored_files: Vec::new(),
        absent_tables: Vec::new(),
        signals_missing: Vec::new(),
        ..report()
    };
    let out = render(&clean, &Verdict::passed(&[])).expect("render");
    let html = &out[0].1;
    assert!(html.contains("<p>None: every row read is valid"), "{html}");
    for gone in ["Ignored files", "Absent tables", "<h2>Notes</h2>", "<ul>"] {
        assert!(!html.contains(gone), "{gone:?} in {html}");
    }
}
