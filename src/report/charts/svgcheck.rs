//! Test helper: a tiny XML reader for the charts' SVG (elements, attributes, text), which
//! fails on unbalanced tags, unquoted attributes and bare `&` — enough to check that a
//! chart is well-formed and to find its labels and marks.

use std::collections::BTreeMap;

/// One element: its name, attributes, own text, and its parent's index.
#[derive(Debug, Clone)]
pub struct El {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub text: String,
    pub parent: Option<usize>,
}

impl El {
    /// A numeric attribute.
    pub fn num(&self, name: &str) -> f64 {
        self.attrs
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("<{}> has no numeric {name}: {:?}", self.name, self.attrs))
    }

    /// Whether its class list contains `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.attrs
            .get("class")
            .is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }
}

/// Parses `svg`, panicking with the reason when it is not well-formed.
pub fn parse(svg: &str) -> Vec<El> {
    let (mut els, mut open): (Vec<El>, Vec<usize>) = (Vec::new(), Vec::new());
    let mut rest = svg;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        check_entities(text);
        if let Some(&top) = open.last() {
            els[top].text.push_str(&unescape(text));
        } else {
            assert!(text.trim().is_empty(), "text outside the root: {text:?}");
        }
        let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let top = open.pop().expect("closing tag without an open one");
            assert_eq!(els[top].name, name.trim(), "mismatched closing tag");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "bad tag {name:?}"
        );
        assert!(
            open.len() + els.len() == 0 || !open.is_empty(),
            "second root element <{name}>"
        );
        els.push(El {
            name: name.to_string(),
            attrs: attributes(attrs),
            text: String::new(),
            parent: open.last().copied(),
        });
        if !self_closing {
            open.push(els.len() - 1);
        }
    }
    assert!(rest.trim().is_empty(), "text after the root");
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    els
}

fn attributes(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad attribute in {s:?}"));
        let (value, after) = after
            .split_once('"')
            .unwrap_or_else(|| panic!("unquoted attribute in {s:?}"));
        assert!(!value.contains('<'), "`<` in attribute {name}");
        check_entities(value);
        assert!(
            out.insert(name.trim().to_string(), unescape(value)).is_none(),
            "repeated attribute {name}"
        );
        rest = after.trim_start();
    }
    out
}

fn check_entities(s: &str) {
    for (i, _) in s.match_indices('&') {
        let tail = &s[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;"]
                .iter()
                .any(|e| tail.starts_with(e)),
            "bare & in {s:?}"
        );
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The text of every element with `class`, in order.
pub fn texts(els: &[El], class: &str) -> Vec<String> {
    els.iter()
        .filter(|e| e.has_class(class))
        .map(|e| e.text.clone())
        .collect()
}

/// Checks the chart conventions on the root element and that every axis has ticks and a
/// title; returns the parsed elements.
pub fn check_chart(svg: &str) -> Vec<El> {
    let els = parse(svg);
    let root = &els[0];
    assert_eq!(root.name, "svg");
    assert_eq!(root.attrs.get("role").map(String::as_str), Some("img"));
    assert!(
        root.attrs.get("aria-label").is_some_and(|l| !l.is_empty()),
        "aria-label"
    );
    let w = root.num("width");
    assert!(w <= 640.0, "width {w}");
    assert_eq!(
        root.attrs.get("viewBox"),
        Some(&format!("0 0 {} {}", root.attrs["width"], root.attrs["height"]))
    );
    assert!(!texts(&els, "tick-y").is_empty(), "y tick labels");
    assert!(
        !texts(&els, "tick-x").is_empty() || svg.contains("no data"),
        "x tick labels"
    );
    for axis in ["x", "y"] {
        let title = els
            .iter()
            .find(|e| e.has_class("axis-title") && e.has_class(axis))
            .unwrap_or_else(|| panic!("{axis} axis title"));
        assert!(!title.text.trim().is_empty(), "{axis} axis title text");
    }
    assert!(
        !svg.contains("<script") && !svg.contains("href"),
        "no scripts or links"
    );
    els
}
