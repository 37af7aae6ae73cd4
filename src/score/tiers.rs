//! `[tiers]`: how a risk score becomes a tier, and what each tier sets in motion.
//!
//! Defaults follow the product brief: ≥ 60 moderate (check-in draft for the CSM), ≥ 70 CSM
//! attention, ≥ 80 high (war room), ≥ 85 leadership involved, ≥ 90 critical (executive
//! briefing), ≥ 95 executive outreach. Below them sits `watch`: an account at or above the
//! risk model's alert threshold but under every configured tier.

use serde::{Deserialize, Serialize};

/// One tier: the lowest score that reaches it and the actions it triggers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierLevel {
    /// Tier name written to `risk_scores.tier` (e.g. `high`).
    pub name: String,
    /// Lowest risk score (0–100) of the tier.
    pub min_score: u32,
    /// Actions triggered, each a row of the `actions` table (e.g. `checkin_draft`,
    /// `war_room`, `exec_briefing`). An action with a template of the same name under the
    /// templates folder gets a drafted body.
    pub actions: Vec<String>,
    /// Role that owns the actions (e.g. `csm`, `cs_manager`).
    pub owner: String,
    /// Roles to notify.
    #[serde(default)]
    pub notify: Vec<String>,
    /// Hours after the run's as-of time by which the action is due.
    pub sla_hours: u32,
}

/// The `[tiers]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TiersOptions {
    /// Folder of the draft templates (relative to the project root).
    pub templates: String,
    /// Tier of an alerted account below every level (`watch`); `None` leaves such accounts
    /// untiered.
    pub watch: Option<TierLevel>,
    /// Tiers, in ascending `min_score`.
    pub levels: Vec<TierLevel>,
}

fn level(
    name: &str,
    min_score: u32,
    actions: &[&str],
    owner: &str,
    notify: &[&str],
    sla_hours: u32,
) -> TierLevel {
    TierLevel {
        name: name.into(),
        min_score,
        actions: actions.iter().map(|s| (*s).into()).collect(),
        owner: owner.into(),
        notify: notify.iter().map(|s| (*s).into()).collect(),
        sla_hours,
    }
}

impl Default for TiersOptions {
    fn default() -> Self {
        Self {
            templates: "pipelines/templates".into(),
            watch: Some(level("watch", 0, &["watchlist"], "csm", &["csm"], 72)),
            levels: vec![
                level("moderate", 60, &["checkin_draft"], "csm", &["csm"], 48),
                level(
                    "attention",
                    70,
                    &["checkin_draft", "csm_review"],
                    "csm",
                    &["csm", "cs_manager"],
                    24,
                ),
                level(
                    "high",
                    80,
                    &["war_room"],
                    "cs_manager",
                    &["csm", "cs_manager", "support_lead"],
                    24,
                ),
                level(
                    "leadership",
                    85,
                    &["war_room", "leadership_review"],
                    "vp_customer_success",
                    &["csm", "cs_manager", "vp_customer_success"],
                    12,
                ),
                level(
                    "critical",
                    90,
                    &["war_room", "exec_briefing"],
                    "vp_customer_success",
                    &["cs_manager", "vp_customer_success", "cro"],
                    8,
                ),
                level(
                    "executive",
                    95,
                    &["war_room", "exec_briefing", "exec_outreach"],
                    "cro",
                    &["vp_customer_success", "cro", "ceo"],
                    4,
                ),
            ],
        }
    }
}

impl TiersOptions {
    /// Checks ranges and order; returns `(key, value, allowed)` of the first bad value.
    pub fn check_values(&self) -> Result<(), (String, String, String)> {
        let mut last = None;
        for (i, l) in self.levels.iter().enumerate() {
            let key = |k: &str| format!("tiers.levels[{i}].{k}");
            if !(1..=100).contains(&l.min_score) {
                return Err((
                    key("min_score"),
                    l.min_score.to_string(),
                    "allowed: 1 to 100".into(),
                ));
            }
            if last.is_some_and(|p| l.min_score <= p) {
                return Err((
                    key("min_score"),
                    l.min_score.to_string(),
                    "allowed: levels in strictly ascending min_score".into(),
                ));
            }
            last = Some(l.min_score);
            if l.name.trim().is_empty() || l.owner.trim().is_empty() {
                return Err((
                    key("name"),
                    format!("{:?}", l.name),
                    "allowed: a non-empty name and owner".into(),
                ));
            }
            if let Some(a) = l.actions.iter().find(|a| !valid_name(a)) {
                return Err((
                    key("actions"),
                    format!("{a:?}"),
                    "allowed: names of [a-z0-9_]".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Action and template names: lower-case letters, digits and `_`, so a name is a file name.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
