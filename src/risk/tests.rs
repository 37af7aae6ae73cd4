//! Tests of the risk model: GBDT, calibration, splits and the backtest on hand-built data.

use super::backtest::{self, BacktestOptions, Scored};
use super::calibrate::{Calibrator, Method, cross_fit};
use super::gbdt::{self, GbdtParams};
use super::{ColumnKind, Dataset, FeatureSchema, Matrix, RiskModel, SchemaColumn, metrics, split};
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

#[test]
fn gbdt_learns_stops_early_and_round_trips() -> TestResult {
    let (train, valid) = (synthetic(6000, 1), synthetic(3000, 2));
    let params = GbdtParams {
        threads: 2,
        ..GbdtParams::default()
    };
    let (model, report) = gbdt::fit(&params, &train, Some(&valid))?;
    let margin = model.predict_margin(&valid.x)?;
    let ones = vec![1.0; valid.len()];
    let auc = metrics::roc_auc(&margin, &labels(&valid), &ones);
    assert!(auc > 0.85, "validation AUC {auc}");
    assert_eq!(report.iterations, model.trees.len());
    assert!(
        report.iterations < params.max_rounds,
        "early stopping never triggered"
    );
    let constant = vec![model.base_score; valid.len()];
    assert!(super::log_loss(&margin, &valid.y, &valid.w) < super::log_loss(&constant, &valid.y, &valid.w));
    // Early stopping scored the validation rows in bin space: the same margins as the saved trees.
    let kept_loss = super::log_loss(&margin, &valid.y, &valid.w);
    assert!(
        (report.valid_loss - kept_loss).abs() < 1e-9,
        "{} vs {kept_loss}",
        report.valid_loss
    );
    // The noise feature matters least.
    assert!(model.importance[2] < model.importance[0] && model.importance[2] < model.importance[1]);
    let loaded = gbdt::Gbdt::from_bytes(&model.to_bytes()?)?;
    assert_eq!(loaded.predict_margin(&valid.x)?, margin);
    // Same data, same model: training is deterministic.
    let (again, _) = gbdt::fit(&params, &train, Some(&valid))?;
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
    let (model, _) = gbdt::fit(&params, &train, Some(&valid))?;
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
    let (model, _) = gbdt::fit(&params, &train, None)?;
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
        gbdt::fit(&params, &train, None).is_err(),
        "a categorical cannot be monotone"
    );
    Ok(())
}

