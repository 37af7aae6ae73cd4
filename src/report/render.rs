//! The quarterly report's outputs: its files (HTML page and Markdown twin from
//! `report::quarterly_page`, charts from `report::figures`) and its rows of
//! `quarterly_patterns`.

use super::figures;
use super::quarterly::PatternRow;
use super::quarterly_page;

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

/// `report.md`, `report.html` (self-contained: charts inline, no scripts, no external
/// resources), both rendered from one view of the report, and the chart files beside them.
pub fn render(r: &QuarterlyReport) -> Result<Vec<(String, String)>, minijinja::Error> {
    let figures = figures::quarterly(r);
    let (html, md) = quarterly_page::render(r, &figures)?;
    let mut out = vec![("report.md".to_string(), md), ("report.html".to_string(), html)];
    out.extend(figures.into_iter().map(|f| (f.file.to_string(), f.svg)));
    Ok(out)
}
