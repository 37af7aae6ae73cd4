//! Product-usage features: logins and active users week over week and against a 28-day
//! baseline, and the change in admin users.
//!
//! A daily row for day D is known at the end of D, so at snapshot t the last 7 days are
//! D = t−7d … t−1d (for snapshots at midnight).

use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use crate::contract::columns::floats;
use crate::time::DAY_US;
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

/// Running totals over one account's daily rows in time order: entry `k` covers rows
/// `0..k`, so a window's total is a difference of two entries. Totals skip null values and
/// count the values they added, so means are over the non-null days.
#[derive(Default)]
struct Running {
    logins: Vec<f64>,
    users: Vec<(f64, u32)>,
    admins: Vec<(f64, u32)>,
    active_days: Vec<u32>,
}

impl Running {
    fn fill(
        &mut self,
        rows: &[usize],
        logins: &[Option<f64>],
        users: &[Option<f64>],
        admins: &[Option<f64>],
    ) {
        self.logins.clear();
        self.users.clear();
        self.admins.clear();
        self.active_days.clear();
        let add = |acc: (f64, u32), v: Option<f64>| v.map_or(acc, |v| (acc.0 + v, acc.1 + 1));
        let (mut l, mut u, mut ad, mut days) = (0.0, (0.0, 0), (0.0, 0), 0);
        self.logins.push(l);
        self.users.push(u);
        self.admins.push(ad);
        self.active_days.push(days);
        for &r in rows {
            l += logins[r].unwrap_or(0.0);
            u = add(u, users[r]);
            ad = add(ad, admins[r]);
            days += u32::from(logins[r].is_some_and(|x| x > 0.0));
            self.logins.push(l);
            self.users.push(u);
            self.admins.push(ad);
            self.active_days.push(days);
        }
    }

    /// Total logins of rows `a..b`, or `None` when the window has no rows.
    fn logins(&self, (a, b): (usize, usize)) -> Option<f64> {
        (b > a).then(|| self.logins[b] - self.logins[a])
    }

    fn mean(totals: &[(f64, u32)], (a, b): (usize, usize)) -> Option<f64> {
        let n = totals[b].1 - totals[a].1;
        (n > 0).then(|| (totals[b].0 - totals[a].0) / f64::from(n))
    }
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
    let logins = floats(usage, "usage_daily", "logins")?;
    let users = floats(usage, "usage_daily", "active_users")?;
    let admins = floats(usage, "usage_daily", "admin_users")?;
    let n = snaps.len();
    let mut cols: Vec<Vec<Option<f64>>> = vec![vec![None; n]; SPECS.len()];
    let mut run = Running::default();
    for (a, group) in snaps.by_account().into_iter().enumerate() {
        run.fill(tl.account_rows(a), &logins, &users, &admins);
        for i in group {
            let t = snaps.at[i];
            let cur = tl.bounds(a, t - 7 * DAY_US, t);
            let prev = tl.bounds(a, t - 14 * DAY_US, t - 7 * DAY_US);
            let d28 = tl.bounds(a, t - 28 * DAY_US, t);
            let logins7 = run.logins(cur);
            let logins28_week = run.logins(d28).map(|x| x * 7.0 / (d28.1 - d28.0) as f64);
            let users7 = Running::mean(&run.users, cur);
            let values = [
                logins7,
                pct(logins7, run.logins(prev)),
                pct(logins7, logins28_week),
                users7,
                pct(users7, Running::mean(&run.users, prev)),
                pct(users7, Running::mean(&run.users, d28)),
                Running::mean(&run.admins, cur)
                    .zip(Running::mean(&run.admins, prev))
                    .map(|(c, p)| c - p),
                (cur.1 > cur.0).then(|| f64::from(run.active_days[cur.1] - run.active_days[cur.0])),
            ];
            for (col, v) in cols.iter_mut().zip(values) {
                col[i] = v;
            }
        }
    }
    out.add_family(SPECS, cols)
}
