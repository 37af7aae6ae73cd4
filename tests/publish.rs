//! `vigil publish`: staged tables committed to Delta Lake on a local folder, re-published
//! idempotently, and crash-safe under SIGKILL at random points. The same publish test on S3,
//! Azure and GCS servers is in `object_store`.
//!
//! The tables are staged here by writing Parquet frames into `_staged/run_date=D/`, the
//! layout `vigil score` writes.

use crate::common::{Project, vigil_env};
use polars::prelude::*;
use std::time::Instant;
use vigil_store::storage::{Location, RetryPolicy, Storage};
use vigil_store::warehouse::delta;

const RUN_DATE: &str = "2026-06-30";

pub(crate) fn run_date() -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(RUN_DATE, "%Y-%m-%d").expect("date")
}

/// Demo-sized `risk_scores` (with the nested `top_factors`) and `actions`; `marker` tells
/// runs apart.
fn tables(accounts: usize, actions: usize, marker: &str) -> Vec<(&'static str, DataFrame)> {
    let ids: Vec<String> = (0..accounts).map(|i| format!("a{i:05}")).collect();
    let at = Column::new("scored_at".into(), vec![1_782_864_000_000_000_i64; accounts])
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .expect("datetime");
    let factors: Vec<Series> = (0..accounts)
        .map(|i| {
            StructChunked::from_columns(
                "".into(),
                2,
                &[
                    Column::new("feature".into(), ["tickets_7d", "nps_drop"]),
                    Column::new("value".into(), [i as f64, 1.0]),
                    Column::new("contribution".into(), [0.3, -0.1]),
                    Column::new("phrase".into(), ["more tickets", "NPS fell"]),
                ],
            )
            .expect("struct")
            .into_series()
        })
        .collect();
    let risk_scores = DataFrame::new(
        accounts,
        vec![
            Column::new("run_id".into(), vec![marker; accounts]),
            Column::new("account_id".into(), ids.clone()),
            Column::new(
                "arr".into(),
                (0..accounts).map(|i| 1000.0 * i as f64).collect::<Vec<_>>(),
            ),
            Column::new(
                "risk_score".into(),
                (0..accounts).map(|i| (i % 101) as i64).collect::<Vec<_>>(),
            ),
            Column::new(
                "alert".into(),
                (0..accounts).map(|i| i % 10 == 0).collect::<Vec<_>>(),
            ),
            Series::new("top_factors".into(), factors).into_column(),
            Column::new("narrative".into(), vec!["Tickets doubled this week."; accounts]),
            at,
        ],
    )
    .expect("risk_scores");
    let actions = df!(
        "run_id" => vec![marker; actions],
        "account_id" => ids[..actions].to_vec(),
        "action" => vec!["checkin_draft"; actions],
        "owner" => vec!["csm1"; actions],
        "body" => vec!["Hi — checking in."; actions],
    )
    .expect("actions");
    vec![("risk_scores", risk_scores), ("actions", actions)]
}

/// Writes the tables and `_run.json` under `<warehouse>/_staged/run_date=D/`.
pub(crate) fn stage(storage: &Storage, warehouse: &str, marker: &str, accounts: usize) {
    let dir = Location::parse(warehouse)
        .expect("warehouse")
        .join(&format!("_staged/run_date={RUN_DATE}"));
    for (name, mut frame) in tables(accounts, accounts / 4, marker) {
        storage
            .write_parquet(&dir.join(&format!("{name}.parquet")), &mut frame)
            .expect("stage");
    }
    let run = format!("{{\"run_id\":\"{marker}\"}}");
    storage
        .write(&dir.join("_run.json"), bytes::Bytes::from(run))
        .expect("run json");
}

/// A table's version and the run marker and row count of its partition (`None`: no table).
pub(crate) fn state(storage: &Storage, warehouse: &str, table: &str) -> Option<(i64, String, usize)> {
    let loc = Location::parse(warehouse).expect("warehouse").join(table);
    let version = delta::table_version(storage, &loc).expect("version")?;
    let frame = delta::read_partition(storage, &loc, run_date())
        .expect("readable")
        .expect("partition");
    let markers = frame
        .column("run_id")
        .expect("run_id")
        .str()
        .expect("str")
        .unique()
        .expect("unique");
    assert_eq!(markers.len(), 1, "{table}: rows of one run only");
    Some((
        version,
        markers.get(0).unwrap_or_default().to_string(),
        frame.height(),
    ))
}

fn publish(p: &Project, env: &[(&str, &str)]) -> crate::common::Run {
    p.dated(&["publish"], &[], env)
}

