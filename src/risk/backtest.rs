//! The early-detection backtest: would the scores have flagged each escalation 24–72 hours
//! before it was opened, and how many alerts would CSMs have received for it?
//!
//! Definitions (exact, documented in README "Backtest"):
//! - an escalation opened at E is **eligible** when the validation snapshots cover its lead
//!   window `[E − lead_max, E − lead_min]` and the account has at least one snapshot in it;
//! - it is **detected** when some snapshot t of its account in the lead window has a risk
//!   score at or above the alert threshold; recall = detected / eligible;
//! - an **alert** is an episode: a run of consecutive snapshots of one account at or above the
//!   threshold (a CSM is alerted once, when the account crosses it). It is **correct** when
//!   an escalation of that account opens after the run starts and at most one horizon after
//!   its last snapshot; precision = correct / alerts;
//! - the **lead time** of a detected escalation is `E −` the start of the alert run that
//!   detected it;
//! - alerts per 100 accounts per week = alerts / accounts scored × 100 / weeks of validation.
//!
//! Snapshot-level precision (share of flagged snapshots with an escalation within the
//! horizon) is reported beside it.

use super::metrics::{self, PrPoint, ReliabilityBin};
use crate::time::HOUR_US;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the backtest scores.
#[derive(Debug, Clone)]
pub struct Scored<'a> {
    /// Account of each snapshot.
    pub account: &'a [String],
    /// Snapshot instant (µs since epoch).
    pub time_us: &'a [i64],
    /// Calibrated probability.
    pub probability: &'a [f64],
    /// Uncalibrated probability (`sigmoid(margin)`), for the before-calibration Brier score.
    pub raw_probability: &'a [f64],
    /// Whether an escalation opened within the horizon after the snapshot.
    pub label: &'a [bool],
}

/// Settings of the backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestOptions {
    /// Alert when the risk score (0–100) is at or above this.
    pub alert_threshold: u32,
    /// Lead window: earliest hours before the escalation that count.
    pub lead_max_hours: u32,
    /// Lead window: latest hours before the escalation that count.
    pub lead_min_hours: u32,
    /// Label horizon (hours).
    pub horizon_hours: u32,
    /// Hours between snapshots (a larger gap breaks an alert run).
    pub cadence_hours: u32,
    /// Thresholds to report recall and precision at (the tier boundaries).
    pub tier_thresholds: Vec<u32>,
    /// Recall the gate asks for (also: report the threshold that reaches it).
    pub min_recall: f64,
    /// Precision the gate asks for.
    pub min_precision: f64,
}

/// Recall and precision at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtThreshold {
    /// Risk-score threshold.
    pub threshold: u32,
    /// Early-detection recall.
    pub recall: f64,
    /// Alert (episode) precision.
    pub precision: f64,
    /// Share of flagged snapshots followed by an escalation within the horizon.
    pub snapshot_precision: f64,
    /// Alerts.
    pub alerts: usize,
    /// Alerts per 100 accounts per week.
    pub alerts_per_100_accounts_per_week: f64,
    /// Detected escalations.
    pub detected: usize,
}

/// The backtest's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// Snapshots scored.
    pub snapshots: usize,
    /// Accounts scored.
    pub accounts: usize,
    /// Weeks covered by the snapshots.
    pub weeks: f64,
    /// Escalations opened in the period.
    pub escalations: usize,
    /// Of those, eligible (lead window covered and scorable).
    pub eligible: usize,
    /// Results at the alert threshold.
    pub at_alert_threshold: AtThreshold,
    /// Results at every tier threshold.
    pub at_tiers: Vec<AtThreshold>,
    /// Highest threshold whose recall reaches `min_recall` (None: none does).
    pub threshold_for_target_recall: Option<u32>,
    /// Precision at that threshold.
    pub precision_at_target_recall: Option<f64>,
    /// Median lead time of detected escalations (hours).
    pub median_lead_hours: Option<f64>,
    /// Lead times of detected escalations (hours), sorted.
    pub lead_hours: Vec<f64>,
    /// Snapshot ROC-AUC.
    pub roc_auc: f64,
    /// Snapshot PR-AUC (average precision).
    pub pr_auc: f64,
    /// Brier score of calibrated probabilities.
    pub brier: f64,
    /// Brier score before calibration.
    pub brier_uncalibrated: f64,
    /// Reliability before calibration.
    pub reliability_before: Vec<ReliabilityBin>,
    /// Reliability after calibration.
    pub reliability_after: Vec<ReliabilityBin>,
    /// Precision–recall curve of snapshots.
    pub pr_curve: Vec<PrPoint>,
    /// Whether the gate passed.
    pub gate_passed: bool,
    /// Why the gate failed or passed, in one sentence.
    pub gate_reason: String,
}

/// Risk score of a probability: round(100 p).
pub fn risk_score(p: f64) -> u32 {
    (100.0 * p).round().clamp(0.0, 100.0) as u32
}

