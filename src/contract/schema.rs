//! The input data contract: every table vigil reads, its columns, their types and rules.
//!
//! This is the single source of truth for `data/CONTRACT.md`, the validator and the
//! synthetic generator (which must produce data that is valid under it by construction).
//! The value sets of segments, priorities, severities, categories and channels are
//! configurable ([`Rule::Taxonomy`]); their defaults are re-exported below from
//! [`super::taxonomy`].

use super::taxonomy::{Taxonomy, TaxonomySet};

/// Logical type of a contract column, independent of the file format it arrives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text (ids are always text).
    Str,
    /// 64-bit signed integer.
    Int,
    /// 64-bit float.
    Float,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `t`/`f`).
    Bool,
    /// Calendar date, `YYYY-MM-DD`.
    Date,
    /// Instant in UTC: RFC 3339, `YYYY-MM-DD HH:MM:SS[.f]` or a bare date (midnight UTC).
    Timestamp,
}

impl ColumnType {
    /// Name used in error messages and the contract documentation.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Str => "string",
            ColumnType::Int => "integer",
            ColumnType::Float => "float",
            ColumnType::Bool => "boolean",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp (UTC)",
        }
    }
}

/// A rule a value must satisfy beyond its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// No extra rule.
    None,
    /// Value must be one of these (compared case-insensitively, stored lower-case).
    OneOf(&'static [&'static str]),
    /// Value must be one of a configurable set of the [`Taxonomy`] (compared
    /// case-insensitively after trimming, stored in the configured spelling).
    Taxonomy(TaxonomySet),
    /// Numeric value in `[min, max]` (inclusive).
    Range(f64, f64),
    /// Numeric value `>= min`.
    AtLeast(f64),
}

/// One column of a contract table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Column name as it appears in the file header.
    pub name: &'static str,
    /// Logical type.
    pub ty: ColumnType,
    /// Whether the column must be present in the file.
    pub required: bool,
    /// Whether a null/empty value is allowed (ids and event times are never nullable).
    pub nullable: bool,
    /// Value rule.
    pub rule: Rule,
    /// Meaning of the column, for `data/CONTRACT.md`.
    pub doc: &'static str,
}

/// One input table of the contract.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    /// Table name, also the key under `[sources]` in the pipeline config.
    pub name: &'static str,
    /// Whether the pipeline can run without it (only `accounts` is mandatory).
    pub mandatory: bool,
    /// Natural key: the columns that identify one fact. Rows equal in every contract
    /// column are exact duplicates (one is kept, the rest dropped and counted); rows equal
    /// in the key but different elsewhere are conflicting duplicates (all quarantined).
    /// Nulls in a nullable key column compare equal to each other.
    pub key: &'static [&'static str],
    /// Why the key is what it is, for `data/CONTRACT.md`.
    pub key_doc: &'static str,
    /// Event-time column: rows after `--as-of` are future rows (left out and counted, never
    /// bad), rows before the lookback window are dropped on load. `None` for tables that
    /// describe current state.
    pub time_column: Option<&'static str>,
    /// Default freshness limit: a run fails (exit 3) when the table's latest event ends more
    /// than this many hours before `--as-of` (`[validation] max_staleness_hours` overrides
    /// it; `--allow-stale` turns the failure into a warning). `None`: no default gate.
    pub max_staleness_hours: Option<u32>,
    /// Whether `account_id` must refer to a row of `accounts`.
    pub references_accounts: bool,
    /// Columns.
    pub columns: &'static [ColumnSpec],
    /// What the table is for, for `data/CONTRACT.md`.
    pub doc: &'static str,
    /// The signals it feeds (named in "signals missing" warnings when it is absent).
    pub signals: &'static str,
}

impl ColumnSpec {
    /// An example value, for `data/CONTRACT.md`.
    pub fn example(&self) -> String {
        if let Rule::OneOf(v) = self.rule {
            return v.first().map(|s| s.to_string()).unwrap_or_default();
        }
        if let Rule::Taxonomy(set) = self.rule {
            let values = Taxonomy::builtin().set(set).map(|s| s.values());
            if let Some(first) = values.and_then(|v| v.first()) {
                return first.clone();
            }
        }
        match (self.ty, self.name) {
            (_, n) if n.ends_with("_id") => format!(
                "{}-000042",
                n.trim_end_matches("_id").chars().take(3).collect::<String>()
            ),
            (ColumnType::Timestamp, _) => "2026-06-29T14:05:00Z".into(),
            (ColumnType::Date, _) => "2026-06-29".into(),
            (ColumnType::Bool, _) => "true".into(),
            (ColumnType::Int, _) => match self.rule {
                Rule::Range(lo, hi) if hi <= 100.0 => format!("{}", ((lo + hi) / 2.0).round()),
                _ => "12".into(),
            },
            (ColumnType::Float, _) => "48000.0".into(),
            (ColumnType::Str, _) => String::new(),
        }
    }
}

