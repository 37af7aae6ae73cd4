//! CSM feedback in retraining (pure; the pipeline reads the `feedback` table).
//!
//! A verdict names an account and the run date of an alert (`alert_date`). Only training
//! rows change; the validation window keeps the history's labels, so a challenger trained
//! with feedback is compared with the champion on the same rows and labels.
//!
//! - `false_positive`: the account's snapshots in the alert's run date, up to and including
//!   its end (a run date D scores the state at D+1 00:00: the state that raised the alert),
//!   become confirmed negatives: never sampled out, weight `false_positive_weight` ×
//!   an ordinary kept negative's weight. When the history says an escalation did follow (the
//!   label is positive) the history wins: the label is kept and the snapshot is counted as a
//!   conflict.
//! - `missed` (`alert_date` = the escalation's date): the snapshots 24–72 h (the lead
//!   window) before the escalation become positives (relabelled when the history had them
//!   negative) with weight `missed_weight` × `positive_weight`. The escalation's instant is
//!   the account's first escalation opened that day, else the start of the day.
//! - `prevented`: an intervention stopped an escalation, so the negative label of that day's
//!   snapshots is not evidence of safety: those negatives leave the training rows.
//! - `accurate`: the labels already agree; counted only.

use super::split::Split;
use crate::time::{DAY_US, HOUR_US};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A CSM verdict on an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The alert was right.
    Accurate,
    /// The alert was wrong: no escalation was coming.
    FalsePositive,
    /// An escalation came without an alert.
    Missed,
    /// The alert was right and an intervention stopped the escalation.
    Prevented,
}

impl Verdict {
    /// Parses the contract spelling (`accurate`, `false_positive`, `missed`, `prevented`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accurate" => Some(Self::Accurate),
            "false_positive" => Some(Self::FalsePositive),
            "missed" => Some(Self::Missed),
            "prevented" => Some(Self::Prevented),
            _ => None,
        }
    }

    /// The contract spelling.
    pub fn name(self) -> &'static str {
        match self {
            Self::Accurate => "accurate",
            Self::FalsePositive => "false_positive",
            Self::Missed => "missed",
            Self::Prevented => "prevented",
        }
    }
}

/// One verdict row.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackRow {
    /// Account.
    pub account: String,
    /// Start (00:00 UTC, µs) of the alert's run date.
    pub alert_day_us: i64,
    /// Verdict.
    pub verdict: Verdict,
}

/// Weights and the lead window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedbackParams {
    /// Weight of a confirmed negative.
    pub false_positive_weight: f32,
    /// Weight of a lead-window positive before a missed escalation.
    pub missed_weight: f32,
    /// Lead window: from `lead_max_hours` …
    pub lead_max_hours: u32,
    /// … to `lead_min_hours` before the escalation.
    pub lead_min_hours: u32,
}

/// What the feedback changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeedbackStats {
    /// Verdict rows read.
    pub rows_read: usize,
    /// Rows per verdict.
    pub by_verdict: BTreeMap<&'static str, usize>,
    /// Verdicts that matched at least one training snapshot.
    pub matched: usize,
    /// Verdicts that matched none (outside the training part, or an unknown account).
    pub unmatched: usize,
    /// `false_positive` snapshots whose history label is positive (label kept).
    pub conflicting: usize,
    /// Snapshots made confirmed negatives.
    pub negatives_confirmed: usize,
    /// Confirmed negatives down-sampling had dropped and that were put back.
    pub negatives_restored: usize,
    /// Lead-window snapshots relabelled positive (the history had them negative).
    pub relabelled_positive: usize,
    /// Lead-window snapshots already positive, re-weighted.
    pub positives_reweighted: usize,
    /// Negative snapshots of `prevented` alerts left out of training.
    pub prevented_excluded: usize,
    /// Positive training snapshots before the feedback (before down-sampling).
    pub training_positives_before: usize,
    /// Positive training snapshots after it.
    pub training_positives_after: usize,
}

/// The plan: per training row, a forced weight or an exclusion.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Adjustment {
    /// Row → training weight (the row is always kept).
    pub weight: BTreeMap<usize, f32>,
    /// Rows left out of training.
    pub excluded: BTreeSet<usize>,
    /// Counts.
    pub stats: FeedbackStats,
}

