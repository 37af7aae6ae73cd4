//! What the scoring stage knows about one account: the context of its narrative, its
//! routed actions and its drafted check-ins and briefings.
//!
//! This is the one structure the templates see (`pipelines/templates/*.j2`); its fields are
//! the template variables, documented in `pipelines/templates/README.md`.

use serde::{Deserialize, Serialize};

/// One explained factor of a score: a feature, its value and its SHAP contribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Feature name (from the feature catalogue).
    pub feature: String,
    /// The catalogue's description of the feature.
    pub description: String,
    /// The feature's value at the snapshot (`None` when missing).
    pub value: Option<f64>,
    /// Contribution to the model's raw margin (log-odds for trees).
    pub contribution: f64,
    /// A phrase a CSM reads ("logins down 35% week over week"), or the description with
    /// the value when the feature has no narrative rule.
    pub phrase: String,
}

/// A recent support ticket (subject only: bodies stay in the source system).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRef {
    /// Ticket id.
    pub ticket_id: String,
    /// Opened, `YYYY-MM-DD`.
    pub opened: String,
    /// Priority as in the source (`low` … `urgent`).
    pub priority: String,
    /// Subject line.
    pub subject: String,
    /// Tone from the sentiment stage (`negative`, `neutral`, `positive`) when scored.
    pub sentiment: Option<String>,
    /// Whether it is still open at the as-of time.
    pub open: bool,
}

/// A recent interaction on the account's timeline (email, NPS answer, ticket, escalation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// When, `YYYY-MM-DD`.
    pub date: String,
    /// `email_in`, `email_out`, `ticket`, `nps`, `escalation`.
    pub kind: String,
    /// One line about it (subjects and scores, never message bodies).
    pub summary: String,
}

/// A past escalation of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastEscalation {
    /// Escalation id.
    pub escalation_id: String,
    /// Opened, `YYYY-MM-DD`.
    pub opened: String,
    /// Category.
    pub category: String,
    /// Days from opened to resolved, when resolved.
    pub resolution_days: Option<f64>,
    /// Outcome as recorded.
    pub outcome: Option<String>,
}

/// A resolved past escalation similar to the predicted one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarCase {
    /// Escalation id.
    pub escalation_id: String,
    /// Account it happened to.
    pub account_id: String,
    /// Its category.
    pub category: String,
    /// Days to resolve.
    pub resolution_days: f64,
    /// Distance in standardised feature space (smaller is more similar).
    pub distance: f64,
}

/// Resolution-time estimate from similar past cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionEstimate {
    /// Category the estimate is for (the predicted one).
    pub category: String,
    /// The similar cases, most similar first.
    pub cases: Vec<SimilarCase>,
    /// Mean days to resolve over the cases.
    pub mean_days: f64,
    /// Spread: standard deviation of the days.
    pub spread_days: f64,
    /// The estimate written to `risk_scores.predicted_resolution_days`: `mean_days`, or the
    /// category's median when that was the more accurate on the held-out weeks.
    pub predicted_days: f64,
    /// Which of the two `predicted_days` is: `similar_cases` or `category_median`.
    pub method: String,
    /// Interventions most common among the fastest half of the cases, most common first.
    pub success_factors: Vec<String>,
    /// One sentence: "comparable to 7 previous escalations, which averaged 4.2 days to
    /// resolve; success factors: …".
    pub summary: String,
}

/// Everything known about one scored account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBrief {
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub name: String,
    /// Segment (e.g. `enterprise`).
    pub segment: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Plan.
    pub plan: Option<String>,
    /// CSM who owns the account.
    pub csm_owner: Option<String>,
    /// The CSM's email.
    pub csm_email: Option<String>,
    /// Annual recurring revenue at the as-of time.
    pub arr: Option<f64>,
    /// Days to the next renewal.
    pub days_to_renewal: Option<i64>,
    /// Days since the account started.
    pub tenure_days: Option<i64>,
    /// The scoring moment, `YYYY-MM-DD HH:MM UTC`.
    pub as_of: String,
    /// Calibrated probability of an escalation within the horizon.
    pub probability: f64,
    /// `round(100 × probability)`.
    pub risk_score: u32,
    /// Tier name (`low` when under every tier and not alerted).
    pub tier: String,
    /// Whether the score is at or above the alert threshold.
    pub alert: bool,
    /// ARR × probability.
    pub revenue_at_risk: Option<f64>,
    /// Top factors by |contribution|, those raising the risk first.
    pub factors: Vec<Factor>,
    /// The narrative facts ("logins down 35% week over week", …), most important first.
    pub facts: Vec<String>,
    /// The narrative sentence: facts and score ("… — 85% escalation risk").
    pub narrative: String,
    /// Score change since the previous run's score of the account.
    pub score_delta: Option<i64>,
    /// Factors that moved the score most since the previous run, as phrases.
    pub what_changed: Vec<String>,
    /// Recent tickets (last 14 days), newest first.
    pub recent_tickets: Vec<TicketRef>,
    /// Recent interactions (last 30 days), newest first.
    pub recent_interactions: Vec<Interaction>,
    /// Past escalations in the history, newest first.
    pub past_escalations: Vec<PastEscalation>,
    /// Predicted escalation category.
    pub predicted_category: Option<String>,
    /// Probability of that category.
    pub category_probability: Option<f64>,
    /// Resolution estimate from similar past cases.
    pub resolution: Option<ResolutionEstimate>,
}
