//! Escalation-history features: recent escalations and how long ago the last one opened.

use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use crate::contract::Taxonomy;
use crate::contract::columns::strings;
use crate::contract::taxonomy::OTHER_CATEGORY;
use crate::time::DAY_US;
use crate::time::units;
use polars::prelude::*;

/// History features.
pub const SPECS: &[FeatureSpec] = &[
    f(
        "escalations_180d",
        "Escalations opened in the last 180 days",
        "count",
        "escalations",
        "180 d",
    ),
    f(
        "days_since_last_escalation",
        "Days since the last escalation opened (null if none)",
        "days",
        "escalations",
        "all history",
    ),
    f(
        "last_escalation_category",
        "Category of the last escalation (null if none; `other` for a category outside an open `[taxonomy.categories]` list)",
        "category",
        "escalations",
        "all history",
    ),
];

/// Computes the history features for every snapshot. A category outside the configured list
/// (accepted by an open taxonomy) reads as `other`, so the model's levels stay the list's.
pub fn compute(
    snaps: &Snapshots,
    escalations: &DataFrame,
    taxonomy: &Taxonomy,
    out: &mut Features,
) -> Result<(), FeatureError> {
    let tl = Timeline::build(snaps, escalations, "escalations", "opened_at", 0)?;
    let known = &taxonomy.categories.values;
    let category: Vec<Option<String>> = strings(escalations, "escalations", "category")?
        .into_iter()
        .map(|c| {
            c.map(|c| {
                if known.contains(&c) {
                    c
                } else {
                    OTHER_CATEGORY.to_string()
                }
            })
        })
        .collect();
    let n = snaps.len();
    let (mut count, mut days, mut last) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (&a, &t) in snaps.account.iter().zip(&snaps.at) {
        count.push(Some(tl.count(a, t - 180 * DAY_US, t) as f64));
        let prev = tl.last_before(a, t);
        days.push(prev.map(|(at, _)| units::days(t - at)));
        last.push(prev.and_then(|(_, row)| category[row].clone()));
    }
    out.add_family(&SPECS[..2], vec![count, days])?;
    out.add_text(&SPECS[2], last)
}
