//! Hand-computed feature values on small fixtures, one per family, including the window
//! boundaries; and the leakage property on generated data.

use crate::contract::columns;
use crate::features::*;
use crate::time::{DAY_US, HOUR_US};
use crate::time::{RunWindow, parse_as_of};
use polars::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const T: &str = "2026-06-30T00:00:00Z";

fn at(offset_hours: i64) -> Result<i64, String> {
    Ok(parse_as_of(T)?.timestamp_micros() + offset_hours * HOUR_US)
}

fn ts_col(name: &str, hours: &[Option<i64>]) -> Result<Column, Box<dyn std::error::Error>> {
    let v: Vec<Option<i64>> = hours
        .iter()
        .map(|h| h.map(at).transpose())
        .collect::<Result<_, _>>()?;
    Ok(Series::new(name.into(), v)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
        .into_column())
}

fn day_col(name: &str, days: &[i64]) -> Result<Column, Box<dyn std::error::Error>> {
    let base = at(0)? / DAY_US;
    let v: Vec<i32> = days.iter().map(|d| (base + d) as i32).collect();
    Ok(Series::new(name.into(), v).cast(&DataType::Date)?.into_column())
}

fn grid() -> Result<DataFrame, Box<dyn std::error::Error>> {
    Ok(DataFrame::new(
        1,
        vec![
            Column::new("account_id".into(), ["a"]),
            ts_col("snapshot_at", &[Some(0)])?,
        ],
    )?)
}

fn accounts(arr: f64) -> Result<DataFrame, Box<dyn std::error::Error>> {
    Ok(df!("account_id" => ["a"], "segment" => ["smb"], "industry" => ["retail"], "arr" => [arr])?)
}

fn life() -> Vec<Lifetime> {
    vec![Lifetime {
        account_id: "a".into(),
        enter: i64::MIN,
        leave: None,
    }]
}

fn value(df: &DataFrame, name: &str) -> Result<Option<f64>, Box<dyn std::error::Error>> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.get(0))
}

