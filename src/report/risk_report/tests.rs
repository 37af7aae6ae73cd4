use super::*;
use crate::risk::metrics::PrPoint;

fn at(threshold: u32, recall: f64, precision: f64, detected: usize) -> AtThreshold {
    AtThreshold {
        threshold,
        recall,
        precision,
        snapshot_precision: precision / 2.0,
        alerts: 1234,
        alerts_per_100_accounts_per_week: 3.456,
        detected,
    }
}

fn bin(lower: f64, upper: f64, rows: usize, predicted: f64, observed: f64) -> ReliabilityBin {
    ReliabilityBin {
        lower,
        upper,
        rows,
        predicted,
        observed,
    }
}

fn options() -> BacktestOptions {
    BacktestOptions {
        alert_threshold: 7,
        lead_max_hours: 72,
        lead_min_hours: 24,
        horizon_hours: 72,
        cadence_hours: 24,
        tier_thresholds: vec![60, 95],
        min_recall: 0.6,
        min_precision: 0.2,
    }
}

fn report(gate_passed: bool, gate_reason: &str) -> BacktestReport {
    BacktestReport {
        snapshots: 123_456,
        accounts: 2_500,
        weeks: 6.0,
        escalations: 180,
        eligible: 160,
        at_alert_threshold: at(7, 0.81234, 0.31234, 130),
        at_tiers: vec![at(60, 0.4, 0.55, 64), at(95, 0.1, 0.9, 16)],
        threshold_for_target_recall: Some(12),
        precision_at_target_recall: Some(0.4567),
        median_lead_hours: Some(41.6),
        lead_hours: vec![30.0, 41.6, 60.0],
        roc_auc: 0.8766,
        pr_auc: 0.2344,
        brier: 0.012_34,
        brier_uncalibrated: 0.045_67,
        reliability_before: vec![bin(0.0, 0.01, 9_000, 0.02, 0.004)],
        reliability_after: vec![
            bin(0.0, 0.01, 10_000, 0.004, 0.0037),
            bin(0.5, 1.0, 40, 0.7, 0.65),
        ],
        pr_curve: vec![
            PrPoint {
                threshold: 0.9,
                recall: 0.1,
                precision: 0.9,
            },
            PrPoint {
                threshold: 0.1,
                recall: 0.9,
                precision: 0.2,
            },
        ],
        gate_passed,
        gate_reason: gate_reason.into(),
    }
}

fn drivers() -> Vec<(String, f64)> {
    vec![
        ("segment".into(), 0.3456),
        ("high_priority_tickets_7d".into(), 0.02),
        ("<img src=x>".into(), 0.01),
    ]
}

fn pages(version: &str, r: &BacktestReport) -> Vec<(&'static str, String)> {
    render(version, r, &options(), &drivers()).expect("render")
}

