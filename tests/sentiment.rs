//! `vigil sentiment`: train, eval, score and the pipeline stage, through the real binary.

use crate::common::{Project, delta_partition, shipped_model, vigil};
use polars::prelude::{DataFrame, ParquetReader, SerReader};

fn read_parquet(path: &std::path::Path) -> DataFrame {
    let file = std::fs::File::open(path).expect("open parquet output");
    ParquetReader::new(file).finish().expect("read parquet output")
}

/// Tiny architecture so training takes seconds in tests.
const TINY: &[&str] = &[
    "--epochs",
    "3",
    "--d-model",
    "16",
    "--layers",
    "1",
    "--heads",
    "2",
    "--d-ff",
    "32",
    "--vocab-size",
    "300",
    "--max-len",
    "32",
    "--batch-size",
    "8",
];

/// `--label-col y` with the numeric labels of `labelled_csv`.
const LABELS_012: [&str; 4] = [
    "--label-col",
    "y",
    "--label-map",
    "0=negative,1=positive,2=neutral",
];

/// 90 labelled lines with numeric labels 0/1/2 and a rating column.
fn labelled_csv(p: &Project, rel: &str) {
    let neg = [
        "the export is broken again",
        "outage and nobody answers",
        "terrible, we want a refund",
    ];
    let neu = [
        "please send the invoice",
        "meeting moved to friday",
        "what is the seat limit",
    ];
    let pos = [
        "thanks, works perfectly",
        "great support, thank you",
        "we love the new dashboard",
    ];
    let mut csv = String::from("id,text,y,stars\n");
    for i in 0..30 {
        csv += &format!("n{i},\"{} {i}\",0,1\n", neg[i % 3]);
        csv += &format!("u{i},\"{} {i}\",2,3\n", neu[i % 3]);
        csv += &format!("p{i},\"{} {i}\",1,5\n", pos[i % 3]);
    }
    p.write(rel, csv.as_bytes());
}

/// Every artefact a model folder must hold.
fn assert_model_folder(dir: &std::path::Path) {
    for f in [
        "model.bpk",
        "tokenizer.json",
        "config.json",
        "metrics.json",
        "README.md",
    ] {
        assert!(dir.join(f).exists(), "{f} missing from {}", dir.display());
    }
}

/// `vigil sentiment run` on the project's config for 2026-06-30.
fn sentiment_run(p: &Project) -> crate::common::Run {
    p.dated(&["sentiment", "run"], &[], &[])
}

