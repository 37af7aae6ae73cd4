//! The quarterly escalation patterns: counts per category this quarter vs last, what the
//! rising categories have in common, model performance, prevention and resolution times.
//! Also the `quarterly_patterns` table (one long table, one row per reported figure).

use super::lift::Lift;
use super::quarter::Quarter;
use crate::contract::Taxonomy;
use crate::format;
use crate::risk::metrics::ReliabilityBin;
use crate::time::{DAY_US, units::hours};
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// One escalation of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Account.
    pub account: String,
    /// Category.
    pub category: String,
    /// Opened (µs).
    pub opened_us: i64,
    /// Resolved (µs), if resolved.
    pub resolved_us: Option<i64>,
    /// Whether interventions were recorded.
    pub intervened: bool,
}

/// Escalations of one category this quarter vs last.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryChange {
    /// Category.
    pub category: String,
    /// How people read it: the `[taxonomy.categories] display` title, else one derived
    /// from the name (`product_defect` → `Product defect`).
    pub title: String,
    /// Opened last quarter.
    pub previous: usize,
    /// Opened this quarter.
    pub current: usize,
    /// Change in % (None when last quarter had none).
    pub change_pct: Option<f64>,
}

impl CategoryChange {
    /// Whether more opened this quarter than last.
    pub fn rising(&self) -> bool {
        self.current > self.previous
    }
}

fn in_quarter(t: i64, q: Quarter) -> bool {
    let (a, b) = q.bounds_us();
    t >= a && t < b
}

/// Categories: the configured ones in their order, then any other present (an open
/// taxonomy's), in order.
fn categories(esc: &[Escalation], taxonomy: &Taxonomy) -> Vec<String> {
    let known = &taxonomy.categories.values;
    let mut out: Vec<String> = known.values().to_vec();
    let extra: BTreeSet<&str> = esc
        .iter()
        .map(|e| e.category.as_str())
        .filter(|c| !known.contains(c))
        .collect();
    out.extend(extra.into_iter().map(str::to_string));
    out
}

/// Escalations opened per category in `q` and the quarter before.
pub fn category_changes(esc: &[Escalation], q: Quarter, taxonomy: &Taxonomy) -> Vec<CategoryChange> {
    categories(esc, taxonomy)
        .into_iter()
        .map(|category| {
            let n = |q: Quarter| {
                esc.iter()
                    .filter(|e| e.category == category && in_quarter(e.opened_us, q))
                    .count()
            };
            let (previous, current) = (n(q.previous()), n(q));
            let change_pct =
                (previous > 0).then(|| 100.0 * (current as f64 - previous as f64) / previous as f64);
            CategoryChange {
                title: taxonomy.category_title(&category),
                category,
                previous,
                current,
                change_pct,
            }
        })
        .collect()
}

/// Median resolution time of one category, this quarter vs last.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// Category.
    pub category: String,
    /// Its display title (see [`CategoryChange::title`]).
    pub title: String,
    /// Median hours to resolve, escalations opened last quarter (resolved ones).
    pub previous_hours: Option<f64>,
    /// Resolved escalations opened last quarter.
    pub previous_n: usize,
    /// Median hours to resolve, escalations opened this quarter.
    pub current_hours: Option<f64>,
    /// Resolved escalations opened this quarter.
    pub current_n: usize,
}

/// Median of a slice (None when empty).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    })
}

/// Resolution time per category for escalations opened in `q` vs the quarter before.
pub fn resolutions(esc: &[Escalation], q: Quarter, taxonomy: &Taxonomy) -> Vec<Resolution> {
    categories(esc, taxonomy)
        .into_iter()
        .map(|category| {
            let hours = |q: Quarter| -> Vec<f64> {
                esc.iter()
                    .filter(|e| e.category == category && in_quarter(e.opened_us, q))
                    .filter_map(|e| e.resolved_us.map(|r| hours(r - e.opened_us)))
                    .collect()
            };
            let (p, c) = (hours(q.previous()), hours(q));
            Resolution {
                title: taxonomy.category_title(&category),
                category,
                previous_n: p.len(),
                current_n: c.len(),
                previous_hours: median(p),
                current_hours: median(c),
            }
        })
        .collect()
}

