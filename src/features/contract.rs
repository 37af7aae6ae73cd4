//! Contract features as they were at the snapshot: ARR, plan and days to renewal from the
//! `subscriptions` period active at t (never the accounts table's current values), tenure
//! from the account's lifetime, and the static segment and industry.

use super::catalogue::{FeatureSpec, f};
use super::frame::{DAY_US, micros, strings};
use super::grid::Lifetime;
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use polars::prelude::*;
use std::collections::HashMap;

/// Contract features.
pub const SPECS: &[FeatureSpec] = &[
    f(
        "arr",
        "ARR of the contract period active at the snapshot",
        "USD",
        "subscriptions",
        "at t",
    ),
    f(
        "log_arr",
        "Natural log of 1 + ARR",
        "log USD",
        "subscriptions",
        "at t",
    ),
    f(
        "days_to_renewal",
        "Days from the snapshot to the end of the active contract period",
        "days",
        "subscriptions",
        "at t",
    ),
    f(
        "tenure_days",
        "Days since the account was created",
        "days",
        "accounts",
        "at t",
    ),
    f(
        "plan",
        "Plan of the contract period active at the snapshot",
        "category",
        "subscriptions",
        "at t",
    ),
    f("segment", "Customer segment", "category", "accounts", "static"),
    f("industry", "Industry", "category", "accounts", "static"),
];

/// Computes the contract features for every snapshot.
pub fn compute(
    snaps: &Snapshots,
    accounts: &DataFrame,
    subscriptions: Option<&DataFrame>,
    lifetimes: &[Lifetime],
    out: &mut Features,
) -> Result<(), FeatureError> {
    let n = snaps.len();
    let (mut arr, mut log_arr, mut renewal, mut plan) =
        (vec![None; n], vec![None; n], vec![None; n], vec![None; n]);
    if let Some(subs) = subscriptions {
        let tl = Timeline::build(snaps, subs, "subscriptions", "start_date", 0)?;
        let ends = micros(subs, "subscriptions", "end_date")?;
        let arrs: Vec<Option<f64>> = subs
            .column("arr")?
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .collect();
        let plans = strings(subs, "subscriptions", "plan")?;
        for (i, (&a, &t)) in snaps.account.iter().zip(&snaps.at).enumerate() {
            // Active at t: started at or before t, ends after t (end_date is the last day).
            let active = tl.last_before_where(a, t + 1, |r| ends[r].is_some_and(|e| e + DAY_US > t));
            if let Some((_, r)) = active {
                arr[i] = arrs[r];
                log_arr[i] = arrs[r].map(|x| x.max(0.0).ln_1p());
                renewal[i] = ends[r].map(|e| (e + DAY_US - t) as f64 / DAY_US as f64);
                plan[i] = plans[r].clone();
            }
        }
    }
    let enter: HashMap<&str, i64> = lifetimes
        .iter()
        .map(|l| (l.account_id.as_str(), l.enter))
        .collect();
    let tenure: Vec<Option<f64>> = snaps
        .account
        .iter()
        .zip(&snaps.at)
        .map(|(&a, &t)| {
            let e = *enter.get(snaps.ids[a].as_str())?;
            (e != i64::MIN).then(|| (t - e) as f64 / DAY_US as f64)
        })
        .collect();
    out.add_family(&SPECS[..4], vec![arr, log_arr, renewal, tenure])?;
    out.add_text(&SPECS[4], plan)?;
    let ids = strings(accounts, "accounts", "account_id")?;
    for (spec, column) in [(&SPECS[5], "segment"), (&SPECS[6], "industry")] {
        let values = strings(accounts, "accounts", column)?;
        let by_id: HashMap<&str, &Option<String>> = ids
            .iter()
            .zip(&values)
            .filter_map(|(id, v)| Some((id.as_deref()?, v)))
            .collect();
        let col = snaps
            .account
            .iter()
            .map(|&a| by_id.get(snaps.ids[a].as_str()).and_then(|v| (*v).clone()))
            .collect();
        out.add_text(spec, col)?;
    }
    Ok(())
}
