//! The quarterly report on a hand-built fixture with known counts.

use super::figures;
use super::lift::{self, Bands, Snapshot};
use super::quarter::Quarter;
use super::quarterly::{self, Alerted, Escalation};
use super::render::{self, Performance, QuarterlyReport, Rising};
use crate::contract::Taxonomy;
use crate::contract::taxonomy::ValueSet;
use crate::time::{DAY_US, HOUR_US};
use chrono::NaiveDate;
use std::collections::BTreeMap;

fn day(y: i32, m: u32, d: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, d)
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_micros())
        .unwrap_or(0)
}

fn esc(account: &str, category: &str, opened_us: i64) -> Escalation {
    Escalation {
        account: account.into(),
        category: category.into(),
        opened_us,
        resolved_us: Some(opened_us + 48 * HOUR_US),
        intervened: false,
    }
}

/// Q1: 5 implementation, 2 product defects; Q2: 7 implementation (a0–a6), 1 defect, 3 pricing.
fn escalations() -> Vec<Escalation> {
    let mut v = Vec::new();
    for i in 0..5 {
        v.push(esc(
            &format!("q1-{i}"),
            "implementation_delay",
            day(2026, 2, 1 + i),
        ));
    }
    v.push(esc("q1-x", "product_defect", day(2026, 3, 1)));
    v.push(esc("q1-y", "product_defect", day(2026, 3, 2)));
    for i in 0..7 {
        v.push(esc(&format!("a{i}"), "implementation_delay", day(2026, 5, 1 + i)));
    }
    v.push(esc("b0", "product_defect", day(2026, 4, 3)));
    for i in 0..3 {
        v.push(esc(&format!("c{i}"), "pricing_dispute", day(2026, 6, 1 + i)));
    }
    v
}

fn snap(i: usize, tenure: f64, segment: &str) -> Snapshot {
    Snapshot {
        account: format!("a{i}"),
        tenure_days: Some(tenure),
        arr: None,
        segment: Some(segment.into()),
        industry: None,
        plan: None,
        feature_breadth: None,
        champion_changed: false,
    }
}

/// 20 active accounts: a0–a5 new enterprise (escalated), a6 90–365 d smb (escalated),
/// a7–a8 new smb, a9–a12 old enterprise, a13–a19 old smb.
fn population() -> Vec<Snapshot> {
    (0..20)
        .map(|i| match i {
            0..=5 => snap(i, 30.0, "enterprise"),
            6 => snap(i, 200.0, "smb"),
            7 | 8 => snap(i, 30.0, "smb"),
            9..=12 => snap(i, 800.0, "enterprise"),
            _ => snap(i, 800.0, "smb"),
        })
        .collect()
}

#[test]
fn quarter_over_quarter_counts_and_change() -> Result<(), String> {
    let q = Quarter::parse("2026Q2")?;
    let c = quarterly::category_changes(&escalations(), q, Taxonomy::builtin());
    let get = |name: &str| c.iter().find(|c| c.category == name).cloned().ok_or("category");
    let imp = get("implementation_delay")?;
    assert_eq!((imp.previous, imp.current), (5, 7));
    assert!((imp.change_pct.ok_or("pct")? - 40.0).abs() < 1e-9);
    assert!(imp.rising());
    let pd = get("product_defect")?;
    assert_eq!((pd.previous, pd.current), (2, 1));
    assert!((pd.change_pct.ok_or("pct")? + 50.0).abs() < 1e-9);
    let pr = get("pricing_dispute")?;
    assert_eq!((pr.previous, pr.current, pr.change_pct), (0, 3, None));
    assert_eq!(c.len(), 6);
    let res = quarterly::resolutions(&escalations(), q, Taxonomy::builtin());
    let r = res
        .iter()
        .find(|r| r.category == "implementation_delay")
        .ok_or("res")?;
    assert_eq!((r.previous_n, r.current_n, r.current_hours), (5, 7, Some(48.0)));
    Ok(())
}

