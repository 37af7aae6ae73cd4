//! The GBDT on synthetic data: it learns, stops early, round-trips, explains itself exactly,
//! keeps monotone constraints and refuses data it cannot train on.

use crate::loss::log_loss;
use crate::{ColumnKind, Dataset, FeatureSchema, Gbdt, GbdtParams, Matrix, SchemaColumn, fit};
use rand::{Rng, SeedableRng};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Rows with two informative numeric features (one with 10% missing), a noise feature and a
/// 3-level categorical whose level 2 raises risk.
fn synthetic(n: usize, seed: u64) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut cols: Vec<Vec<f32>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let a: f32 = rng.random_range(-2.0..2.0);
        let b: f32 = rng.random_range(0.0..10.0);
        let noise: f32 = rng.random();
        let cat = rng.random_range(0..3u8);
        let z = 1.5 * a + 0.3 * b - 3.0 + if cat == 2 { 1.0 } else { 0.0 };
        let p = 1.0 / (1.0 + (-z).exp());
        y.push(if rng.random::<f32>() < p { 1.0 } else { 0.0 });
        cols[0].push(a);
        cols[1].push(if rng.random::<f32>() < 0.1 { f32::NAN } else { b });
        cols[2].push(noise);
        cols[3].push(f32::from(cat));
    }
    let schema = FeatureSchema {
        columns: vec![
            SchemaColumn {
                name: "a".into(),
                kind: ColumnKind::Numeric,
            },
            SchemaColumn {
                name: "b".into(),
                kind: ColumnKind::Numeric,
            },
            SchemaColumn {
                name: "noise".into(),
                kind: ColumnKind::Numeric,
            },
            SchemaColumn {
                name: "plan".into(),
                kind: ColumnKind::Categorical {
                    levels: vec!["basic".into(), "pro".into(), "scale".into()],
                },
            },
        ],
    };
    Dataset {
        x: Matrix {
            schema,
            columns: cols,
            rows: n,
        },
        w: vec![1.0; n],
        y,
    }
}

fn labels(d: &Dataset) -> Vec<bool> {
    d.y.iter().map(|&y| y > 0.5).collect()
}

