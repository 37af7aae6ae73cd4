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
    assert_readable_page(&html);
    assert_eq!(html.matches("<svg").count(), 4, "one inline SVG per chart");
    assert_eq!(
        html.matches("</svg><figcaption>").count(),
        4,
        "every chart is a figure with its caption"
    );
    for chart in [
        "Escalations by category",
        "Lead time",
        "precision and recall by month",
        "Calibration",
    ] {
        assert!(html.contains(chart), "chart {chart} missing");
    }
    let text = outside_charts(&html);
    for needle in [
        "<h1>Escalation patterns, 2026Q2</h1>",
        "1 April 2026 – 30 June 2026",
        "<th>Category</th>",
        "<td>Implementation delay</td>",
        "<div class=\"kpi\"><small>Escalations this quarter</small>",
        "<small>Early-detection recall (24–72 h)</small>",
        "<small>ARR in prevented accounts</small>",
        "<b>Replayed</b>: the quarter's daily snapshots re-scored with model <code>",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    for id in ["implementation_delay", "product_defect", "pricing_dispute"] {
        assert!(!text.contains(id), "category id {id} shown to people:\n{text}");
    }
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.contains("**Replayed**") && md.contains("(estimate)"), "{md}");
    assert!(
        md.contains("| category | 2026Q1 | 2026Q2 | change |\n|---|")
            && md.contains("| Implementation delay |")
            && md.contains("](escalations_by_category.svg)"),
        "the Markdown twin keeps its tables and image links:\n{md}"
    );
    assert_money_is_grouped(&text);
    assert_money_is_grouped(&md);

    // Performance from what was published: three daily runs scored and published, then the
    // report told to measure the published scores.
    let dates = ["2026-06-28", "2026-06-29", "2026-06-30"];
    // Scoring before the history's end quarantines the later rows (not an error here), with
    // the shipped draft templates.
    p.edit(
        "pipelines/test.toml",
        "max_bad_row_share = 0.0",
        "max_bad_row_share = 0.5",
    );
    p.edit(
        "pipelines/test.toml",
        "[report]\n",
        &format!(
            "[tiers]\ntemplates = \"{}/pipelines/templates\"\n[report]\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    );
    let mut alerted: Vec<Vec<String>> = Vec::new();
    for d in dates {
        for cmd in ["score", "publish"] {
            crate::common::vigil(
                p.path(),
                &[cmd, "--config", "pipelines/test.toml", "--run-date", d],
            )
            .expect_code(0);
        }
        let scores = delta_partition(&format!("{wh}/risk_scores"), d).expect("published");
        let alert = scores
            .column("alert")
            .expect("alert")
            .bool()
            .expect("bool")
            .clone();
        let ids = scores
            .column("account_id")
            .expect("id")
            .str()
            .expect("str")
            .clone();
        alerted.push(
            ids.iter()
                .zip(alert.iter())
                .filter(|(_, a)| *a == Some(true))
                .filter_map(|(i, _)| i.map(str::to_string))
                .collect(),
        );
    }
    let accounts: std::collections::BTreeSet<&String> = alerted.iter().flatten().collect();
    assert!(!accounts.is_empty(), "the fixture raises alerts");
    p.edit(
        "pipelines/test.toml",
        "[report]\n",
        "[report]\nperformance = \"published\"\n",
    );
    let published = p.dated(&["report"], &[], &[]);
    published.expect_code(0);
    let m = &published.summary()["stages"][0]["metrics"];
    assert_eq!(m["replayed"], false, "{m}");
    assert_eq!(m["published_dates"], 3, "{m}");
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(
        md.contains("**Published**: the scores vigil published on 3 dates"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert_readable_page(&html);
    assert!(
        html.contains("<b>Published</b>: the scores vigil published on 3 dates"),
        "{html}"
    );
    // The prevention section counts the accounts alerted in the published scores.
    let expected = format!("of {} alerted accounts", vigil::format::count(accounts.len()));
    assert!(md.contains(&expected), "{expected:?} expected in\n{md}");
    assert!(html.contains(&expected), "{expected:?} expected in\n{html}");

    // A quarter after the run date, or a malformed one, is a usage error.
    p.dated(&["report"], &["--quarter", "2026Q3"], &[]).expect_code(2);
    p.dated(&["report"], &["--quarter", "2026Q9"], &[]).expect_code(2);
}

/// The page without its inline charts: the text and markup around them.
pub fn outside_charts(html: &str) -> String {
    without(html, "<svg", "</svg>")
}

/// `html` without the elements from `open` to `close`.
fn without(html: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find(close)
            .map_or("", |end| &rest[start + end + close.len()..]);
    }
    out.push_str(rest);
    out
}

/// A report page as people open it: a complete document with the shared stylesheet, tables
/// with header cells, no Markdown syntax and nothing fetched from elsewhere.
pub fn assert_readable_page(html: &str) {
    assert!(
        html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"),
        "a complete document"
    );
    assert_eq!(html.matches("<style>").count(), 1, "one inline stylesheet");
    assert!(
        html.contains("--rule") && html.contains("Written by vigil"),
        "the shared page"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "external reference"
    );
    for tag in ["<script", "<link", "src=", "href="] {
        assert!(!html.contains(tag), "{tag} in the page");
    }
    let text = outside_charts(html);
    assert!(
        text.contains("<table>") && text.contains("<th"),
        "tables with headers"
    );
    for markdown in ["**", "|---", "![", "](", "`"] {
        assert!(!text.contains(markdown), "Markdown {markdown:?} in\n{text}");
    }
    // A config snippet's comments are code, in <pre>; a heading is <h1>/<h2>, never `# `.
    let prose = without(&text, "<pre>", "</pre>");
    assert!(!prose.contains("\n# ") && !prose.contains("\n## "), "{prose}");
}

/// Every dollar amount in `text` has its thousands separated (`$2,203,787`, never `$2203787`).
pub fn assert_money_is_grouped(text: &str) {
    for (at, _) in text.match_indices('$') {
        let digits = text[at + 1..].chars().take_while(char::is_ascii_digit).count();
        assert!(digits <= 3, "ungrouped amount at {}", &text[at..]);
    }
}
