//! Snapshot grid and label tests on hand-built fixtures, plus a check on generated data.

use super::params::FeatureOptions;
use super::*;
use crate::time::{DAY_US, HOUR_US};
use crate::time::{RunWindow, parse_as_of};
use polars::prelude::*;

mod families;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn us(raw: &str) -> Result<i64, String> {
    Ok(parse_as_of(raw)?.timestamp_micros())
}

fn window() -> Result<RunWindow, String> {
    RunWindow::new(parse_as_of("2026-06-30T00:00:00Z")?, 6)
}

fn ts(name: &str, raw: &[Option<&str>]) -> Result<Column, Box<dyn std::error::Error>> {
    let v: Vec<Option<i64>> = raw
        .iter()
        .map(|r| r.map(us).transpose())
        .collect::<Result<_, _>>()?;
    Ok(Series::new(name.into(), v)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
        .into_column())
}

fn date(name: &str, raw: &[Option<&str>]) -> Result<Column, Box<dyn std::error::Error>> {
    let v: Vec<Option<i32>> = raw
        .iter()
        .map(|r| {
            r.map(|d| us(&format!("{d}T00:00:00Z")).map(|t| (t / DAY_US) as i32))
                .transpose()
        })
        .collect::<Result<_, _>>()?;
    Ok(Series::new(name.into(), v).cast(&DataType::Date)?.into_column())
}

fn accounts(renewal: &str) -> Result<DataFrame, Box<dyn std::error::Error>> {
    Ok(DataFrame::new(
        3,
        vec![
            Column::new("account_id".into(), ["old", "new", "churned"]),
            ts(
                "created_at",
                &[Some("2024-01-01T00:00:00Z"), Some("2026-06-10T12:00:00Z"), None],
            )?,
            date("contract_start", &[None, None, Some("2025-01-01")])?,
            date("renewal_date", &[Some(renewal), Some(renewal), Some(renewal)])?,
        ],
    )?)
}

fn subscriptions() -> Result<DataFrame, Box<dyn std::error::Error>> {
    Ok(DataFrame::new(
        2,
        vec![
            Column::new("account_id".into(), ["churned", "churned"]),
            date("start_date", &[Some("2025-01-01"), Some("2026-01-01")])?,
            date("end_date", &[Some("2025-12-31"), Some("2026-03-31")])?,
        ],
    )?)
}

#[test]
fn lifetimes_come_from_history_not_current_values() -> TestResult {
    let w = window()?;
    let a = lifetimes(&accounts("2026-12-31")?, Some(&subscriptions()?), &w)?;
    assert_eq!(a[0].enter, us("2024-01-01T00:00:00Z")?);
    assert_eq!(a[0].leave, None);
    assert_eq!(
        a[2].enter,
        us("2025-01-01T00:00:00Z")?,
        "contract_start when created_at is null"
    );
    assert_eq!(
        a[2].leave,
        Some(us("2026-04-01T00:00:00Z")?),
        "the day after the last contract ends"
    );
    // Regression: the accounts table's current renewal date is not history; changing it
    // must not move any past snapshot.
    let b = lifetimes(&accounts("2026-07-15")?, Some(&subscriptions()?), &w)?;
    assert_eq!(a, b);
    // Without subscriptions nothing says when an account churned: it stays.
    let c = lifetimes(&accounts("2026-12-31")?, None, &w)?;
    assert_eq!(c[2].leave, None);
    Ok(())
}

#[test]
fn training_grid_follows_cadence_and_lifetimes() -> TestResult {
    let w = window()?;
    let life = lifetimes(&accounts("2026-12-31")?, Some(&subscriptions()?), &w)?;
    let grid = training_grid(&life, &w, 24)?;
    let ids = grid.column("account_id")?.str()?.clone();
    let count = |id: &str| ids.iter().filter(|v| *v == Some(id)).count();
    // Window 2025-12-30 .. 2026-06-30: 182 daily snapshots after the start.
    assert_eq!(count("old"), 182);
    // Created 2026-06-10 12:00: snapshots at midnight from 06-11 to 06-30.
    assert_eq!(count("new"), 20);
    // Churned 2026-04-01: snapshots 2025-12-31 .. 2026-03-31.
    assert_eq!(count("churned"), 91);
    let six_hourly = training_grid(&life, &w, 6)?;
    // 6-hourly: 728 for "old", 79 for "new" (from 06-10 12:00), 367 for "churned" (to 03-31 18:00).
    assert_eq!(six_hourly.height(), 728 + 79 + 367);
    let scoring = scoring_grid(&life, &w)?;
    assert_eq!(
        scoring.column("account_id")?.str()?.iter().collect::<Vec<_>>(),
        [Some("old"), Some("new")]
    );
    Ok(())
}

fn grid_at(times: &[&str]) -> Result<DataFrame, Box<dyn std::error::Error>> {
    let n = times.len();
    let t: Vec<Option<&str>> = times.iter().map(|t| Some(*t)).collect();
    Ok(DataFrame::new(
        n,
        vec![
            Column::new("account_id".into(), vec!["a"; n]),
            ts("snapshot_at", &t)?,
        ],
    )?)
}

