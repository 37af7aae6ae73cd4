//! Plain row structs the simulation appends to, one vector per table.
//!
//! Accounts are referred to by index and contacts by `(account index, number)`; string ids
//! and polars columns are only produced once, in `frames`, which keeps the daily loop free
//! of allocation-heavy work.

/// One `accounts` row.
#[derive(Debug, Clone)]
pub(crate) struct AccountRow {
    pub name: String,
    pub segment: usize,
    pub arr: f64,
    /// Next renewal as days since 1970-01-01; `None` after churn.
    pub renewal_date: Option<i32>,
    pub industry: usize,
    pub region: usize,
    pub plan: usize,
    /// First contract day, days since 1970-01-01.
    pub contract_start: i32,
    pub csm: usize,
    /// Microseconds since the epoch (UTC).
    pub created_at: i64,
}

/// One `subscriptions` row.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionRow {
    pub acct: u32,
    pub start: i32,
    pub end: i32,
    pub arr: f64,
    pub plan: usize,
    pub seats: i64,
}

/// One `contacts` row.
#[derive(Debug, Clone)]
pub(crate) struct ContactRow {
    pub acct: u32,
    pub number: u16,
    pub is_champion: bool,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub is_executive: bool,
    pub first_seen_at: i64,
}

/// One `tickets` row.
#[derive(Debug, Clone)]
pub(crate) struct TicketRow {
    pub acct: u32,
    pub created_at: i64,
    pub priority: usize,
    pub subject: String,
    pub body: String,
    pub contact: Option<u16>,
    pub closed_at: Option<i64>,
    pub category: &'static str,
    pub channel: &'static str,
    pub csat: Option<i64>,
    pub status: &'static str,
}

/// One `usage_daily` row.
#[derive(Debug, Clone)]
pub(crate) struct UsageRow {
    pub acct: u32,
    pub date: i32,
    pub active_users: i64,
    pub logins: i64,
    pub admin_users: i64,
    pub sessions: i64,
}

/// One `feature_usage` row.
#[derive(Debug, Clone)]
pub(crate) struct FeatureRow {
    pub acct: u32,
    pub date: i32,
    pub feature: u8,
    pub events: i64,
}

/// One `nps_responses` row.
#[derive(Debug, Clone)]
pub(crate) struct NpsRow {
    pub acct: u32,
    pub responded_at: i64,
    pub score: i64,
    pub contact: Option<u16>,
    pub comment: Option<String>,
}

/// One `communications` row.
#[derive(Debug, Clone)]
pub(crate) struct CommRow {
    pub acct: u32,
    pub sent_at: i64,
    pub inbound: bool,
    pub channel: &'static str,
    pub contact: Option<u16>,
    pub subject: Option<String>,
    pub body: Option<String>,
}

/// One `escalations` row.
#[derive(Debug, Clone)]
pub(crate) struct EscalationRow {
    pub acct: u32,
    pub opened_at: i64,
    pub category: usize,
    pub severity: usize,
    pub resolved_at: Option<i64>,
    pub interventions: String,
    pub outcome: &'static str,
    pub arr_at_risk: f64,
}

/// One `feedback` row.
#[derive(Debug, Clone)]
pub(crate) struct FeedbackRow {
    pub acct: u32,
    pub alert_date: i32,
    pub verdict: usize,
    pub model_version: String,
    pub note: String,
    pub csm: usize,
}

/// A trouble episode as the simulation saw it (ground truth, not emitted as a table;
/// used by `feedback`, the tests and the calibration numbers in `data/SYNTHETIC.md`).
#[derive(Debug, Clone)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct EpisodeLog {
    /// First day of the precursors (window day index).
    pub start: i32,
    /// Days of precursors before the decision day.
    pub lead: i32,
    pub intensity: f64,
    pub category: usize,
    /// Whether the episode ended in an escalation (opened on `start + lead`).
    pub escalated: bool,
}

/// An escalation as the simulation saw it (ground truth for feedback and calibration).
#[derive(Debug, Clone)]
pub(crate) struct EscalationLog {
    /// Day the escalation was opened (window day index).
    pub day: i32,
    /// Whether its precursors were weak or absent.
    pub weak: bool,
}

/// Everything one worker generated, in account order.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub accounts: Vec<AccountRow>,
    pub subscriptions: Vec<SubscriptionRow>,
    pub contacts: Vec<ContactRow>,
    pub tickets: Vec<TicketRow>,
    pub usage: Vec<UsageRow>,
    pub features: Vec<FeatureRow>,
    pub nps: Vec<NpsRow>,
    pub comms: Vec<CommRow>,
    pub escalations: Vec<EscalationRow>,
    pub feedback: Vec<FeedbackRow>,
    #[cfg_attr(not(test), allow(dead_code))]
    pub episodes: Vec<EpisodeLog>,
    #[cfg_attr(not(test), allow(dead_code))]
    pub escalation_log: Vec<EscalationLog>,
}