/// An alerted account as the prevention estimate sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alerted {
    /// Account.
    pub account: String,
    /// First alert in the quarter (µs).
    pub alert_us: i64,
    /// ARR at the alert (USD).
    pub arr: f64,
    /// A `prevented` verdict was recorded for the account in the quarter.
    pub prevented_verdict: bool,
}

/// The prevention estimate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prevention {
    /// Accounts alerted in the quarter.
    pub alerted: usize,
    /// Of those, with an intervention or a `prevented` verdict and no escalation within
    /// the following days.
    pub prevented: usize,
    /// Their ARR (USD).
    pub arr: f64,
}

/// Alerted accounts with a recorded intervention (on an escalation opened in the 90 days
/// before the alert) or a `prevented` verdict, and no escalation opened within `days` after
/// the alert. An estimate: nobody knows what would have happened without the intervention.
pub fn prevention(alerted: &[Alerted], esc: &[Escalation], days: u32) -> Prevention {
    let horizon = i64::from(days) * DAY_US;
    let mut p = Prevention {
        alerted: alerted.len(),
        ..Prevention::default()
    };
    for a in alerted {
        let mine = || esc.iter().filter(|e| e.account == a.account);
        let intervened = mine()
            .any(|e| e.intervened && e.opened_us <= a.alert_us && e.opened_us > a.alert_us - 90 * DAY_US);
        let escalated = mine().any(|e| e.opened_us > a.alert_us && e.opened_us <= a.alert_us + horizon);
        if (intervened || a.prevented_verdict) && !escalated {
            p.prevented += 1;
            p.arr += a.arr;
        }
    }
    p
}

/// The documented recommendation per escalation category: specific advice for the seed's
/// categories, generic advice for any other.
pub fn recommendation(category: &str) -> &'static str {
    match category {
        "implementation_delay" => "review onboarding",
        "product_defect" => "review release quality with engineering",
        "pricing_dispute" => "review pricing and renewal terms",
        "team_transition" => "plan stakeholder handovers",
        "integration" => "review integration guides and partner support",
        "performance" => "review capacity and performance SLOs",
        _ => "review the escalations with the account teams",
    }
}

/// How a category reads at the start of a sentence: its `[taxonomy.categories] display`
/// title when configured, else a title derived from its name.
pub fn display(category: &str, taxonomy: &Taxonomy) -> String {
    let title = taxonomy.category_title(category);
    // The seed's own headline word for its onboarding category.
    if title == "Implementation delay" && category == "implementation_delay" {
        return "Implementation".into();
    }
    title
}

/// The headline for a rising category, e.g. "Implementation escalations increased 40% this
/// quarter, primarily from accounts with tenure under 90 days in the enterprise segment —
/// recommended: review onboarding".
pub fn sentence(change: &CategoryChange, lifts: &[Lift], min_support: usize, taxonomy: &Taxonomy) -> String {
    let rise = match change.change_pct {
        // Rounded as the report's change column rounds it (`format::decimal`).
        Some(p) => format!("increased {}% this quarter", format::decimal(p, 0)),
        None => format!("rose from 0 to {} this quarter", format::count(change.current)),
    };
    let who = if lifts.is_empty() {
        format!("; no account characteristic reaches the minimum support of {min_support} escalated accounts")
    } else {
        let phrases: Vec<String> = lifts
            .iter()
            .take(2)
            .map(|l| super::lift::phrase(l.dimension, &l.value))
            .collect();
        format!(", primarily from accounts {}", phrases.join(" "))
    };
    format!(
        "{} escalations {rise}{who} — recommended: {}",
        display(&change.category, taxonomy),
        recommendation(&change.category)
    )
}

