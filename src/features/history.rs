//! Escalation-history features: recent escalations and how long ago the last one opened.

use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use crate::contract::columns::strings;
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
        "Category of the last escalation (null if none)",
        "category",
        "escalations",
        "all history",
    ),
];

/// Computes the history features for every snapshot.
pub fn compute(snaps: &Snapshots, escalations: &DataFrame, out: &mut Features) -> Result<(), FeatureError> {
    let tl = Timeline::build(snaps, escalations, "escalations", "opened_at", 0)?;
    let category = strings(escalations, "escalations", "category")?;
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
