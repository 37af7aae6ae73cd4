//! Data-freshness features: per signal, how long before the snapshot its table's latest
//! row was (over all accounts), so the model can tell "no tickets" from "no ticket feed".

use super::spec::{FeatureSpec, f};
use super::{FeatureError, Features, Inputs};
use crate::contract::columns::micros;
use crate::time::DAY_US;
use crate::time::units;

/// Freshness features (the `has_<table>` flags are added by the builder).
pub const SPECS: &[FeatureSpec] = &[
    f(
        "tickets_staleness_hours",
        "Hours since the latest ticket of any account (null if the table is absent)",
        "hours",
        "tickets",
        "all history",
    ),
    f(
        "usage_staleness_hours",
        "Hours since the end of the latest day in usage_daily",
        "hours",
        "usage_daily",
        "all history",
    ),
    f(
        "communications_staleness_hours",
        "Hours since the latest message of any account",
        "hours",
        "communications",
        "all history",
    ),
    f(
        "nps_staleness_hours",
        "Hours since the latest NPS answer of any account",
        "hours",
        "nps_responses",
        "all history",
    ),
];

/// `(table, time column, whether rows are daily totals known at the end of their day)`.
const SOURCES: [(&str, &str, bool); 4] = [
    ("tickets", "created_at", false),
    ("usage_daily", "date", true),
    ("communications", "sent_at", false),
    ("nps_responses", "responded_at", false),
];

/// Computes the freshness features for snapshots at `at`.
pub fn compute(at: &[i64], inputs: &Inputs, out: &mut Features) -> Result<(), FeatureError> {
    let mut cols = Vec::with_capacity(SOURCES.len());
    for (table, column, daily) in SOURCES {
        let Some(df) = inputs.feed(table) else {
            cols.push(vec![None; at.len()]);
            continue;
        };
        let mut times: Vec<i64> = micros(df, table, column)?
            .into_iter()
            .flatten()
            .map(|t| if daily { t + DAY_US } else { t })
            .collect();
        times.sort_unstable();
        cols.push(
            at.iter()
                .map(|&t| {
                    // Events strictly before t; a day once it has ended (at or before t).
                    let i = times.partition_point(|x| if daily { *x <= t } else { *x < t });
                    i.checked_sub(1).map(|i| units::hours(t - times[i]))
                })
                .collect(),
        );
    }
    out.add_family(SPECS, cols)
}
