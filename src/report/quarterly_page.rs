//! The quarterly report's page: a serialisable view of a [`QuarterlyReport`] holding what
//! people read (category titles, characteristics as phrases, headline figures), rendered to
//! HTML (`templates/quarterly.html`) and to its Markdown twin (`templates/quarterly.md`)
//! from the same view through `report::page`.

use super::figures::Figure;
use super::lift::{self, Lift};
use super::page;
use super::quarter::Quarter;
use super::quarterly::{CategoryChange, Performance, Prevention, QuarterlyReport, Resolution, Rising};
use crate::format;
use minijinja::Value;
use serde::Serialize;

/// The HTML page (extends `base.html`; auto-escaped).
const HTML: &str = include_str!("templates/quarterly.html");

/// The Markdown twin.
const MARKDOWN: &str = include_str!("templates/quarterly.md");

/// Everything the quarterly page shows, ready for the templates.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// The quarter (`2026Q2`).
    pub quarter: String,
    /// Its dates (`1 April 2026 – 30 June 2026`).
    pub period: String,
    /// The quarter compared with (`2026Q1`).
    pub previous: String,
    /// Its dates.
    pub previous_period: String,
    /// The headline figures.
    pub kpis: Vec<Kpi>,
    /// One sentence per rising category.
    pub headlines: Vec<String>,
    /// Escalations per category, this quarter vs last.
    pub categories: Vec<CategoryRow>,
    /// What each rising category's escalations have in common.
    pub rising: Vec<RisingView>,
    /// Minimum support of a characteristic (escalated accounts).
    pub min_support: usize,
    /// Model performance (None without a model).
    pub performance: Option<PerformanceView>,
    /// CSM verdicts in the quarter.
    pub feedback: FeedbackView,
    /// The prevention estimate.
    pub prevention: PreventionView,
    /// Median resolution time per category.
    pub resolutions: Vec<ResolutionRow>,
}

/// A headline figure: what it is, its value, and what it is out of.
#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    /// What it measures.
    pub label: String,
    /// The figure, formatted.
    pub value: String,
    /// The figures behind it, formatted.
    pub detail: String,
}

/// One category's escalations, this quarter vs last.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    /// The category's display title.
    pub title: String,
    /// Opened last quarter.
    pub previous: usize,
    /// Opened this quarter.
    pub current: usize,
    /// The change in percent (`+40%`), `new` when last quarter had none.
    pub change: String,
    /// The change in escalations.
    pub delta: i64,
}

/// A rising category and the characteristics its escalated accounts share.
#[derive(Debug, Clone, Serialize)]
pub struct RisingView {
    /// The category's display title.
    pub title: String,
    /// Escalated accounts of the category.
    pub escalated: usize,
    /// The characteristics, highest lift first.
    pub lifts: Vec<LiftRow>,
}

/// One characteristic of a rising category's escalated accounts.
#[derive(Debug, Clone, Serialize)]
pub struct LiftRow {
    /// The characteristic as people read it (`Accounts in the enterprise segment`).
    pub characteristic: String,
    /// Escalated accounts with it.
    pub support: usize,
    /// Escalated accounts.
    pub escalated: usize,
    /// `support / escalated`.
    pub escalated_share: f64,
    /// Active accounts with it.
    pub population_with: usize,
    /// Active accounts.
    pub population: usize,
    /// `population_with / population`.
    pub population_share: f64,
    /// The lift, formatted (`2.14×`).
    pub lift: String,
}

/// The model's performance in the quarter.
#[derive(Debug, Clone, Serialize)]
pub struct PerformanceView {
    /// Model version.
    pub model_version: String,
    /// Scores replayed with the model rather than read from the published scores.
    pub replayed: bool,
    /// The quarter overlaps the model's training window.
    pub in_sample: bool,
    /// Score dates published in the quarter.
    pub published_dates: usize,
    /// Lead window, hours (`24–72`).
    pub window: String,
    /// Alerts raised.
    pub alerts: usize,
    /// Escalations eligible for the lead-time check.
    pub eligible: usize,
    /// Of those, detected within the lead window.
    pub detected: usize,
    /// Early-detection recall.
    pub recall: f64,
    /// Alert precision.
    pub precision: f64,
    /// Median lead time, formatted (`36 h`).
    pub median_lead: String,
}

