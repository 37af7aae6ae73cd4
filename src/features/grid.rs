//! The snapshot grid: which accounts exist at which instants.
//!
//! An account's lifetime is `[enter, leave)`: it enters at `created_at` (else its
//! `contract_start`) and, when `subscriptions` is present and its last contract period
//! ended before `--as-of`, leaves the day after that period's `end_date` (churn). The
//! accounts table's `renewal_date` and `arr` are current values and are never used here:
//! they would leak a churn date into past snapshots.

use super::FeatureError;
use crate::contract::columns::{micros, strings, timestamp_column};
use crate::time::RunWindow;
use crate::time::{DAY_US, HOUR_US};
use polars::prelude::*;
use std::collections::HashMap;

/// When an account can be snapshotted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetime {
    /// Account.
    pub account_id: String,
    /// First instant (µs since the epoch); `i64::MIN` when unknown.
    pub enter: i64,
    /// First instant after churn (µs), `None` while the account is a customer.
    pub leave: Option<i64>,
}

impl Lifetime {
    /// Whether the account exists at `t`.
    pub fn contains(&self, t: i64) -> bool {
        self.enter <= t && self.leave.is_none_or(|l| t < l)
    }
}

/// Lifetimes of every account, in the accounts table's order.
pub fn lifetimes(
    accounts: &DataFrame,
    subscriptions: Option<&DataFrame>,
    window: &RunWindow,
) -> Result<Vec<Lifetime>, FeatureError> {
    let ids = strings(accounts, "accounts", "account_id")?;
    let created = micros(accounts, "accounts", "created_at")?;
    let started = micros(accounts, "accounts", "contract_start")?;
    let periods = match subscriptions {
        Some(s) => contract_spans(s)?,
        None => HashMap::new(),
    };
    let as_of = window.as_of.timestamp_micros();
    let mut out = Vec::with_capacity(ids.len());
    for ((id, created), started) in ids.into_iter().zip(created).zip(started) {
        let Some(id) = id else { continue };
        let span = periods.get(&id);
        let enter = created.or(started).or(span.map(|s| s.0)).unwrap_or(i64::MIN);
        let leave = span.map(|s| s.1).filter(|end| *end <= as_of);
        out.push(Lifetime {
            account_id: id,
            enter,
            leave,
        });
    }
    Ok(out)
}

/// Per account: first contract start and the day after the last contract end (µs).
fn contract_spans(subs: &DataFrame) -> Result<HashMap<String, (i64, i64)>, FeatureError> {
    let ids = strings(subs, "subscriptions", "account_id")?;
    let starts = micros(subs, "subscriptions", "start_date")?;
    let ends = micros(subs, "subscriptions", "end_date")?;
    let mut spans: HashMap<String, (i64, i64)> = HashMap::new();
    for ((id, start), end) in ids.into_iter().zip(starts).zip(ends) {
        let (Some(id), Some(start), Some(end)) = (id, start, end) else {
            continue;
        };
        let after_end = end + DAY_US;
        spans
            .entry(id)
            .and_modify(|s| *s = (s.0.min(start), s.1.max(after_end)))
            .or_insert((start, after_end));
    }
    Ok(spans)
}

/// Training and backtest grid: `(account_id, snapshot_at)` for every
/// `snapshot_at = window.start + k · cadence` (k ≥ 1, up to `--as-of`) inside the account's
/// lifetime, ordered by account then time.
pub fn training_grid(
    lifetimes: &[Lifetime],
    window: &RunWindow,
    cadence_hours: u32,
) -> PolarsResult<DataFrame> {
    let start = window.start.timestamp_micros();
    let as_of = window.as_of.timestamp_micros();
    let step = i64::from(cadence_hours.max(1)) * HOUR_US;
    let times: Vec<i64> = (1..)
        .map(|k| start + k * step)
        .take_while(|t| *t <= as_of)
        .collect();
    let mut ids = Vec::new();
    let mut at = Vec::new();
    for life in lifetimes {
        for &t in times.iter().filter(|t| life.contains(**t)) {
            ids.push(life.account_id.as_str());
            at.push(t);
        }
    }
    DataFrame::new(
        ids.len(),
        vec![
            Column::new("account_id".into(), ids),
            timestamp_column("snapshot_at", at)?,
        ],
    )
}

/// Scoring grid: one row per account that exists at `--as-of`.
pub fn scoring_grid(lifetimes: &[Lifetime], window: &RunWindow) -> PolarsResult<DataFrame> {
    let as_of = window.as_of.timestamp_micros();
    let ids: Vec<&str> = lifetimes
        .iter()
        .filter(|l| l.contains(as_of))
        .map(|l| l.account_id.as_str())
        .collect();
    let n = ids.len();
    DataFrame::new(
        n,
        vec![
            Column::new("account_id".into(), ids),
            timestamp_column("snapshot_at", vec![as_of; n])?,
        ],
    )
}
