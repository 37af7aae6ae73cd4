//! Classification metrics for the sentiment models: accuracy, macro-F1, per-class
//! precision / recall / F1 and the confusion matrix.
//!
//! Every model and baseline is scored by the same [`evaluate`], so the numbers in an
//! evaluation report are comparable across them. The definitions follow scikit-learn's
//! `classification_report` with `zero_division=0`, so a user can check them in Python.

use serde::{Deserialize, Serialize};

use crate::{NUM_CLASSES, Sentiment, TextError};

/// Precision, recall and F1 of one class, computed one-vs-rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class name (`negative`, `neutral`, `positive`).
    pub label: String,
    /// Of the rows predicted as this class, the share that truly are (0.0 when none is predicted).
    pub precision: f64,
    /// Of the rows truly of this class, the share predicted as it (0.0 when there are none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0.0 when both are 0.0).
    pub f1: f64,
    /// Number of rows truly of this class.
    pub support: u64,
}

impl ClassMetrics {
    /// One-vs-rest metrics from counts: true positives, rows predicted as the class, rows
    /// truly of it.
    pub fn from_counts(label: &str, true_positive: u64, predicted: u64, support: u64) -> Self {
        let precision = ratio(true_positive, predicted);
        let recall = ratio(true_positive, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            label: label.to_string(),
            precision,
            recall,
            f1,
            support,
        }
    }
}

/// The scores of a set of predictions against the true classes.
///
/// `confusion[t][p]` counts the rows whose true class has index `t` and whose predicted class
/// has index `p`: rows are true classes, columns predicted classes, both in [`Sentiment::ALL`]
/// order (negative, neutral, positive). `per_class` is in the same order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Number of rows evaluated.
    pub n: u64,
    /// Share of rows whose prediction equals the truth.
    pub accuracy: f64,
    /// Unweighted mean of the three per-class F1 scores (a class that never occurs, neither
    /// true nor predicted, counts with F1 0.0).
    pub macro_f1: f64,
    /// Precision, recall, F1 and support of each class, in [`Sentiment::ALL`] order.
    pub per_class: Vec<ClassMetrics>,
    /// Confusion matrix: rows true class index, columns predicted class index.
    pub confusion: [[u64; NUM_CLASSES]; NUM_CLASSES],
}

impl Evaluation {
    /// The metrics of one class.
    pub fn class(&self, class: Sentiment) -> Option<&ClassMetrics> {
        self.per_class.get(class.index())
    }
}

/// Scores `predicted` against `truth`, row by row.
///
/// A ratio whose denominator is zero is 0.0 (scikit-learn's `zero_division=0`): precision of a
/// class never predicted, recall of a class with no true rows, F1 when precision and recall are
/// both 0.0. `macro_f1` averages all three classes, like scikit-learn's
/// `f1_score(labels=[0, 1, 2], average="macro", zero_division=0)`.
///
/// Errors with [`TextError::InvalidInput`] when the slices differ in length or are empty.
pub fn evaluate(truth: &[Sentiment], predicted: &[Sentiment]) -> Result<Evaluation, TextError> {
    if truth.len() != predicted.len() {
        return Err(TextError::InvalidInput(format!(
            "cannot evaluate {} predictions against {} true labels: the counts must match",
            predicted.len(),
            truth.len()
        )));
    }
    if truth.is_empty() {
        return Err(TextError::InvalidInput(
            "cannot evaluate an empty set of predictions".into(),
        ));
    }
    let mut confusion = [[0u64; NUM_CLASSES]; NUM_CLASSES];
    for (t, p) in truth.iter().zip(predicted) {
        confusion[t.index()][p.index()] += 1;
    }
    let n = truth.len() as u64;
    let correct: u64 = (0..NUM_CLASSES).map(|k| confusion[k][k]).sum();
    let per_class: Vec<ClassMetrics> = Sentiment::ALL
        .iter()
        .map(|&class| class_metrics(&confusion, class))
        .collect();
    let macro_f1 = per_class.iter().map(|c| c.f1).sum::<f64>() / NUM_CLASSES as f64;
    Ok(Evaluation {
        n,
        accuracy: ratio(correct, n),
        macro_f1,
        per_class,
        confusion,
    })
}

/// One-vs-rest precision, recall and F1 of `class` from the confusion matrix.
fn class_metrics(confusion: &[[u64; NUM_CLASSES]; NUM_CLASSES], class: Sentiment) -> ClassMetrics {
    let k = class.index();
    let true_positive = confusion[k][k];
    let predicted: u64 = confusion.iter().map(|row| row[k]).sum();
    let support: u64 = confusion[k].iter().sum();
    ClassMetrics::from_counts(class.name(), true_positive, predicted, support)
}