impl TableSpec {
    /// Looks a column up by name.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn req(name: &'static str, ty: ColumnType, rule: Rule, doc: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        ty,
        required: true,
        nullable: false,
        rule,
        doc,
    }
}

const fn opt(name: &'static str, ty: ColumnType, rule: Rule, doc: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        ty,
        required: false,
        nullable: true,
        rule,
        doc,
    }
}

use ColumnType::{Bool, Date, Float, Int, Str, Timestamp};
use Rule::{None as NoRule, OneOf, Range};
use TaxonomySet::{Category, Channel, Priority, Segment, Severity};

/// Money columns (USD per year): ten billion is above any one customer's contract, so a
/// larger value (`1e308`, a cents/dollars mix-up times a currency bug) is a data error, not
/// a score input.
pub const MONEY: Rule = Range(0.0, 1.0e10);
/// People at one customer (seats, daily active users): ten million is above the largest
/// employer's workforce.
pub const PEOPLE: Rule = Range(0.0, 1.0e7);
/// Per-account daily event counts (logins, sessions, feature events): a billion a day is
/// above any real account and keeps sums and ratios far from overflow.
pub const DAILY_COUNT: Rule = Range(0.0, 1.0e9);

/// The default value sets of the configurable columns (see [`super::taxonomy`]).
pub use super::taxonomy::{ESCALATION_CATEGORIES, PRIORITIES, SEGMENTS, SEVERITIES};
/// Direction of a communication from the customer.
pub const INBOUND: &str = "inbound";
/// Direction of a communication to the customer.
pub const OUTBOUND: &str = "outbound";
/// Directions of a communication.
pub const DIRECTIONS: &[&str] = &[INBOUND, OUTBOUND];
/// CSM feedback verdicts on an alert.
pub const VERDICTS: &[&str] = &["accurate", "false_positive", "missed", "prevented"];
/// Sentiment labels.
pub const SENTIMENT_LABELS: &[&str] = &["negative", "neutral", "positive"];

