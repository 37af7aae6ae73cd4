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

/// Sorted by account and snapshot, so tables built in a different account order compare.
fn sorted(df: polars::prelude::DataFrame) -> polars::prelude::DataFrame {
    use polars::prelude::SortMultipleOptions;
    df.sort(["account_id", "snapshot_at"], SortMultipleOptions::default())
        .expect("sort")
}

#[test]
fn partitions_build_the_same_table() {
    // 120 accounts × 12 lookback months = 1,440 account-months: two partitions of ≤ 1,000.
    let p = Project::new("[features]\npartition_account_months = 1000\n");
    p.generate("120", "history");
    features(&p, &["--partitions", "1", "--out", "one.parquet"]).expect_code(0);
    features(&p, &["--partitions", "3", "--out", "three.parquet"])
        .expect_code(0)
        .expect_stderr(&["partitions=3"]);
    features(&p, &["--out", "auto.parquet"])
        .expect_code(0)
        .expect_stderr(&["partitions=2"]);
    let one = sorted(read(&p.file("one.parquet")));
    for name in ["three", "auto"] {
        let other = sorted(read(&p.file(&format!("{name}.parquet"))));
        assert_eq!(one.get_column_names(), other.get_column_names());
        assert_eq!(one.height(), other.height(), "{name}");
        for c in one.columns() {
            let o = other.column(c.name()).expect("column");
            assert!(c.equals_missing(o), "{name}: column {} differs", c.name());
        }
        let s1: serde_json::Value =
            serde_json::from_slice(&std::fs::read(p.file("one.summary.json")).expect("summary"))
                .expect("json");
        let s2: serde_json::Value =
            serde_json::from_slice(&std::fs::read(p.file(&format!("{name}.summary.json"))).expect("summary"))
                .expect("json");
        assert_eq!(s1["rows"], s2["rows"]);
        assert_eq!(s1["accounts"], 120);
        assert_eq!(s1["accounts"], s2["accounts"]);
        assert_eq!(s1["positives"], s2["positives"]);
        // Null shares are sums of per-partition counts: equal up to float rounding.
        for (k, v) in s1["null_share"].as_object().expect("shares") {
            let d = v.as_f64().expect("share") - s2["null_share"][k].as_f64().expect("share");
            assert!(d.abs() < 1e-12, "{k}: {d}");
        }
    }
    // The narrowed read keeps each bad row's place in its file.
    let q = Project::new("[validation]\nmax_bad_row_share = 0.0\n");
    q.small_history();
    q.edit(
        "history/tickets.csv",
        "t0150,a050,2026-06-11T10:00:00Z,high",
        "t0150,a050,2026-06-11T10:00:00Z,bogus",
    );
    for parts in ["1", "4"] {
        features(&q, &["--mode", "score", "--partitions", parts])
            .expect_code(3)
            .expect_stderr(&["tickets.csv, row 151, column priority", "bogus"]);
    }
}