fn train(p: &Project, extra: &[&str]) -> crate::common::Run {
    let mut args = vec![
        "sentiment",
        "train",
        "--data",
        "labels.csv",
        "--text-col",
        "text",
        "--out",
        "model",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(TINY);
    vigil(p.path(), &args)
}

#[test]
fn train_eval_and_score_a_users_labelled_csv() {
    let p = Project::new("");
    labelled_csv(&p, "labels.csv");
    let run = train(&p, &LABELS_012);
    run.expect_code(0);
    let stage = &run.summary()["stages"][0];
    assert!(
        stage["metrics"]["model_version"]
            .as_str()
            .unwrap()
            .starts_with("sentiment-")
    );
    assert_model_folder(&p.file("model"));
    let card = std::fs::read_to_string(p.file("model/README.md")).unwrap();
    assert!(
        card.contains("vigil sentiment train --data labels.csv"),
        "card records the command"
    );
    assert!(card.contains("TF-IDF + logistic regression"));

    let eval = vigil(
        p.path(),
        &[
            "sentiment",
            "eval",
            "--model",
            "model",
            "--data",
            "labels.csv",
            "--label-col",
            "y",
            "--label-map",
            "0=negative,1=positive,2=neutral",
        ],
    );
    eval.expect_code(0);
    let json_end = eval.stdout.rfind("\n{").unwrap();
    let report: serde_json::Value = serde_json::from_str(&eval.stdout[..json_end]).unwrap();
    for model in ["transformer", "lexicon", "tfidf_logreg"] {
        let m = &report[model];
        let acc = m["accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{model} accuracy {acc}");
        assert!(m["macro_f1"].as_f64().is_some());
        assert_eq!(m["per_class"].as_array().unwrap().len(), 3);
        let total: u64 = m["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap())
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            total,
            report["test_texts"].as_u64().unwrap(),
            "{model}: confusion matrix counts every test text"
        );
    }
    // eval splits with the model's own seed: its test part is the one training held out.
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.file("model/metrics.json")).unwrap()).unwrap();
    assert_eq!(report["test_texts"], card["test"]["test_texts"]);
    let n = report["test_texts"].as_u64().unwrap();
    assert!((3..=20).contains(&n), "about 10% of 90 texts held out, got {n}");

    let score = vigil(
        p.path(),
        &[
            "sentiment",
            "score",
            "--model",
            "model",
            "--data",
            "labels.csv",
            "--keep-col",
            "id",
            "--out",
            "scored.parquet",
        ],
    );
    score.expect_code(0);
    assert_eq!(score.summary()["stages"][0]["metrics"]["texts"], 90);
    let frame = read_parquet(&p.file("scored.parquet"));
    assert_eq!(frame.height(), 90);
    let names: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        names,
        [
            "id",
            "p_negative",
            "p_neutral",
            "p_positive",
            "label",
            "model_version"
        ]
    );
    let probs = |name: &str| -> Vec<f32> {
        let series = frame.column(name).unwrap().as_materialized_series().clone();
        series.f32().unwrap().into_no_null_iter().collect()
    };
    let (neg, neu, pos) = (probs("p_negative"), probs("p_neutral"), probs("p_positive"));
    for i in 0..frame.height() {
        let sum = neg[i] + neu[i] + pos[i];
        assert!(
            (sum - 1.0).abs() < 1e-4,
            "row {i}: probabilities sum to {sum}, not 1"
        );
    }
}

#[test]
fn rating_column_thresholds() {
    let p = Project::new("");
    labelled_csv(&p, "labels.csv");
    train(
        &p,
        &["--rating-col", "stars", "--neg-below", "2", "--pos-above", "4"],
    )
    .expect_code(0);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.file("model/metrics.json")).unwrap()).unwrap();
    let classes = &metrics["sources"][0]["classes"];
    assert_eq!(
        classes,
        &serde_json::json!([30, 30, 30]),
        "1 → negative, 3 → neutral, 5 → positive"
    );
    let run = train(&p, &["--rating-col", "stars"]);
    run.expect_code(2).expect_stderr(&["--neg-below"]);
    let run = train(
        &p,
        &["--rating-col", "stars", "--neg-below", "4", "--pos-above", "2"],
    );
    run.expect_code(2).expect_stderr(&["below positive threshold"]);
}

#[test]
fn bad_labelled_input_names_file_column_row_and_value() {
    let p = Project::new("");
    labelled_csv(&p, "labels.csv");
    // Unknown label: without a map only class names are accepted.
    let run = train(&p, &["--label-col", "y"]);
    run.expect_code(3)
        .expect_stderr(&["labels.csv", "`y`", "row 1", "`0`", "--label-map"]);
    assert!(!p.file("model").exists(), "no partial output");
    // Missing column.
    let run = train(&p, &["--label-col", "sentiment"]);
    run.expect_code(3)
        .expect_stderr(&["no column `sentiment`", "id, text, y, stars"]);
    // Empty text.
    p.edit("labels.csv", "\"the export is broken again 0\"", "\"\"");
    let run = train(&p, &LABELS_012);
    run.expect_code(3)
        .expect_stderr(&["`text`", "row 1", "empty text"]);
    // Not UTF-8.
    let mut bytes = b"text,y\n".to_vec();
    bytes.extend_from_slice(b"caf\xe9 ok,0\n");
    p.write("labels.csv", &bytes);
    let run = train(&p, &["--label-col", "y", "--label-map", "0=negative"]);
    run.expect_code(3).expect_stderr(&["labels.csv", "UTF-8"]);
    // Contradictory or missing flags are usage errors.
    let run = train(&p, &["--label-col", "y", "--rating-col", "stars"]);
    run.expect_code(2);
    let run = vigil(p.path(), &["sentiment", "train", "--out", "model"]);
    run.expect_code(2).expect_stderr(&["--data", "--vader"]);
    assert!(!p.file("model").exists(), "no partial output");
}

