//! The quarterly report as Markdown and self-contained HTML (charts inlined as SVG, no
//! scripts, no external links), and its rows of `quarterly_patterns`.

use super::charts::escape;
use super::figures;
use super::quarterly::PatternRow;
use std::fmt::Write;

pub use super::quarterly::{Performance, QuarterlyReport, Rising};

fn row(section: &'static str, category: Option<&str>, item: &str) -> PatternRow {
    PatternRow {
        section,
        category: category.map(str::to_string),
        item: item.to_string(),
        value: None,
        count: None,
        previous: None,
        note: None,
    }
}

/// The report's rows of `quarterly_patterns`.
pub fn rows(r: &QuarterlyReport) -> Vec<PatternRow> {
    let mut out = Vec::new();
    out.extend(r.changes.iter().map(|c| PatternRow {
        value: c.change_pct,
        count: Some(c.current as i64),
        previous: Some(c.previous as f64),
        ..row("category_change", Some(&c.category), "escalations")
    }));
    for rise in &r.rising {
        out.extend(rising_rows(rise));
    }
    if let Some(p) = &r.performance {
        out.extend(performance_rows(p));
    }
    let (fp, total) = false_positives(r);
    out.push(PatternRow {
        value: (total > 0).then(|| fp as f64 / total as f64),
        count: Some(total as i64),
        ..row("performance", None, "false_positives_per_feedback")
    });
    out.push(PatternRow {
        value: Some(r.prevention.arr),
        count: Some(r.prevention.prevented as i64),
        previous: Some(r.prevention.alerted as f64),
        note: Some("estimate".into()),
        ..row("prevention", None, "prevented_accounts_arr")
    });
    out.extend(r.resolutions.iter().map(|res| PatternRow {
        value: res.current_hours,
        count: Some(res.current_n as i64),
        previous: res.previous_hours,
        ..row("resolution", Some(&res.category), "median_resolution_hours")
    }));
    out
}

/// A rising category's headline row and one row per characteristic.
fn rising_rows(rise: &Rising) -> Vec<PatternRow> {
    let category = Some(rise.change.category.as_str());
    let mut out = vec![PatternRow {
        note: Some(rise.sentence.clone()),
        count: Some(rise.change.current as i64),
        ..row("headline", category, "sentence")
    }];
    out.extend(rise.lifts.iter().map(|l| PatternRow {
        value: Some(l.lift),
        count: Some(l.support as i64),
        previous: Some(l.population_with as f64 / l.population.max(1) as f64),
        ..row("lift", category, &format!("{}={}", l.dimension, l.value))
    }));
    out
}

/// The model's performance figures as rows, noted as replayed or published.
fn performance_rows(p: &Performance) -> Vec<PatternRow> {
    let note = Some(if p.replayed { "replayed" } else { "published" }.to_string());
    [
        ("alerts", None, Some(p.alerts as i64)),
        ("eligible_escalations", None, Some(p.eligible as i64)),
        ("recall_24_72h", Some(p.recall), Some(p.detected as i64)),
        ("alert_precision", Some(p.precision), Some(p.alerts as i64)),
        (
            "median_lead_hours",
            p.median_lead_hours,
            Some(p.lead_hours.len() as i64),
        ),
    ]
    .into_iter()
    .map(|(item, value, count)| PatternRow {
        value,
        count,
        note: note.clone(),
        ..row("performance", None, item)
    })
    .collect()
}

/// `(false-positive verdicts, all verdicts)` recorded in the quarter.
fn false_positives(r: &QuarterlyReport) -> (usize, usize) {
    let total: usize = r.feedback.values().sum();
    let fp = r.feedback.get("false_positive").copied().unwrap_or(0);
    (fp, total)
}

fn pct(v: Option<f64>) -> String {
    v.map_or("new".into(), |p| format!("{p:+.0}%"))
}

fn hours(v: Option<f64>) -> String {
    v.map_or("–".into(), |h| format!("{h:.0} h"))
}

/// The Markdown report (charts referenced as files next to it).
pub fn markdown(r: &QuarterlyReport) -> String {
    let mut s = String::new();
    headlines(&mut s, r);
    category_table(&mut s, r);
    for rise in &r.rising {
        rising_section(&mut s, rise, r.min_support);
    }
    performance_section(&mut s, r.performance.as_ref());
    feedback_row(&mut s, r);
    prevention_section(&mut s, r);
    resolution_section(&mut s, r);
    let _ = writeln!(s, "\n## Charts\n");
    for f in figures::quarterly(r) {
        let name = f.file;
        let _ = writeln!(s, "![{name}]({name})");
    }
    s
}

