//! Product-usage features: logins and active users week over week and against a 28-day
//! baseline, and the change in admin users.
//!
//! A daily row for day D is known at the end of D, so at snapshot t the last 7 days are
//! D = t−7d … t−1d (for snapshots at midnight).

use super::catalogue::{FeatureSpec, f};
use super::frame::DAY_US;
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use polars::prelude::*;

/// Usage features.
pub const SPECS: &[FeatureSpec] = &[
    f(
        "logins_7d",
        "Logins in the last 7 days",
        "count",
        "usage_daily",
        "7 d",
    ),
    f(
        "logins_change_7d_pct",
        "Change of logins, last 7 days vs the 7 days before",
        "%",
        "usage_daily",
        "14 d",
    ),
    f(
        "logins_vs_28d_pct",
        "Logins in the last 7 days vs the weekly average of the last 28 days",
        "%",
        "usage_daily",
        "28 d",
    ),
    f(
        "active_users_7d",
        "Mean daily active users over the last 7 days",
        "count",
        "usage_daily",
        "7 d",
    ),
    f(
        "active_users_change_7d_pct",
        "Change of mean daily active users, last 7 days vs the 7 days before",
        "%",
        "usage_daily",
        "14 d",
    ),
    f(
        "active_users_vs_28d_pct",
        "Mean daily active users of the last 7 days vs the last 28 days",
        "%",
        "usage_daily",
        "28 d",
    ),
    f(
        "admin_users_change_14d",
        "Mean daily admin users of the last 7 days minus the 7 days before",
        "count",
        "usage_daily",
        "14 d",
    ),
    f(
        "usage_days_7d",
        "Days with any login in the last 7 days",
        "count",
        "usage_daily",
        "7 d",
    ),
];

fn column(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, FeatureError> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.iter().collect())
}

fn sum(rows: &[usize], values: &[Option<f64>]) -> f64 {
    rows.iter().filter_map(|r| values[*r]).sum()
}

fn mean(rows: &[usize], values: &[Option<f64>]) -> Option<f64> {
    let (sum, n) = rows
        .iter()
        .filter_map(|r| values[*r])
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// `(current / baseline − 1) · 100`, null when the baseline is missing or zero.
fn pct(current: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    match (current, baseline) {
        (Some(c), Some(b)) if b > 0.0 => Some((c / b - 1.0) * 100.0),
        _ => None,
    }
}

/// Computes the usage features for every snapshot.
pub fn compute(snaps: &Snapshots, usage: &DataFrame, out: &mut Features) -> Result<(), FeatureError> {
    // Day D is known at D + 1 day; `- 1` makes the half-open window [t − w, t) hold the
    // days that ended at or before t.
    let tl = Timeline::build(snaps, usage, "usage_daily", "date", DAY_US - 1)?;
    let logins = column(usage, "logins")?;
    let users = column(usage, "active_users")?;
    let admins = column(usage, "admin_users")?;
    let n = snaps.len();
    let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); SPECS.len()];
    for (&a, &t) in snaps.account.iter().zip(&snaps.at) {
        let cur = tl.rows(a, t - 7 * DAY_US, t);
        let prev = tl.rows(a, t - 14 * DAY_US, t - 7 * DAY_US);
        let d28 = tl.rows(a, t - 28 * DAY_US, t);
        let has = |rows: &[usize]| (!rows.is_empty()).then_some(());
        let logins7 = has(cur).map(|()| sum(cur, &logins));
        let logins_prev = has(prev).map(|()| sum(prev, &logins));
        let logins28_week = has(d28).map(|()| sum(d28, &logins) * 7.0 / d28.len() as f64);
        let users7 = mean(cur, &users);
        let values = [
            logins7,
            pct(logins7, logins_prev),
            pct(logins7, logins28_week),
            users7,
            pct(users7, mean(prev, &users)),
            pct(users7, mean(d28, &users)),
            mean(cur, &admins).zip(mean(prev, &admins)).map(|(c, p)| c - p),
            has(cur).map(|()| {
                cur.iter()
                    .filter(|r| logins[**r].is_some_and(|l| l > 0.0))
                    .count() as f64
            }),
        ];
        for (col, v) in cols.iter_mut().zip(values) {
            col.push(v);
        }
    }
    out.add_family(SPECS, cols)
}