#[test]
fn lift_minimum_support_and_the_headline_sentence() -> Result<(), String> {
    let pop = population();
    let escalated: Vec<Snapshot> = pop[..7].to_vec();
    let bands = Bands::of(&pop);
    let l = lift::lifts(&pop, &escalated, &bands, 5, 3);
    // tenure < 90 d: 6 of 7 escalated vs 8 of 20 → (6/7)/0.4; enterprise: 6 of 7 vs 10 of 20.
    assert_eq!(l.len(), 2, "{l:?}");
    assert_eq!(
        (l[0].dimension, l[0].value.as_str(), l[0].support),
        ("tenure", "under 90 days", 6)
    );
    assert!((l[0].lift - (6.0 / 7.0) / 0.4).abs() < 1e-9);
    assert_eq!(
        (l[1].dimension, l[1].value.as_str(), l[1].population_with),
        ("segment", "enterprise", 10)
    );
    assert!((l[1].lift - (6.0 / 7.0) / 0.5).abs() < 1e-9);
    // The 90–365 d group has the highest lift (1/7 vs 1/20) but one account: below support.
    let all = lift::lifts(&pop, &escalated, &bands, 1, 10);
    assert_eq!(all[0].value, "90–365 days");
    assert!(!l.iter().any(|x| x.value == "90–365 days"));
    let change = quarterly::category_changes(&escalations(), Quarter::parse("2026Q2")?, Taxonomy::builtin())
        .into_iter()
        .find(|c| c.category == "implementation_delay")
        .ok_or("category")?;
    assert_eq!(
        quarterly::sentence(&change, &l, 5, Taxonomy::builtin()),
        "Implementation escalations increased 40% this quarter, primarily from accounts with tenure \
         under 90 days in the enterprise segment — recommended: review onboarding"
    );
    let none = lift::lifts(&pop, &escalated, &bands, 7, 3);
    assert!(none.is_empty());
    assert_eq!(
        quarterly::sentence(&change, &none, 7, Taxonomy::builtin()),
        "Implementation escalations increased 40% this quarter; no account characteristic reaches the \
         minimum support of 7 escalated accounts — recommended: review onboarding"
    );
    Ok(())
}

#[test]
fn prevention_needs_an_intervention_and_no_escalation_after() {
    let t = day(2026, 5, 1);
    let mut e = vec![
        esc("x", "integration", t - 10 * DAY_US),
        esc("y", "integration", t + 10 * DAY_US),
    ];
    e[0].intervened = true;
    let alerted = |account: &str, verdict: bool, arr: f64| Alerted {
        account: account.into(),
        alert_us: t,
        arr,
        prevented_verdict: verdict,
    };
    let p = quarterly::prevention(
        &[
            alerted("x", false, 1000.0),
            alerted("y", true, 2000.0),
            alerted("z", true, 500.0),
            alerted("w", false, 9000.0),
        ],
        &e,
        30,
    );
    assert_eq!((p.alerted, p.prevented), (4, 2));
    assert!((p.arr - 1500.0).abs() < 1e-9);
}

/// The fixture's quarter as a report: `implementation_delay` rising (with its lifts), a
/// replayed model, four verdicts and a prevention estimate with large figures.
fn report(taxonomy: &Taxonomy) -> Result<QuarterlyReport, String> {
    let q = Quarter::parse("2026Q2")?;
    let changes = quarterly::category_changes(&escalations(), q, taxonomy);
    let pop = population();
    let lifts = lift::lifts(&pop, &pop[..7], &Bands::of(&pop), 5, 3);
    let change = changes[0].clone();
    let mut performance = Performance::empty();
    performance.model_version = "v20260630".into();
    performance.replayed = true;
    performance.in_sample = true;
    performance.alerts = 1_520;
    performance.eligible = 40;
    performance.detected = 34;
    performance.recall = 0.85;
    performance.precision = 0.3125;
    performance.median_lead_hours = Some(41.6);
    Ok(QuarterlyReport {
        quarter: q,
        rising: vec![Rising {
            sentence: quarterly::sentence(&change, &lifts, 5, taxonomy),
            change,
            lifts,
        }],
        changes,
        min_support: 5,
        performance: Some(performance),
        feedback: BTreeMap::from([("false_positive".to_string(), 1), ("accurate".to_string(), 3)]),
        prevention: quarterly::Prevention {
            alerted: 12_345,
            prevented: 1_234,
            arr: 2_203_787.0,
        },
        prevention_days: 30,
        resolutions: quarterly::resolutions(&escalations(), q, taxonomy),
    })
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> Result<&'a str, String> {
    files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, body)| body.as_str())
        .ok_or_else(|| format!("no {name}"))
}