/// Plans the feedback on the rows `training` says are training rows, relabelling `labels`
/// in place (only training rows). `escalations` are `(account, opened_at µs)`.
pub fn plan(
    ids: &[String],
    times: &[i64],
    labels: &mut [bool],
    training: &[usize],
    escalations: &[(String, i64)],
    rows: &[FeedbackRow],
    params: &FeedbackParams,
) -> Adjustment {
    let snapshots = TrainingSnapshots::new(ids, times, training);
    let positives = |labels: &[bool]| training.iter().filter(|&&r| labels[r]).count();
    let mut adj = Adjustment::default();
    adj.stats.rows_read = rows.len();
    adj.stats.training_positives_before = positives(labels);
    // Missed last, so a positive outranks another verdict on the same snapshot.
    let mut ordered: Vec<&FeedbackRow> = rows.iter().collect();
    ordered.sort_by_key(|f| u8::from(f.verdict == Verdict::Missed));
    for f in ordered {
        *adj.stats.by_verdict.entry(f.verdict.name()).or_default() += 1;
        let hit = snapshots.concerned_by(f, escalations, params);
        if hit.is_empty() {
            adj.stats.unmatched += 1;
            continue;
        }
        adj.stats.matched += 1;
        for r in hit {
            adj.record(f.verdict, r, labels, params);
        }
    }
    adj.stats.training_positives_after = positives(labels);
    adj
}

/// The training snapshots of each account: `(instant µs, row)`.
struct TrainingSnapshots<'a> {
    by_account: HashMap<&'a str, Vec<(i64, usize)>>,
}

impl<'a> TrainingSnapshots<'a> {
    fn new(ids: &'a [String], times: &[i64], training: &[usize]) -> Self {
        let mut by_account: HashMap<&str, Vec<(i64, usize)>> = HashMap::new();
        for &r in training {
            by_account.entry(ids[r].as_str()).or_default().push((times[r], r));
        }
        Self { by_account }
    }

