//! Drift monitoring: the population stability index (PSI) of every model feature and of the
//! score, today's scoring population against the champion's training reference.
//!
//! `PSI = Σ_bins (r − c) · ln(r / c)` over the reference shares `r` and current shares `c`
//! of the same bins — the statistic Evidently registers as `psi`
//! (`evidently/legacy/calculations/stattests/psi.py`), binned as its `get_binned_data`
//! (`…/stattests/utils.py`) bins, with two departures forced by saving the reference at
//! training time, when the current population is unknown:
//!
//! - **Bins.** A numeric feature with more than 20 distinct reference values gets
//!   Sturges' number of bins, `⌈log₂ n⌉ + 1` for `n` non-missing reference values (as
//!   Evidently), but with *quantile* edges of the reference rather than equal-width edges over
//!   reference ∪ current. Equal-width edges cannot be fixed before the current data exists,
//!   and on the heavy-tailed features here (counts, ARR, days since) they would put nearly
//!   the whole reference in the first bin, making PSI blind to the bulk of the distribution;
//!   equal-frequency bins (the credit-scoring convention, Siddiqi 2006) give every bin about
//!   `1/k` of the reference. Tied quantiles collapse into one bin; the outer bins are open, so
//!   a current value beyond the reference range still lands in a bin. A numeric feature with at
//!   most 20 distinct reference values is binned per value (Evidently's rule), a categorical
//!   one per level; current values the reference never had fall into an `other` bin.
//! - **Missing values** are a bin of their own (Evidently drops them). A feature that stops
//!   arriving is the drift that matters most to a scoring job.
//!
//! Empty bins are floored before the logarithm exactly as Evidently does: a zero share becomes
//! `0.0001`, or the side's smallest non-zero share / 10⁶ when that is itself ≤ `0.0001`; a bin
//! empty on both sides is left out.
//!
//! Thresholds: PSI < 0.1 no significant change, 0.1–0.2 moderate (Evidently's default drift
//! threshold for PSI is 0.1), above 0.2 significant — the warning level of the industry rule
//! of thumb and of vigil's `--fail-on-drift` gate.

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use vigil_gbdt::{ColumnKind, Matrix};

/// The floor Evidently puts on an empty bin's share.
pub const EMPTY_BIN_SHARE: f64 = 0.0001;
/// PSI from which a shift is reported as moderate.
pub const MODERATE_PSI: f64 = 0.1;
/// PSI above which a shift is significant: a warning, and the `--fail-on-drift` gate.
pub const SIGNIFICANT_PSI: f64 = 0.2;
/// Most distinct reference values of a numeric feature binned per value.
pub const MAX_DISCRETE_VALUES: usize = 20;
/// The `feature` name of the score's row in the `monitoring` table.
pub const SCORE_FEATURE: &str = "__score__";

/// Why drift could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// The current matrix lacks features the reference has.
    #[error("the drift reference has features [{missing}] that the scoring matrix lacks")]
    FeatureMismatch {
        /// The missing feature names, comma-separated.
        missing: String,
    },
    /// Scores and matrix rows differ in number.
    #[error("{scores} scores for {rows} scoring rows")]
    ScoreRows {
        /// Number of scores.
        scores: usize,
        /// Number of matrix rows.
        rows: usize,
    },
    /// Staged `monitoring` rows of the shards of one run cannot be combined.
    #[error("the shards' monitoring rows cannot be combined: {0}")]
    Merge(String),
}

/// What a monitored column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftKind {
    /// A numeric model feature.
    Numeric,
    /// A categorical model feature.
    Categorical,
    /// The calibrated probability.
    Score,
}