/// Runs the backtest on scored validation snapshots and the escalations opened in the period.
pub fn run(s: &Scored<'_>, escalations: &[(String, i64)], opts: &BacktestOptions) -> BacktestReport {
    let n = s.account.len();
    let by_account = snapshots_by_account(s);
    let (first, last) = (
        s.time_us.iter().copied().min().unwrap_or(0),
        s.time_us.iter().copied().max().unwrap_or(0),
    );
    let weeks = ((last - first) as f64 / (7.0 * 24.0 * HOUR_US as f64)).max(1.0 / 7.0);
    let eligible = eligible_escalations(s, escalations, &by_account, (first, last), opts);
    let score: Vec<u32> = s.probability.iter().map(|&p| risk_score(p)).collect();
    let opened = opened_by_account(escalations);
    let ctx = Ctx {
        s,
        score: &score,
        by_account: &by_account,
        opened: &opened,
        eligible: &eligible,
        weeks,
        opts,
    };
    let at_alert = ctx.at(opts.alert_threshold);
    let at_tiers = opts.tier_thresholds.iter().map(|&t| ctx.at(t)).collect();
    let target = ctx.at_target_recall();
    let lead_hours = ctx.lead_times(opts.alert_threshold);
    let median_lead_hours = (!lead_hours.is_empty()).then(|| lead_hours[lead_hours.len() / 2]);
    let ones = vec![1.0; n];
    let (gate_passed, gate_reason) = gate(&at_alert, eligible.len(), opts);
    BacktestReport {
        snapshots: n,
        accounts: by_account.len(),
        weeks,
        escalations: escalations_in_period(escalations, (first, last), opts),
        eligible: eligible.len(),
        at_alert_threshold: at_alert,
        at_tiers,
        threshold_for_target_recall: target.as_ref().map(|t| t.threshold),
        precision_at_target_recall: target.as_ref().map(|t| t.precision),
        median_lead_hours,
        lead_hours,
        roc_auc: metrics::roc_auc(s.probability, s.label, &ones),
        pr_auc: metrics::pr_auc(s.probability, s.label, &ones),
        brier: metrics::brier(s.probability, s.label, &ones),
        brier_uncalibrated: metrics::brier(s.raw_probability, s.label, &ones),
        reliability_before: metrics::reliability(
            s.raw_probability,
            s.label,
            &ones,
            &metrics::RELIABILITY_EDGES,
        ),
        reliability_after: metrics::reliability(s.probability, s.label, &ones, &metrics::RELIABILITY_EDGES),
        pr_curve: metrics::pr_curve(s.probability, s.label, &ones, 200),
        gate_passed,
        gate_reason,
    }
}

/// Indices of each account's snapshots, time-sorted.
fn snapshots_by_account<'a>(s: &Scored<'a>) -> HashMap<&'a str, Vec<usize>> {
    let mut by_account: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, a) in s.account.iter().enumerate() {
        by_account.entry(a.as_str()).or_default().push(i);
    }
    for v in by_account.values_mut() {
        v.sort_by_key(|&i| s.time_us[i]);
    }
    by_account
}

/// Opening instants of each account's escalations, sorted.
fn opened_by_account(escalations: &[(String, i64)]) -> HashMap<&str, Vec<i64>> {
    let mut opened: HashMap<&str, Vec<i64>> = HashMap::new();
    for (a, e) in escalations {
        opened.entry(a.as_str()).or_default().push(*e);
    }
    for v in opened.values_mut() {
        v.sort_unstable();
    }
    opened
}

/// Escalations opened after the first snapshot and at most `lead_min` after the last.
fn escalations_in_period(
    escalations: &[(String, i64)],
    (first, last): (i64, i64),
    opts: &BacktestOptions,
) -> usize {
    escalations
        .iter()
        .filter(|(_, e)| *e > first && *e <= last + i64::from(opts.lead_min_hours) * HOUR_US)
        .count()
}

/// Eligible escalations with the indices of their lead-window snapshots: the snapshots
/// `[first, last]` cover the lead window and the account has a snapshot in it.
fn eligible_escalations<'a>(
    s: &Scored<'_>,
    escalations: &'a [(String, i64)],
    by_account: &HashMap<&str, Vec<usize>>,
    (first, last): (i64, i64),
    opts: &BacktestOptions,
) -> Vec<(i64, Vec<usize>, &'a str)> {
    let (lead_min, lead_max) = (
        i64::from(opts.lead_min_hours) * HOUR_US,
        i64::from(opts.lead_max_hours) * HOUR_US,
    );
    let mut eligible = Vec::new();
    for (a, e) in escalations {
        if e - lead_max < first || e - lead_min > last {
            continue;
        }
        let snaps: Vec<usize> = by_account
            .get(a.as_str())
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| s.time_us[i] >= e - lead_max && s.time_us[i] <= e - lead_min)
                    .collect()
            })
            .unwrap_or_default();
        if !snaps.is_empty() {
            eligible.push((*e, snaps, a.as_str()));
        }
    }
    eligible
}