/// The title and one line per rising category.
fn headlines(s: &mut String, r: &QuarterlyReport) {
    let _ = writeln!(s, "# Escalation patterns, {}\n", r.quarter);
    for rise in &r.rising {
        let _ = writeln!(s, "- {}", rise.sentence);
    }
    if r.rising.is_empty() {
        let _ = writeln!(s, "No escalation category rose this quarter.");
    }
}

/// Escalations per category, this quarter against the previous one.
fn category_table(s: &mut String, r: &QuarterlyReport) {
    let q = r.quarter;
    let _ = writeln!(
        s,
        "\n## Escalations per category ({q} vs {})\n\n| category | {} | {q} | change |\n|---|---|---|---|",
        q.previous(),
        q.previous()
    );
    for c in &r.changes {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} ({:+}) |",
            c.category,
            c.previous,
            c.current,
            pct(c.change_pct),
            c.current as i64 - c.previous as i64
        );
    }
}

/// What a rising category's escalations have in common, by lift.
fn rising_section(s: &mut String, rise: &Rising, min_support: usize) {
    let _ = writeln!(
        s,
        "\n## What the {} escalations have in common\n\n{} escalated accounts; characteristics need at least {} of them (minimum support).\n",
        rise.change.category,
        rise.lifts.first().map_or(0, |l| l.escalated),
        min_support
    );
    if rise.lifts.is_empty() {
        let _ = writeln!(s, "No characteristic reaches the minimum support.");
        return;
    }
    let _ = writeln!(
        s,
        "| characteristic | escalated accounts with it | share of all active accounts | lift |\n|---|---|---|---|"
    );
    for l in &rise.lifts {
        let _ = writeln!(
            s,
            "| {} = {} | {} of {} | {} of {} | {:.2} |",
            l.dimension, l.value, l.support, l.escalated, l.population_with, l.population, l.lift
        );
    }
}

/// The model-performance heading and the metric table's rows (the table is closed by
/// [`feedback_row`]).
fn performance_section(s: &mut String, performance: Option<&Performance>) {
    let _ = writeln!(s, "\n## Model performance\n");
    let Some(p) = performance else {
        let _ = writeln!(
            s,
            "No model in the registry: no performance figures.\n\n| metric | value |\n|---|---|"
        );
        return;
    };
    let _ = writeln!(s, "{}", how_measured(p));
    if p.in_sample {
        let _ = writeln!(
            s,
            "The quarter overlaps the model's training window: these figures are **in-sample** and optimistic."
        );
    }
    let (lo, hi) = p.lead_window;
    let _ = writeln!(s, "\n| metric | value |\n|---|---|");
    let _ = writeln!(s, "| alerts raised | {} |", p.alerts);
    let _ = writeln!(
        s,
        "| escalations eligible ({lo}–{hi} h window covered) | {} |",
        p.eligible
    );
    let _ = writeln!(
        s,
        "| early-detection recall ({lo}–{hi} h) | {:.3} ({} of {}) |",
        p.recall, p.detected, p.eligible
    );
    let _ = writeln!(s, "| alert precision | {:.3} |", p.precision);
    let _ = writeln!(s, "| median lead time | {} |", hours(p.median_lead_hours));
}

/// Whether the figures come from replayed or published scores, as a sentence.
fn how_measured(p: &Performance) -> String {
    if p.replayed {
        format!(
            "**Replayed**: the quarter's daily snapshots re-scored with {} ({} score date{} published in the quarter).",
            p.model_version,
            p.published_dates,
            if p.published_dates == 1 { " was" } else { "s were" }
        )
    } else {
        format!(
            "**Published**: the scores vigil published on {} date{} of the quarter (model {}).",
            p.published_dates,
            if p.published_dates == 1 { "" } else { "s" },
            p.model_version
        )
    }
}

