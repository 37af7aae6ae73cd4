//! Contract features as they were at the snapshot: ARR, plan and days to renewal from the
//! `subscriptions` period active at t (never the accounts table's current values), tenure
//! from the account's lifetime, and the static segment and industry.

use super::grid::Lifetime;
use super::spec::{FeatureSpec, f};
use super::timeline::{Snapshots, Timeline};
use super::{FeatureError, Features};
use crate::contract::columns::micros;
use crate::time::DAY_US;
use crate::time::units;
use polars::prelude::*;

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
    let (mut arr, mut log_arr, mut renewal) = (vec![None; n], vec![None; n], vec![None; n]);
    let mut plan = Column::full_null(SPECS[4].name.into(), n, &DataType::String);
    if let Some(subs) = subscriptions {
        let tl = Timeline::build(snaps, subs, "subscriptions", "start_date", 0)?;
        let ends = micros(subs, "subscriptions", "end_date")?;
        let arrs: Vec<Option<f64>> = subs
            .column("arr")?
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .collect();
        let mut plan_rows: Vec<Option<IdxSize>> = vec![None; n];
        for (i, (&a, &t)) in snaps.account.iter().zip(&snaps.at).enumerate() {
            // Active at t: started at or before t, ends after t (end_date is the last day).
            let active = tl.last_before_where(a, t + 1, |r| ends[r].is_some_and(|e| e + DAY_US > t));
            if let Some((_, r)) = active {
                arr[i] = arrs[r];
                log_arr[i] = arrs[r].map(|x| x.max(0.0).ln_1p());
                renewal[i] = ends[r].map(|e| units::days(e + DAY_US - t));
                plan_rows[i] = IdxSize::try_from(r).ok();
            }
        }
        plan = gather(subs, "plan", plan_rows)?;
    }
    let by_id: PlHashMap<&str, usize> = snaps
        .ids
        .iter()
        .enumerate()
        .map(|(a, id)| (id.as_str(), a))
        .collect();
    let mut enter: Vec<Option<i64>> = vec![None; snaps.ids.len()];
    for l in lifetimes {
        if let Some(&a) = by_id.get(l.account_id.as_str()) {
            enter[a] = Some(l.enter);
        }
    }
    let tenure: Vec<Option<f64>> = snaps
        .account
        .iter()
        .zip(&snaps.at)
        .map(|(&a, &t)| {
            let e = enter[a]?;
            (e != i64::MIN).then(|| units::days(t - e))
        })
        .collect();
    out.add_family(&SPECS[..4], vec![arr, log_arr, renewal, tenure])?;
    out.add_column(&SPECS[4], plan);
    // Segment and industry: each snapshot takes its account's row of `accounts`.
    let mut account_row: Vec<Option<IdxSize>> = vec![None; snaps.ids.len()];
    let ids = accounts.column("account_id")?.str()?;
    for (row, id) in ids.iter().enumerate() {
        if let Some(&a) = id.and_then(|id| by_id.get(id)) {
            account_row[a] = IdxSize::try_from(row).ok();
        }
    }
    let rows: Vec<Option<IdxSize>> = snaps.account.iter().map(|&a| account_row[a]).collect();
    for (spec, column) in [(&SPECS[5], "segment"), (&SPECS[6], "industry")] {
        out.add_column(spec, gather(accounts, column, rows.clone())?);
    }
    Ok(())
}

/// Rows of a text column picked by index (null where the index is), without copying text.
fn gather(df: &DataFrame, column: &str, rows: Vec<Option<IdxSize>>) -> Result<Column, FeatureError> {
    let idx = IdxCa::from_iter_options("rows".into(), rows.into_iter());
    Ok(df.column(column)?.take(&idx)?)
}
