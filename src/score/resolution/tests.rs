//! Unit tests of cases, the resolution index, the summary sentence and the backtest, on
//! small hand-built fixtures.

use super::*;
use crate::score::category::CategoryLearner;
use crate::score::resolution_backtest::backtest;
use crate::time::{DAY_US as DAY, HOUR_US as HOUR};
use polars::prelude::*;
use vigil_gbdt::{ColumnKind, FeatureSchema, SchemaColumn};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// 2026-01-01T00:00:00Z in µs.
const T0: i64 = 1_767_225_600_000_000;

fn numeric_schema(names: &[&str]) -> FeatureSchema {
    FeatureSchema {
        columns: names
            .iter()
            .map(|n| SchemaColumn {
                name: n.to_string(),
                kind: ColumnKind::Numeric,
            })
            .collect(),
    }
}

fn case(id: &str, category: &str, days: Option<f64>, interventions: &[&str], features: &[f64]) -> Case {
    Case {
        escalation_id: id.into(),
        account_id: format!("acc-{id}"),
        opened_at: T0,
        snapshot_at: T0 - HOUR,
        resolved_at: days.map(|d| T0 + (d * DAY as f64) as i64),
        category: category.into(),
        resolution_days: days,
        interventions: interventions.iter().map(|s| s.to_string()).collect(),
        features: features.to_vec(),
    }
}

fn ts(name: &str, us: Vec<Option<i64>>) -> Result<Column, PolarsError> {
    Ok(Series::new(name.into(), us)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
        .into_column())
}

fn feature_frame() -> Result<DataFrame, PolarsError> {
    // acc-1: daily snapshots at T0 − 3 d … T0 + 1 d; acc-2: one snapshot 4 days before T0.
    let accounts = ["acc-1", "acc-1", "acc-1", "acc-1", "acc-1", "acc-2"];
    let at = [-3, -2, -1, 0, 1, -4].map(|d| Some(T0 + d * DAY));
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 9.0];
    let seg = ["smb", "smb", "smb", "enterprise", "enterprise", "smb"];
    DataFrame::new(
        6,
        vec![
            Column::new("account_id".into(), accounts),
            ts("snapshot_at", at.to_vec())?,
            Column::new("x".into(), x),
            Column::new("segment".into(), seg),
        ],
    )
}

fn escalation_frame(
    resolved: Vec<Option<i64>>,
    categories: Vec<Option<&str>>,
) -> Result<DataFrame, PolarsError> {
    let n = resolved.len();
    let ids: Vec<String> = (1..=n).map(|i| format!("esc-{i}")).collect();
    let accounts: Vec<&str> = (0..n).map(|i| if i == 2 { "acc-2" } else { "acc-1" }).collect();
    let opened: Vec<Option<i64>> = (0..n).map(|i| Some(T0 + i as i64 * HOUR)).collect();
    let interventions: Vec<Option<&str>> = (0..n).map(|i| (i == 0).then_some("hotfix; war_room;")).collect();
    DataFrame::new(
        n,
        vec![
            Column::new("escalation_id".into(), ids),
            Column::new("account_id".into(), accounts),
            ts("opened_at", opened)?,
            Column::new("category".into(), categories),
            ts("resolved_at", resolved)?,
            Column::new("interventions".into(), interventions),
        ],
    )
}