#[test]
fn label_boundaries() -> TestResult {
    let esc = DataFrame::new(
        2,
        vec![
            Column::new("account_id".into(), ["a", "a"]),
            ts(
                "opened_at",
                &[Some("2026-06-10T00:00:00Z"), Some("2026-06-20T00:00:00Z")],
            )?,
            ts("resolved_at", &[Some("2026-06-12T00:00:00Z"), None])?,
            Column::new("category".into(), ["integration", "performance"]),
        ],
    )?;
    let grid = grid_at(&[
        "2026-06-07T00:00:00Z", // exactly 72 h before: positive
        "2026-06-06T23:00:00Z", // 73 h before: negative, 73 h lead
        "2026-06-10T00:00:00Z", // opened exactly at t: not in the future, and now open
        "2026-06-12T00:00:00Z", // resolved exactly at t: no longer open
        "2026-05-01T00:00:00Z", // next escalation beyond max_lead_hours: null lead
        "2026-06-28T00:00:00Z", // after the last, inside an unresolved one; label window ends after as-of
    ])?;
    let opts = FeatureOptions::default();
    let out = label(&grid, Some(&esc), &opts, us("2026-06-30T00:00:00Z")?)?;
    let pos: Vec<Option<bool>> = out.column("escalates_within_h")?.bool()?.iter().collect();
    assert_eq!(
        pos,
        [
            Some(true),
            Some(false),
            Some(false),
            Some(false),
            Some(false),
            Some(false)
        ]
    );
    let lead: Vec<Option<f64>> = out.column("hours_to_next_escalation")?.f64()?.iter().collect();
    assert_eq!(
        lead,
        [Some(72.0), Some(73.0), Some(240.0), Some(192.0), None, None]
    );
    let cat = out.column("next_escalation_category")?.str()?.get(0);
    assert_eq!(cat, Some("integration"));
    let open: Vec<Option<bool>> = out.column("in_open_escalation")?.bool()?.iter().collect();
    assert_eq!(
        open,
        [
            Some(false),
            Some(false),
            Some(true),
            Some(false),
            Some(false),
            Some(true)
        ]
    );
    let complete: Vec<Option<bool>> = out.column("label_complete")?.bool()?.iter().collect();
    assert_eq!(complete[5], Some(false));
    assert_eq!(complete[0], Some(true));
    assert!(matches!(
        label(&grid, None, &opts, 0),
        Err(FeatureError::NoLabels)
    ));
    Ok(())
}

#[test]
fn generated_history_has_learnable_labels() -> TestResult {
    let end = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).ok_or("date")?;
    let h = crate::synth::generate(&crate::synth::SynthParams {
        accounts: 300,
        months: 6,
        end,
        seed: 3,
    })?;
    let table = |n: &str| h.table(n).ok_or(format!("no {n}"));
    let w = RunWindow::new(crate::time::parse_run_date("2026-06-30")?, 6)?;
    let life = lifetimes(table("accounts")?, Some(table("subscriptions")?), &w)?;
    let grid = training_grid(&life, &w, 24)?;
    let out = label(
        &grid,
        Some(table("escalations")?),
        &FeatureOptions::default(),
        w.as_of.timestamp_micros(),
    )?;
    let pos = out.column("escalates_within_h")?.bool()?.sum().unwrap_or(0) as f64;
    let rate = pos / out.height() as f64;
    // ~4% of accounts escalate per month, ~0.13% per day: a 72 h window is positive for
    // roughly 0.4% of snapshots.
    assert!((0.002..0.02).contains(&rate), "positive rate {rate}");
    assert!(grid.height() > 300 * 150, "{}", grid.height());
    Ok(())
}

#[test]
fn hour_constant_is_right() {
    assert_eq!(HOUR_US * 24, DAY_US);
}

/// Renders data/FEATURES.md from the catalogue.
fn render_features_doc() -> String {
    let mut md = String::from(
        "# vigil feature catalogue\n\n\
         Generated from `src/features/` (`VIGIL_UPDATE_DOCS=1 cargo test features_doc` rewrites it).\n\n\
         A snapshot is an (account, instant t) pair. Every feature uses only data strictly before t:\n\
         windows are half-open `[t − w, t)`, so an event stamped exactly at t is not seen and one at\n\
         exactly t − w is. Daily tables (`usage_daily`, `feature_usage`) count a day once it has ended,\n\
         so at a midnight snapshot the last 7 days are the 7 calendar days before it. A ticket's close\n\
         and CSAT are known from `closed_at` on. Contract values come from the `subscriptions` period\n\
         active at t, never from the accounts table's current values. A feature whose table is absent\n\
         is null, and `has_<table>` is false.\n\n\
         Training snapshots are taken every `[features] cadence_hours` from the window start (exclusive)\n\
         to `--as-of`, inside each account's lifetime (created → day after its last contract ends).\n\n\
         Labels (training only): `escalates_within_h` is true when an escalation opens in\n\
         `(t, t + horizon_hours]`; `hours_to_next_escalation` is null beyond `max_lead_hours`;\n\
         `next_escalation_category` is that escalation's category; `in_open_escalation` marks snapshots\n\
         taken while an escalation is unresolved (left out of the training table unless\n\
         `exclude_open_escalations = false`); `label_complete` is `t + horizon_hours <= --as-of`.\n\n\
         | feature | unit | source | window | description |\n|---|---|---|---|---|\n",
    );
    for s in catalogue() {
        md += &format!(
            "| {} | {} | {} | {} | {} |\n",
            s.name, s.unit, s.source, s.window, s.description
        );
    }
    md
}

#[test]
fn features_doc_matches_catalogue() -> TestResult {
    crate::testutil::assert_doc_current("data/FEATURES.md", &render_features_doc(), "features_doc")?;
    Ok(())
}

#[test]
fn catalogue_names_are_unique() {
    let mut names: Vec<&str> = catalogue().iter().map(|s| s.name).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n);
    assert!(n >= 45, "{n} features");
}
