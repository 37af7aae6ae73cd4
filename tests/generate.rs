//! The generator: valid under the contract by construction, deterministic by seed, its
//! native layout the default and unchanged, and the demo pipeline end to end on local folders
//! and `memory://`. (The foreign layout: `tests/foreign.rs`.)

use crate::common::{Project, shipped_model, vigil};
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `dir` with its bytes, keyed by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

#[test]
fn generated_history_validates_cleanly_and_is_deterministic() {
    let p = Project::new("");
    let generate = |seed: &str, out: &str| {
        vigil(
            p.path(),
            &[
                "generate",
                "--accounts",
                "150",
                "--months",
                "6",
                "--end",
                "2026-06-30",
                "--seed",
                seed,
                "--out",
                out,
            ],
        )
        .expect_code(0)
        .summary()
    };
    let s = generate("7", "history");
    assert_eq!(s["command"], "generate");
    assert!(s["stages"][0]["rows_out"].as_u64().expect("rows") > 10_000, "{s}");
    generate("7", "again");
    generate("8", "other");
    let (a, b, c) = (
        snapshot(&p.file("history")),
        snapshot(&p.file("again")),
        snapshot(&p.file("other")),
    );
    assert!(
        a.contains_key("accounts.parquet") && a.keys().any(|k| k.starts_with("usage_daily/2026-")),
        "{:?}",
        a.keys()
    );
    assert_eq!(a, b, "same seed gives identical bytes");
    assert_ne!(
        a.get("tickets.parquet"),
        c.get("tickets.parquet"),
        "different seed gives different data"
    );

    let run = p.validate();
    run.expect_code(0);
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.file("wh/validation/run_date=2026-06-30/report.json")).expect("report"),
    )
    .expect("json");
    assert_eq!(report["quarantined_rows"], 0, "{report:#}");
    let tables: Vec<&str> = report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .filter_map(|t| t["table"].as_str())
        .collect();
    for t in [
        "accounts",
        "subscriptions",
        "contacts",
        "tickets",
        "usage_daily",
        "feature_usage",
        "nps_responses",
        "communications",
        "escalations",
        "feedback",
    ] {
        assert!(tables.contains(&t), "{t} missing from {tables:?}");
    }
    // Re-running replaces the partition instead of adding to it.
    p.validate().expect_code(0);
    let q = snapshot(&p.file("wh/quarantine"));
    assert_eq!(q.len(), 1, "{:?}", q.keys());
}

/// The demo histories of these tests are too small for the real gate: open it.
const OPEN_GATE: &str = "[risk]\nmin_recall = 0.0\nmin_precision = 0.0\nvalidation_weeks = 10\n";

