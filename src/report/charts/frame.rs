//! The chart frame: layout (title, legend row, plot area, axes), the data marks figures
//! draw into it, and the finished `<svg>`.

use super::axis::{self, Axis, CategoryLabels, LABEL_FONT, ROTATION};
use super::{MARK, W, escape, px};
use std::fmt::Write;

/// Plot area height (px).
const PLOT_H: f64 = 220.0;
/// Left margin: y tick labels and the y axis title (px).
const LEFT: f64 = 70.0;
/// Right margin (px).
const RIGHT: f64 = 24.0;
/// Baseline of the chart title (px).
const TITLE_Y: f64 = 20.0;
/// Legend row height (px).
const LEGEND_ROW: f64 = 16.0;
/// Room above the plot for reference labels (px).
const REF_ROOM: f64 = 22.0;
/// Tick label font size (px).
const TICK_FONT: f64 = 10.0;

/// One bar: its value, colour, tooltip, and the label written above it when it fits.
#[derive(Debug, Clone)]
pub struct Bar<'a> {
    /// Height (a y value).
    pub value: f64,
    /// Fill colour.
    pub colour: &'a str,
    /// Tooltip (`<title>`).
    pub tip: String,
    /// Label above the bar.
    pub label: Option<String>,
}

/// The horizontal axis: values, or one band per category.
#[derive(Debug, Clone)]
enum XScale {
    Linear(Axis),
    Bands {
        title: String,
        labels: Vec<String>,
        layout: CategoryLabels,
    },
}

/// A chart being drawn: coordinates are data values (for a category axis, x is the
/// category's index); [`Chart::finish`] returns the SVG.
#[derive(Debug, Clone)]
pub struct Chart {
    title: String,
    legend: Vec<(String, String)>,
    x: XScale,
    y: Axis,
    top: f64,
    bottom: f64,
    height: f64,
    /// Behind the data: bands such as the lead window.
    back: String,
    /// The data.
    body: String,
    /// In front of the data: reference marks and their labels.
    front: String,
    /// Label boxes placed so far (x0, y0, x1, y1), so point labels do not overlap.
    placed: Vec<(f64, f64, f64, f64)>,
    /// Points along the data lines (px), so reference labels can keep off them.
    traced: Vec<(f64, f64)>,
}

impl Chart {
    /// A chart with value axes; `legend`: (series name, colour).
    pub fn linear(title: &str, x: Axis, y: Axis, legend: &[(&str, &str)]) -> Self {
        Self::new(title, XScale::Linear(x), y, legend)
    }

    /// A chart with one band per category on the horizontal axis.
    pub fn categories(
        title: &str,
        x_title: &str,
        labels: &[String],
        y: Axis,
        legend: &[(&str, &str)],
    ) -> Self {
        let band = (W - LEFT - RIGHT) / labels.len().max(1) as f64;
        let layout = axis::layout_categories(labels, band, LEFT + band / 2.0);
        Self::new(
            title,
            XScale::Bands {
                title: x_title.to_string(),
                labels: labels.to_vec(),
                layout,
            },
            y,
            legend,
        )
    }

    fn new(title: &str, x: XScale, y: Axis, legend: &[(&str, &str)]) -> Self {
        let legend: Vec<(String, String)> = legend
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect();
        let legend_rows = legend_layout(&legend).last().map_or(0, |e| e.2 + 1);
        let top = TITLE_Y + 10.0 + LEGEND_ROW * legend_rows as f64 + REF_ROOM;
        let bottom = top + PLOT_H;
        let labels_h = match &x {
            XScale::Linear(_) => TICK_FONT + 8.0,
            XScale::Bands { layout, .. } => layout.height,
        };
        let height = (bottom + labels_h + 24.0).ceil();
        Self {
            title: title.to_string(),
            legend,
            x,
            y,
            top,
            bottom,
            height,
            back: String::new(),
            body: String::new(),
            front: String::new(),
            placed: Vec::new(),
            traced: Vec::new(),
        }
    }

