//! The validation report as pages people read: `report.html` and its Markdown twin
//! `report.md`, rendered from one view of `contract::ValidationReport` and the verdict of the
//! input gates (templates `validation.html` and `validation.md`). `report.json` (machines)
//! and `report.txt` (the terminal) stay as the contract writes them.
//!
//! Pure code. What the pages show comes from the inputs only (table and file names, column
//! names, counts, dates, bad-row codes, and the gates' messages, whose example values are
//! redacted for free-text columns): no config value. The HTML escapes all of it.

use super::page;
use crate::contract::{TableReport, ValidationReport};
use crate::format;
use serde::Serialize;

/// The HTML page.
const HTML: &str = include_str!("templates/validation.html");
/// The Markdown twin.
const MARKDOWN: &str = include_str!("templates/validation.md");

/// The verdict of the input gates (bad-row share, then freshness).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Whether the inputs passed.
    pub passed: bool,
    /// One sentence.
    pub summary: String,
    /// The failure's lines (table, share and limit, first bad rows; or the stale tables), or
    /// the stale tables `--allow-stale` let through.
    pub details: Vec<String>,
}

impl Verdict {
    /// The gates passed; `stale_allowed` are the tables past their freshness limit that
    /// `--allow-stale` let through (one line each, naming table, event and limit).
    pub fn passed(stale_allowed: &[String]) -> Self {
        let summary = if stale_allowed.is_empty() {
            "The inputs pass the bad-row and freshness gates."
        } else {
            "The inputs pass the bad-row gate; --allow-stale let these stale tables through:"
        };
        Self {
            passed: true,
            summary: summary.into(),
            details: stale_allowed.to_vec(),
        }
    }

