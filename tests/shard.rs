//! Sharded scoring through the real binary: `vigil plan` pins a run, `vigil score --shard i/n`
//! stages each shard, `vigil publish` commits them together — the published tables equal an
//! unsharded run's, and a missing shard is refused (exit 3) with nothing published.

use crate::common::{Run, delta_partition, vigil_env};
use crate::score::{project, run_on};
use polars::prelude::*;

const DATE: &str = "2026-07-01";
const TABLES: [(&str, &[&str]); 3] = [
    ("risk_scores", &["account_id"]),
    ("actions", &["account_id", "action"]),
    ("monitoring", &["feature"]),
];

fn cmd(p: &crate::common::Project, args: &[&str]) -> Run {
    let mut all = vec![args[0], "--config", "pipelines/test.toml"];
    all.extend_from_slice(&args[1..]);
    vigil_env(p.path(), &all, &[])
}

/// The published partition of every compared table, rows sorted, the run id left out.
fn published(p: &crate::common::Project) -> Vec<(String, DataFrame)> {
    let wh = p.file("wh").to_string_lossy().into_owned();
    TABLES
        .iter()
        .map(|(table, keys)| {
            let df = delta_partition(&format!("{wh}/{table}"), DATE)
                .unwrap_or_else(|| panic!("{table} has a {DATE} partition"));
            let df = match df.column("run_id") {
                Ok(_) => df.drop("run_id").expect("drop run_id"),
                Err(_) => df,
            };
            let df = df
                .sort(keys.to_vec(), SortMultipleOptions::default())
                .expect("sort");
            (table.to_string(), df)
        })
        .collect()
}

fn run_ids(p: &crate::common::Project) -> Vec<String> {
    let wh = p.file("wh").to_string_lossy().into_owned();
    let df = delta_partition(&format!("{wh}/risk_scores"), DATE).expect("risk_scores");
    let mut ids: Vec<String> = df
        .column("run_id")
        .expect("run_id")
        .str()
        .expect("str")
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect();
    ids.dedup();
    ids
}

#[test]
fn sharded_run_publishes_the_same_tables_as_an_unsharded_one_and_refuses_a_missing_shard() {
    let p = project();
    // A day earlier first, so "what changed" has a previous partition to compare with.
    run_on(&p, "2026-06-30", &[], &[]).expect_code(0);
    run_on(&p, DATE, &[], &[]).expect_code(0);
    let unsharded = published(&p);
    let unsharded_run = run_ids(&p);
    assert_eq!(unsharded_run.len(), 1, "one run id per partition");
    let scores = &unsharded[0].1;
    assert!(scores.height() > 100, "{} accounts", scores.height());
    assert!(
        scores.column("score_delta").expect("score_delta").null_count() < scores.height(),
        "the earlier partition was compared"
    );
    assert!(unsharded[1].1.height() > 0, "the fixture routes some actions");

    let plan = cmd(&p, &["plan", "--run-date", DATE, "--shards", "3"]);
    plan.expect_code(0);
    let summary = plan.summary();
    let metrics = &summary["stages"][0]["metrics"];
    assert_eq!(metrics["shards"], serde_json::json!(["0/3", "1/3", "2/3"]));
    let planned_run = summary["run_id"].as_str().expect("run id").to_string();

    // Out-of-range and mismatched shards are usage errors.
    cmd(&p, &["score", "--run-date", DATE, "--shard", "3/3"])
        .expect_code(2)
        .expect_stderr(&["0–2"]);
    cmd(&p, &["score", "--run-date", DATE, "--shard", "1/4"])
        .expect_code(2)
        .expect_stderr(&["3 shards"]);

    let mut accounts = 0;
    for shard in ["0/3", "2/3"] {
        let run = cmd(&p, &["score", "--run-date", DATE, "--shard", shard]);
        run.expect_code(0);
        assert_eq!(
            run.summary()["run_id"],
            planned_run.as_str(),
            "shards share the plan's run id"
        );
        accounts += run.summary()["stages"][1]["metrics"]["accounts"]
            .as_u64()
            .expect("accounts");
    }
    cmd(&p, &["publish", "--run-date", DATE])
        .expect_code(3)
        .expect_stderr(&["1/3", "missing", "nothing was published"]);
    assert_eq!(
        run_ids(&p),
        unsharded_run,
        "the refused publish left the partition alone"
    );

    let last = cmd(&p, &["score", "--run-date", DATE, "--shard", "1/3"]);
    last.expect_code(0);
    accounts += last.summary()["stages"][1]["metrics"]["accounts"]
        .as_u64()
        .expect("accounts");
    assert_eq!(
        accounts as usize,
        scores.height(),
        "the shards partition the accounts"
    );

    let publish = cmd(&p, &["publish", "--run-date", DATE]);
    publish.expect_code(0);
    assert_eq!(publish.summary()["stages"][0]["metrics"]["shards"], 3);
    assert_eq!(run_ids(&p), vec![planned_run], "one run id across the shards");
    let sharded = published(&p);
    for ((table, a), (_, b)) in unsharded.iter().zip(&sharded) {
        assert_eq!(a.shape(), b.shape(), "{table}");
        let differing: Vec<String> = a
            .columns()
            .iter()
            .filter(|c| {
                b.column(c.name()).map_or(true, |o| {
                    !c.as_materialized_series()
                        .equals_missing(o.as_materialized_series())
                })
            })
            .map(|c| {
                format!(
                    "{}: {:?} vs {:?}",
                    c.name(),
                    c.head(Some(4)),
                    b.column(c.name()).map(|o| o.head(Some(4)))
                )
            })
            .collect();
        assert!(
            differing.is_empty(),
            "{table}: sharded differs from unsharded in {differing:#?}"
        );
    }
}