/// One row of `quarterly_patterns`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternRow {
    /// Section: `category_change`, `lift`, `performance`, `prevention`, `resolution`.
    pub section: &'static str,
    /// Category, where the row is about one.
    pub category: Option<String>,
    /// What the row measures (metric name, or `dimension=value` for a lift).
    pub item: String,
    /// The figure.
    pub value: Option<f64>,
    /// This quarter's count behind it.
    pub count: Option<i64>,
    /// Last quarter's figure, where compared.
    pub previous: Option<f64>,
    /// Free text (the headline sentence, `replayed`, `estimate`).
    pub note: Option<String>,
}

/// The `quarterly_patterns` frame for `quarter`.
pub fn patterns_frame(quarter: Quarter, rows: &[PatternRow]) -> PolarsResult<DataFrame> {
    let n = rows.len();
    DataFrame::new(
        n,
        vec![
            Column::new("quarter".into(), vec![quarter.to_string(); n]),
            Column::new(
                "section".into(),
                rows.iter().map(|r| r.section).collect::<Vec<_>>(),
            ),
            Column::new(
                "category".into(),
                rows.iter().map(|r| r.category.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "item".into(),
                rows.iter().map(|r| r.item.clone()).collect::<Vec<_>>(),
            ),
            Column::new("value".into(), rows.iter().map(|r| r.value).collect::<Vec<_>>()),
            Column::new("count".into(), rows.iter().map(|r| r.count).collect::<Vec<_>>()),
            Column::new(
                "previous".into(),
                rows.iter().map(|r| r.previous).collect::<Vec<_>>(),
            ),
            Column::new(
                "note".into(),
                rows.iter().map(|r| r.note.clone()).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// Model performance in the quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct Performance {
    /// Model version.
    pub model_version: String,
    /// Scores replayed with the model (not read from published scores).
    pub replayed: bool,
    /// The quarter overlaps the model's training window.
    pub in_sample: bool,
    /// Score dates published in the quarter.
    pub published_dates: usize,
    /// Alerts (episodes) raised.
    pub alerts: usize,
    /// Escalations eligible for the lead-time check.
    pub eligible: usize,
    /// Of those, detected 24–72 h ahead.
    pub detected: usize,
    /// Early-detection recall.
    pub recall: f64,
    /// Alert precision.
    pub precision: f64,
    /// Median lead time (hours).
    pub median_lead_hours: Option<f64>,
    /// Lead times of detected escalations (hours).
    pub lead_hours: Vec<f64>,
    /// Per month: label, precision, recall.
    pub monthly: Vec<(String, Option<f64>, Option<f64>)>,
    /// Reliability of the calibrated probabilities in the quarter.
    pub reliability: Vec<ReliabilityBin>,
    /// Lead window (hours), for labels.
    pub lead_window: (u32, u32),
}

/// A rising category with its characteristics and headline.
#[derive(Debug, Clone, PartialEq)]
pub struct Rising {
    /// The change.
    pub change: CategoryChange,
    /// Characteristics by lift.
    pub lifts: Vec<Lift>,
    /// The headline sentence.
    pub sentence: String,
}

/// Everything the quarterly report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarterlyReport {
    /// The quarter.
    pub quarter: Quarter,
    /// Escalations per category, this quarter vs last.
    pub changes: Vec<CategoryChange>,
    /// Rising categories.
    pub rising: Vec<Rising>,
    /// Minimum support of a characteristic.
    pub min_support: usize,
    /// Model performance (None without a model).
    pub performance: Option<Performance>,
    /// CSM verdicts recorded in the quarter, by verdict.
    pub feedback: BTreeMap<String, usize>,
    /// Prevention estimate.
    pub prevention: Prevention,
    /// Days without escalation after an alert for prevention.
    pub prevention_days: u32,
    /// Resolution time per category.
    pub resolutions: Vec<Resolution>,
}

impl Performance {
    /// No figures: what the performance charts show without a model.
    pub(crate) fn empty() -> Self {
        Self {
            model_version: String::new(),
            replayed: false,
            in_sample: false,
            published_dates: 0,
            alerts: 0,
            eligible: 0,
            detected: 0,
            recall: 0.0,
            precision: 0.0,
            median_lead_hours: None,
            lead_hours: Vec::new(),
            monthly: Vec::new(),
            reliability: Vec::new(),
            lead_window: (24, 72),
        }
    }
}