#[test]
fn gbdt_rejects_single_class_and_foreign_schema() -> TestResult {
    let mut d = synthetic(200, 7);
    d.y.iter_mut().for_each(|y| *y = 0.0);
    let err = gbdt::fit(&GbdtParams::default(), &d, None)
        .err()
        .ok_or("trained on one class")?;
    assert!(err.to_string().contains("both classes"), "{err}");
    let (model, _) = gbdt::fit(
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

#[test]
fn calibration_is_monotone_and_improves_brier() -> TestResult {
    // Margins that are badly scaled: true probability is sigmoid(margin / 3 − 2).
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let n = 20_000;
    let margin: Vec<f64> = (0..n).map(|_| rng.random_range(-6.0..6.0)).collect();
    let label: Vec<bool> = margin
        .iter()
        .map(|m| rng.random::<f64>() < super::sigmoid(m / 3.0 - 2.0))
        .collect();
    let w = vec![1.0; n];
    let raw: Vec<f64> = margin.iter().map(|&m| super::sigmoid(m)).collect();
    for method in [Method::Isotonic, Method::Platt] {
        let cal = Calibrator::fit(method, &margin, &label, &w)?;
        let mut prev = -1.0;
        for k in -80..=80 {
            let p = cal.apply(f64::from(k) / 10.0);
            assert!(p >= prev && (0.0..=1.0).contains(&p), "{method:?} not monotone");
            prev = p;
        }
        let folds: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let out_of_fold = cross_fit(method, &margin, &label, &w, &folds)?;
        let (before, after) = (
            metrics::brier(&raw, &label, &w),
            metrics::brier(&out_of_fold, &label, &w),
        );
        assert!(after < before * 0.8, "{method:?}: Brier {before} → {after}");
    }
    assert!(Calibrator::fit(Method::Isotonic, &[0.1, 0.2], &[false, false], &[1.0, 1.0]).is_err());
    Ok(())
}

#[test]
fn time_split_has_no_overlap_and_respects_the_gap() -> TestResult {
    use crate::time::HOUR_US as H;
    let times: Vec<i64> = (0..24 * 200).map(|k| k * H).collect();
    let s = split::by_time(&times, 2, 72)?;
    let valid_start = s.valid_start_us.ok_or("no valid start")?;
    let train_end = s.train_end_us.ok_or("no train end")?;
    assert_eq!(valid_start - train_end, 72 * H);
    assert!(s.train.iter().all(|&i| times[i] < train_end));
    assert!(s.valid.iter().all(|&i| times[i] >= valid_start));
    assert_eq!(s.train.len() + s.valid.len() + s.gap_rows, times.len());
    assert_eq!(s.gap_rows, 72);
    let last_train_label_end = s.train.iter().map(|&i| times[i]).max().ok_or("empty")? + 72 * H;
    assert!(
        last_train_label_end < valid_start,
        "a training label reaches into validation"
    );
    assert!(
        split::by_time(&times, 30, 72).is_err(),
        "30 weeks of 200 days leave nothing to train on"
    );
    // Down-sampling keeps every positive and re-weights kept negatives.
    let label: Vec<bool> = (0..times.len()).map(|i| i % 50 == 0).collect();
    let keys: Vec<String> = (0..times.len()).map(|i| format!("k{i}")).collect();
    let mut d = split::by_time(&times, 2, 72)?;
    let before = d.train.len();
    d.downsample(&label, &keys, 0.25, 1.0, 7);
    let pos_before = (0..before).filter(|&i| label[s.train[i]]).count();
    assert_eq!(d.train.iter().filter(|&&i| label[i]).count(), pos_before);
    let weighted: f32 = d.train_weight.iter().sum();
    assert!(
        (weighted / before as f32 - 1.0).abs() < 0.1,
        "weights do not undo sampling: {weighted} vs {before}"
    );
    // Group split keeps each group on one side.
    let groups: Vec<String> = (0..1000).map(|i| format!("acct{}", i / 10)).collect();
    let r = split::random(1000, Some(&groups), 0.3, 1);
    for &i in &r.valid {
        assert!(r.train.iter().all(|&j| groups[j] != groups[i]));
    }
    Ok(())
}

/// Hand-built backtest: account A escalates at day 10 and is flagged 30 h before (detected),
/// B escalates at day 10 and is flagged only 12 h before (missed: too late), C is flagged
/// for two days and never escalates (a false alert), D is never flagged.
#[test]
fn backtest_counts_lead_time_recall_and_alert_precision() {
    use crate::time::HOUR_US as H;
    let day = |d: f64| (d * 24.0 * H as f64) as i64;
    let mut account = Vec::new();
    let mut time = Vec::new();
    let mut prob = Vec::new();
    for (name, flagged) in [
        ("A", vec![8.75]),
        ("B", vec![]),
        ("C", vec![5.0, 5.5]),
        ("D", vec![]),
    ] {
        // Snapshots every 6 hours from day 0 to day 14.
        for k in 0..=56 {
            let t = day(f64::from(k) / 4.0);
            account.push(name.to_string());
            time.push(t);
            let hot = flagged.iter().any(|&d| (day(d) - t).abs() < H);
            let b_late = name == "B" && day(10.0) - t == 12 * H;
            prob.push(if hot || b_late { 0.9 } else { 0.01 });
        }
    }
    let escalations = vec![("A".to_string(), day(10.0)), ("B".to_string(), day(10.0))];
    let label: Vec<bool> = account
        .iter()
        .zip(&time)
        .map(|(a, &t)| {
            escalations
                .iter()
                .any(|(ea, e)| ea == a && *e > t && *e - t <= 72 * H)
        })
        .collect();
    let opts = BacktestOptions {
        alert_threshold: 50,
        lead_max_hours: 72,
        lead_min_hours: 24,
        horizon_hours: 72,
        cadence_hours: 6,
        tier_thresholds: vec![60, 95],
        min_recall: 0.8,
        min_precision: 0.3,
    };
    let r = backtest::run(
        &Scored {
            account: &account,
            time_us: &time,
            probability: &prob,
            raw_probability: &prob,
            label: &label,
        },
        &escalations,
        &opts,
    );
    assert_eq!(r.eligible, 2);
    assert_eq!(
        r.at_alert_threshold.detected, 1,
        "A detected at 30 h, B missed at 12 h"
    );
    assert!((r.at_alert_threshold.recall - 0.5).abs() < 1e-12);
    // Alerts: A's run (correct), B's late run (correct: the escalation follows within the
    // horizon), C's two separate runs (both wrong).
    assert_eq!(r.at_alert_threshold.alerts, 4);
    assert!((r.at_alert_threshold.precision - 0.5).abs() < 1e-12);
    assert_eq!(r.lead_hours, vec![30.0]);
    assert_eq!(r.median_lead_hours, Some(30.0));
    assert!(
        !r.gate_passed && r.gate_reason.contains("recall 0.500 < min_recall"),
        "{}",
        r.gate_reason
    );
    assert_eq!(r.at_tiers.len(), 2);
    assert_eq!(r.at_tiers[1].alerts, 0, "nothing scores 95");
    // B's lead-window snapshots score 1: only flagging everything reaches the target recall.
    assert_eq!(r.threshold_for_target_recall, Some(1));
    // Every account is then one alert run: A and B correct, C and D not.
    assert!(
        r.precision_at_target_recall
            .is_some_and(|p| (p - 0.5).abs() < 1e-12)
    );
    // 4 alerts over 4 accounts and two weeks.
    assert!((r.at_alert_threshold.alerts_per_100_accounts_per_week - 50.0).abs() < 1e-9);
}