#[test]
fn a_case_takes_the_latest_snapshot_strictly_before_it_opened() -> TestResult {
    let features = feature_frame()?;
    let esc = escalation_frame(
        vec![Some(T0 + 3 * DAY), None, Some(T0 + 2 * HOUR + DAY)],
        vec![
            Some("product_defect"),
            Some("brand_new_kind"),
            Some("integration"),
        ],
    )?;
    let table = cases(&features, &esc, &["x", "segment"])?;
    // esc-1 opens exactly at T0: the snapshot at T0 is not strictly before, T0 − 1 d is.
    let c = &table.cases[0];
    assert_eq!((c.snapshot_at, c.features[0]), (T0 - DAY, 3.0));
    assert_eq!(c.resolution_days, Some(3.0));
    assert_eq!(c.interventions, ["hotfix", "war_room"]);
    // segment is categorical: levels sorted (enterprise, smb), smb = 1.
    assert_eq!(c.features[1], 1.0);
    // esc-2 opens an hour after T0: the T0 snapshot, an unknown category kept, unresolved.
    let c = &table.cases[1];
    assert_eq!(
        (c.snapshot_at, c.category.as_str(), c.resolution_days),
        (T0, "brand_new_kind", None)
    );
    assert!(c.interventions.is_empty());
    // esc-3's account has only a snapshot 4 days old: older than the 72 h look-back.
    assert_eq!(table.without_snapshot, ["esc-3"]);
    assert_eq!(table.cases.len(), 2);
    let wider = cases_within(&features, &esc, &["x"], 24 * 5)?;
    assert_eq!(wider.cases.len(), 3);
    // A scoring frame encodes with the same schema: row 3 is x = 4, enterprise (level 0).
    let rows = encode(&features, &table.schema, "the scoring feature table")?;
    assert_eq!((rows.len(), rows[3].as_slice()), (6, &[4.0, 0.0][..]));
    Ok(())
}

#[test]
fn resolved_before_opened_is_an_error_naming_the_escalation() -> TestResult {
    let esc = escalation_frame(
        vec![None, Some(T0 - DAY)],
        vec![Some("integration"), Some("integration")],
    )?;
    let err = cases(&feature_frame()?, &esc, &["x"])
        .err()
        .ok_or("expected an error")?;
    let msg = err.to_string();
    assert!(
        matches!(err, ResolutionError::ResolvedBeforeOpened { row: 1, .. }),
        "{msg}"
    );
    assert!(
        msg.contains("\"esc-2\"") && msg.contains("2025-12-31T00:00:00+00:00"),
        "{msg}"
    );
    Ok(())
}

#[test]
fn a_null_category_is_an_error_naming_column_and_row() -> TestResult {
    let esc = escalation_frame(vec![None, None], vec![Some("integration"), None])?;
    let msg = cases(&feature_frame()?, &esc, &["x"])
        .err()
        .ok_or("expected an error")?
        .to_string();
    assert!(
        msg.contains("escalations") && msg.contains("category") && msg.contains("row 1"),
        "{msg}"
    );
    Ok(())
}

#[test]
fn a_missing_feature_column_is_named() -> TestResult {
    let esc = escalation_frame(vec![None], vec![Some("integration")])?;
    let msg = cases(&feature_frame()?, &esc, &["nope"])
        .err()
        .ok_or("expected an error")?
        .to_string();
    assert!(msg.contains("\"nope\""), "{msg}");
    Ok(())
}

fn fixture_index() -> Result<ResolutionIndex, ResolutionError> {
    let cases = [
        case(
            "p1",
            "product_defect",
            Some(2.0),
            &["hotfix", "war_room"],
            &[0.0, 0.0],
        ),
        case("p2", "product_defect", Some(4.0), &["hotfix"], &[1.0, 0.0]),
        case(
            "p3",
            "product_defect",
            Some(9.0),
            &["service_credit"],
            &[2.0, 0.0],
        ),
        case(
            "p4",
            "product_defect",
            Some(6.0),
            &["engineering_fix", "war_room"],
            &[3.0, 0.0],
        ),
        case("i1", "integration", Some(12.0), &["workaround"], &[0.1, 0.0]),
        case("open", "product_defect", None, &[], &[0.0, 0.0]),
    ];
    ResolutionIndex::fit(&numeric_schema(&["x", "y"]), &cases)
}

#[test]
fn the_nearest_case_is_the_obvious_one() -> TestResult {
    let index = fixture_index()?;
    assert_eq!(index.cases.len(), 5, "unresolved cases are not indexed");
    let e = index
        .estimate(&[2.9, 0.0], "product_defect", 1)?
        .ok_or("no estimate")?;
    assert_eq!(e.cases[0].escalation_id, "p4");
    assert_eq!((e.mean_days, e.spread_days), (6.0, 0.0));
    assert!(
        index.estimate(&[0.0], "product_defect", 1).is_err(),
        "a short row is an error"
    );
    assert!(index.estimate(&[0.0, 0.0], "product_defect", 0)?.is_none());
    Ok(())
}

