//! Test helper: the charts' SVG read with quick-xml into a flat list of elements
//! (attributes, text, parent), failing on anything that is not well-formed — enough to check
//! that a chart is valid XML and to find its labels and marks.

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
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

/// Parses `svg` with quick-xml, panicking with the reason when it is not well-formed
/// (unbalanced or mismatched tags, repeated or unquoted attributes, a bare `&`, an unknown
/// entity, text or a second element outside the root).
pub fn parse(svg: &str) -> Vec<El> {
    let mut reader = Reader::from_str(svg);
    let (mut els, mut open): (Vec<El>, Vec<usize>) = (Vec::new(), Vec::new());
    loop {
        match reader.read_event().expect("well-formed SVG") {
            Event::Start(e) => {
                els.push(element(&e, &open, els.len()));
                open.push(els.len() - 1);
            }
            Event::Empty(e) => els.push(element(&e, &open, els.len())),
            Event::End(_) => {
                open.pop().expect("closing tag without an open one");
            }
            Event::Text(t) => {
                let text = t.decode().expect("UTF-8 text");
                push_text(&mut els, &open, &text);
            }
            Event::GeneralRef(r) => push_text(&mut els, &open, &entity(&r).to_string()),
            Event::Eof => break,
            other => panic!("unexpected {other:?} in a chart"),
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    els
}

/// An element and its attributes (each unescaped; quick-xml rejects repeats).
fn element(e: &BytesStart<'_>, open: &[usize], count: usize) -> El {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    assert!(count == 0 || !open.is_empty(), "second root element <{name}>");
    let mut attrs = BTreeMap::new();
    for a in e.attributes().with_checks(true) {
        let a = a.unwrap_or_else(|err| panic!("bad attribute on <{name}>: {err}"));
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .unescape_value()
            .unwrap_or_else(|err| panic!("bad value of {key}: {err}"));
        attrs.insert(key, value.into_owned());
    }
    El {
        name,
        attrs,
        text: String::new(),
        parent: open.last().copied(),
    }
}

/// Adds text to the innermost open element; outside the root only whitespace may appear.
fn push_text(els: &mut [El], open: &[usize], text: &str) {
    match open.last() {
        Some(&top) => els[top].text.push_str(text),
        None => assert!(text.trim().is_empty(), "text outside the root: {text:?}"),
    }
}

/// The character an entity reference stands for (the five XML entities or a character
/// reference).
fn entity(r: &BytesRef<'_>) -> char {
    if let Some(c) = r.resolve_char_ref().expect("valid character reference") {
        return c;
    }
    match r.decode().expect("UTF-8 entity").as_ref() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        other => panic!("unknown entity &{other};"),
    }
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
