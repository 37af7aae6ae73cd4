//! The backtest report: Markdown and HTML with three SVG charts (precision–recall curve,
//! calibration before/after, lead-time histogram).
//!
//! The SVG is written by hand (`crate::report::charts`).

use crate::report::charts::escape;
use crate::report::figures;
use crate::risk::backtest::{BacktestOptions, BacktestReport};
use std::fmt::Write;

/// Renders `report.md`, `report.html` and the charts.
/// `drivers`: features by mean |contribution| (log-odds) on validation rows (may be empty).
pub fn render(
    version: &str,
    r: &BacktestReport,
    o: &BacktestOptions,
    drivers: &[(String, f64)],
) -> Vec<(&'static str, String)> {
    let figs = figures::model(r, o);
    let svgs: String = figs.iter().map(|f| f.svg.as_str()).collect();
    let md = markdown(version, r, o, drivers);
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>vigil backtest {version}</title>\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}</style></head><body>\
         <pre style=\"white-space:pre-wrap\">{}</pre>{svgs}</body></html>",
        escape(&md)
    );
    let mut out = vec![("report.md", md), ("report.html", html)];
    out.extend(figs.into_iter().map(|f| (f.file, f.svg)));
    out
}

fn markdown(version: &str, r: &BacktestReport, o: &BacktestOptions, drivers: &[(String, f64)]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Backtest of {version}\n");
    let _ = writeln!(
        s,
        "Gate: **{}** — {}\n",
        if r.gate_passed { "passed" } else { "failed" },
        r.gate_reason
    );
    let _ = writeln!(
        s,
        "{} snapshots of {} accounts over {:.1} weeks; {} escalations opened, {} eligible (lead window {}–{} h covered and scorable).\n",
        r.snapshots, r.accounts, r.weeks, r.escalations, r.eligible, o.lead_min_hours, o.lead_max_hours
    );
    headline_table(&mut s, r, o);
    tier_table(&mut s, r);
    reliability_table(&mut s, r);
    drivers_table(&mut s, drivers);
    let _ = writeln!(
        s,
        "\n![precision-recall](pr_curve.svg) ![calibration](calibration.svg) ![lead time](lead_time.svg)"
    );
    s
}

/// The figures at the alert threshold, lead time, ranking and calibration.
fn headline_table(s: &mut String, r: &BacktestReport, o: &BacktestOptions) {
    let a = &r.at_alert_threshold;
    let _ = writeln!(s, "| metric | value |\n|---|---|");
    let _ = writeln!(s, "| alert threshold (risk score) | {} |", a.threshold);
    let _ = writeln!(
        s,
        "| early-detection recall ({}–{} h) | {:.3} ({} of {}) |",
        o.lead_min_hours, o.lead_max_hours, a.recall, a.detected, r.eligible
    );
    let _ = writeln!(
        s,
        "| alert precision (episodes) | {:.3} ({} alerts) |",
        a.precision, a.alerts
    );
    let _ = writeln!(s, "| snapshot precision | {:.3} |", a.snapshot_precision);
    let _ = writeln!(
        s,
        "| alerts per 100 accounts per week | {:.2} |",
        a.alerts_per_100_accounts_per_week
    );
    let lead = r.median_lead_hours.map_or("–".into(), |h| format!("{h:.0} h"));
    let _ = writeln!(s, "| median lead time | {lead} |");
    let _ = writeln!(s, "| ROC-AUC / PR-AUC | {:.3} / {:.3} |", r.roc_auc, r.pr_auc);
    let _ = writeln!(
        s,
        "| Brier before → after calibration | {:.5} → {:.5} |",
        r.brier_uncalibrated, r.brier
    );
    let target = r
        .threshold_for_target_recall
        .map_or("none reaches it".into(), |t| {
            format!(
                "{t} (precision {:.3})",
                r.precision_at_target_recall.unwrap_or(0.0)
            )
        });
    let _ = writeln!(s, "| threshold for recall ≥ {:.2} | {target} |\n", o.min_recall);
}

/// Recall, precision and alert volume at each tier's threshold.
fn tier_table(s: &mut String, r: &BacktestReport) {
    let _ = writeln!(
        s,
        "## At each tier threshold\n\n| threshold | recall | precision | alerts / 100 accounts / week |\n|---|---|---|---|"
    );
    for t in &r.at_tiers {
        let _ = writeln!(
            s,
            "| {} | {:.3} | {:.3} | {:.2} |",
            t.threshold, t.recall, t.precision, t.alerts_per_100_accounts_per_week
        );
    }
}

/// Predicted against observed per probability bin, before and after calibration.
fn reliability_table(s: &mut String, r: &BacktestReport) {
    let _ = writeln!(
        s,
        "\n## Reliability (predicted vs observed, validation snapshots)\n\n| bin | rows | before: predicted / observed | after: predicted / observed |\n|---|---|---|---|"
    );
    for after in &r.reliability_after {
        let before = r
            .reliability_before
            .iter()
            .find(|b| b.lower == after.lower)
            .map_or("–".into(), |b| {
                format!("{:.4} / {:.4}", b.predicted, b.observed)
            });
        let _ = writeln!(
            s,
            "| {:.3}–{:.3} | {} | {before} | {:.4} / {:.4} |",
            after.lower, after.upper, after.rows, after.predicted, after.observed
        );
    }
}

/// The features that drive the model (when explained).
fn drivers_table(s: &mut String, drivers: &[(String, f64)]) {
    if !drivers.is_empty() {
        let _ = writeln!(
            s,
            "\n## What drives the model\n\nMean absolute contribution to the log-odds (SHAP) on validation snapshots.\n\n| feature | mean abs contribution |\n|---|---|"
        );
        for (f, v) in drivers {
            let _ = writeln!(s, "| {f} | {v:.4} |");
        }
    }
}
