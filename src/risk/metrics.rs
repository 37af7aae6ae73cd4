//! Ranking and probability metrics, all sample-weighted: ROC-AUC, PR-AUC (average
//! precision), Brier score, the precision–recall curve and the reliability table.

use serde::{Deserialize, Serialize};

/// Rows sorted by descending score, with tied scores grouped: `(score, positive weight,
/// negative weight)` per distinct score.
fn groups(score: &[f64], label: &[bool], weight: &[f64]) -> Vec<(f64, f64, f64)> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let mut out: Vec<(f64, f64, f64)> = Vec::new();
    for i in order {
        let (p, n) = if label[i] {
            (weight[i], 0.0)
        } else {
            (0.0, weight[i])
        };
        match out.last_mut() {
            Some(g) if g.0 == score[i] => {
                g.1 += p;
                g.2 += n;
            }
            _ => out.push((score[i], p, n)),
        }
    }
    out
}

/// Area under the ROC curve (ties count half); NaN without both classes.
pub fn roc_auc(score: &[f64], label: &[bool], weight: &[f64]) -> f64 {
    let g = groups(score, label, weight);
    let (tp_all, fp_all) = g.iter().fold((0.0, 0.0), |a, x| (a.0 + x.1, a.1 + x.2));
    if tp_all <= 0.0 || fp_all <= 0.0 {
        return f64::NAN;
    }
    let (mut tp, mut area) = (0.0, 0.0);
    for &(_, p, n) in &g {
        area += n * (tp + p / 2.0);
        tp += p;
    }
    area / (tp_all * fp_all)
}

/// Average precision (the step-wise area under the precision–recall curve); NaN without
/// positives.
pub fn pr_auc(score: &[f64], label: &[bool], weight: &[f64]) -> f64 {
    let g = groups(score, label, weight);
    let tp_all: f64 = g.iter().map(|x| x.1).sum();
    if tp_all <= 0.0 {
        return f64::NAN;
    }
    let (mut tp, mut fp, mut ap) = (0.0, 0.0, 0.0);
    for &(_, p, n) in &g {
        tp += p;
        fp += n;
        if p > 0.0 {
            ap += (p / tp_all) * tp / (tp + fp);
        }
    }
    ap
}

/// Mean squared error of probabilities.
pub fn brier(prob: &[f64], label: &[bool], weight: &[f64]) -> f64 {
    let (mut s, mut w) = (0.0, 0.0);
    for ((&p, &y), &wt) in prob.iter().zip(label).zip(weight) {
        let d = p - if y { 1.0 } else { 0.0 };
        s += wt * d * d;
        w += wt;
    }
    if w > 0.0 { s / w } else { f64::NAN }
}

/// One point of the precision–recall curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    /// Score threshold (rows at or above it are flagged).
    pub threshold: f64,
    /// Recall.
    pub recall: f64,
    /// Precision.
    pub precision: f64,
}

/// The precision–recall curve, thinned to at most `points` points.
pub fn pr_curve(score: &[f64], label: &[bool], weight: &[f64], points: usize) -> Vec<PrPoint> {
    let g = groups(score, label, weight);
    let tp_all: f64 = g.iter().map(|x| x.1).sum();
    if tp_all <= 0.0 {
        return Vec::new();
    }
    let step = g.len().div_ceil(points.max(1)).max(1);
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut out = Vec::new();
    for (i, &(s, p, n)) in g.iter().enumerate() {
        tp += p;
        fp += n;
        if i % step == 0 || i + 1 == g.len() {
            out.push(PrPoint {
                threshold: s,
                recall: tp / tp_all,
                precision: if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 },
            });
        }
    }
    out
}

/// One bin of a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of predicted probability.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Rows in the bin.
    pub rows: usize,
    /// Mean predicted probability.
    pub predicted: f64,
    /// Observed share of positives.
    pub observed: f64,
}

/// Reliability table over fixed bins edges (e.g. 0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1):
/// empty bins are left out.
pub fn reliability(prob: &[f64], label: &[bool], weight: &[f64], edges: &[f64]) -> Vec<ReliabilityBin> {
    let mut out = Vec::new();
    for e in edges.windows(2) {
        let (lo, hi) = (e[0], e[1]);
        let last = hi >= edges[edges.len() - 1];
        let (mut n, mut w, mut pw, mut yw) = (0, 0.0, 0.0, 0.0);
        for ((&p, &y), &wt) in prob.iter().zip(label).zip(weight) {
            if p >= lo && (p < hi || (last && p <= hi)) {
                n += 1;
                w += wt;
                pw += wt * p;
                yw += if y { wt } else { 0.0 };
            }
        }
        if n > 0 && w > 0.0 {
            out.push(ReliabilityBin {
                lower: lo,
                upper: hi,
                rows: n,
                predicted: pw / w,
                observed: yw / w,
            });
        }
    }
    out
}

/// The reliability table's default bin edges: fine at the low probabilities where most
/// snapshots are.
pub const RELIABILITY_EDGES: [f64; 11] = [0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_average_precision_on_a_known_ranking() {
        let score = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
        let label = [true, false, true, false, false, true];
        let w = [1.0; 6];
        // 9 positive/negative pairs, 5 ordered correctly.
        assert!((roc_auc(&score, &label, &w) - 5.0 / 9.0).abs() < 1e-12);
        let ap = (1.0 + 2.0 / 3.0 + 3.0 / 6.0) / 3.0;
        assert!((pr_auc(&score, &label, &w) - ap).abs() < 1e-12);
        // Ties count half; weights count as repeated rows.
        assert!((roc_auc(&[0.5, 0.5], &[true, false], &[1.0, 1.0]) - 0.5).abs() < 1e-12);
        let rep = roc_auc(&[0.9, 0.8, 0.7], &[false, true, false], &[2.0, 1.0, 1.0]);
        assert!((rep - 1.0 / 3.0).abs() < 1e-12);
        assert!(roc_auc(&[0.1], &[true], &[1.0]).is_nan());
    }

    #[test]
    fn brier_and_reliability() {
        let p = [0.0, 1.0, 0.5, 0.5];
        let y = [false, true, true, false];
        assert!((brier(&p, &y, &[1.0; 4]) - 0.125).abs() < 1e-12);
        let r = reliability(&p, &y, &[1.0; 4], &[0.0, 0.4, 0.6, 1.0]);
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].rows, 2);
        assert!((r[1].observed - 0.5).abs() < 1e-12);
        assert_eq!(r[2].rows, 1, "p = 1 falls in the last bin");
    }
}