fn page<'a>(pages: &'a [(&'static str, String)], name: &str) -> &'a str {
    pages
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, body)| body.as_str())
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn writes_both_pages_and_every_figure_beside_them() {
    let r = report(true, "recall and precision meet the gate");
    let out = pages("risk-20260630-0abc", &r);
    let figs = figures::model(&r, &options());
    let names: Vec<&str> = out.iter().map(|(n, _)| *n).collect();
    let mut expected = vec!["report.md", "report.html"];
    expected.extend(figs.iter().map(|f| f.file));
    assert_eq!(names, expected);
    for f in &figs {
        assert_eq!(page(&out, f.file), f.svg);
    }
}

#[test]
fn html_is_a_page_with_verdict_kpis_tables_and_figures_not_markdown() {
    let r = report(true, "recall and precision meet the gate");
    let out = pages("risk-20260630-0abc", &r);
    let html = page(&out, "report.html");
    assert!(
        html.starts_with("<!doctype html>") && html.contains("</html>"),
        "{html}"
    );
    assert!(!html.contains("<pre"), "the report is not preformatted text");
    for md in ["**", "|---", "|--:", "![", "](", "`", "\n# "] {
        assert!(!html.contains(md), "Markdown {md:?} in the HTML");
    }
    assert!(html.contains("<title>vigil model report risk-20260630-0abc</title>"));
    assert!(html.contains(
        "<span class=\"badge pass\">Quality gate passed</span> recall and precision meet the gate"
    ));
    assert!(html.contains("What this means:"));
    // Headline figures, formatted.
    for figure in [
        "<b>0.812</b>early-detection recall (24–72 h)",
        "130 of 160 escalations",
        "<b>0.312</b>alert precision",
        "1,234 alerts",
        "<b>3.46</b>alerts per 100 accounts per week",
        "<b>42 h</b>median lead time",
        "<b>0.877 / 0.234</b>ROC-AUC / PR-AUC",
        "<b>0.04567 → 0.01234</b>Brier",
        "<b>12</b>threshold for recall ≥ 0.60",
        "precision 0.457",
        "123,456 validation snapshots of 2,500 accounts over 6.0 weeks",
    ] {
        assert!(html.contains(figure), "{figure:?} missing from the HTML");
    }
    assert_eq!(html.matches("<table>").count(), 3, "tiers, reliability, drivers");
    assert!(html.contains("<th class=\"num\">threshold</th>"));
    assert!(
        html.contains(
            "<td class=\"num\">95</td><td class=\"num\">0.100</td><td class=\"num\">16 of 160</td>"
        )
    );
    assert!(html.contains("<td>0%–1.0%</td><td class=\"num\">10,000</td><td class=\"num\">2.0%</td><td class=\"num\">0.40%</td><td class=\"num\">0.40%</td><td class=\"num\">0.37%</td>"));
    assert!(html.contains("<td>50%–100%</td><td class=\"num\">40</td><td class=\"num\">–</td>"));
    // Drivers by their catalogue description, the id beside it.
    assert!(html.contains(
        "<td>Customer segment <small><code>segment</code></small></td><td class=\"num\">0.346</td>"
    ));
    let figs = figures::model(&r, &options());
    assert_eq!(html.matches("<figure>").count(), figs.len());
    for f in &figs {
        let inline = page::inline_svg(&f.svg).to_string();
        assert!(
            html.contains(&format!(
                "<figure>{inline}<figcaption>{}</figcaption></figure>",
                f.caption
            )),
            "{} not embedded",
            f.file
        );
    }
}

#[test]
fn html_escapes_the_version_the_gate_reason_and_feature_names() {
    let r = report(false, "recall 0.1 < min_recall <script>alert(1)</script>");
    let out = pages("<script>v</script>", &r);
    let html = page(&out, "report.html");
    assert!(
        !html.contains("<script>") && !html.contains("<img src=x>"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;v&lt;&#x2f;script&gt;"));
    assert!(html.contains(
        "<span class=\"badge fail\">Quality gate failed</span> recall 0.1 &lt; min_recall &lt;script&gt;"
    ));
    assert!(html.contains("<code>&lt;img src=x&gt;</code>"));
}

#[test]
fn markdown_twin_has_the_same_figures_as_tables_and_image_links() {
    let r = report(false, "recall 0.812 < min_recall 0.90");
    let out = pages("risk-20260630-0abc", &r);
    let md = page(&out, "report.md");
    assert!(md.starts_with("# Model report risk-20260630-0abc\n"), "{md}");
    assert!(md.contains("Quality gate **failed**: recall 0.812 < min_recall 0.90"));
    for row in [
        "| early-detection recall (24–72 h) | 0.812 (130 of 160) |",
        "| alert precision (episodes) | 0.312 (1,234 alerts) |",
        "| median lead time | 42 h |",
        "| Brier score before → after calibration | 0.04567 → 0.01234 |",
        "| threshold for recall ≥ 0.60 | 12 (precision 0.457) |",
        "| 95 | 0.100 | 16 of 160 | 0.900 | 3.46 |",
        "| 50%–100% | 40 | – | – | 70% | 65% |",
        "| Customer segment (`segment`) | 0.346 |",
    ] {
        assert!(md.contains(row), "{row:?} missing from\n{md}");
    }
    assert!(
        !md.contains("<table") && !md.contains("<svg"),
        "no HTML in the Markdown twin: {md}"
    );
    for f in figures::model(&r, &options()) {
        assert!(md.contains(&format!("![{}]({})", f.caption, f.file)), "{md}");
    }
}

#[test]
fn meaning_says_what_the_alerts_catch_or_that_nothing_is_proven() {
    let r = report(true, "ok");
    assert_eq!(
        meaning(&r, &options()),
        "Alerting at risk score 7 or above, vigil would have warned about 130 of 160 escalations \
         (81%) 24–72 hours before they opened; 31% of its alerts were followed by an escalation, \
         at 3.46 alerts per 100 accounts a week."
    );
    let none = BacktestReport {
        eligible: 0,
        ..report(false, "nothing proves the model")
    };
    assert!(meaning(&none, &options()).contains("prove nothing yet"));
    let out = pages(
        "v",
        &BacktestReport {
            threshold_for_target_recall: None,
            precision_at_target_recall: None,
            median_lead_hours: None,
            ..none
        },
    );
    assert!(page(&out, "report.md").contains("| threshold for recall ≥ 0.60 | none reaches it |"));
    assert!(page(&out, "report.html").contains("<b>–</b>median lead time"));
}
