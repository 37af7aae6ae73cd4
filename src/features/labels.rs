//! Early-detection labels of snapshots.
//!
//! For a snapshot at t (horizon h, documented in data/FEATURES.md when the catalogue lands):
//! - `escalates_within_h`: an escalation of the account opens in `(t, t + h]` — one opened
//!   exactly at t is not a future escalation, one opened exactly at t + h is;
//! - `hours_to_next_escalation`: hours from t to the next opening after t, null beyond
//!   `max_lead_hours`; `next_escalation_category`: its category;
//! - `in_open_escalation`: an escalation opened at or before t is unresolved at t (a null
//!   `resolved_at` counts as unresolved); such snapshots are left out of training by default;
//! - `label_complete`: `t + h <= --as-of`, i.e. the whole label window has been observed.

use super::FeatureError;
use super::params::FeatureOptions;
use crate::contract::columns::{micros, str_column, strings};
use crate::time::HOUR_US;
use crate::time::units;
use polars::prelude::*;

/// One past escalation, as the labels need it.
struct Opened {
    at: i64,
    resolved: Option<i64>,
    category: Option<String>,
}

fn by_account(escalations: &DataFrame) -> Result<PlHashMap<String, Vec<Opened>>, FeatureError> {
    let ids = strings(escalations, "escalations", "account_id")?;
    let opened = micros(escalations, "escalations", "opened_at")?;
    let resolved = micros(escalations, "escalations", "resolved_at")?;
    let category = strings(escalations, "escalations", "category")?;
    let mut map: PlHashMap<String, Vec<Opened>> = PlHashMap::new();
    for (((id, at), resolved), category) in ids.into_iter().zip(opened).zip(resolved).zip(category) {
        if let (Some(id), Some(at)) = (id, at) {
            map.entry(id).or_default().push(Opened {
                at,
                resolved,
                category,
            });
        }
    }
    for v in map.values_mut() {
        v.sort_by_key(|e| e.at);
    }
    Ok(map)
}

/// Adds the label columns to a grid of `(account_id, snapshot_at)`.
pub fn label(
    grid: &DataFrame,
    escalations: Option<&DataFrame>,
    opts: &FeatureOptions,
    as_of: i64,
) -> Result<DataFrame, FeatureError> {
    let escalations = by_account(escalations.ok_or(FeatureError::NoLabels)?)?;
    let ids = str_column(grid, "snapshots", "account_id")?;
    let times = micros(grid, "snapshots", "snapshot_at")?;
    let horizon = i64::from(opts.horizon_hours) * HOUR_US;
    let max_lead = i64::from(opts.max_lead_hours) * HOUR_US;
    let n = ids.len();
    let (mut positive, mut hours, mut category) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut open, mut complete) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (id, t) in ids.iter().zip(&times) {
        let (Some(id), Some(t)) = (id, *t) else {
            positive.push(None);
            hours.push(None);
            category.push(None);
            open.push(None);
            complete.push(None);
            continue;
        };
        let events = escalations.get(id).map(Vec::as_slice).unwrap_or_default();
        let first_after = events.partition_point(|e| e.at <= t);
        let next = events.get(first_after).filter(|e| e.at - t <= max_lead);
        positive.push(Some(next.is_some_and(|e| e.at - t <= horizon)));
        hours.push(next.map(|e| units::hours(e.at - t)));
        category.push(next.and_then(|e| e.category.clone()));
        open.push(Some(
            events[..first_after]
                .iter()
                .any(|e| e.resolved.is_none_or(|r| r > t)),
        ));
        complete.push(Some(t + horizon <= as_of));
    }
    let mut out = grid.clone();
    out.with_column(Column::new("escalates_within_h".into(), positive))?;
    out.with_column(Column::new("hours_to_next_escalation".into(), hours))?;
    out.with_column(Column::new("next_escalation_category".into(), category))?;
    out.with_column(Column::new("in_open_escalation".into(), open))?;
    out.with_column(Column::new("label_complete".into(), complete))?;
    Ok(out)
}