#[test]
fn same_category_comes_first_then_others_fill_k() -> TestResult {
    let index = fixture_index()?;
    // i1 (integration) is nearer to 0.1 than p2–p4, yet product defects come first.
    let e = index
        .estimate(&[0.1, 0.0], "product_defect", 4)?
        .ok_or("no estimate")?;
    let ids: Vec<&str> = e.cases.iter().map(|c| c.escalation_id.as_str()).collect();
    assert_eq!(ids, ["p1", "p2", "p3", "p4"]);
    assert!(!e.summary.contains("other categories"), "{}", e.summary);
    // Five wanted, four product defects: the nearest integration case fills.
    let e = index
        .estimate(&[0.1, 0.0], "product_defect", 5)?
        .ok_or("no estimate")?;
    assert_eq!(e.cases[4].escalation_id, "i1");
    assert!(
        e.summary
            .starts_with("comparable to 5 previous escalations (4 product defect, 1 of other categories)")
    );
    assert!(e.cases.windows(2).take(3).all(|w| w[0].distance <= w[1].distance));
    Ok(())
}

#[test]
fn success_factors_come_from_the_fastest_half() -> TestResult {
    let index = fixture_index()?;
    let e = index
        .estimate(&[0.0, 0.0], "product_defect", 4)?
        .ok_or("no estimate")?;
    // Days 2, 4, 9, 6: the fastest half is p1 (hotfix, war_room) and p2 (hotfix);
    // service_credit and engineering_fix belong to the slower half.
    assert_eq!(e.success_factors, ["hotfix", "war_room"]);
    assert!((e.mean_days - 5.25).abs() < 1e-12);
    let sd = ((3.25f64.powi(2) + 1.25f64.powi(2) + 3.75f64.powi(2) + 0.75f64.powi(2)) / 3.0).sqrt();
    assert!((e.spread_days - sd).abs() < 1e-12);
    assert_eq!(
        e.summary,
        "comparable to 4 previous product defect escalations, which averaged 5.2 ± 3.0 days to resolve; \
         success factors: a hotfix and a war room"
    );
    Ok(())
}

#[test]
fn summary_sentences_read_as_written() {
    let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        summary_sentence(
            "implementation_delay",
            7,
            0,
            4.24,
            1.26,
            &f(&["dedicated_engineer", "exec_call", "custom_playbook"])
        ),
        "comparable to 7 previous implementation delay escalations, which averaged 4.2 ± 1.3 days to \
         resolve; success factors: a dedicated engineer, an executive call and custom playbook"
    );
    assert_eq!(
        summary_sentence("pricing_dispute", 1, 0, 3.0, 0.0, &f(&["discount"])),
        "comparable to 1 previous pricing dispute escalation, which took 3.0 days to resolve; success \
         factors: a discount"
    );
    assert_eq!(
        summary_sentence("performance", 2, 3, 10.0, 2.5, &[]),
        "comparable to 5 previous escalations (2 performance, 3 of other categories), which averaged \
         10.0 ± 2.5 days to resolve"
    );
}

#[test]
fn the_index_round_trips_through_json() -> TestResult {
    let index = fixture_index()?;
    let back: ResolutionIndex = serde_json::from_str(&serde_json::to_string(&index)?)?;
    assert_eq!(back, index);
    Ok(())
}

