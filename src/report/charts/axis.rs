//! Axes: a value range with round tick values ("nice numbers": steps of 1, 2 or 5 times a
//! power of ten), how the ticks are written, and the category axis's label layout.

use crate::format;

/// How tick values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickFormat {
    /// Values are shares (0–1), written as percentages (`20%`, `2.5%`).
    Percent,
    /// Whole numbers with thousands separators (`1,200`).
    Integer,
}

/// A linear axis: its title (with the unit), range and tick values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Axis title, unit included (`recall (%)`).
    pub title: String,
    /// Lowest value (the axis origin).
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Tick values, `lo` to `hi` in equal steps.
    pub ticks: Vec<f64>,
    /// How the ticks are written.
    pub format: TickFormat,
}

/// At most this many tick intervals on an axis.
const TARGET_STEPS: f64 = 5.0;

impl Axis {
    /// A share axis from 0 to at least `top` (capped at 100%), ticks as percentages.
    pub fn percent(title: &str, top: f64) -> Self {
        let top = finite_or(top, 1.0).clamp(1e-4, 1.0);
        let step = nice_step(top / TARGET_STEPS);
        Self::stepped(
            title,
            step,
            ((top / step) - 1e-9).ceil() * step,
            TickFormat::Percent,
        )
    }

    /// A count axis from 0 to at least `max` plus a tenth (room for value labels above
    /// the tallest bar; at least 1), whole-number ticks.
    pub fn count(title: &str, max: f64) -> Self {
        let max = if max.is_finite() && max > 0.0 {
            (max * 1.1).max(1.0)
        } else {
            1.0
        };
        let step = nice_step(max / TARGET_STEPS).max(1.0).round();
        Self::stepped(title, step, (max / step).ceil() * step, TickFormat::Integer)
    }

    /// A whole-number axis from 0 to at least `max` whose ticks are round multiples of
    /// `unit` (12 h bins: ticks every 12, 24, 48, 72, 96, 120, 168 … hours).
    pub fn multiples(title: &str, max: f64, unit: f64) -> Self {
        const FACTORS: [f64; 12] = [
            1.0, 2.0, 4.0, 6.0, 8.0, 10.0, 14.0, 20.0, 30.0, 60.0, 120.0, 240.0,
        ];
        let unit = if unit.is_finite() && unit >= 1.0 {
            unit.round()
        } else {
            1.0
        };
        let max = finite_or(max, unit).max(unit);
        let fewest = max / (2.0 * TARGET_STEPS);
        let step = FACTORS
            .iter()
            .map(|f| f * unit)
            .find(|&step| step >= fewest)
            .unwrap_or_else(|| nice_step(fewest / unit) * unit);
        Self::stepped(title, step, (max / step).ceil() * step, TickFormat::Integer)
    }

    /// A whole-number axis over a fixed range with a fixed step (risk scores 0–100 by 20).
    pub fn fixed(title: &str, hi: f64, step: f64) -> Self {
        Self::stepped(title, step, hi, TickFormat::Integer)
    }

    fn stepped(title: &str, step: f64, hi: f64, format: TickFormat) -> Self {
        let steps = (hi / step).round().max(1.0) as usize;
        Self {
            title: title.to_string(),
            lo: 0.0,
            hi: step * steps as f64,
            ticks: (0..=steps).map(|i| step * i as f64).collect(),
            format,
        }
    }

    /// A tick value as written on the axis.
    pub fn label(&self, value: f64) -> String {
        match self.format {
            TickFormat::Percent => format::pct(value, self.percent_decimals()),
            TickFormat::Integer => format::thousands(value.round() as i64),
        }
    }

    /// Decimals a percentage tick needs for its step (20% steps: 0; 0.5% steps: 1).
    fn percent_decimals(&self) -> usize {
        let step_pct = self.ticks.get(1).map_or(100.0, |t| (t - self.lo) * 100.0);
        (-step_pct.log10() - 1e-9).ceil().max(0.0) as usize
    }

    /// `value`'s place on the axis, 0 at `lo` and 1 at `hi` (clamped).
    pub fn fraction(&self, value: f64) -> f64 {
        let span = self.hi - self.lo;
        if span > 0.0 && value.is_finite() {
            ((value - self.lo) / span).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

fn finite_or(v: f64, fallback: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { fallback }
}

/// The round step (1, 2 or 5 times a power of ten) at or above `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let f = raw / magnitude;
    let nice = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|&n| f <= n + 1e-9)
        .unwrap_or(10.0);
    nice * magnitude
}

/// Estimated width (px) of `text` at `font_size` (sans-serif averages about 0.6 em a
/// character; an overestimate keeps labels apart).
pub fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * 0.6 * font_size
}

/// Category label font size (px).
pub const LABEL_FONT: f64 = 10.0;
/// Rotated labels' angle (degrees, counter-clockwise reads upwards to the right).
pub const ROTATION: f64 = -45.0;
/// The longest a rotated label may be (px) before it is abbreviated.
const MAX_ROTATED: f64 = 150.0;
/// The smallest gap between rotated labels' baselines (px) so their lines do not touch.
const LINE_GAP: f64 = 13.0;

/// How a category axis writes its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryLabels {
    /// Rotated by [`ROTATION`] (else horizontal, centred under the band).
    pub rotated: bool,
    /// Each category's label as shown (abbreviated with `…`), `None` where it is left out
    /// because the bands are too narrow for every label.
    pub shown: Vec<Option<String>>,
    /// The height (px) the labels need below the axis.
    pub height: f64,
}

/// Lays out `labels` under bands `band` px wide whose first centre is `first_centre` px
/// from the left edge: horizontal when every label fits its band; otherwise rotated,
/// abbreviated to fit the space to their left, and thinned to every k-th label when the
/// bands are too narrow for rotated lines to stay apart.
pub fn layout_categories(labels: &[String], band: f64, first_centre: f64) -> CategoryLabels {
    let fits = labels.iter().all(|l| text_width(l, LABEL_FONT) <= band - 6.0);
    if fits {
        return CategoryLabels {
            rotated: false,
            shown: labels.iter().cloned().map(Some).collect(),
            height: LABEL_FONT + 8.0,
        };
    }
    let (sin, every) = (ROTATION.to_radians().sin().abs(), 1usize);
    let every = every.max((LINE_GAP / (band * sin)).ceil() as usize);
    let shown: Vec<Option<String>> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (i % every == 0).then(|| {
                let room = ((first_centre + band * i as f64 - 4.0) / sin).min(MAX_ROTATED);
                abbreviate(l, room)
            })
        })
        .collect();
    let longest = shown
        .iter()
        .flatten()
        .map(|l| text_width(l, LABEL_FONT))
        .fold(0.0, f64::max);
    CategoryLabels {
        rotated: true,
        shown,
        height: longest * sin + LABEL_FONT + 8.0,
    }
}

/// `text` cut to fit `width` px, ending in `…` when cut.
pub fn abbreviate(text: &str, width: f64) -> String {
    if text_width(text, LABEL_FONT) <= width {
        return text.to_string();
    }
    let keep = ((width / (0.6 * LABEL_FONT)).floor() as usize)
        .saturating_sub(1)
        .max(1);
    let cut: String = text.chars().take(keep).collect();
    format!("{}…", cut.trim_end())
}
