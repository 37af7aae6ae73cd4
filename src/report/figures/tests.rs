use super::super::charts::svgcheck::{El, check_chart, texts};
use super::super::diagnosis::{Count, EscalationCounts, GateResult};
use super::super::quarter::Quarter;
use super::super::quarterly::{CategoryChange, Performance, Prevention, QuarterlyReport};
use super::*;
use crate::risk::metrics::PrPoint;
use std::collections::BTreeMap;

use crate::testutil::at_threshold as at;

fn bin(predicted: f64, observed: f64, rows: usize) -> ReliabilityBin {
    ReliabilityBin {
        lower: 0.0,
        upper: 1.0,
        rows,
        predicted,
        observed,
    }
}

fn options() -> BacktestOptions {
    BacktestOptions {
        alert_threshold: 60,
        lead_max_hours: 72,
        lead_min_hours: 24,
        horizon_hours: 72,
        cadence_hours: 24,
        tier_thresholds: vec![40, 60, 80],
        min_recall: 0.8,
        min_precision: 0.3,
    }
}

fn keep<T>(with_data: bool, v: Vec<T>) -> Vec<T> {
    if with_data { v } else { Vec::new() }
}

fn report(with_data: bool) -> BacktestReport {
    let pr = |t: f64, r: f64, p: f64| PrPoint {
        threshold: t,
        recall: r,
        precision: p,
    };
    BacktestReport {
        snapshots: 1000,
        accounts: 100,
        weeks: 10.0,
        escalations: 20,
        eligible: 20,
        at_alert_threshold: at(60, 0.7, 0.4),
        at_tiers: keep(
            with_data,
            vec![at(80, 0.4, 0.6), at(40, 0.9, 0.2), at(60, 0.7, 0.4)],
        ),
        threshold_for_target_recall: Some(45),
        precision_at_target_recall: Some(0.25),
        median_lead_hours: Some(40.0),
        lead_hours: keep(with_data, vec![30.0, 40.0, 50.0, 100.0]),
        roc_auc: 0.8,
        pr_auc: 0.5,
        brier: 0.01,
        brier_uncalibrated: 0.02,
        reliability_before: keep(with_data, vec![bin(0.004, 0.002, 5000), bin(0.03, 0.05, 300)]),
        reliability_after: keep(with_data, vec![bin(0.003, 0.003, 5100), bin(0.04, 0.042, 200)]),
        pr_curve: keep(
            with_data,
            vec![pr(0.9, 0.1, 0.9), pr(0.6, 0.5, 0.5), pr(0.2, 1.0, 0.1)],
        ),
        gate_passed: true,
        gate_reason: "ok".into(),
    }
}

fn figure<'a>(figs: &'a [Figure], file: &str) -> &'a str {
    &figs
        .iter()
        .find(|f| f.file == file)
        .unwrap_or_else(|| panic!("{file}"))
        .svg
}

/// The x position of the vertical reference line, and its label.
fn vline(els: &[El]) -> (f64, String) {
    let line = els
        .iter()
        .find(|e| e.name == "line" && e.has_class("mark") && e.num("x1") == e.num("x2"))
        .expect("vertical mark");
    let label = texts(els, "mark-label").into_iter().next().expect("mark label");
    (line.num("x1"), label)
}

/// The pixel position of value `v` on an axis whose ticks are the `class` texts.
fn tick_position(els: &[El], class: &str, label: &str) -> f64 {
    let e = els
        .iter()
        .find(|e| e.has_class(class) && e.text == label)
        .unwrap_or_else(|| panic!("tick {label}"));
    if class == "tick-x" {
        e.num("x")
    } else {
        e.num("y") - 3.5
    }
}

#[test]
fn model_figures_include_the_tier_chart() {
    let files: Vec<&str> = model(&report(true), &options()).iter().map(|f| f.file).collect();
    assert_eq!(
        files,
        ["pr_curve.svg", "calibration.svg", "lead_time.svg", "tiers.svg"]
    );
}

