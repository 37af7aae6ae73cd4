//! `vigil doctor`'s diagnosis of a history as configured, and its three renderings: text for
//! the terminal, JSON (the [`Diagnosis`] serialised) and a self-contained HTML page
//! (minijinja, charts inlined as SVG, no scripts, no external resources). Pure code: the
//! pipeline's `doctor` stage reads the sources and builds the diagnosis.

use super::{figures, page};
use crate::contract::Taxonomy;
use crate::format;
use std::fmt::Write;

pub use super::diagnosis::*;

/// The config snippet for what is missing: a `[sources.<table>]` block with the suggested
/// `columns` for each table that has suggestions, and a commented `url` line for each absent
/// table (the syntax of `pipelines/example-production.toml`).
pub fn config_snippet(tables: &[TableDiagnosis]) -> String {
    let mut s = String::new();
    for t in tables {
        match t.status {
            TableStatus::Absent => {
                let _ = writeln!(
                    s,
                    "# {} was not found; if you have it ({}), say where:\n# [sources.{}]\n# url = \"<file, folder, Delta table or postgres:// URL>\"\n",
                    t.table, t.signals, t.table
                );
            }
            _ if !t.suggestions.is_empty() => {
                let pairs: Vec<String> = t
                    .suggestions
                    .iter()
                    .map(|m| format!("{} = {}", m.column, toml_string(&m.their_column)))
                    .collect();
                let url = t.location.as_deref().unwrap_or("<where the table is>");
                let _ = writeln!(
                    s,
                    "[sources.{}]\nurl = {}\ncolumns = {{ {} }}\n",
                    t.table,
                    toml_string(url),
                    pairs.join(", ")
                );
            }
            _ => {}
        }
    }
    s.trim_end().to_string()
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The diagnosis as text for a terminal.
pub fn render_text(d: &Diagnosis) -> String {
    let mut s = format!(
        "vigil doctor: {} as of {} (window from {})\n",
        d.config, d.as_of, d.window_start
    );
    text_tables(&mut s, &d.tables);
    if !d.findings.is_empty() {
        s.push_str("\nWhat vigil run would stop on or warn about\n");
        for f in &d.findings {
            let _ = writeln!(s, "  - {f}");
        }
    }
    text_families(&mut s, &d.families);
    if let Some(e) = &d.escalations {
        text_escalations(&mut s, e);
    }
    if let Some(g) = &d.gate {
        text_gate(&mut s, g);
    }
    if !d.snippet.is_empty() {
        s.push_str("\nConfig for what is missing (add to the pipeline TOML)\n");
        for line in d.snippet.lines() {
            let _ = writeln!(s, "  {line}");
        }
    }
    s
}

fn text_tables(s: &mut String, tables: &[TableDiagnosis]) {
    s.push_str("\nTables\n");
    for t in tables {
        let status = match t.status {
            TableStatus::Present => "present",
            TableStatus::Absent => "absent",
            TableStatus::Unusable => "UNUSABLE",
        };
        let _ = writeln!(s, "  {:<16} {status}", t.table);
        if let Some(loc) = &t.location {
            let _ = writeln!(s, "      from {loc} ({} file{})", t.files, plural(t.files));
        }
        if let Some(p) = &t.problem {
            let _ = writeln!(s, "      {p}");
        }
        if let Some(v) = &t.validation {
            let _ = writeln!(
                s,
                "      rows: {} read, {} valid, {} bad ({:.2}%)",
                group(v.rows_read),
                group(v.rows_valid),
                group(v.bad_rows),
                100.0 * v.bad_share
            );
            if let (Some(a), Some(b)) = (&v.span_start, &v.span_end) {
                let _ = writeln!(s, "      events: {a} to {b}");
            }
        }
        if let Some(c) = &t.coverage {
            let _ = writeln!(
                s,
                "      accounts covered: {} of {} ({:.1}%)",
                group(c.accounts),
                group(c.of),
                100.0 * c.share
            );
        }
        let missing: Vec<String> = t
            .columns
            .iter()
            .filter(|c| !c.found)
            .map(|c| format!("{}{}", c.column, if c.required { " (required)" } else { "" }))
            .collect();
        if !missing.is_empty() && t.status != TableStatus::Absent {
            let _ = writeln!(s, "      columns not found: {}", missing.join(", "));
        }
        for m in &t.suggestions {
            let _ = writeln!(
                s,
                "      suggested: {} = {:?}  ({})",
                m.column, m.their_column, m.why
            );
        }
    }
}

fn text_families(s: &mut String, families: &[FamilyStatus]) {
    s.push_str("\nFeature families\n");
    for f in families {
        let state = match f.state {
            FamilyState::Available => "available",
            FamilyState::Degraded => "degraded",
            FamilyState::Lost => "LOST",
        };
        let _ = write!(s, "  {:<14} {state:<10} from {}", f.family, f.sources.join(", "));
        if !f.features_lost.is_empty() {
            let _ = write!(
                s,
                "\n      lost with {} absent: {}",
                f.missing_tables.join(", "),
                f.features_lost.join(", ")
            );
        }
        s.push('\n');
    }
}

fn text_escalations(s: &mut String, e: &EscalationCounts) {
    let _ = writeln!(s, "\nEscalations in the window: {}", group(e.total));
    s.push_str("  per month:    ");
    let months: Vec<String> = e
        .per_month
        .iter()
        .map(|c| format!("{} {}", c.label, c.count))
        .collect();
    s.push_str(&months.join(", "));
    s.push_str("\n  per category: ");
    let cats: Vec<String> = e
        .per_category
        .iter()
        .map(|c| format!("{} {}", c.label, c.count))
        .collect();
    s.push_str(&cats.join(", "));
    s.push('\n');
}

fn text_gate(s: &mut String, g: &GateEstimate) {
    let _ = writeln!(
        s,
        "\nLead-time gate ({}-{} h): a quick estimate, not the real backtest\n  GBDT, up to {} rounds at learning rate {}, on {} of {} accounts ({} snapshots, {} positive)",
        g.lead_hours.0,
        g.lead_hours.1,
        g.rounds,
        g.learning_rate,
        group(g.sample_accounts),
        group(g.total_accounts),
        group(g.snapshots),
        group(g.positives)
    );
    if let Some(p) = &g.problem {
        let _ = writeln!(s, "  not estimated: {p}");
    }
    if let Some(r) = &g.result {
        let _ = writeln!(
            s,
            "  {} eligible escalations; snapshot PR-AUC {:.3}",
            group(r.eligible),
            r.pr_auc
        );
        s.push_str("  threshold  recall  precision  alerts/100 accounts/week\n");
        for t in &r.curve {
            let mark = if t.threshold == g.alert_threshold {
                "*"
            } else {
                " "
            };
            let _ = writeln!(
                s,
                "  {mark}{:>8}  {:>6.3}  {:>9.3}  {:>8.2}",
                t.threshold, t.recall, t.precision, t.alerts_per_100_accounts_per_week
            );
        }
    }
    let _ = writeln!(s, "  {}", g.verdict);
}

fn group(n: usize) -> String {
    format::count(n)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The HTML page's template (extends `base.html`; auto-escaped: the name ends in `.html`).
const PAGE: &str = include_str!("templates/doctor.html");

/// The diagnosis as a self-contained HTML page (the shared stylesheet, charts inline, no
/// scripts, no external resources), escalation categories by their `taxonomy` titles.
pub fn render_html(d: &Diagnosis, taxonomy: &Taxonomy) -> Result<String, minijinja::Error> {
    let mut env = page::environment(&[("doctor.html", PAGE)])?;
    let titles = taxonomy.clone();
    env.add_filter("category", move |v: String| titles.category_title(&v));
    env.add_filter("code_spans", |v: String| code_spans(&v));
    let months_svg = d
        .escalations
        .as_ref()
        .map(figures::doctor_months)
        .unwrap_or_default();
    let curve_svg = d
        .gate
        .as_ref()
        .and_then(|g| g.result.as_ref().map(|r| figures::doctor_curve(r, g.min_recall)))
        .unwrap_or_default();
    page::render(
        &env,
        "doctor.html",
        d,
        minijinja::context! {
            months_svg => page::inline_svg(&months_svg),
            curve_svg => page::inline_svg(&curve_svg),
        },
    )
}

/// Text that names commands in backticks (the verdict's "run `vigil backtest`"), for the
/// page: escaped, each backticked span a `<code>` element; an unpaired backtick stays text.
fn code_spans(text: &str) -> minijinja::Value {
    let parts: Vec<&str> = text.split('`').collect();
    let paired = parts.len() % 2 == 1;
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let escaped = minijinja::HtmlEscape(part);
        let _ = match (i % 2 == 1, paired || i + 1 < parts.len()) {
            (true, true) => write!(out, "<code>{escaped}</code>"),
            (true, false) => write!(out, "&#96;{escaped}"),
            (false, _) => write!(out, "{escaped}"),
        };
    }
    minijinja::Value::from_safe_string(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::backtest::AtThreshold;

    fn table(status: TableStatus, suggestions: Vec<Suggestion>) -> TableDiagnosis {
        TableDiagnosis {
            table: "escalations",
            mandatory: false,
            status,
            location: Some("/data/escalations.csv".into()),
            files: 1,
            problem: None,
            signals: "training labels",
            columns: Vec::new(),
            their_columns: Vec::new(),
            suggestions,
            validation: None,
            coverage: None,
        }
    }

    #[test]
    fn snippet_maps_suggestions_and_names_absent_tables() {
        let found = table(
            TableStatus::Unusable,
            vec![Suggestion {
                column: "opened_at",
                their_column: "opened \"utc\"".into(),
                similarity: 0.75,
                why: "name".into(),
            }],
        );
        let mut absent = table(TableStatus::Absent, Vec::new());
        absent.table = "tickets";
        let s = config_snippet(&[found, absent, table(TableStatus::Present, Vec::new())]);
        assert!(
            s.contains("[sources.escalations]\nurl = \"/data/escalations.csv\"\ncolumns = { opened_at = \"opened \\\"utc\\\"\" }"),
            "{s}"
        );
        assert!(s.contains("# [sources.tickets]"), "{s}");
        let parsed: toml::Table = toml::from_str(&s).expect("the snippet is TOML");
        assert!(parsed["sources"]["escalations"]["columns"]["opened_at"].is_str());
        assert_eq!(config_snippet(&[table(TableStatus::Present, Vec::new())]), "");
    }

    /// A diagnosis of one table (unusable, with `suggestion`) and 12,345 escalations.
    fn diagnosis(suggestion: &str) -> Diagnosis {
        Diagnosis {
            config: "p.toml".into(),
            as_of: "2026-07-01T00:00:00+00:00".into(),
            window_start: "2025-07-01T00:00:00+00:00".into(),
            readable: true,
            tables: vec![table(
                TableStatus::Unusable,
                vec![Suggestion {
                    column: "opened_at",
                    their_column: suggestion.into(),
                    similarity: 0.5,
                    why: "name".into(),
                }],
            )],
            findings: Vec::new(),
            families: Vec::new(),
            escalations: Some(EscalationCounts {
                total: 12_345,
                per_month: vec![Count {
                    label: "2026-06".into(),
                    count: 12_345,
                }],
                per_category: vec![Count {
                    label: "outage".into(),
                    count: 12_345,
                }],
            }),
            gate: None,
            snippet: String::new(),
        }
    }

    /// A point of the gate's curve (1,200 alerts, 1.5 per 100 accounts a week).
    fn at(threshold: u32, recall: f64, precision: f64) -> AtThreshold {
        serde_json::from_value(serde_json::json!({
            "threshold": threshold, "recall": recall, "precision": precision,
            "snapshot_precision": precision, "alerts": 1_200,
            "alerts_per_100_accounts_per_week": 1.5, "detected": 30,
        }))
        .expect("a curve point")
    }

    #[test]
    fn code_spans_are_escaped_code_elements() {
        assert_eq!(
            code_spans("run `vigil <x>` & `b`").to_string(),
            "run <code>vigil &lt;x&gt;</code> &amp; <code>b</code>"
        );
        assert_eq!(code_spans("a ` b").to_string(), "a &#96; b");
        assert_eq!(code_spans("plain").to_string(), "plain");
    }

    #[test]
    fn html_escapes_their_names_and_inlines_no_external_resource() {
        let d = diagnosis("<script>");
        let html = render_html(&d, Taxonomy::builtin()).expect("renders");
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(html.contains("<svg"), "the month chart is inline");
        assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("<link"));
        assert!(render_text(&d).contains("suggested: opened_at = \"<script>\""));
    }

    #[test]
    fn html_is_the_shared_page_with_numbers_formatted_for_people() {
        let mut d = diagnosis("opened");
        d.tables[0].status = TableStatus::Present;
        d.tables[0].coverage = Some(Coverage {
            accounts: 12_345,
            of: 20_000,
            share: 0.61725,
        });
        d.gate = Some(GateEstimate {
            sample_accounts: 2_000,
            total_accounts: 20_000,
            snapshots: 104_000,
            positives: 1_234,
            rounds: 60,
            learning_rate: 0.1,
            alert_threshold: 70,
            lead_hours: (24, 72),
            min_recall: 0.8,
            min_precision: 0.3,
            result: Some(GateResult {
                eligible: 1_500,
                at_alert_threshold: at(70, 0.8, 0.3),
                curve: vec![at(50, 0.91234, 0.2), at(70, 0.8, 0.3)],
                pr_auc: 0.41234,
                reachable: true,
                reachable_at: None,
                recall_margin: 0.05,
                precision_margin: 0.05,
                borderline: false,
            }),
            problem: None,
            verdict: "Borderline; run `vigil backtest` <now>.".into(),
        });
        let html = render_html(&d, Taxonomy::builtin()).expect("renders");
        assert!(html.starts_with("<!doctype html>"), "{html}");
        assert_eq!(html.matches("<style>").count(), 1, "one stylesheet");
        assert!(html.contains(page::STYLE), "the shared stylesheet");
        assert!(html.contains("Written by vigil"), "the shared footer");
        for needle in [
            "as of <time datetime=\"2026-07-01T00:00:00+00:00\">1 July 2026, 00:00 UTC</time>",
            "<td class=\"present\">present",
            "<td class=\"num\">12,345 of 20,000<br><small>61.7%</small></td>",
            "<h2>Escalations (12,345 in the window)</h2>",
            "<td>Outage</td><td class=\"num\">12,345</td>",
            "on a sample of 2,000 of 20,000 accounts (104,000 snapshots, 1,234 positive)",
            "1,500 eligible escalations; snapshot PR-AUC 0.412.",
            "<td class=\"num\">50</td><td class=\"num\">0.912</td><td class=\"num\">0.200</td><td class=\"num\">1.50</td>",
            "<td class=\"num\"><b>70</b> (alert threshold)</td>",
            "<th class=\"num\">Recall</th>",
            "<p><b>Borderline; run <code>vigil backtest</code> &lt;now&gt;.</b></p>",
            "</svg><figcaption>Escalations opened per month in the window</figcaption></figure>",
            "</svg><figcaption>Recall and precision by alert threshold on the sample</figcaption></figure>",
        ] {
            assert!(html.contains(needle), "{needle:?} not in\n{html}");
        }
        assert_eq!(html.matches("<figure><svg").count(), 2, "{html}");
        let text = crate::report::tests::outside_charts(&html);
        assert!(
            !text.contains("12345") && !text.contains("**") && !text.contains('`'),
            "{text}"
        );
    }
}