fn gate(at: &AtThreshold, eligible: usize, opts: &BacktestOptions) -> (bool, String) {
    if eligible == 0 {
        return (
            false,
            "no escalation in the validation period has a scorable 24–72 h lead window: nothing proves the model".into(),
        );
    }
    let t = at.threshold;
    let mut fails = Vec::new();
    if at.recall < opts.min_recall {
        fails.push(format!(
            "recall {:.3} < min_recall {:.2}",
            at.recall, opts.min_recall
        ));
    }
    if at.precision < opts.min_precision {
        fails.push(format!(
            "precision {:.3} < min_precision {:.2}",
            at.precision, opts.min_precision
        ));
    }
    if fails.is_empty() {
        (
            true,
            format!(
                "at alert threshold {t}: recall {:.3} ≥ {:.2} and precision {:.3} ≥ {:.2} over {eligible} escalations",
                at.recall, opts.min_recall, at.precision, opts.min_precision
            ),
        )
    } else {
        (false, format!("at alert threshold {t}: {}", fails.join(" and ")))
    }
}

struct Ctx<'a> {
    s: &'a Scored<'a>,
    score: &'a [u32],
    by_account: &'a HashMap<&'a str, Vec<usize>>,
    opened: &'a HashMap<&'a str, Vec<i64>>,
    eligible: &'a [(i64, Vec<usize>, &'a str)],
    weeks: f64,
    opts: &'a BacktestOptions,
}

impl Ctx<'_> {
    /// Alert runs of one account at a threshold: (first index, last index) into its snapshots.
    fn runs(&self, snaps: &[usize], threshold: u32) -> Vec<(usize, usize)> {
        let gap = i64::from(self.opts.cadence_hours) * HOUR_US;
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (k, &i) in snaps.iter().enumerate() {
            if self.score[i] < threshold {
                continue;
            }
            match runs.last_mut() {
                Some(r) if r.1 + 1 == k && self.s.time_us[i] - self.s.time_us[snaps[r.1]] <= gap => r.1 = k,
                _ => runs.push((k, k)),
            }
        }
        runs
    }

    fn at(&self, threshold: u32) -> AtThreshold {
        let horizon = i64::from(self.opts.horizon_hours) * HOUR_US;
        let (mut alerts, mut correct) = (0usize, 0usize);
        for (account, snaps) in self.by_account {
            let opened = self.opened.get(account).map(Vec::as_slice).unwrap_or_default();
            for (a, b) in self.runs(snaps, threshold) {
                alerts += 1;
                let (start, end) = (self.s.time_us[snaps[a]], self.s.time_us[snaps[b]] + horizon);
                if opened.iter().any(|&e| e > start && e <= end) {
                    correct += 1;
                }
            }
        }
        let detected = self
            .eligible
            .iter()
            .filter(|(_, snaps, _)| snaps.iter().any(|&i| self.score[i] >= threshold))
            .count();
        let flagged: Vec<usize> = (0..self.score.len())
            .filter(|&i| self.score[i] >= threshold)
            .collect();
        let flagged_pos = flagged.iter().filter(|&&i| self.s.label[i]).count();
        let accounts = self.by_account.len().max(1) as f64;
        AtThreshold {
            threshold,
            recall: ratio(detected, self.eligible.len()),
            precision: ratio(correct, alerts),
            snapshot_precision: ratio(flagged_pos, flagged.len()),
            alerts,
            alerts_per_100_accounts_per_week: alerts as f64 / accounts * 100.0 / self.weeks,
            detected,
        }
    }

    /// Results at the highest threshold whose recall reaches `min_recall` (None: none does).
    ///
    /// An escalation is detected at threshold t exactly when the best score in its lead
    /// window is at least t, so that threshold is read off those maxima without re-running
    /// the backtest per threshold.
    fn at_target_recall(&self) -> Option<AtThreshold> {
        let mut window_max: Vec<u32> = self
            .eligible
            .iter()
            .map(|(_, snaps, _)| snaps.iter().map(|&i| self.score[i]).max().unwrap_or(0))
            .collect();
        window_max.sort_unstable_by(|a, b| b.cmp(a));
        // (The epsilon keeps e.g. 0.8 × 160 = 128.000…03 from asking for 129 detections.)
        let needed = (self.opts.min_recall * self.eligible.len() as f64 - 1e-9)
            .ceil()
            .max(0.0) as usize;
        match needed {
            0 => Some(100),
            n => window_max.get(n - 1).copied().filter(|&t| t >= 1),
        }
        .map(|t| self.at(t))
    }

    /// Lead time (hours) of every detected escalation, sorted.
    fn lead_times(&self, threshold: u32) -> Vec<f64> {
        let mut out = Vec::new();
        for (e, window, account) in self.eligible {
            let Some(snaps) = self.by_account.get(account) else {
                continue;
            };
            let runs = self.runs(snaps, threshold);
            let mut detecting = runs.iter().rev().filter(|(a, b)| {
                window.iter().any(|&i| {
                    let t = self.s.time_us[i];
                    self.score[i] >= threshold
                        && t >= self.s.time_us[snaps[*a]]
                        && t <= self.s.time_us[snaps[*b]]
                })
            });
            if let Some(&(a, _)) = detecting.next() {
                out.push((e - self.s.time_us[snaps[a]]) as f64 / HOUR_US as f64);
            }
        }
        out.sort_by(f64::total_cmp);
        out
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}