/// CSM verdicts recorded in the quarter.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackView {
    /// `false_positive` verdicts.
    pub false_positives: usize,
    /// All verdicts.
    pub total: usize,
    /// `false_positives / total` (None without verdicts).
    pub share: Option<f64>,
}

/// The prevention estimate.
#[derive(Debug, Clone, Serialize)]
pub struct PreventionView {
    /// Accounts alerted in the quarter.
    pub alerted: usize,
    /// Of those, counted as prevented.
    pub prevented: usize,
    /// Days without escalation after the alert.
    pub days: u32,
    /// Their ARR (USD).
    pub arr: f64,
}

/// One category's median resolution time, this quarter vs last.
#[derive(Debug, Clone, Serialize)]
pub struct ResolutionRow {
    /// The category's display title.
    pub title: String,
    /// Last quarter, formatted (`48 h`, `–` without resolved escalations).
    pub previous: String,
    /// Resolved escalations opened last quarter.
    pub previous_n: usize,
    /// This quarter, formatted.
    pub current: String,
    /// Resolved escalations opened this quarter.
    pub current_n: usize,
}

/// The report's HTML page and its Markdown twin, with `figures` (in order) embedded in the
/// page and linked from the Markdown.
pub fn render(r: &QuarterlyReport, figures: &[Figure]) -> Result<(String, String), minijinja::Error> {
    let env = page::environment(&[("quarterly.html", HTML), ("quarterly.md", MARKDOWN)])?;
    let view = view(r);
    let figures: Vec<Value> = figures
        .iter()
        .map(|f| minijinja::context! { file => f.file, caption => &f.caption, svg => page::inline_svg(&f.svg) })
        .collect();
    let extra = minijinja::context! { figures => figures };
    let html = page::render(&env, "quarterly.html", &view, extra.clone())?;
    let md = page::render(&env, "quarterly.md", &view, extra)?;
    Ok((html, md))
}

/// The view of a report.
pub fn view(r: &QuarterlyReport) -> View {
    let feedback = feedback(r);
    View {
        quarter: r.quarter.to_string(),
        period: period(r.quarter),
        previous: r.quarter.previous().to_string(),
        previous_period: period(r.quarter.previous()),
        kpis: kpis(r, &feedback),
        headlines: r.rising.iter().map(|x| x.sentence.clone()).collect(),
        categories: r.changes.iter().map(category_row).collect(),
        rising: r.rising.iter().map(rising).collect(),
        min_support: r.min_support,
        performance: r.performance.as_ref().map(performance),
        feedback,
        prevention: PreventionView {
            alerted: r.prevention.alerted,
            prevented: r.prevention.prevented,
            days: r.prevention_days,
            arr: r.prevention.arr,
        },
        resolutions: r.resolutions.iter().map(resolution_row).collect(),
    }
}

/// A quarter's first and last day: `1 April 2026 – 30 June 2026`.
fn period(q: Quarter) -> String {
    let last = q.end().pred_opt().unwrap_or(q.end());
    format!("{} – {}", format::date(q.start()), format::date(last))
}

/// A change in percent with its sign and separators (`+40%`, `+1,134%`, `0%` when
/// unchanged): `new` when there were none before, `–` when there are none either side.
fn change(previous: usize, current: usize) -> String {
    match (previous, current) {
        (0, 0) => "–".into(),
        (0, _) => "new".into(),
        (p, c) if p == c => "0%".into(),
        (p, c) => {
            let percent = format::decimal(100.0 * (c as f64 - p as f64) / p as f64, 0);
            format!("{}{percent}%", if c > p { "+" } else { "" })
        }
    }
}

fn category_row(c: &CategoryChange) -> CategoryRow {
    CategoryRow {
        title: c.title.clone(),
        previous: c.previous,
        current: c.current,
        change: change(c.previous, c.current),
        delta: c.current as i64 - c.previous as i64,
    }
}

fn rising(x: &Rising) -> RisingView {
    RisingView {
        title: x.change.title.clone(),
        escalated: x.lifts.first().map_or(0, |l| l.escalated),
        lifts: x.lifts.iter().map(lift_row).collect(),
    }
}

