//! Routing on fixture scores: the right tiers fire the right actions, owners, notifications,
//! deadlines and drafts.

use super::*;
use crate::score::drafts::fixture::{as_of, northwind, shipped};

fn tier_of(score: u32, alert: bool) -> String {
    tier_name(tier(score, alert, &TiersOptions::default())).to_string()
}

#[test]
fn scores_reach_the_default_tiers() {
    let cases = [
        (0, false, "low"),
        (0, true, "watch"),
        (59, false, "low"),
        (59, true, "watch"),
        (60, false, "moderate"),
        (69, true, "moderate"),
        (70, false, "attention"),
        (79, false, "attention"),
        (80, false, "high"),
        (85, false, "leadership"),
        (89, true, "leadership"),
        (90, false, "critical"),
        (95, false, "executive"),
        (100, true, "executive"),
    ];
    for (score, alert, want) in cases {
        assert_eq!(tier_of(score, alert), want, "score {score}, alert {alert}");
    }
    let no_watch = TiersOptions {
        watch: None,
        ..TiersOptions::default()
    };
    assert_eq!(tier(59, true, &no_watch), None);
}

fn routed(score: u32, alert: bool) -> Vec<Action> {
    let tiers = TiersOptions::default();
    let level = tier(score, alert, &tiers).expect("a tier");
    let brief = AccountBrief {
        risk_score: score,
        alert,
        ..northwind()
    };
    actions(&brief, level, as_of(), &shipped()).expect("actions")
}

fn summary(actions: &[Action]) -> Vec<(&str, &str, &str, bool)> {
    actions
        .iter()
        .map(|a| {
            (
                a.tier.as_str(),
                a.action.as_str(),
                a.owner.as_str(),
                a.body.is_some(),
            )
        })
        .collect()
}

#[test]
fn each_tier_fires_its_actions_with_owner_notify_and_due_by() {
    let hours = |a: &Action| (a.due_by - as_of()).num_hours();

    let watch = routed(45, true);
    assert_eq!(summary(&watch), [("watch", "watchlist", "csm", false)]);
    assert_eq!(hours(&watch[0]), 72);

    let moderate = routed(60, false);
    assert_eq!(summary(&moderate), [("moderate", "checkin_draft", "csm", true)]);
    assert_eq!(
        (hours(&moderate[0]), moderate[0].notify.clone()),
        (48, vec!["csm".to_string()])
    );

    let attention = routed(74, true);
    assert_eq!(
        summary(&attention),
        [
            ("attention", "checkin_draft", "csm", true),
            ("attention", "csm_review", "csm", false)
        ]
    );
    assert_eq!(attention[1].notify, ["csm", "cs_manager"]);

    let high = routed(80, true);
    assert_eq!(summary(&high), [("high", "war_room", "cs_manager", true)]);
    assert_eq!(hours(&high[0]), 24);

    let leadership = routed(85, true);
    assert_eq!(
        summary(&leadership),
        [
            ("leadership", "war_room", "vp_customer_success", true),
            ("leadership", "leadership_review", "vp_customer_success", false)
        ]
    );
    assert_eq!(leadership[0].notify, ["csm", "cs_manager", "vp_customer_success"]);
    assert_eq!(hours(&leadership[0]), 12);

    let critical = routed(92, true);
    assert_eq!(
        summary(&critical),
        [
            ("critical", "war_room", "vp_customer_success", true),
            ("critical", "exec_briefing", "vp_customer_success", true)
        ]
    );
    assert_eq!(hours(&critical[1]), 8);

    let executive = routed(97, true);
    let names: Vec<&str> = executive.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(names, ["war_room", "exec_briefing", "exec_outreach"]);
    assert!(
        executive
            .iter()
            .all(|a| a.owner == "cro" && hours(a) == 4 && a.body.is_some())
    );
    assert!(
        executive
            .iter()
            .all(|a| a.account_id == "A-1042" && a.tier == "executive")
    );
}

/// The drafts carry the routed tier, owner and deadline, whatever tier the brief held.
#[test]
fn drafts_show_the_routed_tier_owner_and_deadline() {
    let high = routed(81, true);
    let body = high[0].body.as_deref().expect("a war-room brief");
    assert!(body.contains("Tier high: risk score 81/100"), "{body}");
    assert!(
        body.contains("CS Manager owns this war room; due by 2024-05-15 06:00 UTC (24 h SLA)"),
        "{body}"
    );
    assert!(
        body.contains("Notify: CSM, CS Manager and Support Lead."),
        "{body}"
    );
}

#[test]
fn actions_frame_has_the_output_table_columns() {
    let mut rows = routed(85, true);
    rows.extend(routed(60, false));
    let df = actions_frame(&rows).expect("frame");
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "account_id",
            "tier",
            "action",
            "owner",
            "notify",
            "due_by",
            "body"
        ]
    );
    assert_eq!(df.height(), 3);
    let dtype = |c: &str| df.column(c).expect("column").dtype().clone();
    assert_eq!(dtype("notify"), DataType::List(Box::new(DataType::String)));
    assert_eq!(
        dtype("due_by"),
        DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    assert_eq!(dtype("body"), DataType::String);
    assert_eq!(
        df.column("body").expect("body").null_count(),
        1,
        "leadership_review has no draft"
    );
    let due = df
        .column("due_by")
        .expect("due_by")
        .cast(&DataType::Int64)
        .expect("cast");
    let first = due.i64().expect("i64").get(0);
    assert_eq!(first, Some((as_of() + TimeDelta::hours(12)).timestamp_micros()));
    let notify = df
        .column("notify")
        .expect("notify")
        .list()
        .expect("list")
        .get_as_series(2)
        .expect("row 2");
    assert_eq!(notify.str().expect("str").get(0), Some("csm"));

    let empty = actions_frame(&[]).expect("empty frame");
    assert_eq!((empty.height(), empty.schema()), (0, df.schema()));
}
