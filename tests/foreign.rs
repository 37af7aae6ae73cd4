//! Bring your own data: `vigil generate --layout foreign` writes the generator's history as
//! another company exports it (its column names and words, a Spark folder, a `;` CSV with
//! Singapore wall-clock timestamps, Hive month folders, a Delta table, test organisations'
//! rows), `pipelines/example-foreign.toml` maps it with config alone, and `vigil run` on it
//! gives the native layout's results, up to the renamed values.

use crate::common::{Project, Run, delta_partition, vigil};
use crate::score::{config, run_on, templates};
use crate::taxonomy::value_map;
use polars::prelude::*;
use std::collections::BTreeMap;

/// Where the example config expects the foreign history (relative to the project root).
const FOREIGN_HISTORY: &str = "data/foreign/history";
const RUN_DATE: &str = "2026-06-30";

fn generate(p: &Project, layout: &str, out: &str) -> Run {
    vigil(
        p.path(),
        &[
            "generate",
            "--accounts",
            "300",
            "--months",
            "6",
            "--layout",
            layout,
            "--out",
            out,
        ],
    )
}

/// The score tests' pipeline (small gate, low tiers) with the example's `[sources]` and
/// `[taxonomy]` in place of `[sources] base = "history"`.
fn foreign_config() -> String {
    foreign_config_at(FOREIGN_HISTORY)
}

/// [`foreign_config`] reading the foreign history at `history` (a path or URL) instead of the
/// example's `data/foreign/history`.
pub(crate) fn foreign_config_at(history: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/pipelines/example-foreign.toml");
    let example: toml::Table =
        toml::from_str(&std::fs::read_to_string(path).expect("example")).expect("toml");
    let mut pipeline: toml::Table = toml::from_str(&config("wh", &templates(), "")).expect("test config");
    for section in ["sources", "taxonomy"] {
        let value = example.get(section).cloned().expect(section);
        pipeline.insert(section.into(), value);
    }
    toml::to_string(&pipeline)
        .expect("serialise")
        .replace(FOREIGN_HISTORY, history)
}

/// A project that ran `vigil run` on a generated history of `layout`.
fn ran(layout: &str) -> Project {
    let p = Project::new("");
    let out = match layout {
        "native" => {
            p.config(&config("wh", &templates(), ""));
            "history"
        }
        _ => {
            p.config(&foreign_config());
            FOREIGN_HISTORY
        }
    };
    generate(&p, layout, out).expect_code(0);
    run_on(&p, RUN_DATE, &[], &[]).expect_code(0);
    p
}

/// One published table of a run, rows ordered by `keys`.
fn published(p: &Project, table: &str, keys: &[&str]) -> DataFrame {
    let wh = p.file("wh").to_string_lossy().into_owned();
    let frame = delta_partition(&format!("{wh}/{table}"), RUN_DATE).expect(table);
    frame
        .sort(keys.to_vec(), SortMultipleOptions::default())
        .expect("sort")
}

fn strings(frame: &DataFrame, column: &str) -> Vec<Option<String>> {
    let cast = frame
        .column(column)
        .expect(column)
        .cast(&DataType::String)
        .expect("text");
    cast.str()
        .expect("str")
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// A native column in foreign words.
fn renamed(values: Vec<Option<String>>, pairs: &[(&str, &str)]) -> Vec<Option<String>> {
    let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
    values
        .into_iter()
        .map(|v| v.map(|v| map.get(v.as_str()).map_or(v.clone(), |f| f.to_string())))
        .collect()
}

#[test]
fn foreign_layout_mapped_by_the_example_config_scores_like_the_native_layout() {
    let native = ran("native");
    let foreign = ran("foreign");

    // Validation: every row of the mapped layout is good (the test organisations' usage is
    // filtered out before validation, not quarantined).
    let report = format!("wh/validation/run_date={RUN_DATE}/report.json");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(foreign.file(&report)).expect("report")).expect("json");
    assert_eq!(report["quarantined_rows"], 0, "{report:#}");

    let keys = ["account_id"];
    let (n, f) = (
        published(&native, "risk_scores", &keys),
        published(&foreign, "risk_scores", &keys),
    );
    assert_eq!(n.height(), f.height(), "same accounts scored");
    for column in [
        "account_id",
        "name",
        "csm_owner",
        "arr",
        "probability",
        "risk_score",
        "tier",
        "alert",
        "revenue_at_risk",
        "narrative",
        "score_delta",
        "predicted_resolution_days",
        "resolution_method",
        "similar_cases_mean_days",
        "resolution_spread_days",
    ] {
        assert_eq!(strings(&n, column), strings(&f, column), "risk_scores.{column}");
    }
    assert_eq!(
        renamed(strings(&n, "segment"), value_map("accounts", "segment")),
        strings(&f, "segment"),
        "risk_scores.segment"
    );
    assert_eq!(
        renamed(
            strings(&n, "predicted_category"),
            value_map("escalations", "category")
        ),
        strings(&f, "predicted_category"),
        "risk_scores.predicted_category"
    );
    // The category model sums its classes in their names' order, which the renames change:
    // its probabilities may differ in the last bit (measured ≤ 1.2e-16 on the demo history).
    let floats = |frame: &DataFrame| -> Vec<Option<f64>> {
        let column = frame
            .column("category_probability")
            .expect("category_probability");
        column.f64().expect("f64").iter().collect()
    };
    for (a, b) in floats(&n).into_iter().zip(floats(&f)) {
        match (a, b) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "category_probability {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "category_probability"),
        }
    }
    let alerted = f.column("alert").expect("alert").bool().expect("bool").sum();
    assert!(
        alerted.is_some_and(|a| a > 0),
        "the comparison covers alerted accounts"
    );

    // The same actions for the same accounts, owners and tiers.
    let keys = ["account_id", "action"];
    let (n, f) = (
        published(&native, "actions", &keys),
        published(&foreign, "actions", &keys),
    );
    for column in ["account_id", "action", "tier", "owner"] {
        assert_eq!(strings(&n, column), strings(&f, column), "actions.{column}");
    }
}

#[test]
fn doctor_sees_the_foreign_layout_through_the_example_mapping() {
    let p = Project::new("");
    p.config(&foreign_config());
    generate(&p, "foreign", FOREIGN_HISTORY).expect_code(0);
    p.dated(&["doctor"], &[], &[]).expect_code(0);
    let json = std::fs::read(p.file(&format!("wh/reports/doctor/run_date={RUN_DATE}/doctor.json")));
    let report: serde_json::Value = serde_json::from_slice(&json.expect("doctor.json")).expect("JSON");
    for t in report["tables"].as_array().expect("tables") {
        let name = t["table"].as_str().expect("table");
        if name == "sentiment_labels" {
            assert_eq!(t["status"], "absent", "{t}");
            continue;
        }
        assert_eq!(t["status"], "present", "{t}");
        let missing: Vec<&serde_json::Value> = t["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .filter(|c| c["required"] == true && c["found"] != true)
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: mapped columns not found: {missing:?}"
        );
        assert_eq!(t["validation"]["bad_rows"], 0, "{t}");
    }
}