fn lift_row(l: &Lift) -> LiftRow {
    let share = |n: usize, of: usize| n as f64 / of.max(1) as f64;
    LiftRow {
        characteristic: format!("Accounts {}", lift::phrase(l.dimension, &l.value)),
        support: l.support,
        escalated: l.escalated,
        escalated_share: share(l.support, l.escalated),
        population_with: l.population_with,
        population: l.population,
        population_share: share(l.population_with, l.population),
        lift: format!("{}×", format::decimal(l.lift, 2)),
    }
}

fn performance(p: &Performance) -> PerformanceView {
    PerformanceView {
        model_version: p.model_version.clone(),
        replayed: p.replayed,
        in_sample: p.in_sample,
        published_dates: p.published_dates,
        window: format!("{}–{}", p.lead_window.0, p.lead_window.1),
        alerts: p.alerts,
        eligible: p.eligible,
        detected: p.detected,
        recall: p.recall,
        precision: p.precision,
        median_lead: format::hours(p.median_lead_hours),
    }
}

fn feedback(r: &QuarterlyReport) -> FeedbackView {
    let total: usize = r.feedback.values().sum();
    let false_positives = r.feedback.get("false_positive").copied().unwrap_or(0);
    FeedbackView {
        false_positives,
        total,
        share: (total > 0).then(|| false_positives as f64 / total as f64),
    }
}

fn resolution_row(res: &Resolution) -> ResolutionRow {
    ResolutionRow {
        title: res.title.clone(),
        previous: format::hours(res.previous_hours),
        previous_n: res.previous_n,
        current: format::hours(res.current_hours),
        current_n: res.current_n,
    }
}

/// The headline figures: escalations this quarter vs last, early-detection recall, alert
/// precision, ARR in prevented accounts.
fn kpis(r: &QuarterlyReport, feedback: &FeedbackView) -> Vec<Kpi> {
    let mut out = vec![escalations_kpi(r)];
    out.extend(performance_kpis(r.performance.as_ref(), feedback));
    out.push(prevention_kpi(&r.prevention));
    out
}

fn escalations_kpi(r: &QuarterlyReport) -> Kpi {
    let current: usize = r.changes.iter().map(|c| c.current).sum();
    let previous: usize = r.changes.iter().map(|c| c.previous).sum();
    Kpi {
        label: "Escalations this quarter".into(),
        value: format::count(current),
        detail: format!(
            "{} in {} ({})",
            format::count(previous),
            r.quarter.previous(),
            change(previous, current)
        ),
    }
}

fn performance_kpis(p: Option<&Performance>, feedback: &FeedbackView) -> [Kpi; 2] {
    let Some(p) = p else {
        let none = |label: &str| Kpi {
            label: label.into(),
            value: "–".into(),
            detail: "no model in the registry".into(),
        };
        return [none("Early-detection recall"), none("Alert precision")];
    };
    let (lo, hi) = p.lead_window;
    let verdicts = feedback.share.map_or(String::new(), |s| {
        format!("; {} false positives in CSM verdicts", format::pct_auto(s))
    });
    [
        Kpi {
            label: format!("Early-detection recall ({lo}–{hi} h)"),
            value: format::pct_auto(p.recall),
            detail: format!(
                "{} of {} escalations",
                format::count(p.detected),
                format::count(p.eligible)
            ),
        },
        Kpi {
            label: "Alert precision".into(),
            value: format::pct_auto(p.precision),
            detail: format!("of {} alerts{verdicts}", format::count(p.alerts)),
        },
    ]
}

fn prevention_kpi(p: &Prevention) -> Kpi {
    Kpi {
        label: "ARR in prevented accounts".into(),
        value: format::usd_compact(p.arr),
        detail: format!(
            "{} in {} of {} alerted accounts (estimate)",
            format::usd(Some(p.arr)),
            format::count(p.prevented),
            format::count(p.alerted)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_and_periods_read_as_people_write_them() -> Result<(), String> {
        assert_eq!(change(5, 7), "+40%");
        assert_eq!(change(13, 7), "-46%");
        assert_eq!(change(6, 6), "0%");
        assert_eq!(change(0, 3), "new");
        assert_eq!(change(0, 0), "–");
        assert_eq!(
            period(Quarter::parse("2025Q4")?),
            "1 October 2025 – 31 December 2025"
        );
        Ok(())
    }
}
