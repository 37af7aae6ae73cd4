//! The figures of each report, as inline SVG: which chart shows what, with which axes, marks
//! and labels. The drawing itself is `report::charts`; the pages that embed the figures are
//! `render` (quarterly), `risk_report` (model) and `doctor`.

use super::charts::{self, Axis, Chart, MARK};
use super::diagnosis::{EscalationCounts, GateResult};
use super::quarterly::{Performance, QuarterlyReport};
use crate::format;
use crate::risk::backtest::{AtThreshold, BacktestOptions, BacktestReport};
use crate::risk::metrics::ReliabilityBin;

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
        Figure::new(
            "pr_curve.svg",
            "precision-recall curve on the validation snapshots, with the alert threshold and the target recall",
            pr_chart(r, o),
        ),
        Figure::new(
            "calibration.svg",
            "calibration before and after, with rows per bin",
            calibration_chart(
                "Calibration before and after",
                &[("before", &r.reliability_before), ("after", &r.reliability_after)],
            ),
        ),
        Figure::new(
            "lead_time.svg",
            "lead time of detected escalations, with the lead window",
            lead_time_chart(&r.lead_hours, (o.lead_min_hours, o.lead_max_hours)),
        ),
        Figure::new(
            "tiers.svg",
            "recall and precision at the alert threshold and each tier threshold, with the target recall",
            threshold_chart(
                "Recall and precision by tier threshold",
                &tier_points(r),
                r.at_alert_threshold.threshold,
                Some(o.min_recall),
            ),
        ),
    ]
}

/// The tier thresholds' figures and, when there are any, the alert threshold's (the tier
/// chart's curve then reaches the threshold alerts are raised at).
fn tier_points(r: &BacktestReport) -> Vec<AtThreshold> {
    let mut points = r.at_tiers.clone();
    let alert = &r.at_alert_threshold;
    if !points.is_empty() && points.iter().all(|t| t.threshold != alert.threshold) {
        points.push(alert.clone());
    }
    points
}

/// The quarterly report's figures.
pub fn quarterly(r: &QuarterlyReport) -> Vec<Figure> {
    let empty = Performance::empty();
    let p = r.performance.as_ref().unwrap_or(&empty);
    vec![
        Figure::new(
            "escalations_by_category.svg",
            "escalations by category, previous and current quarter",
            category_chart(r),
        ),
        Figure::new(
            "lead_time.svg",
            "lead time of detected escalations, with the lead window",
            lead_time_chart(&p.lead_hours, p.lead_window),
        ),
        Figure::new(
            "precision_recall_by_month.svg",
            "alert precision and recall by month",
            monthly_chart(p),
        ),
        Figure::new(
            "calibration.svg",
            "calibration in the quarter, with rows per bin",
            calibration_chart(
                "Calibration in the quarter",
                &[("predicted vs observed", &p.reliability)],
            ),
        ),
    ]
}

/// Escalations per month as bars.
pub fn doctor_months(e: &EscalationCounts) -> String {
    let labels: Vec<String> = e.per_month.iter().map(|c| c.label.clone()).collect();
    let counts: Vec<f64> = e.per_month.iter().map(|c| c.count as f64).collect();
    charts::grouped_bars(
        "Escalations per month",
        "month opened",
        "escalations (count)",
        &labels,
        &[("escalations".into(), counts)],
    )
}

/// The doctor's quick estimate: recall and precision by alert threshold on its sample, with
/// the configured alert threshold and the gate's target recall marked.
pub fn doctor_curve(r: &GateResult, min_recall: f64) -> String {
    threshold_chart(
        "Recall and precision by alert threshold",
        &r.curve,
        r.at_alert_threshold.threshold,
        Some(min_recall),
    )
}