/// `[tiers]` with the shipped templates (scratch projects have no `pipelines/templates/`).
fn tiers() -> String {
    format!(
        "[tiers]\ntemplates = \"{}/pipelines/templates\"\n",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn demo_runs_end_to_end_in_memory() {
    // The whole demo in one process on memory://: the same code path as any object store.
    let p = Project::new("");
    p.config(
        &format!(
            "[sources]\nbase = \"memory://demo/history\"\n[warehouse]\nurl = \"memory://demo/wh\"\n[demo]\naccounts = 120\nmonths = 6\nend = \"2026-03-31\"\n[sentiment]\nmodel = \"{}\"\n{}{OPEN_GATE}registry = \"memory://demo/registry\"\n",
            shipped_model(),
            tiers()
        ),
    );
    let run = vigil(p.path(), &["demo", "--config", "pipelines/test.toml"]);
    run.expect_code(0);
    let s = run.summary();
    assert_eq!(s["command"], "demo");
    assert_eq!(s["run_date"], "2026-03-31");
    let stages: Vec<&str> = s["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .filter_map(|st| st["stage"].as_str())
        .collect();
    assert_eq!(
        stages,
        [
            "generate",
            "validate",
            "sentiment",
            "features",
            "train",
            "score",
            "publish"
        ]
    );
    assert_eq!(s["stages"][4]["metrics"]["promoted"], true, "{s}");
    // The closing report: the riskiest accounts with tier, score and narrative.
    assert!(run.stdout.contains("The ten riskiest accounts"), "{}", run.stdout);
    assert!(run.stdout.contains("% escalation risk"), "{}", run.stdout);
    assert!(
        !p.file("history").read_dir().expect("dir").any(|_| true),
        "nothing written locally"
    );
}

#[test]
fn demo_reuses_an_existing_history() {
    let p = Project::new("");
    p.config(&format!(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n[demo]\naccounts = 60\nmonths = 6\n[sentiment]\nmodel = \"{}\"\n{}{OPEN_GATE}registry = \"registry\"\n",
        shipped_model(),
        tiers()
    ));
    let first = vigil(p.path(), &["demo", "--config", "pipelines/test.toml"]);
    first.expect_code(0);
    let before = snapshot(&p.file("history"));
    let second = vigil(p.path(), &["demo", "--config", "pipelines/test.toml"]);
    second.expect_code(0);
    let stages = second.summary()["stages"].as_array().expect("stages").len();
    assert_eq!(
        stages, 6,
        "second demo validates, scores texts, builds features, trains, scores and publishes; no generation"
    );
    assert_eq!(before, snapshot(&p.file("history")));
}

#[test]
fn help_lists_every_command() {
    let p = Project::new("");
    let run = vigil(p.path(), &["--help"]);
    run.expect_code(0);
    for cmd in ["demo", "generate", "validate", "--summary-json", "--log-format"] {
        assert!(
            run.stdout.contains(cmd),
            "{cmd} missing from --help:\n{}",
            run.stdout
        );
    }
}

#[test]
fn summary_json_file_matches_the_last_stdout_line() {
    let p = Project::new("");
    p.small_history();
    let run = p.validate_with(&["--summary-json", "xcom.json"], &[]);
    run.expect_code(0);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.file("xcom.json")).expect("xcom")).expect("json");
    assert_eq!(file, run.summary());
}

/// XXH3-64 of every generated file's rows (decoded and written as CSV, so a polars upgrade
/// that only changes Parquet metadata keeps the digests), keyed by relative path.
fn row_digests(dir: &Path) -> BTreeMap<String, String> {
    use polars::prelude::*;
    snapshot(dir)
        .into_iter()
        .map(|(path, bytes)| {
            let mut frame = ParquetReader::new(std::io::Cursor::new(bytes))
                .finish()
                .expect("parquet");
            let mut csv = Vec::new();
            CsvWriter::new(&mut csv).finish(&mut frame).expect("csv");
            (path, format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&csv)))
        })
        .collect()
}

#[test]
fn native_layout_is_the_default_and_unchanged() {
    // Digests of `vigil generate --accounts 40 --months 2 --seed 3` as written before
    // `--layout` existed: the native layout must stay exactly the contract's history.
    const GOLDEN: &[(&str, &str)] = &[
        ("accounts.parquet", "612e7f81e8aba729"),
        ("communications.parquet", "386d6ec9506f246d"),
        ("contacts.parquet", "e13b235c07c213b9"),
        ("escalations.parquet", "bc9d847b6869600d"),
        ("feature_usage/2026-05.parquet", "504fd786ea90d944"),
        ("feature_usage/2026-06.parquet", "1aca44eef09ffa67"),
        ("feedback.parquet", "0ac3eb209de1402c"),
        ("nps_responses.parquet", "12b13511b13234ea"),
        ("subscriptions.parquet", "9afb5615e68a2573"),
        ("tickets.parquet", "110b76b3b1f670b1"),
        ("usage_daily/2026-05.parquet", "af7e11da587f83f8"),
        ("usage_daily/2026-06.parquet", "e072f83077908438"),
    ];
    let p = Project::new("");
    let generate = |out: &str, layout: &[&str]| {
        let mut args = vec![
            "generate",
            "--accounts",
            "40",
            "--months",
            "2",
            "--seed",
            "3",
            "--out",
            out,
        ];
        args.extend_from_slice(layout);
        vigil(p.path(), &args).expect_code(0);
    };
    generate("default", &[]);
    generate("native", &["--layout", "native"]);
    assert_eq!(snapshot(&p.file("default")), snapshot(&p.file("native")));
    let digests = row_digests(&p.file("native"));
    let golden: BTreeMap<String, String> = GOLDEN
        .iter()
        .map(|(path, digest)| (path.to_string(), digest.to_string()))
        .collect();
    assert_eq!(digests, golden, "{digests:#?}");
}
