//! The one rendering path of every human-facing report: minijinja templates (`templates/`)
//! over a serialisable view of the report, HTML and its Markdown twin rendered from the same
//! data, one inline print-friendly stylesheet, and the number formats of `crate::format` as
//! template filters.
//!
//! HTML templates (names ending `.html`) are auto-escaped: every value from the history
//! (their names, categories, column names) is escaped unless marked safe, and only the SVG
//! charts vigil draws are marked safe. Markdown templates (`.md`) are not escaped.

use crate::format;
use minijinja::{Environment, Value};
use serde::Serialize;

/// The shared stylesheet, inlined into every page.
pub const STYLE: &str = include_str!("templates/page.css");

/// The base page every HTML report extends (`{% extends "base.html" %}`, blocks `title`
/// and `content`).
const BASE: &str = include_str!("templates/base.html");

/// An environment with the base page, the formatting filters and `templates`
/// (name, source) added.
pub fn environment(
    templates: &[(&'static str, &'static str)],
) -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("base.html", BASE)?;
    for (name, source) in templates {
        env.add_template(name, source)?;
    }
    register_filters(&mut env);
    env.set_formatter(format_value);
    env.add_global("style", Value::from_safe_string(STYLE.to_string()));
    env.add_global("vigil_version", crate::VERSION);
    Ok(env)
}

/// Renders template `name` over `view` (plus `extra` values, e.g. the charts as safe
/// strings).
pub fn render<V: Serialize>(
    env: &Environment<'_>,
    name: &str,
    view: &V,
    extra: Value,
) -> Result<String, minijinja::Error> {
    let ctx = minijinja::context! { r => Value::from_serialize(view), ..extra };
    env.get_template(name)?.render(ctx)
}

/// An SVG chart to embed in an HTML page: the namespace attribute dropped (inline SVG needs
/// none, and the page then names no URL at all), marked safe.
pub fn inline_svg(svg: &str) -> Value {
    Value::from_safe_string(svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", ""))
}

/// Writes a value into a page: HTML templates escape it (minijinja's auto-escape); Markdown
/// templates escape the characters that would break a table row or a line (`|`, line
/// breaks), so a category title or file name from the data cannot reshape the Markdown twin.
fn format_value(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if state.name().ends_with(".md") => {
            let escaped = text.replace('|', "\\|").replace(['\r', '\n'], " ");
            out.write_str(&escaped).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// The filters: `count`, `usd`, `usd_compact`, `pct(decimals)`, `pct_auto`, `pct_change`,
/// `ratio`, `decimal(n)`, `hours`, `signed`, `span`, `instant`, `date` (a `YYYY-MM-DD` text, optional chrono format).
fn register_filters(env: &mut Environment<'_>) {
    env.add_filter("count", |n: i64| format::thousands(n));
    env.add_filter("usd", |v: Option<f64>| format::usd(v));
    env.add_filter("usd_compact", |v: f64| format::usd_compact(v));
    env.add_filter("pct", |v: f64, d: Option<usize>| format::pct(v, d.unwrap_or(0)));
    env.add_filter("pct_auto", |v: f64| format::pct_auto(v));
    env.add_filter("pct_change", |v: f64| format::pct_change(v));
    env.add_filter("ratio", |v: f64| format::ratio(v));
    env.add_filter("decimal", |v: f64, d: usize| format::decimal(v, d));
    env.add_filter("hours", |v: Option<f64>| format::hours(v));
    env.add_filter("signed", |v: i64| format::signed(v));
    env.add_filter("span", |v: i64| format::span(v));
    env.add_filter("instant", |v: String| format::instant_text(&v));
    env.add_filter("date", |v: String, f: Option<String>| {
        format::date_text(&v, f.as_deref())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_share_the_style_format_numbers_and_escape_values() -> Result<(), minijinja::Error> {
        let page = r#"{% extends "base.html" %}{% block title %}t{% endblock %}{% block content %}<p>{{ r.name }} {{ r.arr | usd }} {{ r.share | pct(1) }} {{ r.n | count }}</p>{{ chart }}{% endblock %}"#;
        let md = "{{ r.name }}: {{ r.arr | usd_compact }}";
        let env = environment(&[("t.html", page), ("t.md", md)])?;
        let view = serde_json::json!({"name": "<b>A&B</b>", "arr": 2_203_787.0, "share": 0.853, "n": 12345});
        let html = render(
            &env,
            "t.html",
            &view,
            minijinja::context! { chart => inline_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>") },
        )?;
        assert!(
            html.contains("&lt;b&gt;A&amp;B&lt;&#x2f;b&gt; $2,203,787 85.3% 12,345"),
            "{html}"
        );
        assert!(html.contains("<svg></svg>") && html.contains("--rule"), "{html}");
        let text = render(&env, "t.md", &view, minijinja::context! {})?;
        assert_eq!(text, "<b>A&B</b>: $2.2M");
        let piped = serde_json::json!({"name": "a | b\nc", "arr": 1.0});
        let row = render(&env, "t.md", &piped, minijinja::context! {})?;
        assert_eq!(row, "a \\| b c: $1", "a value cannot break a Markdown table row");
        Ok(())
    }
}
