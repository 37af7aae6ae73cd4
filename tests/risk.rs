//! `vigil train`, `backtest` and `models`: the risk model through the real binary.

use crate::common::{Project, delta_partition, vigil};
use polars::prelude::{ParquetWriter, df};

const GATE_OPEN: &str = "min_recall = 0.0\nmin_precision = 0.0\npromote_tolerance = 1.0\n";

/// A project with 300 generated accounts × 6 months and `[risk]` settings `risk`.
fn project(risk: &str) -> Project {
    let p = Project::new(&format!(
        "[risk]\nregistry = \"registry\"\nvalidation_weeks = 6\n{risk}\n[risk.gbdt]\nmax_rounds = 60\nthreads = 2\n"
    ));
    p.generate("300", "history");
    p
}

fn train(p: &Project, extra: &[&str]) -> crate::common::Run {
    p.dated(&["train"], extra, &[])
}

fn backtest(p: &Project, extra: &[&str]) -> crate::common::Run {
    p.dated(&["backtest"], extra, &[])
}

fn models(p: &Project, extra: &[&str]) -> crate::common::Run {
    let mut args = vec!["models"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--config", "pipelines/test.toml"]);
    vigil(p.path(), &args)
}

fn stage_metric(run: &crate::common::Run, key: &str) -> serde_json::Value {
    run.summary()["stages"][0]["metrics"][key].clone()
}

fn version(run: &crate::common::Run) -> String {
    stage_metric(run, "model_version")
        .as_str()
        .expect("model_version")
        .to_string()
}

fn champion(p: &Project) -> Option<String> {
    stage_metric(&models(p, &["list"]), "champion")
        .as_str()
        .map(str::to_string)
}

#[test]
fn train_registers_proves_and_promotes_then_gate_failure_keeps_the_champion() {
    let p = project(GATE_OPEN);
    let first = train(&p, &[]);
    first.expect_code(0);
    let v1 = version(&first);
    assert_eq!(stage_metric(&first, "promoted"), true);
    let auc = stage_metric(&first, "roc_auc").as_f64().expect("roc_auc");
    assert!(auc > 0.6, "validation ROC-AUC {auc}");
    assert!(
        stage_metric(&first, "eligible_escalations")
            .as_u64()
            .expect("eligible")
            > 0
    );
    // The registry holds the immutable version with everything needed to score and audit it.
    let dir = p.file(&format!("registry/risk/versions/{v1}"));
    for f in [
        "model.bin",
        "manifest.json",
        "backtest.json",
        "report.md",
        "report.html",
        "pr_curve.svg",
        "calibration.svg",
        "lead_time.svg",
        "tiers.svg",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing from {}", dir.display());
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!(manifest["engine"], "gbdt");
    assert!(
        manifest["feature_schema"]["columns"]
            .as_array()
            .expect("schema")
            .len()
            > 30
    );
    assert!(manifest["window"]["valid_start"].is_string() && manifest["input_fingerprint"].is_string());
    let report = std::fs::read_to_string(dir.join("report.md")).expect("report");
    assert!(report.contains("early-detection recall (24–72 h)") && report.contains("| 95 |"));
    assert!(
        report.contains("Quality gate **passed**")
            && report.contains("![precision-recall curve on the validation snapshots")
            && report.contains("](pr_curve.svg)")
    );
    // The HTML is a page of its own, not the Markdown in a <pre>: the verdict as a badge,
    // the headline figures, tables and the charts as figures.
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(
        html.contains("<span class=\"badge pass\">Quality gate passed</span>"),
        "{html}"
    );
    assert!(html.contains("early-detection recall (24–72 h)") && html.contains("<td class=\"num\">95</td>"));
    assert!(html.matches("<table>").count() >= 2 && html.contains("<th"));
    assert!(
        !html.contains("<pre")
            && !html.contains("**")
            && !html.contains("|---")
            && !html.contains("](")
            && !html.contains('`')
    );
    assert!(html.matches("<figure><svg").count() >= 3 && html.contains("<figcaption>"));
    assert!(
        std::fs::read_to_string(dir.join("pr_curve.svg"))
            .expect("svg")
            .starts_with("<svg")
    );
    assert_eq!(champion(&p).as_deref(), Some(v1.as_str()));
    let runs = delta_partition(&p.file("wh/model_runs").to_string_lossy(), "2026-06-30").expect("model_runs");
    assert_eq!(runs.height(), 1);
    assert_eq!(
        runs.column("model_version")
            .expect("version")
            .str()
            .expect("str")
            .get(0),
        Some(v1.as_str())
    );
    assert_eq!(
        runs.column("promoted")
            .expect("promoted")
            .bool()
            .expect("bool")
            .get(0),
        Some(true)
    );

    // A challenger that cannot meet the gate: exit 4, registered, champion unchanged.
    p.edit(
        "pipelines/test.toml",
        "min_recall = 0.0\nmin_precision = 0.0",
        "min_recall = 1.0\nmin_precision = 1.0\nnegative_sample_rate = 0.5",
    );
    let failed = train(&p, &[]);
    failed
        .expect_code(4)
        .expect_stderr(&["quality gate failed", "not promoted"]);
    let v2 = version(&failed);
    assert_ne!(v1, v2);
    let html = std::fs::read_to_string(p.file(&format!("registry/risk/versions/{v2}/report.html")))
        .expect("report.html");
    assert!(
        html.contains("<span class=\"badge fail\">Quality gate failed</span> at alert threshold"),
        "{html}"
    );
    assert_eq!(stage_metric(&failed, "promoted"), false);
    // model_runs holds one row per version of the date; re-running the same training (same
    // data, same seed: same version) replaces its row.
    let again = train(&p, &[]);
    again.expect_code(4);
    assert_eq!(
        version(&again),
        v2,
        "a deterministic re-run gives the same version"
    );
    let runs = delta_partition(&p.file("wh/model_runs").to_string_lossy(), "2026-06-30").expect("model_runs");
    let mut versions: Vec<String> = runs
        .column("model_version")
        .expect("version")
        .str()
        .expect("str")
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    versions.sort();
    let mut want = vec![v1.clone(), v2.clone()];
    want.sort();
    assert_eq!(versions, want);
    assert!(
        p.file(&format!("registry/risk/versions/{v2}/manifest.json"))
            .is_file()
    );
    assert_eq!(
        champion(&p).as_deref(),
        Some(v1.as_str()),
        "a failed gate moved the champion"
    );
    // It cannot be promoted by hand either.
    models(&p, &["promote", &v2, "--run-date", "2026-07-01"])
        .expect_code(2)
        .expect_stderr(&["failed its quality gate"]);

    // `vigil backtest` re-proves the champion on the window; the strict gate fails with 4.
    let bt = backtest(&p, &[]);
    bt.expect_code(4);
    assert_eq!(stage_metric(&bt, "model_version"), v1.as_str());
    let out = p.file(&format!("wh/backtests/run_date=2026-06-30/{v1}"));
    assert!(out.join("report.md").is_file());
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(
        html.contains(&format!("<h1>Model report <code>{v1}</code></h1>")),
        "{html}"
    );
    assert!(html.contains("Quality gate failed") && html.contains("<table>") && !html.contains("<pre"));
}

#[test]
fn models_promote_and_rollback_move_the_champion() {
    let p = project(GATE_OPEN);
    let a = train(&p, &[]);
    a.expect_code(0);
    let v1 = version(&a);
    p.edit("pipelines/test.toml", "max_rounds = 60", "max_rounds = 30");
    let b = train(&p, &[]);
    b.expect_code(0);
    let v2 = version(&b);
    assert_ne!(v1, v2);
    assert_eq!(champion(&p).as_deref(), Some(v2.as_str()));
    models(&p, &["rollback", "--run-date", "2026-07-01"]).expect_code(0);
    assert_eq!(champion(&p).as_deref(), Some(v1.as_str()));
    models(&p, &["rollback", "--run-date", "2026-07-01"])
        .expect_code(2)
        .expect_stderr(&["nothing to roll back"]);
    models(&p, &["promote", &v2, "--run-date", "2026-07-02"]).expect_code(0);
    assert_eq!(champion(&p).as_deref(), Some(v2.as_str()));
    models(&p, &["promote", "risk-nope", "--run-date", "2026-07-02"])
        .expect_code(2)
        .expect_stderr(&["no model version \"risk-nope\""]);
    let show = models(&p, &["show", "champion"]);
    show.expect_code(0);
    // The manifest printed is the champion's, with the schema scoring will check.
    let printed: serde_json::Value = serde_json::from_str(
        show.stdout
            .rsplit_once("\n{\"command\"")
            .map_or(show.stdout.as_str(), |(m, _)| m),
    )
    .expect("manifest JSON before the summary line");
    assert_eq!(printed["version"], v2.as_str());
    assert!(printed["schema_fingerprint"].is_string());
    // A version trained with --no-promote stays out of the alias.
    p.edit("pipelines/test.toml", "max_rounds = 30", "max_rounds = 20");
    let c = train(&p, &["--no-promote"]);
    c.expect_code(0);
    assert_eq!(stage_metric(&c, "promoted"), false);
    assert_eq!(champion(&p).as_deref(), Some(v2.as_str()));
}

/// External feature table: random split by id, no escalations (the lead-time gate cannot be
/// proven: exit 4), and a model of other features is refused by `vigil backtest` with the
/// missing column named.
#[test]
fn external_features_train_and_a_schema_mismatch_is_refused() {
    let p = project("min_recall = 0.0\nmin_precision = 0.0\n");
    let n = 2000;
    let ids: Vec<String> = (0..n).map(|i| format!("acct{}", i % 200)).collect();
    let x1: Vec<f64> = (0..n).map(|i| ((i * 37) % 100) as f64).collect();
    let x2: Vec<f64> = (0..n).map(|i| ((i * 11) % 7) as f64).collect();
    let plan: Vec<&str> = (0..n).map(|i| ["a", "b", "c"][i % 3]).collect();
    let label: Vec<bool> = (0..n).map(|i| x1[i] > 70.0 && i % 3 != 0).collect();
    let mut frame =
        df!("id" => ids, "x1" => x1, "x2" => x2, "plan" => plan, "escalated" => label).expect("frame");
    let file = std::fs::File::create(p.file("ext.parquet")).expect("create");
    ParquetWriter::new(file).finish(&mut frame).expect("write");
    let run = train(
        &p,
        &[
            "--features",
            "ext.parquet",
            "--label-col",
            "escalated",
            "--id-col",
            "id",
        ],
    );
    run.expect_code(4).expect_stderr(&["no escalations table"]);
    let v = version(&run);
    let auc = stage_metric(&run, "roc_auc").as_f64().expect("auc");
    assert!(auc > 0.9, "external-table AUC {auc}");
    let bad_label = train(
        &p,
        &["--features", "ext.parquet", "--label-col", "x2", "--id-col", "id"],
    );
    bad_label
        .expect_code(3)
        .expect_stderr(&["column \"x2\"", "row 1 has label 4"]);
    let bt = backtest(&p, &["--model", &v]);
    bt.expect_code(3)
        .expect_stderr(&["no column \"x1\"", "the model needs"]);
}
