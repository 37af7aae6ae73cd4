//! MLP tests: learning, save/load identity, reproducibility (no lock: `fit` never uses burn's
//! global RNG), explanations, odd inputs.

use super::*;
use rand::Rng;
use rand_distr::StandardNormal;
use std::error::Error;
use std::sync::OnceLock;
use vigil_gbdt::SchemaColumn;

type TestResult = Result<(), Box<dyn Error>>;

fn schema() -> FeatureSchema {
    let numeric = |name: &str| SchemaColumn {
        name: name.into(),
        kind: ColumnKind::Numeric,
    };
    FeatureSchema {
        columns: vec![
            numeric("tickets_30d"),
            numeric("nps"),
            numeric("noise"),
            SchemaColumn {
                name: "plan".into(),
                kind: ColumnKind::Categorical {
                    levels: vec!["basic".into(), "enterprise".into(), "pro".into()],
                },
            },
        ],
    }
}

/// Rows with risk rising in `tickets_30d` and level 2 of `plan`, falling in `nps`; `noise`
/// is unrelated. ~8% of `tickets_30d` and ~5% of `plan` are missing; weights vary.
fn synthetic(rows: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut columns = vec![Vec::new(); 4];
    let (mut y, mut w) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    for _ in 0..rows {
        let a: f64 = rng.sample(StandardNormal);
        let b: f64 = rng.sample(StandardNormal);
        let noise: f64 = rng.sample(StandardNormal);
        let plan = rng.random_range(0..3usize);
        let logit = -1.0 + 2.5 * a - 2.0 * b + if plan == 2 { 2.0 } else { 0.0 };
        let label = rng.random::<f64>() < sigmoid_f64(logit);
        // Stored on other scales than the logit uses, to exercise standardisation.
        let tickets = if rng.random::<f64>() < 0.08 {
            f32::NAN
        } else {
            (3.0 * a + 10.0) as f32
        };
        let plan = if rng.random::<f64>() < 0.05 {
            f32::NAN
        } else {
            plan as f32
        };
        columns[0].push(tickets);
        columns[1].push((20.0 * b) as f32);
        columns[2].push(noise as f32);
        columns[3].push(plan);
        y.push(if label { 1.0 } else { 0.0 });
        w.push(if rng.random::<f64>() < 0.5 { 1.0 } else { 2.0 });
    }
    Dataset {
        x: Matrix {
            schema: schema(),
            columns,
            rows,
        },
        y,
        w,
    }
}

