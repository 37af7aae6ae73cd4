//! `vigil doctor`'s diagnosis of a history as configured, and its three renderings: text for
//! the terminal, JSON (the [`Diagnosis`] serialised) and a self-contained HTML page
//! (minijinja, charts inlined as SVG, no scripts, no external resources). Pure code: the
//! pipeline's `doctor` stage reads the sources and builds the diagnosis.

use super::figures;
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

/// The HTML page's template (auto-escaped: the name ends in `.html`).
const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>vigil doctor</title>
<style>
body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
.present,.available{color:#2a7a2a}.absent,.degraded{color:#a86b00}.unusable,.lost{color:#b00020;font-weight:bold}
pre{background:#f4f4f4;padding:.7em;white-space:pre-wrap}small{color:#666}
</style></head><body>
<h1>vigil doctor</h1>
<p>{{ d.config }}, as of {{ d.as_of }} (window from {{ d.window_start }})</p>
<h2>Tables</h2>
<table><tr><th>table</th><th>status</th><th>from</th><th>rows read / valid / bad</th><th>events</th><th>accounts covered</th><th>columns not found</th><th>suggested mapping</th></tr>
{% for t in d.tables %}<tr><td>{{ t.table }}</td><td class="{{ t.status }}">{{ t.status }}{% if t.problem %}<br><small>{{ t.problem }}</small>{% endif %}</td>
<td>{{ t.location or "" }}{% if t.files %} <small>({{ t.files }} file{% if t.files != 1 %}s{% endif %})</small>{% endif %}</td>
<td>{% if t.validation %}{{ t.validation.rows_read }} / {{ t.validation.rows_valid }} / {{ t.validation.bad_rows }}{% endif %}</td>
<td>{% if t.validation and t.validation.span_start %}{{ t.validation.span_start }} to {{ t.validation.span_end }}{% endif %}</td>
<td>{% if t.coverage %}{{ t.coverage.accounts }} of {{ t.coverage.of }} ({{ (100 * t.coverage.share) | round(1) }}%){% endif %}</td>
<td>{% if t.status != "absent" %}{% for c in t.columns if not c.found %}{{ c.column }}{% if c.required %} <b>(required)</b>{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}</td>
<td>{% for m in t.suggestions %}{{ m.column }} = "{{ m.their_column }}" <small>({{ m.why }})</small><br>{% endfor %}</td></tr>
{% endfor %}</table>
{% if d.findings %}<h2>What vigil run would stop on or warn about</h2><ul>{% for f in d.findings %}<li>{{ f }}</li>{% endfor %}</ul>{% endif %}
<h2>Feature families</h2>
<table><tr><th>family</th><th>state</th><th>from</th><th>features lost</th></tr>
{% for f in d.families %}<tr><td>{{ f.family }}</td><td class="{{ f.state }}">{{ f.state }}</td><td>{{ f.sources | join(", ") }}</td><td>{% if f.features_lost %}with {{ f.missing_tables | join(", ") }} missing: {{ f.features_lost | join(", ") }}{% endif %}</td></tr>
{% endfor %}</table>
{% if d.escalations %}<h2>Escalations ({{ d.escalations.total }} in the window)</h2>
{{ months_svg }}
<table><tr><th>category</th><th>escalations</th></tr>{% for c in d.escalations.per_category %}<tr><td>{{ c.label }}</td><td>{{ c.count }}</td></tr>{% endfor %}</table>{% endif %}
{% if d.gate %}{% set g = d.gate %}<h2>Lead-time gate ({{ g.lead_hours[0] }}–{{ g.lead_hours[1] }} h): a quick estimate</h2>
<p>GBDT, up to {{ g.rounds }} rounds at learning rate {{ g.learning_rate }}, on a sample of {{ g.sample_accounts }} of {{ g.total_accounts }} accounts ({{ g.snapshots }} snapshots, {{ g.positives }} positive). Not the backtest <code>vigil train</code> runs.</p>
{% if g.problem %}<p class="lost">Not estimated: {{ g.problem }}</p>{% endif %}
{% if g.result %}{{ curve_svg }}
<table><tr><th>threshold</th><th>recall</th><th>precision</th><th>alerts / 100 accounts / week</th></tr>
{% for t in g.result.curve %}<tr><td>{% if t.threshold == g.alert_threshold %}<b>{{ t.threshold }}</b> (alert threshold){% else %}{{ t.threshold }}{% endif %}</td><td>{{ t.recall | round(3) }}</td><td>{{ t.precision | round(3) }}</td><td>{{ t.alerts_per_100_accounts_per_week | round(2) }}</td></tr>
{% endfor %}</table>{% endif %}
<p><b>{{ g.verdict }}</b></p>{% endif %}
{% if d.snippet %}<h2>Config for what is missing</h2><pre>{{ d.snippet }}</pre>{% endif %}
</body></html>
"#;

/// The diagnosis as a self-contained HTML page.
pub fn render_html(d: &Diagnosis) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.add_template("doctor.html", PAGE)?;
    let months_svg = d
        .escalations
        .as_ref()
        .map(figures::doctor_months)
        .unwrap_or_default();
    let curve_svg = d
        .gate
        .as_ref()
        .and_then(|g| g.result.as_ref())
        .map(figures::doctor_curve)
        .unwrap_or_default();
    env.get_template("doctor.html")?.render(minijinja::context! {
        d => minijinja::Value::from_serialize(d),
        months_svg => minijinja::Value::from_safe_string(months_svg),
        curve_svg => minijinja::Value::from_safe_string(curve_svg),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn html_escapes_their_names_and_inlines_no_external_resource() {
        let d = Diagnosis {
            config: "p.toml".into(),
            as_of: "2026-07-01T00:00:00+00:00".into(),
            window_start: "2025-07-01T00:00:00+00:00".into(),
            readable: true,
            tables: vec![table(
                TableStatus::Unusable,
                vec![Suggestion {
                    column: "opened_at",
                    their_column: "<script>".into(),
                    similarity: 0.5,
                    why: "name".into(),
                }],
            )],
            findings: Vec::new(),
            families: Vec::new(),
            escalations: Some(EscalationCounts {
                total: 3,
                per_month: vec![Count {
                    label: "2026-06".into(),
                    count: 3,
                }],
                per_category: vec![Count {
                    label: "outage".into(),
                    count: 3,
                }],
            }),
            gate: None,
            snippet: String::new(),
        };
        let html = render_html(&d).expect("renders");
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(html.contains("<svg"), "the month chart is inline");
        assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("<link"));
        assert!(render_text(&d).contains("suggested: opened_at = \"<script>\""));
    }
}