impl DriftKind {
    /// The name written to the `monitoring` table.
    pub fn name(self) -> &'static str {
        match self {
            DriftKind::Numeric => "numeric",
            DriftKind::Categorical => "categorical",
            DriftKind::Score => "score",
        }
    }

    /// The kind named `name` in the `monitoring` table.
    pub fn from_name(name: &str) -> Option<Self> {
        [DriftKind::Numeric, DriftKind::Categorical, DriftKind::Score]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

/// How a column's values map to bins. Every binning is followed by an `other` bin (values the
/// reference never had) and a `missing` bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "binning", rename_all = "snake_case")]
pub enum Bins {
    /// Right-closed bins between ascending interior cut points, open at both ends:
    /// `(−∞, e₀], (e₀, e₁], …, (e_last, ∞)`.
    Quantile {
        /// Interior cut points (reference quantiles, distinct, ascending).
        edges: Vec<f64>,
    },
    /// One bin per distinct reference value.
    Values {
        /// The values, ascending.
        values: Vec<f64>,
    },
    /// One bin per categorical level (the matrix holds the level's index).
    Levels {
        /// The model's levels, in index order.
        levels: Vec<String>,
    },
}

impl Bins {
    /// Number of bins before `other` and `missing`.
    fn len(&self) -> usize {
        match self {
            Bins::Quantile { edges } => edges.len() + 1,
            Bins::Values { values } => values.len(),
            Bins::Levels { levels } => levels.len(),
        }
    }

    /// Bin counts of `values` (NaN is missing): the bins, then `other`, then `missing`.
    pub fn counts(&self, values: &[f64]) -> Vec<u64> {
        let n = self.len();
        let mut counts = vec![0u64; n + 2];
        for &v in values {
            let bin = if v.is_nan() {
                n + 1
            } else {
                match self {
                    Bins::Quantile { edges } => edges.partition_point(|e| *e < v),
                    Bins::Values { values } => values.binary_search_by(|x| x.total_cmp(&v)).unwrap_or(n),
                    Bins::Levels { levels } => {
                        if v >= 0.0 && v.fract() == 0.0 && (v as usize) < levels.len() {
                            v as usize
                        } else {
                            n
                        }
                    }
                }
            };
            counts[bin] += 1;
        }
        counts
    }
}

/// One column's reference distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReference {
    /// Feature name (or [`SCORE_FEATURE`]).
    pub feature: String,
    /// What the column is.
    pub kind: DriftKind,
    /// The bins.
    pub bins: Bins,
    /// Reference share of each bin, then `other`, then `missing` (sums to 1; not floored).
    pub shares: Vec<f64>,
}

/// The champion's training reference, saved as `drift_reference.json` in its registry version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// What the reference population is.
    pub population: String,
    /// Reference rows.
    pub rows: usize,
    /// One entry per model feature, in model order.
    pub features: Vec<ColumnReference>,
    /// The calibrated probability.
    pub score: ColumnReference,
}

/// One column's drift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// Feature name, or [`SCORE_FEATURE`].
    pub feature: String,
    /// Population stability index.
    pub psi: f64,
    /// What the column is.
    pub kind: DriftKind,
    /// Rows in the reference.
    pub reference_rows: usize,
    /// Rows in the current population.
    pub current_rows: usize,
    /// Current rows per bin (the bins, then `other`, then `missing`): summed across the
    /// shards of a sharded run before PSI is recomputed.
    pub counts: Vec<u64>,
    /// The reference shares of the same bins.
    pub reference_shares: Vec<f64>,
}

impl Drift {
    /// `ok` (PSI < 0.1), `moderate` (0.1–0.2) or `warn` (> 0.2).
    pub fn status(&self) -> &'static str {
        status(self.psi)
    }

    /// Whether the shift is significant (PSI above [`SIGNIFICANT_PSI`]).
    pub fn is_significant(&self) -> bool {
        self.psi > SIGNIFICANT_PSI
    }
}

/// The status of a PSI value: `ok`, `moderate` or `warn`.
pub fn status(psi: f64) -> &'static str {
    if psi > SIGNIFICANT_PSI {
        "warn"
    } else if psi >= MODERATE_PSI {
        "moderate"
    } else {
        "ok"
    }
}

