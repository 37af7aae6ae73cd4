//! Tests of the risk model: calibration, splits and the backtest on hand-built data (the
//! GBDT's own tests are in `crates/vigil-gbdt/src/tests.rs`).

use super::backtest::{self, BacktestOptions, Scored};
use super::calibrate::{Calibrator, cross_fit};
use super::params::CalibrationMethod as Method;
use super::{metrics, split};
use rand::{Rng, SeedableRng};
use vigil_gbdt::loss::sigmoid;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn calibration_is_monotone_and_improves_brier() -> TestResult {
    // Margins that are badly scaled: true probability is sigmoid(margin / 3 − 2).
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let n = 20_000;
    let margin: Vec<f64> = (0..n).map(|_| rng.random_range(-6.0..6.0)).collect();
    let label: Vec<bool> = margin
        .iter()
        .map(|m| rng.random::<f64>() < sigmoid(m / 3.0 - 2.0))
        .collect();
    let w = vec![1.0; n];
    let raw: Vec<f64> = margin.iter().map(|&m| sigmoid(m)).collect();
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