/// The same acceptance test on every backend (a local folder here; S3, Azure and GCS in
/// `object_store`): publish, re-publish, read back.
pub(crate) fn publish_and_republish(p: &Project, storage: &Storage, warehouse: &str, env: &[(&str, &str)]) {
    stage(storage, warehouse, "run-1", 2000);
    let started = Instant::now();
    let run = publish(p, env);
    run.expect_code(0);
    let wall = started.elapsed();
    let s = run.summary();
    let m = &s["stages"][0]["metrics"];
    assert_eq!(
        (
            m["risk_scores"]["version"].as_i64(),
            m["risk_scores"]["rows"].as_u64()
        ),
        (Some(0), Some(2000)),
        "{s}"
    );
    assert_eq!(
        (m["actions"]["version"].as_i64(), m["actions"]["rows"].as_u64()),
        (Some(0), Some(500)),
        "{s}"
    );
    assert_eq!(m["run_id"], "run-1");
    eprintln!(
        "publish of 2,000 risk_scores + 500 actions to {warehouse}: {} ms in vigil, {} ms wall",
        s["duration_ms"],
        wall.as_millis()
    );
    // Re-publishing the same date replaces the partition: a new version, the same rows.
    publish(p, env).expect_code(0);
    assert_eq!(
        state(storage, warehouse, "risk_scores"),
        Some((1, "run-1".into(), 2000))
    );
    assert_eq!(
        state(storage, warehouse, "actions"),
        Some((1, "run-1".into(), 500))
    );
    let wh = Location::parse(warehouse).expect("wh");
    let back = delta::read_partition(storage, &wh.join("risk_scores"), run_date())
        .expect("read")
        .expect("rows");
    let expected = &tables(2000, 500, "run-1")[0].1;
    assert!(
        back.equals_missing(expected),
        "risk_scores round trip:\n{back}\n{expected}"
    );
    // Nothing staged for another date: exit 99.
    let other = vigil_env(
        p.path(),
        &[
            "publish",
            "--config",
            "pipelines/test.toml",
            "--run-date",
            "2026-07-07",
        ],
        env,
    );
    other
        .expect_code(99)
        .expect_stderr(&["nothing to do", "2026-07-07"]);
}

#[test]
fn publish_to_a_local_folder_replaces_the_run_date() {
    let p = Project::new("");
    let storage = Storage::new(RetryPolicy::default(), Vec::new()).expect("storage");
    let warehouse = p.file("wh").to_string_lossy().into_owned();
    publish_and_republish(&p, &storage, &warehouse, &[]);
    // A configured PostgreSQL sink without its URL variable is a usage error, before any commit.
    p.config(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n\
         [warehouse.postgres]\nurl_env = \"VIGIL_TEST_NO_SUCH_VAR\"\n",
    );
    publish(&p, &[])
        .expect_code(2)
        .expect_stderr(&["VIGIL_TEST_NO_SUCH_VAR"]);
    assert_eq!(state(&storage, &warehouse, "actions").map(|s| s.0), Some(1));
}

/// SIGKILL at spread-out points during `vigil publish`: every table is always readable at its
/// old or its new content, and a final re-run completes.
#[test]
fn publish_survives_sigkill_at_random_points() {
    let p = Project::new("");
    let storage = Storage::new(RetryPolicy::default(), Vec::new()).expect("storage");
    let warehouse = p.file("wh").to_string_lossy().into_owned();
    stage(&storage, &warehouse, "old", 2000);
    let t0 = Instant::now();
    publish(&p, &[]).expect_code(0);
    let full = t0.elapsed();
    let old: Vec<_> = ["risk_scores", "actions"]
        .iter()
        .map(|t| state(&storage, &warehouse, t))
        .collect();
    stage(&storage, &warehouse, "new", 1600);

    let trials = 12;
    let mut outcomes = std::collections::BTreeMap::<&str, u32>::new();
    let mut versions: Vec<i64> = old.iter().map(|s| s.as_ref().map_or(-1, |s| s.0)).collect();
    for trial in 0..trials {
        // Delays spread over 0–1.3× a full publish, jittered.
        let jitter = rand::random::<f64>() * 0.1;
        let delay = full.mul_f64(1.3 * (f64::from(trial) / f64::from(trials - 1)) + jitter);
        let mut child = crate::common::vigil_command(
            p.path(),
            &[
                "-q",
                "publish",
                "--config",
                "pipelines/test.toml",
                "--run-date",
                RUN_DATE,
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn vigil");
        std::thread::sleep(delay);
        let killed = child.kill().is_ok(); // SIGKILL on Unix
        let status = child.wait().expect("wait");
        let outcome = if killed && !status.success() {
            "killed"
        } else {
            "finished"
        };
        let mut committed = 0;
        for (i, table) in ["risk_scores", "actions"].iter().enumerate() {
            let (version, marker, rows) = state(&storage, &warehouse, table).expect("table exists");
            let expected_rows = match (marker.as_str(), *table) {
                ("old", "risk_scores") => 2000,
                ("old", _) => 500,
                ("new", "risk_scores") => 1600,
                ("new", _) => 400,
                (m, _) => panic!("{table}: unexpected run {m}"),
            };
            assert_eq!(
                rows, expected_rows,
                "trial {trial}, {table}: a whole version, never part of one"
            );
            assert!(
                version == versions[i] || version == versions[i] + 1,
                "trial {trial}, {table}: v{version}"
            );
            committed += usize::from(version > versions[i]);
            versions[i] = version;
        }
        let key = match (outcome, committed) {
            ("finished", _) => "finished",
            (_, 0) => "killed before any commit",
            (_, 2) => "killed after both commits",
            _ => "killed between commits",
        };
        *outcomes.entry(key).or_default() += 1;
        eprintln!("trial {trial}: kill after {} ms -> {key}", delay.as_millis());
    }
    eprintln!(
        "crash trials (full publish {} ms): {outcomes:?}",
        full.as_millis()
    );
    let run = publish(&p, &[]);
    run.expect_code(0);
    assert_eq!(
        state(&storage, &warehouse, "risk_scores").map(|s| (s.1, s.2)),
        Some(("new".into(), 1600))
    );
    assert_eq!(
        state(&storage, &warehouse, "actions").map(|s| (s.1, s.2)),
        Some(("new".into(), 400))
    );
    assert!(
        outcomes.keys().any(|k| k.starts_with("killed")),
        "some trials were killed: {outcomes:?}"
    );
}
