//! Hand-written SVG charts (frame, line, bar and histogram), shared by the backtest report
//! and the quarterly report.
//!
//! A few simple charts do not justify plotters' build cost on 2 cores, and hand-written SVG
//! is plain text that diffs, inlines into HTML and renders everywhere without scripts.

use std::fmt::Write;

/// Chart width (px).
pub const W: f64 = 420.0;
/// Chart height (px).
pub const H: f64 = 300.0;
/// Padding around the plot area (px).
pub const PAD: f64 = 40.0;

/// Series colours, in order.
pub const COLOURS: [&str; 6] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/// Escapes text for HTML and SVG.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Opens an SVG with a title, axes and axis labels (close it with `</svg>`).
pub fn frame(title: &str, x_label: &str, y_label: &str) -> String {
    let (title, x_label, y_label) = (escape(title), escape(x_label), escape(y_label));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"11\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\
         <text x=\"{}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">{title}</text>\
         <line x1=\"{PAD}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\
         <line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{PAD}\" y2=\"{}\" stroke=\"black\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x_label}</text>\
         <text x=\"12\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {})\">{y_label}</text>",
        W / 2.0,
        H - PAD,
        W - PAD / 2.0,
        H - PAD,
        H - PAD,
        W / 2.0,
        H - 8.0,
        H / 2.0,
        H / 2.0
    )
}

/// Maps (x, y) in [0, 1]² to the plot area.
pub fn at(x: f64, y: f64) -> (f64, f64) {
    (
        PAD + x.clamp(0.0, 1.0) * (W - 1.5 * PAD),
        H - PAD - y.clamp(0.0, 1.0) * (H - 2.0 * PAD),
    )
}

/// A line through points in [0, 1]².
pub fn polyline(points: &[(f64, f64)], colour: &str) -> String {
    let pts: Vec<String> = points
        .iter()
        .map(|&(x, y)| {
            let (px, py) = at(x, y);
            format!("{px:.1},{py:.1}")
        })
        .collect();
    format!(
        "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
        pts.join(" ")
    )
}

/// A legend line at the top left (`i`: its position).
fn legend(i: usize, name: &str, colour: &str) -> String {
    format!(
        "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{}</text>",
        PAD + 10.0,
        PAD + 10.0 + 14.0 * i as f64,
        escape(name)
    )
}

/// A histogram of `values` in bins of `bin` from 0 up to at least `min_top`.
pub fn histogram(
    title: &str,
    x_label: &str,
    y_label: &str,
    values: &[f64],
    bin: f64,
    min_top: f64,
) -> String {
    let bin = if bin > 0.0 { bin } else { 1.0 };
    let max = values.iter().copied().fold(min_top, f64::max);
    let bins = ((max / bin).ceil() as usize).max(1);
    let mut counts = vec![0usize; bins];
    for &v in values {
        counts[((v.max(0.0) / bin) as usize).min(bins - 1)] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut s = frame(title, x_label, y_label);
    let width = (W - 1.5 * PAD) / bins as f64;
    for (i, &c) in counts.iter().enumerate() {
        let (x, y) = at(i as f64 / bins as f64, c as f64 / peak);
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#1f77b4\"/>",
            (width - 1.0).max(1.0),
            H - PAD - y
        );
    }
    let _ = write!(
        s,
        "<text x=\"{PAD}\" y=\"{}\">peak {peak:.0}</text></svg>",
        PAD - 4.0
    );
    s
}

/// Grouped bars: one group per label, one bar per series (name, values by label).
pub fn grouped_bars(title: &str, y_label: &str, labels: &[String], series: &[(String, Vec<f64>)]) -> String {
    let peak = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let mut s = frame(title, "", &format!("{y_label} (max {peak:.0})"));
    let groups = labels.len().max(1) as f64;
    let group_w = (W - 1.5 * PAD) / groups;
    let bar_w = (group_w - 4.0) / series.len().max(1) as f64;
    for (g, label) in labels.iter().enumerate() {
        let x0 = PAD + g as f64 * group_w + 2.0;
        for (k, (_, values)) in series.iter().enumerate() {
            let v = values.get(g).copied().unwrap_or(0.0);
            let (_, y) = at(0.0, v / peak);
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
                x0 + k as f64 * bar_w,
                (bar_w - 1.0).max(1.0),
                H - PAD - y,
                COLOURS[k % COLOURS.len()]
            );
        }
        let short: String = label.chars().take(14).collect();
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\">{}</text>",
            x0 + group_w / 2.0,
            H - PAD + 12.0,
            escape(&short)
        );
    }
    for (k, (name, _)) in series.iter().enumerate() {
        s.push_str(&legend(k, name, COLOURS[k % COLOURS.len()]));
    }
    s.push_str("</svg>");
    s
}

/// Lines over evenly spaced labels, values in [0, 1] (`None`: no point).
pub fn lines(title: &str, y_label: &str, labels: &[String], series: &[(String, Vec<Option<f64>>)]) -> String {
    let mut s = frame(title, "", y_label);
    let step = if labels.len() > 1 {
        1.0 / (labels.len() - 1) as f64
    } else {
        0.0
    };
    for (k, (name, values)) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let pts: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64 * step, v)))
            .collect();
        s.push_str(&polyline(&pts, colour));
        for &(x, y) in &pts {
            let (px, py) = at(x, y);
            let _ = write!(
                s,
                "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
        s.push_str(&legend(k, name, colour));
    }
    for (i, label) in labels.iter().enumerate() {
        let (px, _) = at(i as f64 * step, 0.0);
        let _ = write!(
            s,
            "<text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\">{}</text>",
            H - PAD + 12.0,
            escape(label)
        );
    }
    s.push_str("</svg>");
    s
}