    /// Rows of `account`'s snapshots in `[from, to]`.
    fn in_range(&self, account: &str, from: i64, to: i64) -> Vec<usize> {
        self.by_account
            .get(account)
            .map(|v| {
                v.iter()
                    .filter(|(t, _)| (from..=to).contains(t))
                    .map(|&(_, r)| r)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The rows a verdict is about: the lead window before a missed escalation, else the
    /// snapshots that the alert of run date D scored (the end of D, D+1 00:00 included).
    fn concerned_by(
        &self,
        f: &FeedbackRow,
        escalations: &[(String, i64)],
        params: &FeedbackParams,
    ) -> Vec<usize> {
        let day = f.alert_day_us..f.alert_day_us + DAY_US;
        match f.verdict {
            Verdict::Missed => {
                let anchor = escalations
                    .iter()
                    .filter(|(a, t)| a == &f.account && day.contains(t))
                    .map(|&(_, t)| t)
                    .min()
                    .unwrap_or(f.alert_day_us);
                self.in_range(
                    &f.account,
                    anchor - i64::from(params.lead_max_hours) * HOUR_US,
                    anchor - i64::from(params.lead_min_hours) * HOUR_US,
                )
            }
            _ => self.in_range(&f.account, day.start + 1, day.end),
        }
    }
}

impl Adjustment {
    /// Applies one verdict to training row `r` (see the module docs for each verdict).
    fn record(&mut self, verdict: Verdict, r: usize, labels: &mut [bool], params: &FeedbackParams) {
        let stats = &mut self.stats;
        match verdict {
            Verdict::Accurate => {}
            Verdict::FalsePositive if labels[r] => stats.conflicting += 1,
            Verdict::FalsePositive => {
                if self.weight.insert(r, params.false_positive_weight).is_none() {
                    stats.negatives_confirmed += 1;
                }
            }
            Verdict::Prevented if labels[r] => {}
            Verdict::Prevented => {
                if !self.weight.contains_key(&r) && self.excluded.insert(r) {
                    stats.prevented_excluded += 1;
                }
            }
            Verdict::Missed => {
                if labels[r] {
                    if !self.weight.contains_key(&r) {
                        stats.positives_reweighted += 1;
                    }
                } else {
                    labels[r] = true;
                    stats.relabelled_positive += 1;
                    if self.weight.contains_key(&r) {
                        stats.negatives_confirmed -= 1;
                    }
                    if self.excluded.remove(&r) {
                        stats.prevented_excluded -= 1;
                    }
                }
                self.weight.insert(r, params.missed_weight);
            }
        }
    }
}

/// Applies a plan to a down-sampled split: `before` is the training part before
/// down-sampling. Forced rows are kept (put back when sampled out) with their weight;
/// excluded rows leave. The training rows stay in `before`'s order.
pub fn apply(split: &mut Split, before: &[usize], adj: &mut Adjustment) {
    let kept: HashMap<usize, f32> = split
        .train
        .iter()
        .copied()
        .zip(split.train_weight.iter().copied())
        .collect();
    let (mut train, mut weight) = (Vec::with_capacity(before.len()), Vec::with_capacity(before.len()));
    for &r in before {
        if adj.excluded.contains(&r) {
            if !kept.contains_key(&r) {
                split.sampled_out = split.sampled_out.saturating_sub(1);
            }
            continue;
        }
        match (adj.weight.get(&r), kept.get(&r)) {
            (Some(&w), k) => {
                if k.is_none() {
                    split.sampled_out = split.sampled_out.saturating_sub(1);
                    adj.stats.negatives_restored += 1;
                }
                train.push(r);
                weight.push(w);
            }
            (None, Some(&w)) => {
                train.push(r);
                weight.push(w);
            }
            (None, None) => {}
        }
    }
    split.train = train;
    split.train_weight = weight;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> FeedbackParams {
        FeedbackParams {
            false_positive_weight: 9.0,
            missed_weight: 4.0,
            lead_max_hours: 72,
            lead_min_hours: 24,
        }
    }

    /// Accounts a and b, one snapshot a day at 06:00 for days 0..10.
    fn fixture() -> (Vec<String>, Vec<i64>, Vec<bool>) {
        let mut ids = Vec::new();
        let mut times = Vec::new();
        for acct in ["a", "b"] {
            for d in 0..10 {
                ids.push(acct.to_string());
                times.push(d * DAY_US + 6 * HOUR_US);
            }
        }
        let mut labels = vec![false; 20];
        labels[7] = true; // a, day 7: an escalation follows
        (ids, times, labels)
    }

    fn row(account: &str, day: i64, verdict: Verdict) -> FeedbackRow {
        FeedbackRow {
            account: account.into(),
            alert_day_us: day * DAY_US,
            verdict,
        }
    }

    #[test]
    fn false_positive_confirms_weighted_negatives_and_counts_conflicts() {
        let (ids, times, mut labels) = fixture();
        let training: Vec<usize> = (0..20).collect();
        let fb = [
            row("a", 2, Verdict::FalsePositive),
            row("a", 7, Verdict::FalsePositive),
            row("zz", 2, Verdict::FalsePositive),
        ];
        let mut adj = plan(&ids, &times, &mut labels, &training, &[], &fb, &params());
        assert_eq!(adj.weight.get(&2), Some(&9.0));
        assert!(!adj.weight.contains_key(&7), "the history's positive wins");
        assert!(labels[7]);
        assert_eq!(adj.stats.conflicting, 1);
        assert_eq!(adj.stats.negatives_confirmed, 1);
        assert_eq!((adj.stats.matched, adj.stats.unmatched), (2, 1));
        // Down-sampling dropped every negative; the confirmed one comes back, weighted.
        let mut split = Split {
            train: vec![7],
            train_weight: vec![1.0],
            valid: vec![],
            train_end_us: None,
            valid_start_us: None,
            gap_rows: 0,
            sampled_out: 19,
        };
        apply(&mut split, &training, &mut adj);
        assert_eq!(split.train, vec![2, 7]);
        assert_eq!(split.train_weight, vec![9.0, 1.0]);
        assert_eq!(split.sampled_out, 18);
        assert_eq!(adj.stats.negatives_restored, 1);
    }

    #[test]
    fn missed_turns_lead_window_positive_and_prevented_leaves() {
        let (ids, times, mut labels) = fixture();
        // b's training rows are days 0..8 only (8, 9 are validation rows).
        let training: Vec<usize> = (0..18).collect();
        let escalations = vec![("b".to_string(), 6 * DAY_US + 12 * HOUR_US)];
        let fb = [row("b", 6, Verdict::Missed), row("a", 3, Verdict::Prevented)];
        let mut adj = plan(&ids, &times, &mut labels, &training, &escalations, &fb, &params());
        // Escalation day 6 12:00: lead window day 3 12:00 ..= day 5 12:00 → days 4, 5 at 06:00.
        let b = |d: usize| 10 + d;
        assert!(labels[b(4)] && labels[b(5)]);
        assert!(!labels[b(3)] && !labels[b(6)]);
        assert_eq!(adj.stats.relabelled_positive, 2);
        assert_eq!(adj.weight.get(&b(4)), Some(&4.0));
        assert!(adj.excluded.contains(&3));
        assert_eq!(adj.stats.prevented_excluded, 1);
        let mut split = Split {
            train: training.clone(),
            train_weight: vec![1.0; training.len()],
            valid: vec![],
            train_end_us: None,
            valid_start_us: None,
            gap_rows: 0,
            sampled_out: 0,
        };
        apply(&mut split, &training, &mut adj);
        assert!(!split.train.contains(&3));
        assert_eq!(split.train.len(), 17);
    }

    #[test]
    fn validation_rows_keep_their_labels() {
        let (ids, times, mut labels) = fixture();
        let training: Vec<usize> = (0..8).chain(10..18).collect();
        let escalations = vec![("a".to_string(), 9 * DAY_US + 12 * HOUR_US)];
        let fb = [row("a", 9, Verdict::Missed), row("a", 8, Verdict::FalsePositive)];
        let adj = plan(&ids, &times, &mut labels, &training, &escalations, &fb, &params());
        // Lead window day 6 12:00 ..= day 8 12:00 → days 7 and 8; day 8 is a validation row.
        assert!(!labels[8], "a validation row is never relabelled");
        assert_eq!(adj.stats.positives_reweighted, 1);
        assert_eq!(adj.stats.relabelled_positive, 0);
        assert_eq!(
            adj.stats.unmatched, 1,
            "the day-8 verdict has no training snapshot"
        );
    }
}