/// `numerator / denominator`, or 0.0 when the denominator is zero.
pub fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sentiment::{Negative as Neg, Neutral as Neu, Positive as Pos};

    const EPS: f64 = 1e-12;

    /// Expands a confusion matrix into (truth, predicted) rows, interleaving the cells so that
    /// the order of rows plays no part.
    fn rows_from(confusion: [[u64; 3]; 3]) -> (Vec<Sentiment>, Vec<Sentiment>) {
        let mut remaining = confusion;
        let (mut truth, mut predicted) = (Vec::new(), Vec::new());
        while remaining.iter().flatten().any(|&c| c > 0) {
            for (t, row) in remaining.iter_mut().enumerate() {
                for (p, cell) in row.iter_mut().enumerate() {
                    if *cell > 0 {
                        *cell -= 1;
                        truth.push(Sentiment::ALL[t]);
                        predicted.push(Sentiment::ALL[p]);
                    }
                }
            }
        }
        (truth, predicted)
    }

    fn assert_close(actual: f64, expected: f64, what: &str) {
        assert!(
            (actual - expected).abs() < EPS,
            "{what}: got {actual}, expected {expected}"
        );
    }

    // Fixture (rows true, columns predicted; neg, neu, pos):
    //
    //            neg neu pos | support
    //   neg   [   5,  2,  1 ]   8
    //   neu   [   1,  3,  2 ]   6
    //   pos   [   0,  1,  4 ]   5
    //   column    6   6   7     n = 19
    //
    // accuracy = (5 + 3 + 4) / 19 = 12/19
    // negative: P = 5/6, R = 5/8, F1 = 2·5 / (2·5 + 1 + 3) = 10/14 = 5/7
    // neutral:  P = 3/6, R = 3/6, F1 = 2·3 / (2·3 + 3 + 3) = 6/12 = 1/2
    // positive: P = 4/7, R = 4/5, F1 = 2·4 / (2·4 + 3 + 1) = 8/12 = 2/3
    // macro-F1 = (5/7 + 1/2 + 2/3) / 3 = (30 + 21 + 28) / 42 / 3 = 79/126
    const FIXTURE: [[u64; 3]; 3] = [[5, 2, 1], [1, 3, 2], [0, 1, 4]];

    #[test]
    fn hand_computed_fixture() {
        let (truth, predicted) = rows_from(FIXTURE);
        let eval = evaluate(&truth, &predicted).unwrap();
        assert_eq!(eval.n, 19);
        assert_eq!(eval.confusion, FIXTURE);
        assert_close(eval.accuracy, 12.0 / 19.0, "accuracy");
        assert_close(eval.macro_f1, 79.0 / 126.0, "macro-F1");

        let expected = [
            ("negative", 5.0 / 6.0, 5.0 / 8.0, 5.0 / 7.0, 8),
            ("neutral", 0.5, 0.5, 0.5, 6),
            ("positive", 4.0 / 7.0, 4.0 / 5.0, 2.0 / 3.0, 5),
        ];
        assert_eq!(eval.per_class.len(), 3);
        for (got, (label, precision, recall, f1, support)) in eval.per_class.iter().zip(expected) {
            assert_eq!(got.label, label);
            assert_close(got.precision, precision, &format!("{label} precision"));
            assert_close(got.recall, recall, &format!("{label} recall"));
            assert_close(got.f1, f1, &format!("{label} F1"));
            assert_eq!(got.support, support, "{label} support");
        }
        assert_eq!(eval.class(Pos).map(|c| c.support), Some(5));
    }

    #[test]
    fn confusion_rows_are_truth_columns_are_predictions() {
        // One negative row predicted positive lands in row 0, column 2 — not row 2, column 0.
        let eval = evaluate(&[Neg], &[Pos]).unwrap();
        assert_eq!(eval.confusion, [[0, 0, 1], [0, 0, 0], [0, 0, 0]]);
    }

    #[test]
    fn perfect_predictions_score_one() {
        let truth = [Neg, Neu, Pos, Pos];
        let eval = evaluate(&truth, &truth).unwrap();
        assert_close(eval.accuracy, 1.0, "accuracy");
        assert_close(eval.macro_f1, 1.0, "macro-F1");
        assert!(
            eval.per_class
                .iter()
                .all(|c| c.precision == 1.0 && c.recall == 1.0)
        );
    }

    #[test]
    fn zero_denominators_give_zero_not_nan() {
        // Truth: 2 negative, 1 positive; predictions never say positive, never meet a neutral.
        //   negative: P = 2/3 (2 of 3 predicted negative), R = 2/2, F1 = 4/(4+1+0) = 4/5
        //   neutral:  never true, never predicted: P = R = F1 = 0 (0/0 → 0)
        //   positive: never predicted: P = 0 (0/0 → 0), R = 0/1 = 0, F1 = 0
        //   macro-F1 = (4/5 + 0 + 0) / 3 = 4/15; accuracy = 2/3
        let eval = evaluate(&[Neg, Neg, Pos], &[Neg, Neg, Neg]).unwrap();
        for c in &eval.per_class {
            assert!(c.precision.is_finite() && c.recall.is_finite() && c.f1.is_finite());
        }
        assert_close(eval.per_class[0].precision, 2.0 / 3.0, "negative precision");
        assert_close(eval.per_class[0].recall, 1.0, "negative recall");
        assert_close(eval.per_class[0].f1, 0.8, "negative F1");
        assert_eq!(
            (
                eval.per_class[1].precision,
                eval.per_class[1].recall,
                eval.per_class[1].f1
            ),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(
            (
                eval.per_class[2].precision,
                eval.per_class[2].recall,
                eval.per_class[2].f1
            ),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(eval.per_class[1].support, 0);
        assert_close(eval.macro_f1, 4.0 / 15.0, "macro-F1");
        assert_close(eval.accuracy, 2.0 / 3.0, "accuracy");
    }

    #[test]
    fn length_mismatch_and_empty_input_are_errors() {
        assert!(matches!(
            evaluate(&[Neg, Pos], &[Neg]),
            Err(TextError::InvalidInput(_))
        ));
        assert!(matches!(evaluate(&[], &[]), Err(TextError::InvalidInput(_))));
    }

    #[test]
    fn evaluation_round_trips_through_json() {
        let (truth, predicted) = rows_from(FIXTURE);
        let eval = evaluate(&truth, &predicted).unwrap();
        let json = serde_json::to_string(&eval).unwrap();
        let back: Evaluation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, eval);
    }
}