/// Sturges' number of bins for `n` values, `⌈log₂ n + 1⌉` (numpy's `"sturges"`).
pub fn sturges(n: usize) -> usize {
    if n <= 1 {
        return 1;
    }
    ((n as f64).log2() + 1.0).ceil() as usize
}

/// The `q`-quantile of ascending `sorted` values by linear interpolation (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The bins of a numeric reference column (NaN is missing).
pub fn numeric_bins(values: &[f64]) -> Bins {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut distinct = sorted.clone();
    distinct.dedup();
    if distinct.len() <= MAX_DISCRETE_VALUES {
        return Bins::Values { values: distinct };
    }
    let k = sturges(sorted.len());
    let mut edges: Vec<f64> = (1..k).map(|i| quantile(&sorted, i as f64 / k as f64)).collect();
    edges.dedup();
    Bins::Quantile { edges }
}

/// Shares of `counts` (all zero when `counts` is empty of rows).
pub fn shares(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| if total == 0 { 0.0 } else { c as f64 / total as f64 })
        .collect()
}

/// Evidently's floor for the empty bins of one side: `0.0001`, or the smallest non-zero share
/// / 10⁶ when that is ≤ `0.0001`.
pub fn floor_empty(shares: &[f64]) -> Vec<f64> {
    let min = shares
        .iter()
        .copied()
        .filter(|&s| s > 0.0)
        .fold(f64::INFINITY, f64::min);
    let floor = if min <= EMPTY_BIN_SHARE {
        min / 1e6
    } else {
        EMPTY_BIN_SHARE
    };
    shares.iter().map(|&s| if s > 0.0 { s } else { floor }).collect()
}

/// PSI of two share vectors over the same bins, empty bins floored ([`floor_empty`]); bins
/// empty on both sides are left out, as in Evidently.
pub fn psi(reference_shares: &[f64], current_shares: &[f64]) -> f64 {
    let keep: Vec<usize> = (0..reference_shares.len().min(current_shares.len()))
        .filter(|&i| reference_shares[i] > 0.0 || current_shares[i] > 0.0)
        .collect();
    let r = floor_empty(&keep.iter().map(|&i| reference_shares[i]).collect::<Vec<_>>());
    let c = floor_empty(&keep.iter().map(|&i| current_shares[i]).collect::<Vec<_>>());
    r.iter().zip(&c).map(|(r, c)| (r - c) * (r / c).ln()).sum()
}

fn column_values(x: &Matrix, j: usize) -> Vec<f64> {
    x.columns[j].iter().map(|&v| f64::from(v)).collect()
}

impl ColumnReference {
    fn new(feature: &str, kind: DriftKind, bins: Bins, values: &[f64]) -> Self {
        let shares = shares(&bins.counts(values));
        Self {
            feature: feature.to_string(),
            kind,
            bins,
            shares,
        }
    }

    /// This column's drift in `values` (NaN is missing).
    pub fn drift(&self, values: &[f64], reference_rows: usize) -> Drift {
        let counts = self.bins.counts(values);
        Drift {
            feature: self.feature.clone(),
            psi: psi(&self.shares, &shares(&counts)),
            kind: self.kind,
            reference_rows,
            current_rows: values.len(),
            counts,
            reference_shares: self.shares.clone(),
        }
    }
}