/// The page without its inline charts: the text and markup vigil wrote around them.
pub(crate) fn outside_charts(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("</svg>")
            .map_or("", |end| &rest[start + end + 6..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn html_is_self_contained_with_every_chart() -> Result<(), String> {
    let report = report(Taxonomy::builtin())?;
    let files = render::render(&report).map_err(|e| e.to_string())?;
    let html = file(&files, "report.html")?;
    assert!(
        html.starts_with("<!doctype html>") && html.contains("--rule"),
        "{html}"
    );
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
    assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("<link"));
    // Every figure, in order, as <figure><svg>…</svg><figcaption>…</figcaption></figure>.
    let figures = figures::quarterly(&report);
    assert_eq!(figures.len(), 4);
    assert_eq!(html.matches("<svg").count(), figures.len());
    let mut at = 0;
    for f in &figures {
        let caption = format!("</svg><figcaption>{}</figcaption></figure>", f.caption);
        let found = html[at..].find(&caption).ok_or(caption.clone())?;
        assert!(html[at..at + found].contains("<figure><svg"), "{caption}");
        at += found + caption.len();
        assert_eq!(file(&files, f.file)?, f.svg, "{} beside the report", f.file);
    }
    let text = outside_charts(html);
    for markdown in ["**", "|---", "![", "](", "`", "\n# "] {
        assert!(!text.contains(markdown), "{markdown:?} in\n{text}");
    }
    // Titles, not ids; numbers formatted for people.
    for needle in [
        "<h1>Escalation patterns, 2026Q2</h1>",
        "1 April 2026 – 30 June 2026",
        "<th>Category</th><th class=\"num\">2026Q1</th>",
        "<tr><td>Implementation delay</td><td class=\"num\">5</td><td class=\"num\">7</td><td class=\"num\">+40% (+2)</td></tr>",
        "<td>Pricing dispute</td><td class=\"num\">0</td><td class=\"num\">3</td><td class=\"num\">new (+3)</td>",
        "<td>Team transition</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">– (0)</td>",
        "<td>Implementation delay</td><td class=\"num\">48 h <small>(n = 5)</small></td>",
        "<h2>What the Implementation delay escalations have in common</h2>",
        "<td>Accounts with tenure under 90 days</td><td class=\"num\">6 of 7 (86%)</td><td class=\"num\">8 of 20 (40%)</td><td class=\"num\">2.14×</td>",
        "Implementation escalations increased 40% this quarter",
        "recommended: review onboarding",
        "<b>Replayed</b>: the quarter's daily snapshots re-scored with model <code>v20260630</code>",
        "<small>Escalations this quarter</small><b>11</b><small>7 in 2026Q1 (+57%)</small>",
        "<small>Early-detection recall (24–72 h)</small><b>85%</b><small>34 of 40 escalations</small>",
        "<small>Alert precision</small><b>31%</b><small>of 1,520 alerts; 25% false positives in CSM verdicts</small>",
        "<small>ARR in prevented accounts</small><b>$2.2M</b>",
        "<p class=\"warn\">The quarter overlaps the model's training window: these figures are in-sample",
        "1,234 of 12,345 alerted accounts",
        "<b>$2,203,787 ARR</b>",
        "<td class=\"num\">42 h</td>",
        "<td class=\"num\">25% (1 of 4 verdicts)</td>",
        "<td>Product defect</td><td class=\"num\">48 h <small>(n = 2)</small></td>",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    for id in [
        "implementation_delay",
        "product_defect",
        "pricing_dispute",
        "2203787",
    ] {
        assert!(!text.contains(id), "{id} in\n{text}");
    }
    // The Markdown twin: the same figures, with its tables and image links.
    let md = file(&files, "report.md")?;
    for needle in [
        "# Escalation patterns, 2026Q2\n",
        "| category | 2026Q1 | 2026Q2 | change |\n|---|---:|---:|---:|\n| Implementation delay | 5 | 7 | +40% (+2) |",
        "| Accounts with tenure under 90 days | 6 of 7 (86%) | 8 of 20 (40%) | 2.14× |",
        "| false positives per CSM verdict | 25% (1 of 4 verdicts) |",
        "**$2,203,787 ARR**",
        "**Replayed**",
        "these figures are **in-sample** and optimistic",
    ] {
        assert!(md.contains(needle), "{needle:?} not in\n{md}");
    }
    assert!(
        !md.contains("implementation_delay") && !md.contains("<svg"),
        "{md}"
    );
    let images: Vec<String> = figures
        .iter()
        .map(|f| format!("![{}]({})", f.caption, f.file))
        .collect();
    assert!(md.ends_with(&format!("{}\n", images.join("\n"))), "{md}");
    let rows = render::rows(&report);
    let frame = quarterly::patterns_frame(report.quarter, &rows).map_err(|e| e.to_string())?;
    assert_eq!(frame.height(), rows.len());
    assert!(rows.iter().any(|r| r.section == "lift" && r.count == Some(6)));
    assert!(
        rows.iter()
            .any(|r| r.category.as_deref() == Some("implementation_delay"))
    );
    Ok(())
}

#[test]
fn without_a_model_the_page_says_so_and_keeps_the_feedback() -> Result<(), String> {
    let mut report = report(Taxonomy::builtin())?;
    report.performance = None;
    report.feedback.clear();
    report.rising.clear();
    let files = render::render(&report).map_err(|e| e.to_string())?;
    let html = file(&files, "report.html")?;
    for needle in [
        "<p>No model in the registry: no performance figures.</p>",
        "<small>Alert precision</small><b>–</b><small>no model in the registry</small>",
        "<td class=\"num\">– (no verdicts)</td>",
        "<p>No escalation category rose this quarter.</p>",
    ] {
        assert!(html.contains(needle), "{needle:?} not in\n{html}");
    }
    assert_eq!(html.matches("<figcaption>").count(), 4);
    assert!(file(&files, "report.md")?.contains("No escalation category rose this quarter."));
    Ok(())
}

#[test]
fn hostile_titles_and_characteristics_are_escaped_in_the_html() -> Result<(), String> {
    let mut taxonomy = Taxonomy::builtin().clone();
    taxonomy
        .categories
        .display
        .insert("implementation_delay".into(), "<script>alert(1)</script>".into());
    let mut report = report(&taxonomy)?;
    report.rising[0].lifts[0].value = "<script>x</script>".into();
    report.resolutions[0].title = "<img onerror=y>".into();
    let files = render::render(&report).map_err(|e| e.to_string())?;
    let html = file(&files, "report.html")?;
    let text = outside_charts(html);
    assert!(!html.contains("<script") && !html.contains("<img"), "{html}");
    assert!(
        text.contains("<td>&lt;script&gt;alert(1)&lt;&#x2f;script&gt;</td>")
            && text.contains("Accounts with tenure &lt;script&gt;x&lt;&#x2f;script&gt;")
            && text.contains("<td>&lt;img onerror=y&gt;</td>"),
        "{text}"
    );
    // The Markdown twin is not HTML: the title is written as configured.
    assert!(file(&files, "report.md")?.contains("| <script>alert(1)</script> |"));
    Ok(())
}

#[test]
fn configured_categories_are_listed_in_order_with_their_titles_and_generic_advice() -> Result<(), String> {
    let mut taxonomy = Taxonomy::default();
    taxonomy.categories.values = ValueSet::new(["Onboarding", "Outage", "Champion change"]);
    taxonomy
        .categories
        .display
        .insert("Outage".into(), "Outage / incident".into());
    let at = |d: &str| -> Result<i64, String> { Ok(crate::time::parse_run_date(d)?.timestamp_micros()) };
    let esc: Vec<Escalation> = [
        ("Outage", "2026-02-10"),
        ("Outage", "2026-05-02"),
        ("Outage", "2026-05-20"),
    ]
    .into_iter()
    .chain([
        ("Champion change", "2026-05-05"),
        ("Security review", "2026-05-06"),
    ])
    .map(|(c, d)| {
        Ok(Escalation {
            account: "a1".into(),
            category: c.into(),
            opened_us: at(d)?,
            resolved_us: None,
            intervened: false,
        })
    })
    .collect::<Result<_, String>>()?;
    let changes = quarterly::category_changes(&esc, Quarter::parse("2026Q2")?, &taxonomy);
    let names: Vec<&str> = changes.iter().map(|c| c.category.as_str()).collect();
    assert_eq!(
        names,
        ["Onboarding", "Outage", "Champion change", "Security review"]
    );
    let outage = changes.iter().find(|c| c.category == "Outage").ok_or("outage")?;
    assert_eq!(
        quarterly::sentence(outage, &[], 5, &taxonomy),
        "Outage / incident escalations increased 100% this quarter; no account characteristic reaches the \
         minimum support of 5 escalated accounts — recommended: review the escalations with the account teams"
    );
    assert_eq!(
        quarterly::display("champion change", &taxonomy),
        "Champion change"
    );
    Ok(())
}

#[test]
fn the_headline_rounds_a_change_as_the_table_does() {
    let change = |previous: usize, current: usize| quarterly::CategoryChange {
        category: "pricing_dispute".into(),
        title: "Pricing dispute".into(),
        previous,
        current,
        change_pct: Some(100.0 * (current as f64 - previous as f64) / previous as f64),
    };
    let sentence = quarterly::sentence(&change(8, 9), &[], 5, Taxonomy::builtin());
    assert!(
        sentence.starts_with("Pricing dispute escalations increased 12% this quarter"),
        "{sentence}"
    );
    let sentence = quarterly::sentence(&change(1, 1235), &[], 5, Taxonomy::builtin());
    assert!(sentence.contains("increased 123,400% this quarter"), "{sentence}");
    let mut report = QuarterlyReport {
        quarter: Quarter::parse("2026Q2").expect("quarter"),
        changes: vec![change(8, 9)],
        rising: Vec::new(),
        min_support: 5,
        performance: None,
        feedback: BTreeMap::new(),
        prevention: quarterly::Prevention::default(),
        prevention_days: 30,
        resolutions: Vec::new(),
    };
    assert_eq!(super::quarterly_page::view(&report).categories[0].change, "+12%");
    report.changes[0] = change(1_000, 12_345);
    let view = super::quarterly_page::view(&report);
    assert_eq!(
        (view.categories[0].change.as_str(), view.kpis[0].value.as_str()),
        ("+1,134%", "12,345")
    );
}