/// ROC AUC by its definition: the share of (positive, negative) pairs the margin orders
/// right, ties counting half.
fn pairwise_auc(margin: &[f64], label: &[bool]) -> f64 {
    let (pos, neg): (Vec<_>, Vec<_>) = margin.iter().zip(label).partition(|(_, l)| **l);
    let mut right = 0.0;
    for (p, _) in &pos {
        for (n, _) in &neg {
            right += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    right / (pos.len() * neg.len()) as f64
}

#[test]
fn gbdt_learns_stops_early_and_round_trips() -> TestResult {
    let (train, valid) = (synthetic(6000, 1), synthetic(3000, 2));
    let params = GbdtParams {
        threads: 2,
        ..GbdtParams::default()
    };
    let (model, report) = fit(&params, &train, Some(&valid))?;
    let margin = model.predict_margin(&valid.x)?;
    let auc = pairwise_auc(&margin, &labels(&valid));
    assert!(auc > 0.85, "validation AUC {auc}");
    assert_eq!(report.iterations, model.trees.len());
    assert!(
        report.iterations < params.max_rounds,
        "early stopping never triggered"
    );
    let constant = vec![model.base_score; valid.len()];
    assert!(log_loss(&margin, &valid.y, &valid.w) < log_loss(&constant, &valid.y, &valid.w));
    // Early stopping scored the validation rows in bin space: the same margins as the saved trees.
    let kept_loss = log_loss(&margin, &valid.y, &valid.w);
    assert!(
        (report.valid_loss - kept_loss).abs() < 1e-9,
        "{} vs {kept_loss}",
        report.valid_loss
    );
    // The noise feature matters least.
    assert!(model.importance[2] < model.importance[0] && model.importance[2] < model.importance[1]);
    let loaded = Gbdt::from_bytes(&model.to_bytes()?)?;
    assert_eq!(loaded.predict_margin(&valid.x)?, margin);
    // Same data, same model: training is deterministic.
    let (again, _) = fit(&params, &train, Some(&valid))?;
    assert_eq!(again.predict_margin(&valid.x)?, margin);
    Ok(())
}

#[test]
fn gbdt_contributions_sum_to_the_margin() -> TestResult {
    let (train, valid) = (synthetic(3000, 3), synthetic(500, 4));
    let params = GbdtParams {
        max_rounds: 60,
        threads: 2,
        ..GbdtParams::default()
    };
    let (model, _) = fit(&params, &train, Some(&valid))?;
    let margin = model.predict_margin(&valid.x)?;
    let c = model.contributions(&valid.x)?;
    for (r, phi) in c.values.iter().enumerate() {
        let total = c.bias + phi.iter().sum::<f64>();
        assert!(
            (total - margin[r]).abs() < 1e-6,
            "row {r}: {total} vs {}",
            margin[r]
        );
    }
    // Contributions follow the data: a higher `a` raises risk on average.
    let (mut hi, mut lo) = (0.0, 0.0);
    for (r, phi) in c.values.iter().enumerate() {
        if valid.x.columns[0][r] > 1.0 {
            hi += phi[0];
        } else if valid.x.columns[0][r] < -1.0 {
            lo += phi[0];
        }
    }
    assert!(hi > 0.0 && lo < 0.0);
    Ok(())
}

#[test]
fn gbdt_table_shap_equals_recursive_treeshap_on_a_trained_ensemble() -> TestResult {
    let (train, probe) = (synthetic(4000, 10), synthetic(700, 11));
    let params = GbdtParams {
        max_rounds: 150,
        num_leaves: 63,
        min_data_in_leaf: 5,
        threads: 2,
        ..GbdtParams::default()
    };
    let (model, _) = fit(&params, &train, None)?;
    assert!(model.trees.len() >= 100, "{} trees", model.trees.len());
    let (fast, reference) = (
        model.contributions(&probe.x)?,
        model.contributions_recursive(&probe.x)?,
    );
    assert_eq!(fast.bias, reference.bias);
    assert_eq!(fast.values.len(), probe.len());
    let margin = model.predict_margin(&probe.x)?;
    for (r, (a, b)) in fast.values.iter().zip(&reference.values).enumerate() {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "row {r}: {a:?} vs {b:?}");
        }
        let total = fast.bias + a.iter().sum::<f64>();
        assert!(
            (total - margin[r]).abs() < 1e-6,
            "row {r}: {total} vs {}",
            margin[r]
        );
    }
    // A row's values do not depend on the thread count or on the other rows (shards).
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    assert_eq!(one.install(|| model.contributions(&probe.x))?, fast);
    let tail = probe.x.take(&(500..700).collect::<Vec<_>>());
    assert_eq!(model.contributions(&tail)?.values, fast.values[500..]);
    Ok(())
}

#[test]
fn gbdt_monotone_constraint_holds_everywhere() -> TestResult {
    let mut train = synthetic(4000, 5);
    // Make the relation of `noise` to risk non-monotone, then forbid risk to fall with it.
    for i in 0..train.len() {
        let v = train.x.columns[2][i];
        if (0.4..0.6).contains(&v) {
            train.y[i] = 1.0;
        }
    }
    let mut params = GbdtParams {
        max_rounds: 80,
        threads: 2,
        ..GbdtParams::default()
    };
    params.monotone.insert("noise".into(), 1);
    let (model, _) = fit(&params, &train, None)?;
    let probe = synthetic(200, 6);
    for r in 0..probe.len() {
        let mut prev = f64::NEG_INFINITY;
        for k in 0..=20 {
            let mut x = probe.x.take(&[r]);
            x.columns[2][0] = k as f32 / 20.0;
            let m = model.predict_margin(&x)?[0];
            assert!(m >= prev - 1e-12, "risk fell as noise rose at row {r}");
            prev = m;
        }
    }
    params.monotone.insert("plan".into(), 1);
    assert!(
        fit(&params, &train, None).is_err(),
        "a categorical cannot be monotone"
    );
    Ok(())
}

#[test]
fn gbdt_rejects_single_class_and_foreign_schema() -> TestResult {
    let mut d = synthetic(200, 7);
    d.y.iter_mut().for_each(|y| *y = 0.0);
    let err = fit(&GbdtParams::default(), &d, None)
        .err()
        .ok_or("trained on one class")?;
    assert!(err.to_string().contains("both classes"), "{err}");
    let (model, _) = fit(
        &GbdtParams {
            max_rounds: 5,
            ..GbdtParams::default()
        },
        &synthetic(500, 8),
        None,
    )?;
    let mut other = synthetic(10, 9);
    other.x.schema.columns[3].name = "segment".into();
    assert!(model.predict_margin(&other.x).is_err());
    Ok(())
}