/// Every table of the input contract, in load order (`accounts` first).
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "accounts",
        signals: "account attributes (segment, industry, owner) and routing",
        mandatory: true,
        key: &["account_id"],
        key_doc: "One row per account.",
        time_column: None,
        max_staleness_hours: None,
        references_accounts: false,
        doc: "One row per customer account with its current values (today's ARR, next renewal). Current values are not history: training never reads them for past snapshots.",
        columns: &[
            req("account_id", Str, NoRule, "Stable account identifier."),
            req("name", Str, NoRule, "Account display name."),
            req("segment", Str, Rule::Taxonomy(Segment), "Customer segment."),
            req("arr", Float, MONEY, "Current annual recurring revenue (USD)."),
            ColumnSpec {
                nullable: true,
                ..req(
                    "renewal_date",
                    Date,
                    NoRule,
                    "Next renewal date; null when the account has churned.",
                )
            },
            opt("industry", Str, NoRule, "Industry."),
            opt("region", Str, NoRule, "Sales region."),
            opt("plan", Str, NoRule, "Current plan."),
            opt("contract_start", Date, NoRule, "Start of the first contract."),
            opt(
                "csm_owner",
                Str,
                NoRule,
                "Customer success manager who owns the account.",
            ),
            opt("csm_email", Str, NoRule, "CSM e-mail, for routing."),
            opt("created_at", Timestamp, NoRule, "When the account was created."),
        ],
    },
    TableSpec {
        name: "subscriptions",
        signals: "point-in-time ARR, plan and renewal proximity",
        mandatory: false,
        key: &["account_id", "start_date", "product"],
        key_doc: "One contract period per account, start date and product; a file without `product` (single-product vendors) compares nulls equal, so the key is then account + start date.",
        time_column: None,
        max_staleness_hours: None,
        references_accounts: true,
        doc: "Contract periods: ARR, plan and renewal date as they were at any past date.",
        columns: &[
            req("account_id", Str, NoRule, "Account the contract belongs to."),
            req("start_date", Date, NoRule, "First day of the contract period."),
            req(
                "end_date",
                Date,
                NoRule,
                "Last day of the contract period (the renewal date).",
            ),
            req("arr", Float, MONEY, "ARR during the period (USD)."),
            opt("product", Str, NoRule, "Product."),
            opt("plan", Str, NoRule, "Plan during the period."),
            opt("seats", Int, PEOPLE, "Licensed seats."),
        ],
    },
    TableSpec {
        name: "contacts",
        signals: "champion and executive signals",
        mandatory: false,
        key: &["contact_id"],
        key_doc: "One row per person.",
        time_column: None,
        max_staleness_hours: None,
        references_accounts: true,
        doc: "People at the customer; champions and executives drive stakeholder signals.",
        columns: &[
            req("contact_id", Str, NoRule, "Stable contact identifier."),
            req("account_id", Str, NoRule, "Account the contact works for."),
            req(
                "is_champion",
                Bool,
                NoRule,
                "Whether the contact is the account's champion.",
            ),
            opt("name", Str, NoRule, "Full name (never logged)."),
            opt("email", Str, NoRule, "E-mail (never logged)."),
            opt("role", Str, NoRule, "Job role."),
            opt(
                "is_executive",
                Bool,
                NoRule,
                "Whether the contact is an executive.",
            ),
            opt(
                "first_seen_at",
                Timestamp,
                NoRule,
                "First time the contact appeared.",
            ),
        ],
    },
    TableSpec {
        name: "tickets",
        signals: "support volume, priority and ticket sentiment",
        mandatory: false,
        key: &["ticket_id"],
        key_doc: "The helpdesk id identifies a ticket; a ticket exported twice with a changed status is a conflict, not two tickets.",
        time_column: Some("created_at"),
        max_staleness_hours: Some(72),
        references_accounts: true,
        doc: "Support tickets with their text.",
        columns: &[
            req("ticket_id", Str, NoRule, "Stable ticket identifier."),
            req("account_id", Str, NoRule, "Account that raised the ticket."),
            req("created_at", Timestamp, NoRule, "When the ticket was opened."),
            req("priority", Str, Rule::Taxonomy(Priority), "Ticket priority."),
            ColumnSpec {
                nullable: true,
                ..req(
                    "subject",
                    Str,
                    NoRule,
                    "Subject line (customer text, never logged).",
                )
            },
            ColumnSpec {
                nullable: true,
                ..req("body", Str, NoRule, "Body (customer text, never logged).")
            },
            opt("contact_id", Str, NoRule, "Contact who raised it."),
            opt(
                "closed_at",
                Timestamp,
                NoRule,
                "When it was closed; null while open.",
            ),
            opt("category", Str, NoRule, "Product area or ticket category."),
            opt(
                "channel",
                Str,
                Rule::Taxonomy(Channel),
                "email, chat, phone, portal…",
            ),
            opt(
                "csat",
                Int,
                Range(1.0, 5.0),
                "Satisfaction rating after close, 1–5.",
            ),
            opt("status", Str, NoRule, "open, pending, solved, closed…"),
        ],
    },
    TableSpec {
        name: "usage_daily",
        signals: "usage trends",
        mandatory: false,
        key: &["account_id", "date"],
        key_doc: "One total per account and day: a second row for the same day is a re-delivered export, never extra usage.",
        time_column: Some("date"),
        max_staleness_hours: Some(72),
        references_accounts: true,
        doc: "Daily product usage per account.",
        columns: &[
            req("account_id", Str, NoRule, "Account."),
            req("date", Date, NoRule, "Day (UTC)."),
            req("active_users", Int, PEOPLE, "Distinct active users that day."),
            req("logins", Int, DAILY_COUNT, "Logins that day."),
            opt("admin_users", Int, PEOPLE, "Active admin users that day."),
            opt("sessions", Int, DAILY_COUNT, "Sessions that day."),
        ],
    },
    TableSpec {
        name: "feature_usage",
        signals: "feature adoption",
        mandatory: false,
        key: &["account_id", "date", "feature"],
        key_doc: "One total per account, day and feature.",
        time_column: Some("date"),
        max_staleness_hours: Some(72),
        references_accounts: true,
        doc: "Daily events per product feature (rows only for days with events).",
        columns: &[
            req("account_id", Str, NoRule, "Account."),
            req("date", Date, NoRule, "Day (UTC)."),
            req("feature", Str, NoRule, "Feature name."),
            req("events", Int, DAILY_COUNT, "Events that day."),
        ],
    },
    TableSpec {
        name: "nps_responses",
        signals: "NPS and comment sentiment",
        mandatory: false,
        key: &["account_id", "responded_at", "contact_id"],
        key_doc: "One answer per respondent and instant; anonymous answers (null `contact_id`) compare equal, so two anonymous answers of one account at the same second are one answer.",
        time_column: Some("responded_at"),
        max_staleness_hours: None,
        references_accounts: true,
        doc: "NPS survey responses.",
        columns: &[
            req("account_id", Str, NoRule, "Account."),
            req("responded_at", Timestamp, NoRule, "When the survey was answered."),
            req("score", Int, Range(0.0, 10.0), "NPS score 0–10."),
            opt("contact_id", Str, NoRule, "Respondent."),
            opt(
                "comment",
                Str,
                NoRule,
                "Free-text comment (customer text, never logged).",
            ),
        ],
    },
    TableSpec {
        name: "communications",
        signals: "champion responsiveness",
        mandatory: false,
        key: &["message_id"],
        key_doc: "The message or activity id from the CRM or mail system.",
        time_column: Some("sent_at"),
        max_staleness_hours: None,
        references_accounts: true,
        doc: "E-mails, calls and CRM activities between the customer and the vendor.",
        columns: &[
            req("message_id", Str, NoRule, "Stable message identifier."),
            req("account_id", Str, NoRule, "Account."),
            req("sent_at", Timestamp, NoRule, "When it was sent or logged."),
            req(
                "direction",
                Str,
                OneOf(DIRECTIONS),
                "inbound = from the customer.",
            ),
            req(
                "channel",
                Str,
                Rule::Taxonomy(Channel),
                "email, call, meeting, chat…",
            ),
            opt("contact_id", Str, NoRule, "Customer contact involved."),
            opt("subject", Str, NoRule, "Subject (customer text, never logged)."),
            opt("body", Str, NoRule, "Body (customer text, never logged)."),
        ],
    },
    TableSpec {
        name: "escalations",
        signals: "training labels and escalation history",
        mandatory: false,
        key: &["escalation_id"],
        key_doc: "The escalation id from the case system.",
        time_column: Some("opened_at"),
        max_staleness_hours: None,
        references_accounts: true,
        doc: "Past escalations: the labels the risk model learns from.",
        columns: &[
            req("escalation_id", Str, NoRule, "Stable escalation identifier."),
            req("account_id", Str, NoRule, "Account."),
            req("opened_at", Timestamp, NoRule, "When the escalation was opened."),
            req("category", Str, Rule::Taxonomy(Category), "Escalation type."),
            opt("severity", Str, Rule::Taxonomy(Severity), "Severity."),
            opt(
                "resolved_at",
                Timestamp,
                NoRule,
                "When it was resolved; null while open.",
            ),
            opt(
                "interventions",
                Str,
                NoRule,
                "Semicolon-separated interventions taken.",
            ),
            opt("outcome", Str, NoRule, "retained, churned, downgraded, ongoing…"),
            opt("arr_at_risk", Float, MONEY, "ARR at risk (USD)."),
        ],
    },
    TableSpec {
        name: "feedback",
        signals: "CSM feedback for retraining",
        mandatory: false,
        key: &["account_id", "alert_date", "author"],
        key_doc: "One verdict per alert (account and run date) and author: two CSMs may judge the same alert; the same author twice with different verdicts is a conflict. A null author compares equal to another null author.",
        time_column: Some("alert_date"),
        max_staleness_hours: None,
        references_accounts: true,
        doc: "CSM verdicts on past alerts, used for retraining.",
        columns: &[
            req("account_id", Str, NoRule, "Account."),
            req("alert_date", Date, NoRule, "Run date of the alert."),
            req(
                "verdict",
                Str,
                OneOf(VERDICTS),
                "accurate, false_positive, missed or prevented.",
            ),
            opt("model_version", Str, NoRule, "Model that raised the alert."),
            opt("note", Str, NoRule, "Free-text note (never logged)."),
            opt("author", Str, NoRule, "Who gave the verdict."),
        ],
    },
    TableSpec {
        name: "sentiment_labels",
        signals: "user-labelled sentiment training data",
        mandatory: false,
        key: &["text"],
        key_doc: "One label per text: the same text labelled twice differently is contradictory training data.",
        time_column: None,
        max_staleness_hours: None,
        references_accounts: false,
        doc: "Human-labelled texts for training the sentiment classifier.",
        columns: &[
            req("text", Str, NoRule, "The text (never logged)."),
            req(
                "label",
                Str,
                OneOf(SENTIMENT_LABELS),
                "negative, neutral or positive.",
            ),
            opt("source", Str, NoRule, "Where the label came from."),
        ],
    },
];

/// Looks a table up by name.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}
