//! Measurements on the demo history behind the figures in the category and resolution
//! documentation (ignored: they read the demo's files). Run `cargo run -- demo` first, then
//! `cargo test --lib score::resolution::report -- --ignored --nocapture`
//! (`VIGIL_FEATURES` / `VIGIL_ESCALATIONS` point elsewhere).

use super::*;
use crate::features::catalogue;
use crate::score::category::{CategoryLearner, CategoryModel, Logistic, evaluate, fit_best};
use crate::score::resolution_backtest::backtest;
use crate::time::DAY_US;
use polars::prelude::*;
use std::time::Instant;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WEEK: i64 = 7 * DAY_US;

fn read(var: &str, default: &str) -> Result<DataFrame, Box<dyn std::error::Error>> {
    let path = std::env::var(var).unwrap_or_else(|_| format!("{}/{default}", env!("CARGO_MANIFEST_DIR")));
    Ok(ParquetReader::new(std::fs::File::open(&path)?).finish()?)
}

fn demo() -> Result<(DataFrame, DataFrame), Box<dyn std::error::Error>> {
    let features = read(
        "VIGIL_FEATURES",
        "out/warehouse/features/mode=train/run_date=2026-06-30/part-0.parquet",
    )?;
    let escalations = read("VIGIL_ESCALATIONS", "data/demo/history/escalations.parquet")?;
    Ok((features, escalations))
}

/// The split: eight weeks (`VIGIL_SPLIT_WEEKS`) before the last snapshot's day ends.
fn split_of(features: &DataFrame) -> Result<i64, Box<dyn std::error::Error>> {
    let at = crate::features::frame_micros(features, "features", "snapshot_at")?;
    let last = at.into_iter().flatten().max().ok_or("no snapshots")?;
    let weeks: i64 = std::env::var("VIGIL_SPLIT_WEEKS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(8);
    Ok((last / DAY_US + 1) * DAY_US - weeks * WEEK)
}

#[test]
#[ignore = "reads the demo history; prints the category and resolution measurements"]
fn demo_report() -> TestResult {
    let (features, escalations) = demo()?;
    let split = split_of(&features)?;
    let all: Vec<&str> = catalogue().into_iter().map(|s| s.name).collect();
    let sets: [(&str, Vec<&str>); 2] = [
        ("documented less freshness", default_features()),
        ("all documented", all),
    ];
    for (label, names) in &sets {
        let table = cases(&features, &escalations, names)?;
        let resolved = table.cases.iter().filter(|c| c.resolution_days.is_some()).count();
        println!(
            "\n== features: {label} ({}) — cases {} (resolved {resolved}), without snapshot {}, split {}",
            names.len(),
            table.cases.len(),
            table.without_snapshot.len(),
            rfc3339(split)
        );
        let (train, test): (Vec<Case>, Vec<Case>) =
            table.cases.iter().cloned().partition(|c| c.opened_at < split);
        println!("category model: {} train, {} held out", train.len(), test.len());
        for learner in CategoryLearner::ALL {
            let started = Instant::now();
            let model = CategoryModel::fit(&table.schema, &train, learner)?;
            let fit_s = started.elapsed().as_secs_f64();
            let m = evaluate(&model, &test)?;
            println!(
                "  {:<9} accuracy {:.3}  macro-F1 {:.3}  log loss {:.3}  fit {fit_s:.2} s",
                learner.name(),
                m.accuracy,
                m.macro_f1,
                m.log_loss
            );
            if learner != CategoryLearner::Majority {
                let per: Vec<String> = m
                    .per_class
                    .iter()
                    .map(|c| format!("{} {:.2}/{:.2} (n {})", c.label, c.precision, c.recall, c.support))
                    .collect();
                println!("            P/R {}", per.join(", "));
            }
        }
        let (best, _) = fit_best(&table.schema, &table.cases, split)?;
        println!("fit_best picks {}", best.learner().name());
        for k in [3, 5, 7, 10, 15, 25] {
            let bt = backtest(&table, split, k, best.learner())?;
            println!(
                "  k {k:>2}: n {} indexed {}  MAE knn {:.2} vs median {:.2} (true category); knn {:.2} vs median {:.2} \
                 (predicted, accuracy {:.3}); overall median {:.2}; filled {}",
                bt.n,
                bt.indexed,
                bt.knn_mae,
                bt.baseline_mae,
                bt.knn_mae_predicted,
                bt.baseline_mae_predicted,
                bt.category_accuracy,
                bt.overall_median_mae,
                bt.filled
            );
        }
    }
    Ok(())
}

#[test]
#[ignore = "reads the demo history; prints per-category figures and a sample estimate"]
fn demo_details() -> TestResult {
    let (features, escalations) = demo()?;
    let split = split_of(&features)?;
    let table = cases(&features, &escalations, &default_features())?;
    let (best, _) = fit_best(&table.schema, &table.cases, split)?;
    let bt = backtest(&table, split, DEFAULT_K, best.learner())?;
    println!("{}", serde_json::to_string_pretty(&bt)?);
    // Median of the neighbours instead of their mean, for comparison.
    let known: Vec<Case> = table
        .cases
        .iter()
        .filter(|c| c.resolved_at.is_some_and(|r| r < split))
        .cloned()
        .collect();
    let index = ResolutionIndex::fit(&table.schema, &known)?;
    let (mut err, mut n) = (0.0, 0.0);
    let mut sample = None;
    for c in table.cases.iter().filter(|c| c.opened_at >= split) {
        let Some(days) = c.resolution_days else { continue };
        if let Some(e) = index.estimate(&c.features, &c.category, DEFAULT_K)? {
            let mut d: Vec<f64> = e.cases.iter().map(|s| s.resolution_days).collect();
            d.sort_by(f64::total_cmp);
            err += (d[d.len() / 2] - days).abs();
            n += 1.0;
            sample.get_or_insert(e);
        }
    }
    println!("k {DEFAULT_K}, median of neighbours: MAE {:.2} over {n}", err / n);
    if let Some(e) = sample {
        println!("sample: {}", e.summary);
    }
    let (train, test): (Vec<Case>, Vec<Case>) =
        table.cases.iter().cloned().partition(|c| c.opened_at < split);
    let rows: Vec<&[f64]> = train.iter().map(|c| c.features.as_slice()).collect();
    let mut classes: Vec<String> = train.iter().map(|c| c.category.clone()).collect();
    classes.sort();
    classes.dedup();
    let labels: Vec<usize> = train
        .iter()
        .map(|c| classes.binary_search(&c.category).unwrap_or_default())
        .collect();
    for l2 in [0.001, 0.01, 0.1] {
        let m = Logistic::fit_with(&table.schema, &rows, &labels, classes.len(), l2, 400);
        let correct = test
            .iter()
            .filter(|c| {
                let p = m.probabilities(&c.features);
                let best = (0..p.len())
                    .max_by(|&a, &b| p[a].total_cmp(&p[b]))
                    .unwrap_or_default();
                classes[best] == c.category
            })
            .count();
        println!(
            "logistic l2 {l2}: accuracy {:.3}",
            correct as f64 / test.len() as f64
        );
    }
    Ok(())
}
