//! Tiers and routing: which tier a score reaches, and the actions that tier sets in motion —
//! one row of the `actions` table each, with its owner, who to notify, when it is due, and
//! the drafted text when the action has a template.
//!
//! An account gets exactly one tier: the highest `[tiers]` level whose `min_score` its score
//! reaches; below every level, an alerted account is on the `watch` tier and any other is
//! `low` (no actions). Tiers are not cumulative: each level lists all its actions.

use super::brief::AccountBrief;
use super::drafts::{DraftError, DraftExtra, Drafts};
use super::tiers::{TierLevel, TiersOptions};
use chrono::{DateTime, TimeDelta, Utc};
use polars::prelude::*;

/// Tier name of an account under every level and not alerted.
pub const LOW_TIER: &str = "low";

/// The tier a score reaches: the highest level with `min_score ≤ score`; else the `watch`
/// tier when the account is alerted; else `None` (tier [`LOW_TIER`], no actions).
pub fn tier(score: u32, alert: bool, tiers: &TiersOptions) -> Option<&TierLevel> {
    tiers
        .levels
        .iter()
        .filter(|l| l.min_score <= score)
        .max_by_key(|l| l.min_score)
        .or_else(|| tiers.watch.as_ref().filter(|_| alert))
}

/// The tier's name for `risk_scores.tier`: the level's name, or [`LOW_TIER`].
pub fn tier_name(level: Option<&TierLevel>) -> &str {
    level.map_or(LOW_TIER, |l| l.name.as_str())
}

/// One triggered action: a row of the `actions` table (without its `run_date`).
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Account the action is about.
    pub account_id: String,
    /// Tier that triggered it.
    pub tier: String,
    /// The action (`checkin_draft`, `war_room`, `exec_briefing`, …).
    pub action: String,
    /// Role that owns it.
    pub owner: String,
    /// Roles to notify.
    pub notify: Vec<String>,
    /// As-of time plus the tier's SLA.
    pub due_by: DateTime<Utc>,
    /// The drafted text, for a human to review (never sent); `None` when the action has no
    /// template.
    pub body: Option<String>,
}

/// The actions `level` triggers for one account scored at `as_of`, in the level's order,
/// each drafted when it has a template. The drafts see `level.name` as `tier` whatever
/// `brief.tier` holds.
pub fn actions(
    brief: &AccountBrief,
    level: &TierLevel,
    as_of: DateTime<Utc>,
    drafts: &Drafts,
) -> Result<Vec<Action>, DraftError> {
    let retiered;
    let brief = if brief.tier == level.name {
        brief
    } else {
        retiered = AccountBrief {
            tier: level.name.clone(),
            ..brief.clone()
        };
        &retiered
    };
    let extra = DraftExtra {
        owner: level.owner.clone(),
        notify: level.notify.clone(),
        due_by: as_of + TimeDelta::hours(i64::from(level.sla_hours)),
        sla_hours: level.sla_hours,
    };
    level
        .actions
        .iter()
        .map(|action| {
            Ok(Action {
                account_id: brief.account_id.clone(),
                tier: level.name.clone(),
                action: action.clone(),
                owner: extra.owner.clone(),
                notify: extra.notify.clone(),
                due_by: extra.due_by,
                body: drafts.render(action, brief, &extra)?,
            })
        })
        .collect()
}

/// The `actions` output table (DESIGN.md) without `run_date`, which the publisher adds:
/// `account_id`, `tier`, `action`, `owner` (strings), `notify` (list of strings), `due_by`
/// (datetime, µs, UTC) and `body` (string, null when not drafted).
pub fn actions_frame(actions: &[Action]) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: fn(&Action) -> &str| {
        Column::new(name.into(), actions.iter().map(f).collect::<Vec<&str>>())
    };
    let mut notify = ListStringChunkedBuilder::new("notify".into(), actions.len(), actions.len() * 3);
    for a in actions {
        notify.append_values_iter(a.notify.iter().map(String::as_str));
    }
    let due_by = Int64Chunked::from_vec(
        "due_by".into(),
        actions.iter().map(|a| a.due_by.timestamp_micros()).collect(),
    )
    .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let body: Vec<Option<&str>> = actions.iter().map(|a| a.body.as_deref()).collect();
    DataFrame::new(
        actions.len(),
        vec![
            text("account_id", |a| &a.account_id),
            text("tier", |a| &a.tier),
            text("action", |a| &a.action),
            text("owner", |a| &a.owner),
            notify.finish().into_series().into_column(),
            due_by.into_series().into_column(),
            Column::new("body".into(), body),
        ],
    )
}

#[cfg(test)]
mod tests;