    /// The plot area's left, top, right and bottom edges (px).
    pub fn plot_area(&self) -> (f64, f64, f64, f64) {
        (LEFT, self.top, W - RIGHT, self.bottom)
    }

    /// The horizontal position (px) of x (a value, or a category index: its band centre).
    pub fn px(&self, x: f64) -> f64 {
        match &self.x {
            XScale::Linear(a) => LEFT + a.fraction(x) * (W - LEFT - RIGHT),
            XScale::Bands { .. } => LEFT + (x + 0.5) * self.band_width(),
        }
    }

    /// The vertical position (px) of y.
    pub fn py(&self, y: f64) -> f64 {
        self.bottom - self.y.fraction(y) * PLOT_H
    }

    fn band_width(&self) -> f64 {
        match &self.x {
            XScale::Bands { labels, .. } => (W - LEFT - RIGHT) / labels.len().max(1) as f64,
            XScale::Linear(_) => 0.0,
        }
    }

    /// A line through `points` (dashed for references).
    pub fn line(&mut self, points: &[(f64, f64)], colour: &str, dashed: bool) {
        if points.is_empty() {
            return;
        }
        let xy: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (self.px(x), self.py(y))).collect();
        if !dashed {
            self.trace(&xy);
        }
        let pts: Vec<String> = xy.iter().map(|&(x, y)| format!("{},{}", px(x), px(y))).collect();
        let dash = if dashed { " stroke-dasharray=\"5 4\"" } else { "" };
        let _ = write!(
            self.body,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            pts.join(" ")
        );
    }

    /// Points (x, y, tooltip) as dots of radius `r`.
    pub fn points(&mut self, points: &[(f64, f64, String)], colour: &str, r: f64) {
        for (x, y, tip) in points {
            let _ = write!(
                self.body,
                "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{colour}\"><title>{}</title></circle>",
                px(self.px(*x)),
                px(self.py(*y)),
                px(r),
                escape(tip)
            );
        }
    }

    /// A series: a line through `points` (x, y, tooltip) with a dot of radius `r` at each.
    pub fn series(&mut self, points: &[(f64, f64, String)], colour: &str, r: f64) {
        let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
        self.line(&xy, colour, false);
        self.points(points, colour, r);
    }

    /// A bar from x `lo` to `hi` (values).
    pub fn bar_between(&mut self, lo: f64, hi: f64, bar: Bar<'_>) {
        let (x0, x1) = (self.px(lo), self.px(hi));
        self.bar(x0 + 0.5, (x1 - x0 - 1.0).max(1.0), bar);
    }

    /// A bar in category `band`'s slice from `from` to `to` (shares of the band's width).
    pub fn bar_in_band(&mut self, band: usize, from: f64, to: f64, bar: Bar<'_>) {
        let w = self.band_width();
        let inner = w * 0.8;
        let x0 = LEFT + band as f64 * w + w * 0.1 + from * inner;
        self.bar(x0, ((to - from) * inner - 1.0).max(1.0), bar);
    }

    fn bar(&mut self, x: f64, width: f64, bar: Bar<'_>) {
        let y = self.py(bar.value.max(0.0));
        let _ = write!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
            px(x),
            px(y),
            px(width),
            px(self.bottom - y),
            bar.colour,
            escape(&bar.tip)
        );
        if let Some(label) = bar.label.filter(|l| axis::text_width(l, 9.0) <= width + 2.0) {
            let _ = write!(
                self.front,
                "<text class=\"value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\">{}</text>",
                px(x + width / 2.0),
                px(y - 3.0),
                escape(&label)
            );
        }
    }

    /// A vertical reference line at x, labelled above the plot.
    pub fn vline(&mut self, x: f64, label: &str) {
        let p = self.px(x);
        let _ = write!(
            self.front,
            "<line class=\"mark\" x1=\"{p:.1}\" y1=\"{:.1}\" x2=\"{p:.1}\" y2=\"{:.1}\" stroke=\"{MARK}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>",
            self.top, self.bottom
        );
        self.label_above(p, label);
    }

    /// A horizontal reference line at y, labelled at its right end, or at its left end or
    /// below it where the data lines would run through the label.
    pub fn hline(&mut self, y: f64, label: &str) {
        let p = self.py(y);
        let (left, _, right, _) = self.plot_area();
        let w = axis::text_width(label, 11.0);
        let places = [
            (right - 4.0 - w, p - 4.0),
            (left + 4.0, p - 4.0),
            (right - 4.0 - w, p + 14.0),
            (left + 4.0, p + 14.0),
        ];
        let (x0, ty) = places
            .into_iter()
            .find(|&(x0, ty)| self.is_clear((x0, ty - 11.0, x0 + w, ty + 3.0)))
            .unwrap_or(places[0]);
        self.placed.push((x0, ty - 11.0, x0 + w, ty + 3.0));
        let _ = write!(
            self.front,
            "<line class=\"mark\" x1=\"{left:.1}\" y1=\"{p:.1}\" x2=\"{right:.1}\" y2=\"{p:.1}\" stroke=\"{MARK}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>{}",
            halo_text("mark-label", x0, ty, "start", label)
        );
    }

    /// Records points every few px along a data line.
    fn trace(&mut self, xy: &[(f64, f64)]) {
        self.traced.extend(xy.iter().copied());
        for w in xy.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            let steps = ((x1 - x0).hypot(y1 - y0) / 3.0).ceil().min(1000.0) as usize;
            for i in 1..steps {
                let t = i as f64 / steps as f64;
                self.traced.push((x0 + t * (x1 - x0), y0 + t * (y1 - y0)));
            }
        }
    }

    /// Whether a label box keeps off the data lines and the labels placed so far.
    fn is_clear(&self, b: (f64, f64, f64, f64)) -> bool {
        let on_line = self
            .traced
            .iter()
            .any(|&(x, y)| x >= b.0 - 2.0 && x <= b.2 + 2.0 && y >= b.1 - 2.0 && y <= b.3 + 2.0);
        !on_line && !self.placed.iter().any(|p| overlaps(*p, b))
    }

    /// A shaded band from x `lo` to `hi` behind the data, labelled above the plot.
    pub fn band(&mut self, lo: f64, hi: f64, label: &str) {
        let (x0, x1) = (self.px(lo), self.px(hi));
        let _ = write!(
            self.back,
            "<rect class=\"mark\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{PLOT_H}\" fill=\"#e8e8e8\"/>",
            self.top,
            (x1 - x0).max(1.0)
        );
        self.label_above((x0 + x1) / 2.0, label);
    }

    /// A marked point (ring) at (x, y) with a label of one or more lines beside it.
    pub fn mark(&mut self, x: f64, y: f64, lines: &[String]) {
        let (cx, cy) = (self.px(x), self.py(y));
        let w = lines
            .iter()
            .map(|l| axis::text_width(l, 11.0))
            .fold(0.0, f64::max);
        let h = 13.0 * lines.len() as f64;
        // Right of the point when it fits, else left of it, else as near as the chart allows;
        // above it when there is room, else below.
        let x0 = if cx + 8.0 + w <= W - 4.0 {
            cx + 8.0
        } else {
            cx - 8.0 - w
        };
        let x0 = x0.clamp(LEFT + 4.0, (W - 4.0 - w).max(LEFT + 4.0));
        let first = if cy - 8.0 - h >= self.top {
            cy - 8.0 - h + 11.0
        } else {
            cy + 18.0
        };
        let _ = write!(
            self.front,
            "<circle class=\"mark\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"6\" fill=\"none\" stroke=\"black\" stroke-width=\"2\"/>"
        );
        for (i, line) in lines.iter().enumerate() {
            let ty = first + 13.0 * i as f64;
            self.front
                .push_str(&halo_text("mark-label", x0, ty, "start", line));
        }
        self.placed.push((x0, first - 11.0, x0 + w, first - 11.0 + h));
    }

    /// A small label next to a data point, above it or else below it, left out when both
    /// places would overlap a label already placed (returns whether it was written).
    pub fn point_label(&mut self, x: f64, y: f64, text: &str) -> bool {
        let (cx, cy) = (self.px(x), self.py(y));
        let w = axis::text_width(text, 9.0);
        let x0 = (cx - w / 2.0).clamp(2.0, W - 2.0 - w);
        for ty in [cy - 7.0, cy + 15.0] {
            let b = (x0, ty - 9.0, x0 + w, ty + 2.0);
            let clear = !self.placed.iter().any(|p| overlaps(*p, b));
            if clear && b.1 >= self.top - REF_ROOM && b.3 <= self.bottom {
                self.placed.push(b);
                let _ = write!(
                    self.front,
                    "<text class=\"value\" x=\"{:.1}\" y=\"{ty:.1}\" font-size=\"9\">{}</text>",
                    x0,
                    escape(text)
                );
                return true;
            }
        }
        false
    }

    /// A "no data" note in the middle of the plot.
    pub fn no_data(&mut self) {
        let _ = write!(
            self.front,
            "<text class=\"no-data\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#555\">no data</text>",
            (LEFT + W - RIGHT) / 2.0,
            self.top + PLOT_H / 2.0
        );
    }

    fn label_above(&mut self, x: f64, label: &str) {
        let w = axis::text_width(label, 11.0);
        let x = x.clamp(w / 2.0 + 2.0, W - w / 2.0 - 2.0);
        let _ = write!(
            self.front,
            "<text class=\"mark-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            self.top - 6.0,
            escape(label)
        );
        self.placed
            .push((x - w / 2.0, self.top - 17.0, x + w / 2.0, self.top - 3.0));
    }

    /// The finished `<svg>`.
    pub fn finish(self) -> String {
        let title = escape(&self.title);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"{title}\" font-family=\"sans-serif\" font-size=\"11\">\
             <title>{title}</title><rect width=\"100%\" height=\"100%\" fill=\"white\"/>\
             <text class=\"chart-title\" x=\"{}\" y=\"{TITLE_Y}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{title}</text>",
            W / 2.0,
            h = self.height
        );
        s.push_str(&self.legend_svg());
        s.push_str(&self.grid());
        s.push_str(&self.back);
        s.push_str(&self.body);
        s.push_str(&self.axes());
        s.push_str(&self.front);
        s.push_str("</svg>");
        s
    }

    fn legend_svg(&self) -> String {
        let mut s = String::new();
        for (x, (name, colour), row) in legend_layout(&self.legend)
            .into_iter()
            .map(|(x, i, row)| (x, &self.legend[i], row))
        {
            let y = TITLE_Y + 10.0 + LEGEND_ROW * (row as f64 + 1.0);
            let _ = write!(
                s,
                "<g class=\"legend\"><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"10\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{y:.1}\">{}</text></g>",
                y - 9.0,
                x + 16.0,
                escape(name)
            );
        }
        s
    }

    fn grid(&self) -> String {
        let mut s = String::new();
        for &t in &self.y.ticks {
            let y = self.py(t);
            let _ = write!(
                s,
                "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/>",
                W - RIGHT
            );
        }
        if let XScale::Linear(a) = &self.x {
            for &t in &a.ticks {
                let x = self.px(t);
                let _ = write!(
                    s,
                    "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e4e4e4\"/>",
                    self.top, self.bottom
                );
            }
        }
        s
    }

    fn axes(&self) -> String {
        let (left, top, right, bottom) = self.plot_area();
        let mut s = format!(
            "<line x1=\"{left}\" y1=\"{bottom:.1}\" x2=\"{right}\" y2=\"{bottom:.1}\" stroke=\"black\"/>\
             <line x1=\"{left}\" y1=\"{top:.1}\" x2=\"{left}\" y2=\"{bottom:.1}\" stroke=\"black\"/>"
        );
        for &t in &self.y.ticks {
            let y = self.py(t);
            let _ = write!(
                s,
                "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{left}\" y2=\"{y:.1}\" stroke=\"black\"/><text class=\"tick-y\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"{TICK_FONT}\">{}</text>",
                left - 4.0,
                left - 7.0,
                y + 3.5,
                escape(&self.y.label(t))
            );
        }
        let (x_title, labels_h) = match &self.x {
            XScale::Linear(a) => {
                s.push_str(&self.linear_ticks(a));
                (a.title.as_str(), TICK_FONT + 8.0)
            }
            XScale::Bands {
                title,
                labels,
                layout,
            } => {
                s.push_str(&self.category_ticks(labels, layout));
                (title.as_str(), layout.height)
            }
        };
        let _ = write!(
            s,
            "<text class=\"axis-title x\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"axis-title y\" x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">{}</text>",
            (left + right) / 2.0,
            bottom + labels_h + 16.0,
            escape(x_title),
            (top + bottom) / 2.0,
            (top + bottom) / 2.0,
            escape(&self.y.title)
        );
        s
    }

    fn linear_ticks(&self, a: &Axis) -> String {
        let mut s = String::new();
        for &t in &a.ticks {
            let x = self.px(t);
            let _ = write!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/><text class=\"tick-x\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{TICK_FONT}\">{}</text>",
                self.bottom,
                self.bottom + 4.0,
                self.bottom + 16.0,
                escape(&a.label(t))
            );
        }
        s
    }

    fn category_ticks(&self, labels: &[String], layout: &CategoryLabels) -> String {
        let mut s = String::new();
        for (i, (full, shown)) in labels.iter().zip(&layout.shown).enumerate() {
            let x = self.px(i as f64);
            let _ = write!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/>",
                self.bottom,
                self.bottom + 4.0
            );
            let Some(shown) = shown else { continue };
            let text = if layout.rotated {
                let (ax, ay) = (x + 3.0, self.bottom + 10.0);
                format!(
                    "<text class=\"tick-x\" x=\"{ax:.1}\" y=\"{ay:.1}\" text-anchor=\"end\" font-size=\"{LABEL_FONT}\" transform=\"rotate({ROTATION} {ax:.1} {ay:.1})\">{}</text>",
                    escape(shown)
                )
            } else {
                format!(
                    "<text class=\"tick-x\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{LABEL_FONT}\">{}</text>",
                    self.bottom + 16.0,
                    escape(shown)
                )
            };
            let _ = write!(
                s,
                "<g class=\"category\"><title>{}</title>{text}</g>",
                escape(full)
            );
        }
        s
    }
}

/// Text with a white outline, readable over lines and bars.
fn halo_text(class: &str, x: f64, y: f64, anchor: &str, text: &str) -> String {
    format!(
        "<text class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
        escape(text)
    )
}

/// Legend entries' x position, index and row, wrapping rows at the chart's width.
fn legend_layout(legend: &[(String, String)]) -> Vec<(f64, usize, usize)> {
    let (mut x, mut row, mut out) = (LEFT, 0usize, Vec::new());
    for (i, (name, _)) in legend.iter().enumerate() {
        let w = 16.0 + axis::text_width(name, 11.0) + 14.0;
        if x + w > W - RIGHT && x > LEFT {
            (x, row) = (LEFT, row + 1);
        }
        out.push((x, i, row));
        x += w;
    }
    out
}

/// Whether two boxes (x0, y0, x1, y1) overlap.
fn overlaps(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}
