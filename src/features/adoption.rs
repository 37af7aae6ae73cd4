//! Feature-adoption features from `feature_usage`: breadth, abandoned features, and how
//! stale the most neglected of the account's recently used features is.

use super::catalogue::{FeatureSpec, f};
use super::frame::{DAY_US, strings};
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
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

/// Computes the adoption features for every snapshot.
pub fn compute(snaps: &Snapshots, usage: &DataFrame, out: &mut Features) -> Result<(), FeatureError> {
    // A day's events are known at the end of the day (see `usage`).
    let tl = Timeline::build(snaps, usage, "feature_usage", "date", DAY_US - 1)?;
    let dates = super::frame::micros(usage, "feature_usage", "date")?;
    let names = strings(usage, "feature_usage", "feature")?;
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let feature: Vec<usize> = names
        .iter()
        .map(|n| {
            let next = ids.len();
            *ids.entry(n.as_deref().unwrap_or("")).or_insert(next)
        })
        .collect();
    let n = snaps.len();
    let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); SPECS.len()];
    let mut last_used: HashMap<usize, i64> = HashMap::new();
    for (&a, &t) in snaps.account.iter().zip(&snaps.at) {
        last_used.clear();
        for &r in tl.rows(a, t - 90 * DAY_US, t) {
            if let Some(d) = dates[r] {
                let e = last_used.entry(feature[r]).or_insert(d);
                *e = (*e).max(d);
            }
        }
        // The day a feature was last used ends at d + 1 day.
        let ago = |d: i64| (t - (d + DAY_US)) as f64 / DAY_US as f64;
        let values = [
            Some(
                last_used
                    .values()
                    .filter(|d| **d + DAY_US > t - 30 * DAY_US)
                    .count() as f64,
            ),
            Some(
                last_used
                    .values()
                    .filter(|d| **d + DAY_US <= t - 14 * DAY_US)
                    .count() as f64,
            ),
            last_used.values().min().map(|d| ago(*d)),
        ];
        for (col, v) in cols.iter_mut().zip(values) {
            col.push(v);
        }
    }
    out.add_family(SPECS, cols)
}
