//! The figures of each report, as inline SVG: which chart shows what, with which axes, marks
//! and labels. The drawing itself is `report::charts`; the pages that embed the figures are
//! `render` (quarterly), `risk_report` (model) and `doctor`.

use super::charts::{self, PAD, frame, histogram, polyline};
use super::diagnosis::{EscalationCounts, GateResult};
use super::quarterly::{Performance, QuarterlyReport};
use crate::risk::backtest::{AtThreshold, BacktestOptions, BacktestReport};
use std::fmt::Write;

/// One chart of a report: the file it is written to beside the report, a one-line
/// description (the figure caption and the Markdown image's alt text), and the SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File name beside the report (`pr_curve.svg`).
    pub file: &'static str,
    /// Caption / alt text.
    pub caption: String,
    /// The chart.
    pub svg: String,
}

impl Figure {
    fn new(file: &'static str, caption: &str, svg: String) -> Self {
        Self {
            file,
            caption: caption.to_string(),
            svg,
        }
    }
}

/// The model (backtest) report's figures.
pub fn model(r: &BacktestReport, o: &BacktestOptions) -> Vec<Figure> {
    vec![
        Figure::new("pr_curve.svg", "precision-recall", pr_svg(r)),
        Figure::new("calibration.svg", "calibration", calibration_svg(r)),
        Figure::new("lead_time.svg", "lead time", lead_svg(r, o)),
    ]
}

/// The quarterly report's figures.
pub fn quarterly(r: &QuarterlyReport) -> Vec<Figure> {
    let empty = Performance::empty();
    let p = r.performance.as_ref().unwrap_or(&empty);
    vec![
        Figure::new(
            "escalations_by_category.svg",
            "escalations by category",
            category_chart(r),
        ),
        Figure::new("lead_time.svg", "lead time", lead_time_chart(p)),
        Figure::new(
            "precision_recall_by_month.svg",
            "precision and recall by month",
            monthly_chart(p),
        ),
        Figure::new("calibration.svg", "calibration", calibration_chart(p)),
    ]
}

/// Escalations per category, previous and current quarter side by side.
fn category_chart(r: &QuarterlyReport) -> String {
    let labels: Vec<String> = r.changes.iter().map(|c| c.category.clone()).collect();
    charts::grouped_bars(
        "Escalations by category per quarter",
        "escalations",
        &labels,
        &[
            (
                r.quarter.previous().to_string(),
                r.changes.iter().map(|c| c.previous as f64).collect(),
            ),
            (
                r.quarter.to_string(),
                r.changes.iter().map(|c| c.current as f64).collect(),
            ),
        ],
    )
}

/// Histogram of the detected escalations' lead times.
fn lead_time_chart(p: &Performance) -> String {
    charts::histogram(
        &format!("Lead time of detected escalations (n = {})", p.lead_hours.len()),
        "hours before the escalation (12 h bins)",
        "escalations",
        &p.lead_hours,
        12.0,
        f64::from(p.lead_window.1),
    )
}

/// Alert precision and recall per month.
fn monthly_chart(p: &Performance) -> String {
    let months: Vec<String> = p.monthly.iter().map(|m| m.0.clone()).collect();
    charts::lines(
        "Alert precision and recall by month",
        "share",
        &months,
        &[
            ("precision".into(), p.monthly.iter().map(|m| m.1).collect()),
            ("recall".into(), p.monthly.iter().map(|m| m.2).collect()),
        ],
    )
}

/// Reliability diagram, axes scaled to the largest predicted or observed rate.
fn calibration_chart(p: &Performance) -> String {
    let top = p
        .reliability
        .iter()
        .flat_map(|b| [b.predicted, b.observed])
        .fold(0.01f64, f64::max)
        .min(1.0);
    let mut cal = charts::frame(
        &format!("Calibration in the quarter (axes 0–{top:.2})"),
        "predicted probability",
        "observed rate",
    );
    cal.push_str(&charts::polyline(&[(0.0, 0.0), (1.0, 1.0)], "#999"));
    let pts: Vec<(f64, f64)> = p
        .reliability
        .iter()
        .map(|b| (b.predicted / top, b.observed / top))
        .collect();
    cal.push_str(&charts::polyline(&pts, "#2ca02c"));
    cal.push_str("</svg>");
    cal
}

/// Escalations per month as bars.
pub fn doctor_months(e: &EscalationCounts) -> String {
    let labels: Vec<String> = e.per_month.iter().map(|c| c.label.clone()).collect();
    let counts: Vec<f64> = e.per_month.iter().map(|c| c.count as f64).collect();
    charts::grouped_bars(
        "Escalations per month",
        "escalations",
        &labels,
        &[("escalations".into(), counts)],
    )
}

/// Recall and precision over the curve's thresholds.
pub fn doctor_curve(r: &GateResult) -> String {
    let labels: Vec<String> = r.curve.iter().map(|t| t.threshold.to_string()).collect();
    let series = |f: fn(&AtThreshold) -> f64| r.curve.iter().map(|t| Some(f(t))).collect();
    charts::lines(
        "Recall and precision by alert threshold",
        "share",
        &labels,
        &[
            ("recall".into(), series(|t| t.recall)),
            ("precision".into(), series(|t| t.precision)),
        ],
    )
}

fn pr_svg(r: &BacktestReport) -> String {
    let mut s = frame("Precision–recall (validation snapshots)", "recall", "precision");
    let pts: Vec<(f64, f64)> = r.pr_curve.iter().map(|p| (p.recall, p.precision)).collect();
    s.push_str(&polyline(&pts, "#1f77b4"));
    s.push_str("</svg>");
    s
}

fn calibration_svg(r: &BacktestReport) -> String {
    // Axes up to the largest predicted or observed value, so low-probability bins are visible.
    let top = r
        .reliability_before
        .iter()
        .chain(&r.reliability_after)
        .flat_map(|b| [b.predicted, b.observed])
        .fold(0.01f64, f64::max)
        .min(1.0);
    let mut s = frame(
        &format!("Calibration (axes 0–{top:.2})"),
        "predicted probability",
        "observed rate",
    );
    s.push_str(&polyline(&[(0.0, 0.0), (1.0, 1.0)], "#999"));
    let scale = |b: &crate::risk::metrics::ReliabilityBin| (b.predicted / top, b.observed / top);
    s.push_str(&polyline(
        &r.reliability_before.iter().map(scale).collect::<Vec<_>>(),
        "#d62728",
    ));
    s.push_str(&polyline(
        &r.reliability_after.iter().map(scale).collect::<Vec<_>>(),
        "#2ca02c",
    ));
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" fill=\"#d62728\">before</text><text x=\"{}\" y=\"{}\" fill=\"#2ca02c\">after</text></svg>",
        PAD + 10.0,
        PAD + 10.0,
        PAD + 10.0,
        PAD + 24.0
    );
    s
}

fn lead_svg(r: &BacktestReport, o: &BacktestOptions) -> String {
    // 12-hour bins up to lead_max_hours and beyond (a run can start long before).
    histogram(
        &format!("Lead time of detected escalations (n = {})", r.lead_hours.len()),
        "hours before the escalation (12 h bins)",
        "escalations",
        &r.lead_hours,
        12.0,
        f64::from(o.lead_max_hours),
    )
}
