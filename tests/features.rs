//! `vigil features` on generated data: the training table with labels, the scoring table,
//! and the errors a scheduler sees.

use crate::common::{Project, Run, vigil};
use polars::prelude::{ParquetReader, SerReader};

/// `vigil features` on the project as of the end of 2026-06-30, with extra flags.
fn features(p: &Project, extra: &[&str]) -> Run {
    p.dated(&["features"], extra, &[])
}

fn read(path: &std::path::Path) -> polars::prelude::DataFrame {
    ParquetReader::new(std::fs::File::open(path).expect("features file"))
        .finish()
        .expect("parquet")
}

#[test]
fn training_and_scoring_tables() {
    let p = Project::new("");
    p.generate("120", "history");
    let run = features(&p, &[]);
    run.expect_code(0);
    let s = run.summary();
    assert_eq!(s["stages"][0]["stage"], "features");
    let dir = p.file("wh/features/mode=train/run_date=2026-06-30");
    let train = read(&dir.join("part-0.parquet"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("_summary.json")).expect("summary")).expect("json");
    assert_eq!(summary["rows"].as_u64(), Some(train.height() as u64));
    assert_eq!(summary["accounts"], 120);
    assert!(summary["positives"].as_u64().expect("positives") > 0, "{summary}");
    assert!(train.height() > 120 * 150, "{}", train.height());
    for col in [
        "tickets_7d",
        "logins_change_7d_pct",
        "days_to_renewal",
        "escalates_within_h",
        "label_complete",
    ] {
        assert!(train.column(col).is_ok(), "{col} missing");
    }
    // Scoring: one row per active account at --as-of, no labels, written where asked.
    let run = features(&p, &["--mode", "score", "--out", "score.parquet"]);
    run.expect_code(0);
    let score = read(&p.file("score.parquet"));
    assert!(score.height() <= 120 && score.height() > 90, "{}", score.height());
    assert_eq!(
        score
            .column("account_id")
            .expect("id")
            .n_unique()
            .expect("unique"),
        score.height()
    );
    assert!(score.column("escalates_within_h").is_err());
    assert!(p.file("score.summary.json").exists());
}

#[test]
fn open_escalation_snapshots_can_be_kept() {
    let p = Project::new("[features]\nexclude_open_escalations = false\n");
    p.generate("120", "history");
    features(&p, &["--out", "all.parquet"]).expect_code(0);
    let all = read(&p.file("all.parquet"));
    let open = all
        .column("in_open_escalation")
        .expect("col")
        .bool()
        .expect("bool")
        .sum()
        .unwrap_or(0);
    assert!(open > 0, "kept when configured");
}

#[test]
fn training_without_escalations_is_an_input_error() {
    let p = Project::new("");
    p.small_history();
    let run = features(&p, &[]);
    run.expect_code(3).expect_stderr(&["no escalations table"]);
    // Scoring needs no labels.
    let run = features(&p, &["--mode", "score"]);
    run.expect_code(0);
    let score = read(&p.file("wh/features/mode=score/run_date=2026-06-30/part-0.parquet"));
    assert_eq!(score.height(), 100);
    assert_eq!(
        score
            .column("has_escalations")
            .expect("flag")
            .bool()
            .expect("bool")
            .get(0),
        Some(false)
    );
    let run = vigil(p.path(), &["features", "--config", "pipelines/test.toml"]);
    run.expect_code(2);
}
