use super::axis::{self, Axis, LABEL_FONT, nice_step};
use super::svgcheck::{El, check_chart, texts};
use super::{Chart, category_lines, grouped_bars, histogram};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn steps_are_round() {
    assert_eq!(nice_step(0.2), 0.2);
    assert_eq!(nice_step(0.0068), 0.01);
    assert_eq!(nice_step(7.4), 10.0);
    assert_eq!(nice_step(3.0), 5.0);
    assert_eq!(nice_step(0.0), 1.0);
}

#[test]
fn percent_axes_tick_in_round_percentages() {
    let labels = |a: &Axis| a.ticks.iter().map(|&t| a.label(t)).collect::<Vec<_>>();
    assert_eq!(
        labels(&Axis::percent("p", 1.0)),
        ["0%", "20%", "40%", "60%", "80%", "100%"]
    );
    assert_eq!(labels(&Axis::percent("p", 0.034)), ["0%", "1%", "2%", "3%", "4%"]);
    assert_eq!(
        labels(&Axis::percent("p", 0.012)),
        ["0.0%", "0.5%", "1.0%", "1.5%"]
    );
    assert_eq!(labels(&Axis::percent("p", 0.55)), ["0%", "20%", "40%", "60%"]);
}

#[test]
fn count_and_hour_axes_tick_in_whole_numbers() {
    let a = Axis::count("n", 37.0);
    assert_eq!(a.ticks, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
    assert_eq!(Axis::count("n", 0.0).ticks, [0.0, 1.0]);
    assert_eq!(Axis::count("n", 4200.0).label(4000.0), "4,000");
    let h = Axis::multiples("h", 168.0, 12.0);
    assert_eq!(h.ticks, [0.0, 24.0, 48.0, 72.0, 96.0, 120.0, 144.0, 168.0]);
    let weeks = Axis::multiples("h", 1500.0, 12.0);
    assert_eq!(weeks.ticks.get(1), Some(&168.0));
    assert_eq!(weeks.label(weeks.hi), "1,512");
    assert!(Axis::multiples("h", 1e7, 12.0).ticks.len() <= 11);
}

/// A category label's box in the frame rotated with it: (u0, v0, u1, v1).
fn label_box(e: &El) -> (f64, f64, f64, f64) {
    let (x, y) = (e.num("x"), e.num("y"));
    let font = e
        .attrs
        .get("font-size")
        .and_then(|f| f.parse().ok())
        .unwrap_or(11.0);
    let w = axis::text_width(&e.text, font);
    let angle = e
        .attrs
        .get("transform")
        .and_then(|t| {
            t.strip_prefix("rotate(")?
                .split_whitespace()
                .next()?
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(0.0)
        .to_radians();
    // Rotating every anchor by -angle puts the labels in a common frame where each is an
    // axis-aligned box.
    let (u, v) = (
        x * angle.cos() + y * angle.sin(),
        -x * angle.sin() + y * angle.cos(),
    );
    let u0 = match e.attrs.get("text-anchor").map(String::as_str) {
        Some("end") => u - w,
        Some("middle") => u - w / 2.0,
        _ => u,
    };
    (u0, v - font, u0 + w, v + 0.25 * font)
}

fn assert_apart(els: &[El]) -> usize {
    let labels: Vec<&El> = els.iter().filter(|e| e.has_class("tick-x")).collect();
    let boxes: Vec<_> = labels.iter().map(|e| label_box(e)).collect();
    for (i, a) in boxes.iter().enumerate() {
        for (j, b) in boxes.iter().enumerate().skip(i + 1) {
            let overlap = a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
            assert!(
                !overlap,
                "labels {:?} and {:?} overlap",
                labels[i].text, labels[j].text
            );
        }
    }
    labels.len()
}

/// Horizontal extent of a label in page coordinates.
fn page_extent(e: &El) -> (f64, f64) {
    let w = axis::text_width(&e.text, LABEL_FONT);
    let x = e.num("x");
    if e.attrs.contains_key("transform") {
        (x - w * std::f64::consts::FRAC_1_SQRT_2, x)
    } else {
        (x - w / 2.0, x + w / 2.0)
    }
}

#[test]
fn long_category_titles_are_rotated_apart_with_full_titles() {
    let titles: Vec<String> = (0..8).map(|i| format!("Category title number {i:02}x")).collect();
    assert!(titles.iter().all(|t| t.chars().count() == 25));
    let svg = grouped_bars(
        "By category",
        "category",
        "escalations (count)",
        &titles,
        &[
            ("2026Q1".into(), (0..8).map(|i| i as f64).collect()),
            ("2026Q2".into(), (0..8).map(|i| 2.0 * i as f64).collect()),
        ],
    );
    let els = check_chart(&svg);
    assert_eq!(assert_apart(&els), 8, "every label shown");
    for e in els.iter().filter(|e| e.has_class("tick-x")) {
        assert!(e.attrs["transform"].starts_with("rotate(-45"), "rotated");
        let (l, r) = page_extent(e);
        assert!(
            l >= 0.0 && r <= super::W,
            "{:?} inside the chart ({l}, {r})",
            e.text
        );
    }
    // Each label's group carries the full title.
    let full: Vec<String> = els
        .iter()
        .filter(|e| e.name == "title" && e.parent.is_some_and(|p| els[p].has_class("category")))
        .map(|e| e.text.clone())
        .collect();
    assert_eq!(full, titles);
    assert_eq!(texts(&els, "tick-y"), ["0", "5", "10", "15", "20"]);
    // The legend sits above the plot area.
    let plot_top = els
        .iter()
        .filter(|e| e.name == "line" && e.attrs.get("stroke").map(String::as_str) == Some("black"))
        .map(|e| e.num("y1").min(e.num("y2")))
        .fold(f64::MAX, f64::min);
    let legend: Vec<&El> = els
        .iter()
        .filter(|e| e.parent.is_some_and(|p| els[p].has_class("legend")) && e.name == "text")
        .collect();
    assert_eq!(
        legend.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
        ["2026Q1", "2026Q2"]
    );
    assert!(legend.iter().all(|e| e.num("y") < plot_top));
}

#[test]
fn short_labels_stay_horizontal_and_many_are_thinned_apart() {
    let months: Vec<String> = (1..=6).map(|m| format!("2026-{m:02}")).collect();
    let svg = grouped_bars(
        "Per month",
        "month",
        "escalations (count)",
        &months,
        &[("n".into(), vec![3.0; 6])],
    );
    let els = check_chart(&svg);
    assert_eq!(assert_apart(&els), 6);
    assert!(
        els.iter()
            .filter(|e| e.has_class("tick-x"))
            .all(|e| !e.attrs.contains_key("transform"))
    );
    assert_eq!(texts(&els, "tick-x"), months);

    let many: Vec<String> = (0..60).map(|i| format!("A rather long category {i}")).collect();
    let svg = grouped_bars(
        "Many",
        "category",
        "escalations (count)",
        &many,
        &[("n".into(), vec![1.0; 60])],
    );
    let shown = assert_apart(&check_chart(&svg));
    assert!(shown > 10 && shown < 60, "{shown} labels shown");
}

#[test]
fn histogram_has_ticks_on_both_axes_and_counts() {
    let c = histogram(
        "Lead",
        "hours (12 h bins)",
        "escalations (count)",
        &[1.0, 5.0, 13.0, 30.0],
        12.0,
        72.0,
    );
    let (left, _, right, bottom) = c.plot_area();
    assert_eq!(c.px(0.0), left);
    assert_eq!(c.px(72.0), right);
    assert_eq!(c.py(0.0), bottom);
    let svg = c.finish();
    let els = check_chart(&svg);
    assert_eq!(texts(&els, "tick-x"), ["0", "12", "24", "36", "48", "60", "72"]);
    assert_eq!(texts(&els, "tick-y"), ["0", "1", "2", "3"]);
    assert_eq!(texts(&els, "value"), ["2", "1", "1"]);
    assert!(texts(&els, "axis-title").contains(&"hours (12 h bins)".to_string()));
}

#[test]
fn empty_inputs_render_axes_and_a_note() {
    for svg in [
        grouped_bars("Empty", "category", "escalations (count)", &[], &[]),
        category_lines(
            "Empty",
            "month",
            "share (%)",
            &[],
            &[("precision".into(), vec![])],
        ),
        histogram("Empty", "hours", "escalations (count)", &[], 12.0, 0.0).finish(),
    ] {
        let els = check_chart(&svg);
        assert_eq!(texts(&els, "no-data"), ["no data"], "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}

#[test]
fn lines_are_deterministic_and_escape_names() {
    let labels = strings(&["2026-01", "2026-02"]);
    let series = [("a < b & c".to_string(), vec![Some(0.5), None])];
    let one = category_lines("Lines", "month", "share (%)", &labels, &series);
    assert_eq!(
        one,
        category_lines("Lines", "month", "share (%)", &labels, &series)
    );
    let els = check_chart(&one);
    assert_eq!(texts(&els, "tick-y"), ["0%", "20%", "40%", "60%", "80%", "100%"]);
    assert!(one.contains("a &lt; b &amp; c"));
    assert_eq!(els.iter().filter(|e| e.name == "circle").count(), 1);
}

#[test]
fn reference_labels_keep_off_the_data_lines() {
    let target_label_x = |points: &[(f64, f64)]| {
        let mut c = Chart::linear(
            "t",
            Axis::fixed("x", 100.0, 20.0),
            Axis::percent("y (%)", 1.0),
            &[],
        );
        c.line(points, "#000", false);
        c.hline(0.8, "target recall 80%");
        let els = check_chart(&c.finish());
        els.iter()
            .find(|e| e.has_class("mark-label"))
            .expect("label")
            .num("x")
    };
    // A line far from the target: the label sits at the right end.
    let right = target_label_x(&[(0.0, 0.1), (100.0, 0.2)]);
    assert!(right > 300.0, "{right}");
    // A line crossing the target at the right end: the label moves to the left end.
    let left = target_label_x(&[(0.0, 0.1), (90.0, 0.6), (100.0, 1.0)]);
    assert!(left < 100.0, "{left}");
}

#[test]
#[should_panic(expected = "well-formed SVG")]
fn the_svg_reader_rejects_mismatched_tags() {
    super::svgcheck::parse("<svg><g></text></svg>");
}

#[test]
#[should_panic(expected = "well-formed SVG")]
fn the_svg_reader_rejects_a_bare_ampersand() {
    super::svgcheck::parse("<svg><text>A & B</text></svg>");
}

#[test]
#[should_panic(expected = "bad attribute")]
fn the_svg_reader_rejects_repeated_attributes() {
    super::svgcheck::parse("<svg><rect x=\"1\" x=\"2\"/></svg>");
}

#[test]
fn the_svg_reader_unescapes_text_and_attributes() {
    let els = super::svgcheck::parse(
        "<svg><g><title>R&amp;D &lt;ops&gt;</title><text class=\"a&quot;b\">x</text></g></svg>",
    );
    assert_eq!(els[2].text, "R&D <ops>");
    assert_eq!(els[3].attrs["class"], "a\"b");
    assert_eq!(els[3].parent, Some(1));
}