fn sigmoid_f64(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn params() -> MlpParams {
    MlpParams {
        hidden: vec![32, 16],
        epochs: 25,
        batch_size: 128,
        learning_rate: 5e-3,
        patience: 4,
        seed: 7,
        ..MlpParams::default()
    }
}

/// Unweighted ROC AUC by ranks (ties get their mean rank).
fn auc(scores: &[f64], y: &[f32]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut ranks = vec![0.0; scores.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            ranks[k] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    let pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let neg = y.len() as f64 - pos;
    let rank_sum: f64 = ranks
        .iter()
        .zip(y)
        .filter(|(_, v)| **v == 1.0)
        .map(|(r, _)| r)
        .sum();
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// One model trained on 3,000 rows and validated on 1,000, shared by the read-only tests.
fn trained() -> &'static (Mlp, FitReport, Dataset) {
    static MODEL: OnceLock<(Mlp, FitReport, Dataset)> = OnceLock::new();
    MODEL.get_or_init(|| {
        let (train, valid) = (synthetic(3000, 1), synthetic(1000, 2));
        let (model, report) = fit(&params(), &train, &valid, &Device::flex()).expect("training works");
        (model, report, valid)
    })
}

#[test]
fn learns_the_signal_and_beats_a_constant_model() -> TestResult {
    let (model, report, valid) = trained();
    let margins = model.predict_margin(&valid.x)?;
    let auc = auc(&margins, &valid.y);
    let train = synthetic(3000, 1);
    let rate = train.positive_rate();
    let constant = log_loss(&vec![(rate / (1.0 - rate)).ln(); valid.len()], &valid.y, &valid.w);
    let loss = log_loss(&margins, &valid.y, &valid.w);
    eprintln!(
        "mlp: valid AUC {auc:.4}, log loss {loss:.4} (constant {constant:.4}), best epoch {} of {}, curve {:?}",
        report.iterations,
        report.curve.len(),
        report.curve
    );
    assert!(auc >= 0.85, "validation AUC {auc}");
    assert!(loss < constant * 0.8, "loss {loss} vs constant {constant}");
    assert!(
        (loss - report.valid_loss).abs() < 1e-9,
        "{loss} vs reported {}",
        report.valid_loss
    );
    assert!(report.iterations >= 1 && report.iterations <= report.curve.len());
    let best = report.curve.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(best, report.valid_loss);
    Ok(())
}

#[test]
fn saved_and_loaded_model_gives_identical_margins() -> TestResult {
    let (model, _, valid) = trained();
    let bytes = model.to_bytes()?;
    let loaded = Mlp::from_bytes(&bytes, &Device::flex())?;
    assert_eq!(loaded.engine(), EngineKind::Mlp);
    assert_eq!(loaded.schema(), model.schema());
    assert_eq!(loaded.params(), model.params());
    assert_eq!(loaded.predict_margin(&valid.x)?, model.predict_margin(&valid.x)?);
    let first = valid.x.take(&[0, 1, 2]);
    assert_eq!(loaded.contributions(&first)?, model.contributions(&first)?);
    assert_eq!(loaded.to_bytes()?, bytes);

    for broken in [
        &bytes[..5],
        &bytes[..40],
        &bytes[..bytes.len() - 10],
        b"VIGILGBT....",
    ] {
        let err = Mlp::from_bytes(broken, &Device::flex()).unwrap_err();
        assert!(matches!(err, RiskError::Corrupt(_)), "{err}");
    }
    Ok(())
}

#[test]
fn same_seed_gives_the_same_margins() -> TestResult {
    let (train, valid) = (synthetic(600, 3), synthetic(200, 4));
    let quick = MlpParams {
        epochs: 3,
        batch_size: 64,
        ..params()
    };
    let run = |p: &MlpParams| -> Result<Vec<f64>, RiskError> {
        fit(p, &train, &valid, &Device::flex())?
            .0
            .predict_margin(&valid.x)
    };
    let first = run(&quick)?;
    assert_eq!(first, run(&quick)?);
    assert_ne!(first, run(&MlpParams { seed: 8, ..quick })?);
    Ok(())
}

#[test]
fn contributions_add_up_to_the_margin() -> TestResult {
    let (model, _, valid) = trained();
    let rows = valid.x.take(&[0, 5, 17, 42, 99, 500]);
    let margins = model.predict_margin(&rows)?;
    let c = model.contributions(&rows)?;
    assert_eq!(c.values.len(), rows.rows);
    for (r, (m, v)) in margins.iter().zip(&c.values).enumerate() {
        assert_eq!(v.len(), 4);
        let sum = c.bias + v.iter().sum::<f64>();
        assert!((sum - m).abs() < 1e-6, "row {r}: {sum} vs {m}");
    }
    // The informative features move margins more than the noise column, on average.
    let mean_abs = |f: usize| c.values.iter().map(|v| v[f].abs()).sum::<f64>();
    assert!(
        mean_abs(0) > mean_abs(2) && mean_abs(1) > mean_abs(2),
        "{:?}",
        c.values
    );
    Ok(())
}

#[test]
fn unknown_levels_and_missing_rows_predict() -> TestResult {
    let (model, _, _) = trained();
    let nan = f32::NAN;
    let x = Matrix {
        schema: schema(),
        columns: vec![
            vec![nan, 12.0, f32::INFINITY, 1e30],
            vec![nan, -5.0, nan, -1e30],
            vec![nan, 0.0, 0.0, 0.0],
            vec![nan, 7.0, -1.0, 2.0],
        ],
        rows: 4,
    };
    let margins = model.predict_margin(&x)?;
    assert_eq!(margins.len(), 4);
    assert!(margins.iter().all(|m| m.is_finite()), "{margins:?}");
    let c = model.contributions(&x)?;
    assert!((c.bias + c.values[0].iter().sum::<f64>() - margins[0]).abs() < 1e-6);
    let empty = x.take(&[]);
    assert!(model.predict_margin(&empty)?.is_empty());
    Ok(())
}

#[test]
fn a_matrix_of_another_schema_is_rejected() {
    let (model, _, valid) = trained();
    let mut x = valid.x.take(&[0, 1]);
    x.schema.columns[3].kind = ColumnKind::Numeric;
    let err = model.predict_margin(&x).unwrap_err();
    assert!(matches!(err, RiskError::SchemaMismatch { .. }), "{err}");
    x.schema.columns.pop();
    x.columns.pop();
    let err = model.predict_margin(&x).unwrap_err();
    assert!(matches!(err, RiskError::MissingColumn { .. }), "{err}");
}

#[test]
fn training_without_positives_is_a_data_error() {
    let mut train = synthetic(200, 5);
    train.y.iter_mut().for_each(|y| *y = 0.0);
    let valid = synthetic(50, 6);
    let err = fit(&params(), &train, &valid, &Device::flex()).unwrap_err();
    assert!(matches!(err, RiskError::Data(_)), "{err}");

    let mut bad_labels = synthetic(200, 5);
    bad_labels.y[0] = 0.5;
    let err = fit(&params(), &bad_labels, &valid, &Device::flex()).unwrap_err();
    assert!(matches!(err, RiskError::Data(_)), "{err}");
}

#[test]
fn options_are_checked_and_read_from_toml() -> TestResult {
    MlpParams::default().check()?;
    let parsed: MlpParams = toml::from_str("hidden = [8]\npositive_weight = 3.0\n")?;
    assert_eq!(parsed.hidden, vec![8]);
    assert_eq!(parsed.positive_weight, Some(3.0));
    assert_eq!(parsed.epochs, MlpParams::default().epochs);
    assert!(toml::from_str::<MlpParams>("hiden = [8]\n").is_err());
    for bad in [
        MlpParams {
            dropout: 1.0,
            ..MlpParams::default()
        },
        MlpParams {
            hidden: vec![8, 0],
            ..MlpParams::default()
        },
        MlpParams {
            learning_rate: 0.0,
            ..MlpParams::default()
        },
        MlpParams {
            positive_weight: Some(-1.0),
            ..MlpParams::default()
        },
        MlpParams {
            batch_size: 0,
            ..MlpParams::default()
        },
    ] {
        assert!(matches!(bad.check(), Err(RiskError::InvalidOption(_))), "{bad:?}");
    }
    Ok(())
}

#[test]
fn class_weighting_raises_the_margins() -> TestResult {
    let (train, valid) = (synthetic(600, 3), synthetic(200, 4));
    let quick = MlpParams {
        epochs: 4,
        batch_size: 64,
        patience: 0,
        ..params()
    };
    let run = |p: &MlpParams| -> Result<(Vec<f64>, FitReport), RiskError> {
        let (model, report) = fit(p, &train, &valid, &Device::flex())?;
        Ok((model.predict_margin(&valid.x)?, report))
    };
    let (plain, report) = run(&quick)?;
    assert_eq!(report.curve.len(), 4);
    let (weighted, _) = run(&MlpParams {
        positive_weight: Some(4.0),
        ..quick
    })?;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&weighted) > mean(&plain) + 0.3,
        "{} vs {}",
        mean(&weighted),
        mean(&plain)
    );
    Ok(())
}