fn build(frames: &[(&'static str, &DataFrame)]) -> Result<DataFrame, Box<dyn std::error::Error>> {
    Ok(build_features(
        &grid()?,
        &Inputs::from_frames(frames.iter().copied()),
        &life(),
    )?)
}

#[test]
fn ticket_features_by_hand() -> TestResult {
    let h = 24;
    let tickets = DataFrame::new(
        5,
        vec![
            Column::new("ticket_id".into(), ["t1", "t2", "t3", "t4", "t5"]),
            Column::new("account_id".into(), ["a"; 5]),
            ts_col(
                "created_at",
                &[Some(-1), Some(0), Some(-7 * h), Some(-20 * h), Some(-60 * h)],
            )?,
            ts_col("closed_at", &[None, None, Some(-6 * h), Some(0), Some(-50 * h)])?,
            Column::new("priority".into(), ["urgent", "urgent", "low", "normal", "low"]),
            Column::new("subject".into(), ["Export broken", "x", "Question", "x", "x"]),
            Column::new(
                "body".into(),
                [
                    "This is unacceptable, we are frustrated",
                    "furious",
                    "How do I",
                    "",
                    "",
                ],
            ),
            Column::new("csat".into(), [None, None, Some(2i64), Some(1), Some(5)]),
        ],
    )?;
    let acc = accounts(1.0)?;
    let f = build(&[("tickets", &tickets), ("accounts", &acc)])?;
    // t2 opened exactly at t is not seen; t3 opened exactly at t − 7 d is inside [t − 7 d, t).
    assert_eq!(value(&f, "tickets_48h")?, Some(1.0));
    assert_eq!(value(&f, "tickets_7d")?, Some(2.0));
    assert_eq!(value(&f, "tickets_30d")?, Some(3.0));
    assert_eq!(value(&f, "high_priority_tickets_7d")?, Some(1.0));
    let velocity = value(&f, "ticket_velocity")?.ok_or("velocity")?;
    assert!((velocity - 2.0 / (4.0 * 7.0 / 90.0)).abs() < 1e-9, "{velocity}");
    // t1 open, t4 closes exactly at t so is still open at t.
    assert_eq!(value(&f, "open_backlog")?, Some(2.0));
    assert_eq!(value(&f, "mean_hours_to_close_30d")?, Some(24.0));
    assert_eq!(value(&f, "negative_tickets_7d")?, Some(1.0));
    assert_eq!(value(&f, "negative_ticket_share_7d")?, Some(0.5));
    // t4's CSAT 1 is not known before it closes at t.
    assert_eq!(value(&f, "worst_csat_30d")?, Some(2.0));
    assert_eq!(f.column("has_tickets")?.bool()?.get(0), Some(true));
    Ok(())
}

#[test]
fn usage_features_by_hand() -> TestResult {
    // Days t−14 … t (day t itself is not over at t and must not count).
    let days: Vec<i64> = (-14..=0).collect();
    let logins: Vec<i64> = days
        .iter()
        .map(|d| {
            if *d == 0 {
                1000
            } else if *d >= -7 {
                10
            } else {
                20
            }
        })
        .collect();
    let users: Vec<i64> = days.iter().map(|d| if *d >= -7 { 5 } else { 10 }).collect();
    let admins: Vec<i64> = days.iter().map(|d| if *d >= -7 { 2 } else { 4 }).collect();
    let usage = DataFrame::new(
        days.len(),
        vec![
            Column::new("account_id".into(), vec!["a"; days.len()]),
            day_col("date", &days)?,
            Column::new("logins".into(), logins),
            Column::new("active_users".into(), users),
            Column::new("admin_users".into(), admins),
        ],
    )?;
    let acc = accounts(1.0)?;
    let f = build(&[("usage_daily", &usage), ("accounts", &acc)])?;
    assert_eq!(value(&f, "logins_7d")?, Some(70.0));
    assert_eq!(value(&f, "logins_change_7d_pct")?, Some(-50.0));
    let vs28 = value(&f, "logins_vs_28d_pct")?.ok_or("vs28")?;
    assert!((vs28 - (70.0 / 105.0 - 1.0) * 100.0).abs() < 1e-9, "{vs28}");
    assert_eq!(value(&f, "active_users_change_7d_pct")?, Some(-50.0));
    assert_eq!(value(&f, "admin_users_change_14d")?, Some(-2.0));
    assert_eq!(value(&f, "usage_days_7d")?, Some(7.0));
    Ok(())
}

#[test]
fn contract_and_history_features_by_hand() -> TestResult {
    let subs = DataFrame::new(
        2,
        vec![
            Column::new("account_id".into(), ["a", "a"]),
            day_col("start_date", &[-364, 1])?,
            day_col("end_date", &[0, 365])?,
            Column::new("arr".into(), [1000.0, 2000.0]),
            Column::new("plan".into(), ["growth", "business"]),
        ],
    )?;
    let esc = DataFrame::new(
        3,
        vec![
            Column::new("account_id".into(), ["a", "a", "a"]),
            ts_col("opened_at", &[Some(-240), Some(-200 * 24), Some(0)])?,
            Column::new(
                "category".into(),
                ["integration", "performance", "pricing_dispute"],
            ),
        ],
    )?;
    let run = |current_arr: f64| -> Result<DataFrame, Box<dyn std::error::Error>> {
        let acc = accounts(current_arr)?;
        build(&[
            ("subscriptions", &subs),
            ("escalations", &esc),
            ("accounts", &acc),
        ])
    };
    let f = run(1.0)?;
    // The period ending 2026-06-30 (its last day) is active at 2026-06-30T00:00.
    assert_eq!(value(&f, "arr")?, Some(1000.0));
    assert_eq!(value(&f, "days_to_renewal")?, Some(1.0));
    assert_eq!(f.column("plan")?.str()?.get(0), Some("growth"));
    assert_eq!(f.column("segment")?.str()?.get(0), Some("smb"));
    // Regression: the accounts table's current ARR never reaches a snapshot.
    assert!(run(99_999.0)?.equals_missing(&f));
    assert_eq!(value(&f, "escalations_180d")?, Some(1.0));
    assert_eq!(value(&f, "days_since_last_escalation")?, Some(10.0));
    assert_eq!(
        f.column("last_escalation_category")?.str()?.get(0),
        Some("integration")
    );
    Ok(())
}

#[test]
fn absent_tables_give_nulls_and_flags() -> TestResult {
    let acc = accounts(1.0)?;
    let f = build(&[("accounts", &acc)])?;
    assert_eq!(value(&f, "tickets_7d")?, None);
    assert_eq!(value(&f, "logins_7d")?, None);
    assert_eq!(value(&f, "arr")?, None);
    assert_eq!(f.column("has_tickets")?.bool()?.get(0), Some(false));
    let names: Vec<String> = f.get_column_names().iter().map(|s| s.to_string()).collect();
    for spec in catalogue() {
        assert!(names.iter().any(|n| n == spec.name), "{} missing", spec.name);
    }
    // And the other way round: every feature column is documented in the catalogue.
    for n in names
        .iter()
        .filter(|n| !n.starts_with("has_") && *n != "account_id" && *n != "snapshot_at")
    {
        assert!(spec(n).is_some(), "feature column {n} is not in the catalogue");
    }
    Ok(())
}

/// Keeps only what was known strictly before `t`: rows whose time is before t, closing
/// times before t (a later close is a future event), contract periods started by t.
fn known_before(name: &str, df: &DataFrame, t: i64) -> Result<DataFrame, Box<dyn std::error::Error>> {
    let (col, shift) = match name {
        "tickets" => ("created_at", 0),
        "usage_daily" => ("date", DAY_US - 1),
        "escalations" => ("opened_at", 0),
        "subscriptions" => ("start_date", -1),
        "communications" => ("sent_at", 0),
        "nps_responses" => ("responded_at", 0),
        "feature_usage" => ("date", DAY_US - 1),
        "contacts" => ("first_seen_at", 0),
        _ => return Ok(df.clone()),
    };
    let times = columns::micros(df, "test", col)?;
    let mask: BooleanChunked = times
        .iter()
        .map(|v| Some(v.is_some_and(|v| v + shift < t)))
        .collect();
    let mut out = df.filter(&mask)?;
    if name == "tickets" {
        let closed: Vec<Option<i64>> = columns::micros(&out, "tickets", "closed_at")?
            .into_iter()
            .map(|c| c.filter(|c| *c < t))
            .collect();
        out.with_column(
            Series::new("closed_at".into(), closed)
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
                .into_column(),
        )?;
    }
    Ok(out)
}

#[test]
fn features_at_t_ignore_everything_at_or_after_t() -> TestResult {
    // The leakage property: deleting every event at or after t (and every close after t)
    // changes no feature at t, for several t on generated data.
    let end = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).ok_or("date")?;
    let h = crate::synth::generate(&crate::synth::SynthParams {
        accounts: 80,
        months: 6,
        end,
        seed: 11,
    })?;
    for t_raw in [
        "2026-03-15T00:00:00Z",
        "2026-05-01T13:30:00Z",
        "2026-06-20T00:00:00Z",
    ] {
        let w = RunWindow::new(parse_as_of(t_raw)?, 6)?;
        let t = w.as_of.timestamp_micros();
        let table = |n: &str| h.table(n).ok_or(format!("no {n}"));
        let life = lifetimes(table("accounts")?, Some(table("subscriptions")?), &w)?;
        let grid = scoring_grid(&life, &w)?;
        let full = build_features(
            &grid,
            &Inputs::from_frames(h.tables.iter().map(|(n, d)| (*n, d))),
            &life,
        )?;
        let cut: Vec<(&str, DataFrame)> = h
            .tables
            .iter()
            .map(|(n, d)| Ok((*n, known_before(n, d, t)?)))
            .collect::<Result<_, Box<dyn std::error::Error>>>()?;
        let past = build_features(
            &grid,
            &Inputs::from_frames(cut.iter().map(|(n, d)| (*n, d))),
            &life,
        )?;
        let changed: Vec<String> = full
            .columns()
            .iter()
            .filter(|c| {
                past.column(c.name()).map_or(true, |p| {
                    !p.as_materialized_series()
                        .equals_missing(c.as_materialized_series())
                })
            })
            .map(|c| c.name().to_string())
            .collect();
        assert!(
            changed.is_empty(),
            "features at {t_raw} changed when the future was removed: {changed:?}"
        );
        assert!(
            full.column("tickets_30d")?.f64()?.sum().unwrap_or(0.0) > 0.0,
            "the fixture has tickets"
        );
    }
    Ok(())
}

#[test]
fn stakeholder_features_by_hand() -> TestResult {
    let contacts = DataFrame::new(
        3,
        vec![
            Column::new("contact_id".into(), ["champ", "exec", "user"]),
            Column::new("account_id".into(), ["a"; 3]),
            Column::new("is_champion".into(), [true, false, false]),
            Column::new("is_executive".into(), [false, true, false]),
            ts_col("first_seen_at", &[Some(-5000), Some(-24 * 10), Some(-24 * 20)])?,
        ],
    )?;
    let h = 24;
    let comms = DataFrame::new(
        6,
        vec![
            Column::new("account_id".into(), ["a"; 6]),
            ts_col(
                "sent_at",
                &[
                    Some(-60 * h),
                    Some(-10 * h),
                    Some(-5 * h),
                    Some(-3 * h),
                    Some(-1),
                    Some(0),
                ],
            )?,
            Column::new(
                "direction".into(),
                [
                    "inbound", "inbound", "outbound", "outbound", "outbound", "inbound",
                ],
            ),
            Column::new(
                "contact_id".into(),
                ["champ", "user", "exec", "user", "champ", "champ"],
            ),
        ],
    )?;
    let acc = accounts(1.0)?;
    let f = build(&[
        ("contacts", &contacts),
        ("communications", &comms),
        ("accounts", &acc),
    ])?;
    // The champion's inbound at exactly t is not seen; the one 60 days ago is.
    assert_eq!(value(&f, "days_since_champion_inbound")?, Some(60.0));
    // Three outbound messages after the last inbound (10 days ago).
    assert_eq!(value(&f, "unanswered_outbound_14d")?, Some(3.0));
    assert_eq!(value(&f, "inbound_messages_14d")?, Some(1.0));
    assert_eq!(value(&f, "executive_messages_14d")?, Some(1.0));
    assert_eq!(value(&f, "new_contacts_14d")?, Some(1.0));
    // No champion message in 45 days while another contact wrote: departed.
    assert_eq!(value(&f, "champion_departed")?, Some(1.0));
    Ok(())
}

#[test]
fn nps_adoption_and_freshness_by_hand() -> TestResult {
    let h = 24;
    let nps = DataFrame::new(
        3,
        vec![
            Column::new("account_id".into(), ["a"; 3]),
            ts_col("responded_at", &[Some(-100 * h), Some(-10 * h), Some(0)])?,
            Column::new("score".into(), [9i64, 4, 0]),
            Column::new(
                "comment".into(),
                [Some("love it"), Some("support is terrible and slow"), Some("x")],
            ),
        ],
    )?;
    let fu = DataFrame::new(
        4,
        vec![
            Column::new("account_id".into(), ["a"; 4]),
            day_col("date", &[-40, -20, -1, 0])?,
            Column::new("feature".into(), ["api", "reports", "dashboards", "exports"]),
            Column::new("events".into(), [5i64, 5, 5, 5]),
        ],
    )?;
    let acc = accounts(1.0)?;
    let f = build(&[
        ("nps_responses", &nps),
        ("feature_usage", &fu),
        ("accounts", &acc),
    ])?;
    assert_eq!(value(&f, "nps_latest")?, Some(4.0));
    assert_eq!(value(&f, "nps_change")?, Some(-5.0));
    assert_eq!(value(&f, "nps_detractor")?, Some(1.0));
    assert_eq!(value(&f, "days_since_nps")?, Some(10.0));
    assert_eq!(value(&f, "nps_comment_negative")?, Some(1.0));
    // Used in 90 d: api (−40), reports (−20), dashboards (−1); exports on day t is not over.
    assert_eq!(value(&f, "feature_breadth_30d")?, Some(2.0));
    assert_eq!(value(&f, "key_features_unused_14d")?, Some(2.0));
    assert_eq!(value(&f, "days_since_stalest_feature")?, Some(39.0));
    assert_eq!(value(&f, "nps_staleness_hours")?, Some(240.0));
    assert_eq!(value(&f, "tickets_staleness_hours")?, None);
    Ok(())
}

#[test]
fn high_priority_tickets_follow_the_configured_priorities() -> TestResult {
    use crate::contract::{Taxonomy, taxonomy::ValueSet};
    let tickets = DataFrame::new(
        4,
        vec![
            Column::new("ticket_id".into(), ["t1", "t2", "t3", "t4"]),
            Column::new("account_id".into(), ["a"; 4]),
            ts_col("created_at", &[Some(-1), Some(-2), Some(-3), Some(-4)])?,
            ts_col("closed_at", &[None, None, None, None])?,
            Column::new("priority".into(), ["P1", "P2", "P3", "urgent"]),
            Column::new("subject".into(), ["x"; 4]),
            Column::new("body".into(), ["x"; 4]),
            Column::new("csat".into(), [None::<i64>; 4]),
        ],
    )?;
    let taxonomy = Taxonomy {
        priorities: ValueSet::new(["P4", "P3", "P2", "P1"]),
        high_priorities: ValueSet::new(["P2", "P1"]),
        ..Taxonomy::default()
    };
    let acc = accounts(1.0)?;
    let frames = [("tickets", &tickets), ("accounts", &acc)];
    let inputs = Inputs::from_frames(frames.iter().map(|(n, d)| (*n, *d))).with_taxonomy(&taxonomy);
    let f = build_features(&grid()?, &inputs, &life())?;
    assert_eq!(value(&f, "high_priority_tickets_7d")?, Some(2.0));
    assert_eq!(
        value(&build(&frames)?, "high_priority_tickets_7d")?,
        Some(1.0),
        "default: urgent only"
    );
    Ok(())
}