    /// A gate failed with `message` (one or more lines).
    pub fn failed(message: &str) -> Self {
        Self {
            passed: false,
            summary: "The inputs fail a gate, so the run stops here:".into(),
            details: message
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

/// Renders `report.html` and `report.md`.
pub fn render(
    report: &ValidationReport,
    verdict: &Verdict,
) -> Result<Vec<(&'static str, String)>, minijinja::Error> {
    let view = ValidationView::new(report, verdict);
    let env = page::environment(&[("validation.html", HTML), ("validation.md", MARKDOWN)])?;
    let html = page::render(&env, "validation.html", &view, minijinja::context! {})?;
    let md = page::render(&env, "validation.md", &view, minijinja::context! {})?;
    Ok(vec![("report.html", html), ("report.md", md)])
}

/// Everything the validation pages show, in the order they show it.
#[derive(Debug, Serialize)]
pub struct ValidationView {
    /// The run date (the day before `--as-of`'s instant, as the output partitions name it),
    /// as people write it.
    pub run_date: String,
    /// `--as-of`, as people write it.
    pub as_of: String,
    /// Start of the lookback window.
    pub window_start: String,
    /// The gates' verdict.
    pub verdict: Verdict,
    /// Sums over the tables found.
    pub totals: Totals,
    /// One row per table found.
    pub tables: Vec<TableRow>,
    /// Bad rows by table and reason.
    pub reasons: Vec<Reason>,
    /// What validation left out or let in that is not bad, one line each.
    pub notes: Vec<String>,
    /// Optional tables not found, with the signals they would have given.
    pub absent: Vec<Absent>,
    /// Files under the sources base that belong to no table.
    pub ignored_files: Vec<String>,
}

/// Sums over the tables found.
#[derive(Debug, Serialize)]
pub struct Totals {
    /// Tables found.
    pub tables: usize,
    /// Rows read.
    pub rows_read: usize,
    /// Valid rows inside the window.
    pub rows_valid: usize,
    /// Rows quarantined.
    pub quarantined: usize,
    /// Exact duplicates dropped.
    pub duplicates_dropped: usize,
}

/// One table's row.
#[derive(Debug, Serialize)]
pub struct TableRow {
    /// Table name.
    pub table: &'static str,
    /// Files read.
    pub files: usize,
    /// Rows read.
    pub rows_read: usize,
    /// Valid rows inside the window.
    pub rows_valid: usize,
    /// Bad rows (quarantined).
    pub bad_rows: usize,
    /// Bad rows / rows checked.
    pub bad_share: f64,
    /// Exact duplicates dropped.
    pub duplicates_dropped: usize,
    /// Rows left out, not bad: before the window, after `--as-of`, filtered by the source,
    /// of quarantined accounts.
    pub left_out: usize,
    /// First to last event among valid rows (`–` for tables without event time).
    pub span: String,
    /// End of the latest event up to `--as-of`: what the freshness gate measures.
    pub latest_event: String,
}

/// Bad rows of one table for one reason.
#[derive(Debug, Serialize)]
pub struct Reason {
    /// Table name.
    pub table: &'static str,
    /// The reason's stable code (as in the quarantine table).
    pub code: &'static str,
    /// What it means.
    pub label: &'static str,
    /// Rows.
    pub rows: usize,
}

/// An optional table not found.
#[derive(Debug, Serialize)]
pub struct Absent {
    /// Table name.
    pub table: String,
    /// The signals unavailable without it.
    pub signals: String,
}

impl ValidationView {
    /// The view of a report and its verdict.
    pub fn new(r: &ValidationReport, verdict: &Verdict) -> Self {
        Self {
            run_date: run_date(&r.as_of),
            as_of: format::instant_text(&r.as_of),
            window_start: format::instant_text(&r.window_start),
            verdict: verdict.clone(),
            totals: Totals {
                tables: r.tables.len(),
                rows_read: r.tables.iter().map(|t| t.rows_read).sum(),
                rows_valid: r.tables.iter().map(|t| t.rows_valid).sum(),
                quarantined: r.quarantined_rows,
                duplicates_dropped: r.tables.iter().map(|t| t.duplicates_dropped).sum(),
            },
            tables: r.tables.iter().map(table_row).collect(),
            reasons: r.tables.iter().flat_map(reasons).collect(),
            notes: r.tables.iter().flat_map(notes).collect(),
            absent: r.signals_missing.iter().map(|s| absent(s)).collect(),
            ignored_files: r.ignored_files.clone(),
        }
    }
}

fn table_row(t: &TableReport) -> TableRow {
    TableRow {
        table: t.table,
        files: t.files.len(),
        rows_read: t.rows_read,
        rows_valid: t.rows_valid,
        bad_rows: t.bad_rows,
        bad_share: t.bad_share,
        duplicates_dropped: t.duplicates_dropped,
        left_out: t.rows_before_window
            + t.rows_after_as_of
            + t.rows_filtered
            + t.rows_of_quarantined_accounts,
        span: match (&t.span_start, &t.span_end) {
            (Some(a), Some(b)) => format!("{} – {}", day(a), day(b)),
            _ => "–".into(),
        },
        latest_event: t.latest_event_end.as_deref().map_or("–".into(), short_instant),
    }
}

fn reasons(t: &TableReport) -> impl Iterator<Item = Reason> + '_ {
    t.bad_by_reason.iter().map(|(code, rows)| Reason {
        table: t.table,
        code,
        label: reason_label(code),
        rows: *rows,
    })
}

/// What a bad-row code means (the codes of `contract::BadKind::code`).
fn reason_label(code: &str) -> &'static str {
    match code {
        "bad_type" => "value of the wrong type",
        "null_value" => "required value missing",
        "not_allowed" => "value not among the allowed ones",
        "out_of_range" => "value out of range",
        "duplicate_key" => "key repeated with different values",
        "unknown_account" => "account_id of no account",
        _ => "bad value",
    }
}

/// The lines a reader should know about one table besides its counts.
fn notes(t: &TableReport) -> Vec<String> {
    let n = format::count;
    let counted = [
        (t.rows_before_window, "rows before the lookback window (left out)"),
        (t.rows_after_as_of, "rows after --as-of (left out)"),
        (t.rows_filtered, "rows left out by the source's filter"),
        (t.duplicates_dropped, "exact duplicate rows (dropped)"),
        (
            t.rows_of_quarantined_accounts,
            "rows of quarantined accounts (left out)",
        ),
    ];
    let mut out: Vec<String> = counted
        .iter()
        .filter(|(rows, _)| *rows > 0)
        .map(|(rows, what)| format!("{}: {} {what}", t.table, n(*rows)))
        .collect();
    if !t.missing_optional_columns.is_empty() {
        let columns: Vec<String> = t.missing_optional_columns.iter().map(|c| c.to_string()).collect();
        out.push(format!(
            "{}: optional columns absent: {}",
            t.table,
            columns.join(", ")
        ));
    }
    if !t.unknown_columns.is_empty() {
        out.push(format!(
            "{}: columns the contract does not know (ignored): {}",
            t.table,
            t.unknown_columns.join(", ")
        ));
    }
    out.extend(t.outside_taxonomy.iter().map(|o| o.describe(t.table)));
    out
}

/// `tickets: ticket volume, …` → the table and its signals.
fn absent(line: &str) -> Absent {
    let (table, signals) = line.split_once(": ").unwrap_or((line, ""));
    Absent {
        table: table.to_string(),
        signals: signals.to_string(),
    }
}

/// An RFC 3339 instant in a table cell: `30 Jun 2026 23:00`.
fn short_instant(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text).map_or_else(
        |_| text.to_string(),
        |t| t.to_utc().format("%-d %b %Y %H:%M").to_string(),
    )
}

/// The run date of an `--as-of` instant (`RunWindow::run_date`: the day of the last
/// microsecond before it), as people write it.
fn run_date(as_of: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(as_of).map_or_else(
        |_| as_of.to_string(),
        |t| format::date((t.to_utc() - chrono::TimeDelta::microseconds(1)).date_naive()),
    )
}

/// The date of an ISO date or timestamp text, as people write it.
fn day(text: &str) -> String {
    format::date_text(text.get(..10).unwrap_or(text), Some("%-d %b %Y"))
}

#[cfg(test)]
mod tests;
