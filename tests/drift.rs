//! Drift monitoring end to end through the real binary: `vigil run` trains (saving the drift
//! reference) and publishes a `monitoring` partition; scoring the same accounts months after
//! their history ends (usage, tickets and messages stop) fails the freshness gate (exit 3)
//! and, with `--allow-stale`, drifts, warns, and with `--fail-on-drift` exits 4 with nothing
//! staged or published for that date.

use crate::common::{Run, delta_partition};
use crate::score::{project, run_on};
use polars::prelude::*;

/// `(feature, psi, status)` of a `monitoring` partition.
fn psis(df: &DataFrame) -> Vec<(String, f64, String)> {
    let feature = df.column("feature").expect("feature").str().expect("str").clone();
    let psi = df.column("psi").expect("psi").f64().expect("f64").clone();
    let status = df.column("status").expect("status").str().expect("str").clone();
    (0..df.height())
        .map(|i| {
            (
                feature.get(i).expect("feature").to_string(),
                psi.get(i).expect("psi"),
                status.get(i).expect("status").to_string(),
            )
        })
        .collect()
}

fn score_stage(run: &Run) -> serde_json::Value {
    run.summary()["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == "score")
        .expect("score stage")
        .clone()
}

#[test]
fn drift_is_monitored_warned_about_and_gated_with_exit_4() {
    let p = project();
    let first = run_on(&p, "2026-06-30", &[], &[]);
    first.expect_code(0);
    assert!(p.file("registry").exists());
    let wh = p.file("wh").to_string_lossy().into_owned();
    let same = delta_partition(&format!("{wh}/monitoring"), "2026-06-30").expect("monitoring partition");
    let rows = psis(&same);
    eprintln!("monitoring 2026-06-30: {rows:?}");
    assert!(rows.len() > 10, "one row per feature and the score: {rows:?}");
    assert_eq!(rows.last().map(|r| r.0.as_str()), Some("__score__"));
    assert!(rows.iter().all(|r| r.1.is_finite() && r.1 >= 0.0), "{rows:?}");
    let drift = &score_stage(&first)["metrics"]["drift"];
    assert_eq!(drift["columns"].as_u64(), Some(rows.len() as u64), "{drift}");
    assert!(
        rows.iter().all(|r| !r.0.ends_with("_staleness_hours")),
        "feed freshness is not monitored"
    );

    // Four months after the history ends every account has gone quiet. The freshness gate
    // stops such a run first (exit 3, nothing staged); the drift gate is what guards a run
    // that goes on anyway with --allow-stale.
    let stale = crate::common::vigil(
        p.path(),
        &[
            "score",
            "--config",
            "pipelines/test.toml",
            "--run-date",
            "2026-10-31",
        ],
    );
    stale.expect_failure(3, &["table usage_daily is stale", "--allow-stale"]);
    assert!(
        !p.file("wh/_staged/run_date=2026-10-31").exists(),
        "nothing staged"
    );
    let late = [
        "score",
        "--config",
        "pipelines/test.toml",
        "--run-date",
        "2026-10-31",
        "--allow-stale",
    ];
    let gated = crate::common::vigil(p.path(), &[&late[..], &["--fail-on-drift"]].concat());
    gated
        .expect_code(4)
        .expect_stderr(&["drift gate failed", "PSI above 0.2"]);
    assert!(
        !p.file("wh/_staged/run_date=2026-10-31").exists(),
        "nothing staged"
    );
    assert!(delta_partition(&format!("{wh}/monitoring"), "2026-10-31").is_none());

    let warned = crate::common::vigil(p.path(), &late);
    warned.expect_code(0);
    let stage = score_stage(&warned);
    let warnings: Vec<&str> = stage["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("drift: PSI above 0.2")),
        "{warnings:?}"
    );
    assert!(stage["metrics"]["drift"]["drifted"].as_u64().expect("drifted") > 0);
    // The same gate at publishing (how a sharded run gates drift over all its shards).
    let publish = [
        "publish",
        "--config",
        "pipelines/test.toml",
        "--run-date",
        "2026-10-31",
    ];
    crate::common::vigil(p.path(), &[&publish[..], &["--fail-on-drift"]].concat())
        .expect_code(4)
        .expect_stderr(&["drift gate failed"]);
    assert!(delta_partition(&format!("{wh}/monitoring"), "2026-10-31").is_none());
    crate::common::vigil(p.path(), &publish).expect_code(0);
    let late_rows = psis(&delta_partition(&format!("{wh}/monitoring"), "2026-10-31").expect("published"));
    eprintln!("monitoring 2026-10-31: {late_rows:?}");
    assert!(
        late_rows.iter().any(|r| r.1 > 0.2 && r.2 == "warn"),
        "{late_rows:?}"
    );
}