#[test]
fn shipped_model_labels_obvious_sentences() {
    let p = Project::new("");
    p.write(
        "texts.csv",
        b"text_id,text\n1,This is the third outage this week and nobody answers us\n2,\"Thanks, the fix works perfectly\"\n",
    );
    let run = vigil(
        p.path(),
        &[
            "sentiment",
            "score",
            "--model",
            &shipped_model(),
            "--data",
            "texts.csv",
            "--out",
            "out.parquet",
        ],
    );
    run.expect_code(0);
    let frame = read_parquet(&p.file("out.parquet"));
    let labels: Vec<Option<&str>> = frame.column("label").unwrap().str().unwrap().iter().collect();
    assert_eq!(labels, [Some("negative"), Some("positive")]);
}

#[test]
fn pipeline_stage_scores_tickets_inbound_mail_and_nps_comments() {
    let p = Project::new(&format!(
        "[window]\nlookback_months = 6\n[sentiment]\nmodel = \"{}\"\n",
        shipped_model()
    ));
    p.generate("30", "history");
    let run = sentiment_run(&p);
    run.expect_code(0);
    let frame = delta_partition(&p.file("wh/text_sentiment").to_string_lossy(), "2026-06-30")
        .expect("text_sentiment");
    let tables: std::collections::BTreeSet<String> = frame
        .column("source_table")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect();
    assert!(
        tables.contains("tickets") && tables.contains("communications"),
        "{tables:?}"
    );
    assert_eq!(
        run.summary()["stages"][0]["rows_out"].as_u64().unwrap() as usize,
        frame.height()
    );
    assert!(!run.stderr.contains("Body"), "no customer text in logs");
    // The feature stage picks the scores up.
    let run = p.dated(&["features"], &[], &[]);
    run.expect_code(0);
    assert!(
        !run.stderr.contains("lexicon fallback"),
        "features used text_sentiment: {}",
        run.stderr
    );
}

#[test]
fn pipeline_retrains_on_the_historys_weak_labels_when_asked() {
    let p = Project::new(
        "[window]\nlookback_months = 6\n[sentiment]\ntrain = true\nsources = [\"weak\"]\n\
         [sentiment.training]\nepochs = 2\nd_model = 16\nn_heads = 2\nn_layers = 1\nd_ff = 32\nvocab_size = 300\n\
         max_len = 32\nbatch_size = 16\n",
    );
    p.generate("30", "history");
    let run = sentiment_run(&p);
    run.expect_code(0);
    let summary = run.summary();
    let stages = summary["stages"].as_array().unwrap();
    assert_eq!(stages[0]["stage"], "sentiment_train");
    let version = stages[0]["metrics"]["model_version"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = p.file("wh/models/sentiment/run_date=2026-06-30");
    assert_model_folder(&dir);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    let sources: Vec<&str> = metrics["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"tickets.csat"),
        "weak labels from ticket CSAT: {sources:?}"
    );
    assert!(
        metrics["unlabelled_texts"].as_u64().unwrap() > 0,
        "the history's texts feed the tokenizer"
    );
    // The texts were scored with the model trained in this run.
    let frame = delta_partition(&p.file("wh/text_sentiment").to_string_lossy(), "2026-06-30")
        .expect("text_sentiment");
    let versions: std::collections::BTreeSet<&str> = frame
        .column("model_version")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(versions.into_iter().collect::<Vec<_>>(), [version.as_str()]);
}