/// The last row of the metric table: false positives per CSM verdict.
fn feedback_row(s: &mut String, r: &QuarterlyReport) {
    let (fp, total) = false_positives(r);
    let share = if total > 0 {
        format!("{:.3} ({fp} of {total} verdicts)", fp as f64 / total as f64)
    } else {
        "– (no verdicts)".into()
    };
    let _ = writeln!(s, "| false positives per feedback | {share} |");
}

/// The prevention estimate, with its caveat.
fn prevention_section(s: &mut String, r: &QuarterlyReport) {
    let _ = writeln!(
        s,
        "\n## Prevention (estimate)\n\n{} of {} alerted accounts had a recorded intervention or a `prevented` verdict and no escalation within the following {} days; they represent **${:.0} ARR**. This is an estimate: nobody can know which of them would have escalated without the intervention.",
        r.prevention.prevented, r.prevention.alerted, r.prevention_days, r.prevention.arr
    );
}

/// Median resolution time per category, this quarter against the previous one.
fn resolution_section(s: &mut String, r: &QuarterlyReport) {
    let q = r.quarter;
    let _ = writeln!(
        s,
        "\n## Resolution time per category (median, escalations opened in the quarter)\n\n| category | {} | {q} |\n|---|---|---|",
        q.previous()
    );
    for res in &r.resolutions {
        let _ = writeln!(
            s,
            "| {} | {} (n = {}) | {} (n = {}) |",
            res.category,
            hours(res.previous_hours),
            res.previous_n,
            hours(res.current_hours),
            res.current_n
        );
    }
}

/// Markdown to HTML for the subset the report writes (headings, list items, tables,
/// paragraphs, bold, code); image lines are replaced by the inlined charts.
fn html_body(md: &str, charts: &[(&'static str, String)]) -> String {
    let inline = |t: &str| {
        let mut out = String::new();
        for (i, part) in escape(t).split("**").enumerate() {
            out.push_str(if i % 2 == 1 { "<b>" } else { "" });
            out.push_str(part);
            out.push_str(if i % 2 == 1 { "</b>" } else { "" });
        }
        let mut code = String::new();
        for (i, part) in out.split('`').enumerate() {
            code.push_str(if i % 2 == 1 { "<code>" } else { "" });
            code.push_str(part);
            code.push_str(if i % 2 == 1 { "</code>" } else { "" });
        }
        code
    };
    let mut out = String::new();
    let mut in_table = false;
    for line in md.lines() {
        if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            if !in_table {
                out.push_str("<table>");
                in_table = true;
            }
            out.push_str("<tr>");
            for cell in line.trim_matches('|').split('|') {
                let _ = write!(out, "<td>{}</td>", inline(cell.trim()));
            }
            out.push_str("</tr>");
            continue;
        }
        if in_table {
            out.push_str("</table>");
            in_table = false;
        }
        if let Some(h) = line.strip_prefix("## ") {
            let _ = write!(out, "<h2>{}</h2>", inline(h));
        } else if let Some(h) = line.strip_prefix("# ") {
            let _ = write!(out, "<h1>{}</h1>", inline(h));
        } else if let Some(item) = line.strip_prefix("- ") {
            let _ = write!(out, "<p>• {}</p>", inline(item));
        } else if line.starts_with("![") {
            if let Some((_, svg)) = charts.iter().find(|(n, _)| line.contains(n)) {
                // Inline SVG in HTML needs no namespace: the page then names no URL at all.
                let svg = svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
                let _ = write!(out, "<figure>{svg}</figure>");
            }
        } else if !line.trim().is_empty() {
            let _ = write!(out, "<p>{}</p>", inline(line));
        }
    }
    if in_table {
        out.push_str("</table>");
    }
    out
}

/// `report.md`, `report.html` (self-contained) and the chart files.
pub fn render(r: &QuarterlyReport) -> Vec<(String, String)> {
    let charts: Vec<(&str, String)> = figures::quarterly(r)
        .into_iter()
        .map(|f| (f.file, f.svg))
        .collect();
    let md = markdown(r);
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>vigil escalation patterns {}</title>\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}\
         td{{border:1px solid #ccc;padding:2px 8px}}figure{{display:inline-block;margin:4px}}</style></head><body>{}</body></html>",
        r.quarter,
        html_body(&md, &charts)
    );
    let mut out = vec![("report.md".to_string(), md), ("report.html".to_string(), html)];
    out.extend(charts.into_iter().map(|(n, s)| (n.to_string(), s)));
    out
}
