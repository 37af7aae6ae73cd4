//! Unit tests of the category model on a separable fixture.

use super::*;
use vigil_gbdt::{ColumnKind, SchemaColumn};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn schema() -> FeatureSchema {
    let numeric = |n: &str| SchemaColumn {
        name: n.into(),
        kind: ColumnKind::Numeric,
    };
    FeatureSchema {
        columns: vec![
            numeric("tenure_days"),
            numeric("days_to_renewal"),
            SchemaColumn {
                name: "segment".into(),
                kind: ColumnKind::Categorical {
                    levels: vec!["enterprise".into(), "smb".into()],
                },
            },
        ],
    }
}

/// Young accounts escalate about implementation, accounts near renewal about pricing, the
/// rest about defects (the most frequent); deterministic jitter, some values missing.
fn cases(n: usize, offset: usize, opened_at: i64) -> Vec<Case> {
    (0..n)
        .map(|i| {
            let j = ((i + offset) as f64 * 0.731).sin();
            let (category, tenure, renewal) = match i % 6 {
                0..=2 => ("product_defect", 400.0 + 200.0 * j, 200.0 + 80.0 * j),
                3..=4 => ("pricing_dispute", 500.0 + 200.0 * j, 20.0 + 10.0 * j),
                _ => ("implementation_delay", 30.0 + 20.0 * j, 300.0 + 30.0 * j),
            };
            let renewal = if i % 7 == 0 { f64::NAN } else { renewal };
            Case {
                escalation_id: format!("e{}", i + offset),
                account_id: format!("a{i}"),
                opened_at,
                snapshot_at: opened_at,
                resolved_at: None,
                category: category.into(),
                resolution_days: None,
                interventions: Vec::new(),
                features: vec![tenure, renewal, (i % 2) as f64],
            }
        })
        .collect()
}

#[test]
fn every_learner_beats_the_majority_baseline_on_a_separable_fixture() -> TestResult {
    let train = cases(180, 0, 0);
    let test = cases(60, 1000, 0);
    let majority = evaluate(
        &CategoryModel::fit(&schema(), &train, CategoryLearner::Majority)?,
        &test,
    )?;
    assert!((majority.accuracy - 0.5).abs() < 1e-12, "{majority:?}");
    for learner in [
        CategoryLearner::Logistic,
        CategoryLearner::Knn,
        CategoryLearner::Gbdt,
    ] {
        let model = CategoryModel::fit(&schema(), &train, learner)?;
        let m = evaluate(&model, &test)?;
        assert_eq!(m.learner, learner);
        assert!(m.accuracy > 0.9 && m.macro_f1 > 0.9, "{learner:?}: {m:?}");
        assert!(
            m.macro_f1 > majority.macro_f1 && m.log_loss < majority.log_loss,
            "{learner:?}"
        );
        let probs = model.predict(&[20.0, 310.0, 1.0])?;
        assert_eq!(probs[0].0, "implementation_delay", "{learner:?}: {probs:?}");
        assert!((probs.iter().map(|p| p.1).sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(probs.windows(2).all(|w| w[0].1 >= w[1].1));
    }
    Ok(())
}

#[test]
fn fit_best_picks_a_learner_better_than_the_baseline_and_refits_on_every_case() -> TestResult {
    let mut all = cases(180, 0, 0);
    all.extend(cases(60, 1000, 10));
    let (model, metrics) = fit_best(&schema(), &all, 10)?;
    assert_eq!(metrics.len(), 4);
    assert_eq!(metrics[0].learner, CategoryLearner::Majority);
    assert_ne!(model.learner(), CategoryLearner::Majority);
    assert_eq!(
        (model.trained_on, metrics[1].n_train, metrics[1].n_test),
        (240, 180, 60)
    );
    Ok(())
}

#[test]
fn a_wrong_width_row_is_an_error_and_the_model_round_trips_through_json() -> TestResult {
    let model = CategoryModel::fit(&schema(), &cases(60, 0, 0), CategoryLearner::Logistic)?;
    assert!(matches!(
        model.predict(&[1.0]),
        Err(ResolutionError::Width {
            expected: 3,
            found: 1
        })
    ));
    let back: CategoryModel = serde_json::from_str(&serde_json::to_string(&model)?)?;
    assert_eq!(
        back.predict(&[20.0, 310.0, 1.0])?,
        model.predict(&[20.0, 310.0, 1.0])?
    );
    let gbdt = CategoryModel::fit(&schema(), &cases(60, 0, 0), CategoryLearner::Gbdt)?;
    let back: CategoryModel = serde_json::from_str(&serde_json::to_string(&gbdt)?)?;
    assert_eq!(
        back.predict(&[20.0, 310.0, 1.0])?,
        gbdt.predict(&[20.0, 310.0, 1.0])?
    );
    Ok(())
}

#[test]
fn an_empty_training_set_is_an_error() {
    assert!(CategoryModel::fit(&schema(), &[], CategoryLearner::Knn).is_err());
}

#[test]
fn rare_open_categories_fold_into_other() -> TestResult {
    let mut all = cases(60, 0, 1_000);
    for (i, c) in all.iter_mut().enumerate().take(3) {
        c.category = format!("Security review {}", i % 2);
    }
    let folded = fold_rare(&mut all, 5);
    assert_eq!(folded, ["Security review 0", "Security review 1"]);
    assert_eq!(all.iter().filter(|c| c.category == OTHER_CATEGORY).count(), 3);
    let model = CategoryModel::fit(&schema(), &all, CategoryLearner::Majority)?;
    assert!(model.classes.iter().any(|c| c == OTHER_CATEGORY));
    assert!(!model.classes.iter().any(|c| c.starts_with("Security")));
    Ok(())
}