#[test]
fn pr_curve_marks_the_alert_threshold_point_and_the_target_recall() {
    let figs = model(&report(true), &options());
    let els = check_chart(figure(&figs, "pr_curve.svg"));
    let pct = ["0%", "20%", "40%", "60%", "80%", "100%"];
    assert_eq!(texts(&els, "tick-x"), pct);
    assert_eq!(texts(&els, "tick-y"), pct);
    assert!(texts(&els, "axis-title").iter().any(|t| t == "recall (%)"));
    assert!(texts(&els, "axis-title").iter().any(|t| t == "precision (%)"));
    let (x, label) = vline(&els);
    assert_eq!(label, "target recall 80%");
    assert!((x - tick_position(&els, "tick-x", "80%")).abs() < 0.2);
    // The PR point at probability 0.6 is the alert threshold 60's: recall 50%, precision 50%.
    let ring = els
        .iter()
        .find(|e| e.name == "circle" && e.has_class("mark"))
        .expect("ring");
    assert!(
        (ring.num("cx")
            - (tick_position(&els, "tick-x", "40%") + tick_position(&els, "tick-x", "60%")) / 2.0)
            .abs()
            < 0.2
    );
    assert!(
        (ring.num("cy")
            - (tick_position(&els, "tick-y", "40%") + tick_position(&els, "tick-y", "60%")) / 2.0)
            .abs()
            < 0.2
    );
    assert_eq!(
        texts(&els, "mark-label")[1..],
        ["alert threshold 60", "recall 50%, precision 50%"]
    );
}

#[test]
fn tier_chart_marks_alert_threshold_and_target_recall() {
    let figs = model(&report(true), &options());
    let els = check_chart(figure(&figs, "tiers.svg"));
    assert_eq!(texts(&els, "tick-x"), ["0", "20", "40", "60", "80", "100"]);
    assert_eq!(texts(&els, "tick-y"), ["0%", "20%", "40%", "60%", "80%", "100%"]);
    assert!(texts(&els, "axis-title").contains(&"risk-score threshold (0–100)".to_string()));
    let (x, label) = vline(&els);
    assert_eq!(label, "alert threshold 60");
    assert!((x - tick_position(&els, "tick-x", "60")).abs() < 0.2);
    let h = els
        .iter()
        .find(|e| e.name == "line" && e.has_class("mark") && e.num("y1") == e.num("y2"))
        .expect("target line");
    assert!((h.num("y1") - tick_position(&els, "tick-y", "80%")).abs() < 0.2);
    assert!(texts(&els, "mark-label").contains(&"target recall 80%".to_string()));
    // Sorted by threshold: the recall line falls from 90% at 40 to 40% at 80.
    let recall_points: Vec<f64> = els
        .iter()
        .filter(|e| e.name == "circle" && e.attrs.get("fill").map(String::as_str) == Some(charts::colour(0)))
        .map(|e| e.num("cx"))
        .collect();
    assert_eq!(
        recall_points.len(),
        3,
        "the alert threshold 60 is a tier: drawn once"
    );
    assert!(recall_points.windows(2).all(|w| w[0] < w[1]));
    // An alert threshold below the tiers extends the curve to it.
    let mut r = report(true);
    r.at_alert_threshold = at(10, 0.95, 0.1);
    let figs = model(&r, &options());
    let els = check_chart(figure(&figs, "tiers.svg"));
    let first = els
        .iter()
        .find(|e| e.name == "circle" && e.attrs.get("fill").map(String::as_str) == Some(charts::colour(0)))
        .expect("point");
    let (x0, x20) = (
        tick_position(&els, "tick-x", "0"),
        tick_position(&els, "tick-x", "20"),
    );
    assert!((first.num("cx") - (x0 + x20) / 2.0).abs() < 0.2);
    assert_eq!(vline(&els).1, "alert threshold 10");
}

#[test]
fn calibration_shows_diagonal_counts_and_scaled_ticks() {
    let figs = model(&report(true), &options());
    let els = check_chart(figure(&figs, "calibration.svg"));
    // Largest rate 5% → axes 0–5% in 1% steps.
    let ticks = ["0%", "1%", "2%", "3%", "4%", "5%"];
    assert_eq!(texts(&els, "tick-x"), ticks);
    assert_eq!(texts(&els, "tick-y"), ticks);
    let values = texts(&els, "value");
    assert!(
        values.contains(&"n=5,000".to_string()) && values.contains(&"n=300".to_string()),
        "{values:?}"
    );
    let diagonal = els
        .iter()
        .find(|e| e.name == "polyline" && e.attrs.contains_key("stroke-dasharray"))
        .expect("diagonal");
    let ends: Vec<&str> = diagonal.attrs["points"].split(' ').collect();
    let origin = format!(
        "{:.1},{:.1}",
        tick_position(&els, "tick-x", "0%"),
        tick_position(&els, "tick-y", "0%")
    );
    let corner = format!(
        "{:.1},{:.1}",
        tick_position(&els, "tick-x", "5%"),
        tick_position(&els, "tick-y", "5%")
    );
    assert_eq!(ends, [origin, corner]);
    assert_eq!(els.iter().filter(|e| e.name == "circle").count(), 4);
}