/// Escalations per category, previous and current quarter side by side, labelled with the
/// categories' titles.
fn category_chart(r: &QuarterlyReport) -> String {
    let labels: Vec<String> = r.changes.iter().map(|c| c.title.clone()).collect();
    charts::grouped_bars(
        "Escalations by category per quarter",
        "category",
        "escalations (count)",
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

/// Bin width of the lead-time histograms (hours).
const LEAD_BIN_HOURS: f64 = 12.0;

/// Histogram of the detected escalations' lead times with the lead window (min, max hours)
/// shaded.
fn lead_time_chart(lead_hours: &[f64], window: (u32, u32)) -> String {
    let mut c = charts::histogram(
        &format!(
            "Lead time of detected escalations (n = {})",
            format::count(lead_hours.len())
        ),
        "hours before the escalation (12 h bins)",
        "escalations (count)",
        lead_hours,
        LEAD_BIN_HOURS,
        f64::from(window.1),
    );
    let (lo, hi) = (f64::from(window.0), f64::from(window.1));
    c.band(lo, hi, &format!("lead window {}–{} h", window.0, window.1));
    c.finish()
}

/// Alert precision and recall per month.
fn monthly_chart(p: &Performance) -> String {
    let months: Vec<String> = p.monthly.iter().map(|m| m.0.clone()).collect();
    charts::category_lines(
        "Alert precision and recall by month",
        "month",
        "share (%)",
        &months,
        &[
            ("precision".into(), p.monthly.iter().map(|m| m.1).collect()),
            ("recall".into(), p.monthly.iter().map(|m| m.2).collect()),
        ],
    )
}

/// Reliability diagram: each series' bins (mean predicted vs observed rate) with their row
/// counts, and the diagonal of perfect calibration. Both axes run to the largest predicted
/// or observed rate (rounded up to a tick), so the low-probability bins where most
/// snapshots are stay visible.
fn calibration_chart(title: &str, series: &[(&str, &[ReliabilityBin])]) -> String {
    let top = series
        .iter()
        .flat_map(|(_, bins)| bins.iter())
        .flat_map(|b| [b.predicted, b.observed])
        .filter(|v| v.is_finite())
        .fold(0.01f64, f64::max);
    let x = Axis::percent("mean predicted probability (%)", top);
    let mut y = x.clone();
    y.title = "observed escalation rate (%)".into();
    let hi = x.hi;
    let mut legend: Vec<(&str, &str)> = series
        .iter()
        .enumerate()
        .map(|(k, (n, _))| (*n, charts::colour(k)))
        .collect();
    legend.push(("perfect calibration", MARK));
    let mut c = Chart::linear(&format!("{title} (n = rows per bin)"), x, y, &legend);
    c.line(&[(0.0, 0.0), (hi, hi)], MARK, true);
    for (k, (name, bins)) in series.iter().enumerate() {
        let pts: Vec<(f64, f64, String)> = bins
            .iter()
            .map(|b| {
                let tip = format!(
                    "{name}: predicted {}, observed {}, {} rows",
                    format::pct_auto(b.predicted),
                    format::pct_auto(b.observed),
                    format::count(b.rows)
                );
                (b.predicted, b.observed, tip)
            })
            .collect();
        c.series(&pts, charts::colour(k), 3.5);
    }
    for (_, bins) in series {
        for b in bins.iter() {
            c.point_label(b.predicted, b.observed, &format!("n={}", format::count(b.rows)));
        }
    }
    if series.iter().all(|(_, bins)| bins.is_empty()) {
        c.no_data();
    }
    c.finish()
}

/// The precision–recall curve with the curve point at the alert threshold marked and the
/// target recall as a vertical line.
fn pr_chart(r: &BacktestReport, o: &BacktestOptions) -> String {
    let mut c = Chart::linear(
        "Precision–recall on the validation snapshots",
        Axis::percent("recall (%)", 1.0),
        Axis::percent("precision (%)", 1.0),
        &[("model", charts::colour(0))],
    );
    let mut pts: Vec<(f64, f64)> = r
        .pr_curve
        .iter()
        .filter(|p| p.recall.is_finite() && p.precision.is_finite())
        .map(|p| (p.recall, p.precision))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    c.line(&pts, charts::colour(0), false);
    c.vline(
        o.min_recall,
        &format!("target recall {}", format::pct_auto(o.min_recall)),
    );
    let alert = f64::from(r.at_alert_threshold.threshold) / 100.0;
    let at_alert = r
        .pr_curve
        .iter()
        .filter(|p| p.threshold.is_finite())
        .min_by(|a, b| {
            (a.threshold - alert)
                .abs()
                .total_cmp(&(b.threshold - alert).abs())
        });
    match at_alert {
        Some(p) => c.mark(
            p.recall,
            p.precision,
            &[
                format!("alert threshold {}", r.at_alert_threshold.threshold),
                format!(
                    "recall {}, precision {}",
                    format::pct_auto(p.recall),
                    format::pct_auto(p.precision)
                ),
            ],
        ),
        None => c.no_data(),
    }
    c.finish()
}

/// One figure of an [`AtThreshold`] (recall or precision).
type Metric = fn(&AtThreshold) -> f64;

/// Recall and precision at each threshold (risk score 0–100), with the alert threshold
/// as a vertical line and, when given, the target recall as a horizontal line.
fn threshold_chart(title: &str, at: &[AtThreshold], alert: u32, target_recall: Option<f64>) -> String {
    let mut c = Chart::linear(
        title,
        Axis::fixed("risk-score threshold (0–100)", 100.0, 20.0),
        Axis::percent("recall, precision (%)", 1.0),
        &[("recall", charts::colour(0)), ("precision", charts::colour(1))],
    );
    let mut at: Vec<&AtThreshold> = at.iter().collect();
    at.sort_by_key(|t| t.threshold);
    let series: [(&str, Metric); 2] = [("recall", |t| t.recall), ("precision", |t| t.precision)];
    for (k, (name, value)) in series.into_iter().enumerate() {
        let pts: Vec<(f64, f64, String)> = at
            .iter()
            .filter(|t| value(t).is_finite())
            .map(|t| {
                let tip = format!("threshold {}: {name} {}", t.threshold, format::pct_auto(value(t)));
                (f64::from(t.threshold), value(t), tip)
            })
            .collect();
        c.series(&pts, charts::colour(k), 3.0);
    }
    c.vline(f64::from(alert), &format!("alert threshold {alert}"));
    if let Some(target) = target_recall {
        c.hline(target, &format!("target recall {}", format::pct_auto(target)));
    }
    if at.is_empty() {
        c.no_data();
    }
    c.finish()
}

#[cfg(test)]
mod tests;
