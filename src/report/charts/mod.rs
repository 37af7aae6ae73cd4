//! SVG charts with readable axes, shared by the model, quarterly and doctor reports: a
//! [`Chart`] is a frame (title, legend above the plot, axes with round tick values and
//! titles) that figures draw lines, points, bars and labelled reference marks into.
//!
//! Output: one `<svg>` element of plain text (no scripts, no external resources), the same
//! bytes for the same data, with `role="img"`, an `aria-label` (the title), a `viewBox` and
//! a width of [`W`] px. Tick labels are `<text class="tick-x">` / `<text class="tick-y">`;
//! axis titles carry their unit; category labels never overlap (horizontal when they fit
//! their band, else rotated 45°, abbreviated and thinned) and each sits in a `<g>` with the
//! full name as its `<title>`.
//!
//! # Why hand-written SVG and not plotters
//!
//! Measured on 2026-12-07 (2 cores): a scratch crate depending only on
//! `plotters = { version = "0.3", default-features = false, features = ["svg_backend",
//! "line_series", "histogram", "point_series"] }` builds cold in 4.4 s (`cargo build -j2`,
//! debug) and 5.6 s (`--release`), compiling plotters, plotters-backend, plotters-svg and
//! num-traits (already in vigil's tree). The build cost is small; the conventions decide.
//! plotters 0.3.7's SVG backend writes `<svg width height viewBox xmlns>` with no `role` or
//! `aria-label`, cannot give a text a `<title>` (full category name), rotates text only in
//! 90° steps (`FontTransform::Rotate90/180/270`), does not keep labels apart, and places
//! series labels inside the plotting area by default. Category labels, legends, reference
//! labels and the root element would still be hand-written or patched into its output
//! string, so plotters would add a dependency without removing this module's work. The
//! axes ([`axis`]) and frame here are small, tested and deterministic.

pub mod axis;
mod frame;

pub use axis::{Axis, TickFormat};
pub use frame::{Bar, Chart};

use std::fmt::Write;

/// Chart width (px); every chart is this wide.
pub const W: f64 = 600.0;

/// Series colours, in order.
pub const COLOURS: [&str; 6] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
/// Reference marks (thresholds, targets, windows).
pub const MARK: &str = "#555";

/// Escapes text for HTML and SVG.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A histogram of `values` (negative ones count as 0) in bins of `bin` from 0 up to at
/// least `min_top`, each bar's count written above it when it fits.
pub fn histogram(title: &str, x_title: &str, y_title: &str, values: &[f64], bin: f64, min_top: f64) -> Chart {
    let bin = if bin.is_finite() && bin >= 1.0 { bin } else { 1.0 };
    let max = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(min_top, f64::max);
    let x = Axis::multiples(x_title, max, bin);
    let bins = ((x.hi / bin).round() as usize).max(1);
    let mut counts = vec![0usize; bins];
    for v in values.iter().filter(|v| v.is_finite()) {
        counts[((v.max(0.0) / bin) as usize).min(bins - 1)] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(0);
    let mut c = Chart::linear(title, x, Axis::count(y_title, peak as f64), &[]);
    for (i, &n) in counts.iter().enumerate() {
        let (lo, hi) = (i as f64 * bin, (i + 1) as f64 * bin);
        let bar = Bar {
            value: n as f64,
            colour: COLOURS[0],
            tip: format!("{lo}–{hi}: {}", crate::format::count(n)),
            label: (n > 0).then(|| crate::format::count(n)),
        };
        c.bar_between(lo, hi, bar);
    }
    if values.is_empty() {
        c.no_data();
    }
    c
}

/// Grouped bars: one group per category label, one bar per series (name, value by label),
/// each bar's value written above it when it fits.
pub fn grouped_bars(
    title: &str,
    x_title: &str,
    y_title: &str,
    labels: &[String],
    series: &[(String, Vec<f64>)],
) -> String {
    let peak = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0, f64::max);
    let legend: Vec<(&str, &str)> = if series.len() > 1 {
        series
            .iter()
            .enumerate()
            .map(|(k, (n, _))| (n.as_str(), colour(k)))
            .collect()
    } else {
        Vec::new()
    };
    let mut c = Chart::categories(title, x_title, labels, Axis::count(y_title, peak), &legend);
    let per = series.len().max(1) as f64;
    for (g, label) in labels.iter().enumerate() {
        for (k, (name, values)) in series.iter().enumerate() {
            let v = values.get(g).copied().unwrap_or(0.0);
            let count = crate::format::count(v.round() as usize);
            let bar = Bar {
                value: v,
                colour: colour(k),
                tip: format!("{label}, {name}: {count}"),
                label: Some(count),
            };
            c.bar_in_band(g, k as f64 / per, (k + 1) as f64 / per, bar);
        }
    }
    if labels.is_empty() || series.is_empty() {
        c.no_data();
    }
    c.finish()
}

/// Lines over categories (months) on a share axis (0–100%), a point with its value's
/// tooltip at each value (`None`: no point; the line joins the points either side).
pub fn category_lines(
    title: &str,
    x_title: &str,
    y_title: &str,
    labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> String {
    let legend: Vec<(&str, &str)> = series
        .iter()
        .enumerate()
        .map(|(k, (n, _))| (n.as_str(), colour(k)))
        .collect();
    let mut c = Chart::categories(title, x_title, labels, Axis::percent(y_title, 1.0), &legend);
    for (k, (name, values)) in series.iter().enumerate() {
        let points: Vec<(f64, f64, String)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let v = v.filter(|v| v.is_finite())?;
                let label = labels.get(i).map_or("", String::as_str);
                Some((
                    i as f64,
                    v,
                    format!("{label}, {name}: {}", crate::format::pct(v, 1)),
                ))
            })
            .collect();
        c.series(&points, colour(k), 3.0);
    }
    if labels.is_empty() || series.iter().all(|(_, v)| v.iter().all(Option::is_none)) {
        c.no_data();
    }
    c.finish()
}

/// The `k`-th series colour.
pub fn colour(k: usize) -> &'static str {
    COLOURS[k % COLOURS.len()]
}

/// Formats `f64` coordinates with one decimal (the SVG stays small and deterministic).
fn px(v: f64) -> String {
    let mut s = String::new();
    let _ = write!(s, "{v:.1}");
    s
}

#[cfg(test)]
pub(crate) mod svgcheck;
#[cfg(test)]
mod tests;