#[test]
fn missing_values_and_levels_are_compared_by_presence_and_equality() {
    let schema = FeatureSchema {
        columns: vec![
            SchemaColumn {
                name: "x".into(),
                kind: ColumnKind::Numeric,
            },
            SchemaColumn {
                name: "segment".into(),
                kind: ColumnKind::Categorical {
                    levels: vec!["a".into(), "b".into()],
                },
            },
        ],
    };
    let rows: [&[f64]; 2] = [&[0.0, 0.0], &[2.0, 1.0]];
    let space = FeatureSpace::fit(&schema, &rows);
    assert_eq!((space.means[0], space.stds[0]), (1.0, 1.0));
    let d = |a: &[f64], b: &[f64]| space.distance(&space.transform(a), &space.transform(b));
    assert_eq!(d(&[0.0, 0.0], &[2.0, 0.0]), (4.0f64 / 2.0).sqrt());
    assert_eq!(d(&[0.0, 0.0], &[0.0, 1.0]), (1.0f64 / 2.0).sqrt());
    assert_eq!(d(&[f64::NAN, 0.0], &[0.0, 0.0]), 1.0);
    assert_eq!(d(&[f64::NAN, f64::NAN], &[f64::NAN, f64::NAN]), 0.0);
}

#[test]
fn backtest_errors_are_the_mean_absolute_differences() -> TestResult {
    let split = T0 + 100 * DAY;
    let at = |c: Case, opened: i64, days: Option<f64>| Case {
        opened_at: opened,
        snapshot_at: opened - HOUR,
        resolved_at: days.map(|d| opened + (d * DAY as f64) as i64),
        resolution_days: days,
        ..c
    };
    let before = T0;
    let after = split + DAY;
    let cases = vec![
        at(case("a1", "a", None, &[], &[0.0]), before, Some(2.0)),
        at(case("a2", "a", None, &[], &[1.0]), before, Some(4.0)),
        at(case("a3", "a", None, &[], &[10.0]), before, Some(10.0)),
        at(case("b1", "b", None, &[], &[100.0]), before, Some(20.0)),
        at(case("b2", "b", None, &[], &[101.0]), before, Some(30.0)),
        // Opened before the split but resolved after it: unknown at the split, not indexed.
        at(case("late", "a", None, &[], &[0.1]), split - DAY, Some(100.0)),
        // Held out: a at 0.1 took 3 days, b at 100.5 took 21; an unresolved one is skipped.
        at(case("ta", "a", None, &[], &[0.1]), after, Some(3.0)),
        at(case("tb", "b", None, &[], &[100.5]), after, Some(21.0)),
        at(case("open", "a", None, &[], &[0.1]), after, None),
    ];
    let table = CaseTable {
        schema: numeric_schema(&["x"]),
        cases,
        without_snapshot: Vec::new(),
    };
    let bt = backtest(&table, split, 2, CategoryLearner::Majority)?;
    assert_eq!((bt.indexed, bt.n, bt.k), (5, 2, 2));
    // True category: ta → mean(2, 4) = 3 (error 0), median 4 (1); tb → mean(20, 30) = 25 (4),
    // median 25 (4).
    assert_eq!((bt.knn_mae, bt.baseline_mae), (2.0, 2.5));
    // The majority model predicts "a" (4 of 6 opened before the split) for both: tb's two
    // nearest a cases are 10 and 4 days (error 14) and a's median is 4 (error 17).
    assert_eq!((bt.knn_mae_predicted, bt.baseline_mae_predicted), (7.0, 9.0));
    assert_eq!(bt.category_accuracy, 0.5);
    // Overall median of 2, 4, 10, 20, 30 is 10: errors 7 and 11.
    assert_eq!(bt.overall_median_mae, 9.0);
    assert_eq!(bt.per_category.len(), 2);
    assert_eq!(
        (bt.per_category[1].knn_mae, bt.per_category[1].mean_days),
        (4.0, 21.0)
    );
    assert_eq!(bt.filled, 0);
    let none_after = backtest(&table, T0 + 1_000 * DAY, 2, CategoryLearner::Majority);
    assert!(none_after.is_err());
    Ok(())
}

#[test]
fn interventions_read_as_phrases() {
    assert_eq!(intervention_phrase("dedicated_engineer"), "a dedicated engineer");
    assert_eq!(intervention_phrase("exec_call"), "an executive call");
    assert_eq!(intervention_phrase("daily_status_page"), "daily status page");
    assert_eq!(category_phrase("team_transition"), "team transition");
}