#[test]
fn lead_time_marks_the_lead_window() {
    let figs = model(&report(true), &options());
    let els = check_chart(figure(&figs, "lead_time.svg"));
    assert_eq!(
        texts(&els, "tick-x"),
        ["0", "12", "24", "36", "48", "60", "72", "84", "96", "108"]
    );
    assert_eq!(texts(&els, "tick-y"), ["0", "1", "2"]);
    let band = els
        .iter()
        .find(|e| e.name == "rect" && e.has_class("mark"))
        .expect("window");
    assert!((band.num("x") - tick_position(&els, "tick-x", "24")).abs() < 0.2);
    assert!((band.num("x") + band.num("width") - tick_position(&els, "tick-x", "72")).abs() < 0.2);
    assert_eq!(texts(&els, "mark-label"), ["lead window 24–72 h"]);
}

#[test]
fn empty_model_and_quarter_render_every_chart() {
    for f in model(&report(false), &options())
        .iter()
        .chain(&quarterly(&quarter(Vec::new())))
    {
        let els = check_chart(&f.svg);
        assert_eq!(texts(&els, "no-data"), ["no data"], "{}", f.file);
    }
}

fn quarter(changes: Vec<CategoryChange>) -> QuarterlyReport {
    QuarterlyReport {
        quarter: Quarter { year: 2026, q: 2 },
        changes,
        rising: Vec::new(),
        min_support: 5,
        performance: None,
        feedback: BTreeMap::new(),
        prevention: Prevention::default(),
        prevention_days: 30,
        resolutions: Vec::new(),
    }
}

#[test]
fn quarterly_categories_show_titles_apart() {
    let changes: Vec<CategoryChange> = (0..8)
        .map(|i| CategoryChange {
            category: format!("cat_{i}"),
            title: format!("Implementation trouble {i:02}"),
            previous: i,
            current: 2 * i,
            change_pct: None,
        })
        .collect();
    let mut r = quarter(changes);
    r.performance = Some(Performance {
        monthly: vec![
            ("2026-04".into(), Some(0.5), Some(0.8)),
            ("2026-05".into(), None, Some(0.6)),
        ],
        lead_hours: vec![30.0],
        ..Performance::empty()
    });
    let figs = quarterly(&r);
    assert_eq!(figs.len(), 4);
    let els = check_chart(figure(&figs, "escalations_by_category.svg"));
    let shown = texts(&els, "tick-x");
    assert_eq!(shown.len(), 8);
    assert!(
        shown.iter().all(|t| t.starts_with("Implementation")),
        "titles, not ids: {shown:?}"
    );
    assert!(!figure(&figs, "escalations_by_category.svg").contains("cat_1"));
    let legend: Vec<String> = els
        .iter()
        .filter(|e| e.name == "text" && e.parent.is_some_and(|p| els[p].has_class("legend")))
        .map(|e| e.text.clone())
        .collect();
    assert_eq!(legend, ["2026Q1", "2026Q2"]);
    let monthly = check_chart(figure(&figs, "precision_recall_by_month.svg"));
    assert_eq!(texts(&monthly, "tick-x"), ["2026-04", "2026-05"]);
    assert_eq!(monthly.iter().filter(|e| e.name == "circle").count(), 3);
}

#[test]
fn doctor_charts_have_scales_and_the_alert_threshold() {
    let months = doctor_months(&EscalationCounts {
        total: 7,
        per_month: vec![
            Count {
                label: "2026-01".into(),
                count: 3,
            },
            Count {
                label: "2026-02".into(),
                count: 4,
            },
        ],
        per_category: Vec::new(),
    });
    let els = check_chart(&months);
    assert_eq!(texts(&els, "tick-x"), ["2026-01", "2026-02"]);
    assert_eq!(texts(&els, "tick-y"), ["0", "1", "2", "3", "4", "5"]);
    assert_eq!(texts(&els, "value"), ["3", "4"]);
    let curve = doctor_curve(
        &GateResult {
            eligible: 10,
            at_alert_threshold: at(70, 0.5, 0.3),
            curve: vec![at(50, 0.8, 0.2), at(70, 0.5, 0.3), at(90, 0.2, 0.5)],
            pr_auc: 0.4,
            reachable: false,
            reachable_at: None,
            recall_margin: 0.1,
            precision_margin: 0.1,
            borderline: false,
        },
        0.8,
    );
    let els = check_chart(&curve);
    let (x, label) = vline(&els);
    assert_eq!(label, "alert threshold 70");
    assert!(texts(&els, "mark-label").contains(&"target recall 80%".to_string()));
    let (x60, x80) = (
        tick_position(&els, "tick-x", "60"),
        tick_position(&els, "tick-x", "80"),
    );
    assert!((x - (x60 + x80) / 2.0).abs() < 0.2);
}
