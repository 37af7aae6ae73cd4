//! Feature-adoption features from `feature_usage`: breadth, abandoned features, and how
//! stale the most neglected of the account's recently used features is.

use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use crate::contract::columns::micros;
use crate::time::DAY_US;
use crate::time::units;
use polars::prelude::*;
use std::collections::HashMap;

/// Adoption features.
pub const SPECS: &[FeatureSpec] = &[
    f(
        "feature_breadth_30d",
        "Distinct product features used in the last 30 days",
        "count",
        "feature_usage",
        "30 d",
    ),
    f(
        "key_features_unused_14d",
        "Features used in the last 90 days but not in the last 14",
        "count",
        "feature_usage",
        "90 d",
    ),
    f(
        "days_since_stalest_feature",
        "Days since the least recently used of the features used in the last 90 days",
        "days",
        "feature_usage",
        "90 d",
    ),
];

/// Computes the adoption features for every snapshot: one sweep per account over its
/// snapshots in time order, keeping the last day each feature was used.
pub fn compute(snaps: &Snapshots, usage: &DataFrame, out: &mut Features) -> Result<(), FeatureError> {
    // A day's events are known at the end of the day (see `usage`).
    let tl = Timeline::build(snaps, usage, "feature_usage", "date", DAY_US - 1)?;
    let dates = micros(usage, "feature_usage", "date")?;
    let names = usage.column("feature")?.str()?.clone();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let feature: Vec<usize> = names
        .iter()
        .map(|n| {
            let next = ids.len();
            *ids.entry(n.unwrap_or("")).or_insert(next)
        })
        .collect();
    let n = snaps.len();
    let mut cols: Vec<Vec<Option<f64>>> = vec![vec![None; n]; SPECS.len()];
    for (a, group) in snaps.by_account().into_iter().enumerate() {
        let rows = tl.rows(a, i64::MIN, i64::MAX);
        let mut next = 0;
        let mut last_used: Vec<Option<i64>> = vec![None; ids.len()];
        for i in group {
            let t = snaps.at[i];
            // Rows are in time order of the day's end; take every day that ended by t.
            while next < rows.len() && dates[rows[next]].is_some_and(|d| d + DAY_US <= t) {
                if let Some(d) = dates[rows[next]] {
                    let e = &mut last_used[feature[rows[next]]];
                    *e = Some(e.map_or(d, |x| x.max(d)));
                }
                next += 1;
            }
            // Features used in the last 90 days: how many in the last 30, how many not in
            // the last 14, and the stalest one's last day (which ends at d + 1 day).
            let (mut used30, mut unused14, mut stalest) = (0u32, 0u32, None::<i64>);
            for &d in last_used.iter().flatten() {
                if d + DAY_US <= t - 90 * DAY_US {
                    continue;
                }
                used30 += u32::from(d + DAY_US > t - 30 * DAY_US);
                unused14 += u32::from(d + DAY_US <= t - 14 * DAY_US);
                stalest = Some(stalest.map_or(d, |s| s.min(d)));
            }
            cols[0][i] = Some(f64::from(used30));
            cols[1][i] = Some(f64::from(unused14));
            cols[2][i] = stalest.map(|d| units::days(t - (d + DAY_US)));
        }
    }
    out.add_family(SPECS, cols)
}