impl Reference {
    /// The reference of a model's matrix `x` and its calibrated probabilities `score` on the
    /// same rows, over the features `monitored` keeps; `population` says which rows they are.
    pub fn build(x: &Matrix, score: &[f64], population: &str, monitored: impl Fn(&str) -> bool) -> Self {
        let features = x
            .schema
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| monitored(&c.name))
            .map(|(j, c)| {
                let values = column_values(x, j);
                match &c.kind {
                    ColumnKind::Numeric => {
                        ColumnReference::new(&c.name, DriftKind::Numeric, numeric_bins(&values), &values)
                    }
                    ColumnKind::Categorical { levels } => ColumnReference::new(
                        &c.name,
                        DriftKind::Categorical,
                        Bins::Levels {
                            levels: levels.clone(),
                        },
                        &values,
                    ),
                }
            })
            .collect();
        Self {
            population: population.to_string(),
            rows: x.rows,
            features,
            score: ColumnReference::new(SCORE_FEATURE, DriftKind::Score, numeric_bins(score), score),
        }
    }

    /// The drift of every reference feature, then of the score, in the current matrix `x`
    /// (the model's matrix; columns found by name) with its calibrated probabilities `score`.
    pub fn compare(&self, x: &Matrix, score: &[f64]) -> Result<Vec<Drift>, DriftError> {
        let names = x.schema.names();
        let index: Vec<Option<usize>> = self
            .features
            .iter()
            .map(|f| names.iter().position(|n| *n == f.feature))
            .collect();
        let missing: Vec<&str> = self
            .features
            .iter()
            .zip(&index)
            .filter(|(_, j)| j.is_none())
            .map(|(f, _)| f.feature.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(DriftError::FeatureMismatch {
                missing: missing.join(", "),
            });
        }
        if score.len() != x.rows {
            return Err(DriftError::ScoreRows {
                scores: score.len(),
                rows: x.rows,
            });
        }
        let mut out: Vec<Drift> = self
            .features
            .iter()
            .zip(index.into_iter().flatten())
            .map(|(f, j)| f.drift(&column_values(x, j), self.rows))
            .collect();
        out.push(self.score.drift(score, self.rows));
        Ok(out)
    }
}

/// The `monitoring` table's rows for one scoring run.
pub fn monitoring_frame(run_id: &str, model_version: &str, drifts: &[Drift]) -> PolarsResult<DataFrame> {
    let n = drifts.len();
    let mut frame = df!(
        "run_id" => vec![run_id; n],
        "model_version" => vec![model_version; n],
        "feature" => drifts.iter().map(|d| d.feature.as_str()).collect::<Vec<_>>(),
        "kind" => drifts.iter().map(|d| d.kind.name()).collect::<Vec<_>>(),
        "psi" => drifts.iter().map(|d| d.psi).collect::<Vec<_>>(),
        "status" => drifts.iter().map(Drift::status).collect::<Vec<_>>(),
        "reference_rows" => drifts.iter().map(|d| d.reference_rows as u64).collect::<Vec<_>>(),
        "current_rows" => drifts.iter().map(|d| d.current_rows as u64).collect::<Vec<_>>(),
    )?;
    let counts: Vec<Series> = drifts
        .iter()
        .map(|d| Series::new("".into(), d.counts.iter().map(|&c| c as i64).collect::<Vec<_>>()))
        .collect();
    let reference: Vec<Series> = drifts
        .iter()
        .map(|d| Series::new("".into(), d.reference_shares.clone()))
        .collect();
    frame.with_column(Series::new("bin_counts".into(), counts).into_column())?;
    frame.with_column(Series::new("reference_shares".into(), reference).into_column())?;
    Ok(frame)
}

/// Share of monitored features whose drift stops a run with `--fail-on-drift`.
pub const GATE_FEATURE_SHARE: f64 = 0.25;

/// Whether drift stops a run (`--fail-on-drift`): the score's own PSI is above
/// [`SIGNIFICANT_PSI`], or more than [`GATE_FEATURE_SHARE`] of the features' are. One drifting
/// feature alone (e.g. `days_since_nps`, which jumps with every NPS survey wave) only warns.
pub fn gate_trips(drifts: &[Drift]) -> bool {
    let score = drifts
        .iter()
        .any(|d| d.kind == DriftKind::Score && d.is_significant());
    let features = drifts.iter().filter(|d| d.kind != DriftKind::Score).count();
    let drifted = drifts
        .iter()
        .filter(|d| d.kind != DriftKind::Score && d.is_significant())
        .count();
    score || drifted as f64 > GATE_FEATURE_SHARE * features as f64
}

pub mod merge;

#[cfg(test)]
mod tests;
