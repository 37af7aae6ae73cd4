//! Histogram bins: every feature value becomes one byte before training.
//!
//! Bin 0 holds missing values. A numeric feature gets up to `max_bins − 1` value bins with
//! upper bounds at quantiles of (a sample of) its training values, or at the midpoints
//! between its distinct values when there are few; a value `v` falls in the first bin whose
//! upper bound is `≥ v`, so a split "bins 1..=b go left" is exactly the raw predicate
//! `v ≤ upper[b − 1]` the saved tree uses. A categorical feature gets one bin per level.

use crate::{ColumnKind, Matrix};
use rayon::prelude::*;

/// Values sampled per feature to place the quantile bounds.
const SAMPLE: usize = 200_000;

/// Bins of one feature.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureBins {
    /// Upper bounds of the value bins (the last is +∞).
    Numeric(Vec<f32>),
    /// One bin per level.
    Categorical(usize),
}

impl FeatureBins {
    /// Bins including the missing bin.
    pub fn count(&self) -> usize {
        match self {
            FeatureBins::Numeric(upper) => upper.len() + 1,
            FeatureBins::Categorical(levels) => levels + 1,
        }
    }

    /// The bin of a value.
    #[inline]
    pub fn bin(&self, v: f32) -> u8 {
        if v.is_nan() {
            return 0;
        }
        match self {
            FeatureBins::Numeric(upper) => (1 + upper.partition_point(|&u| u < v)) as u8,
            FeatureBins::Categorical(levels) => {
                let level = v as usize;
                if level < *levels { (level + 1) as u8 } else { 0 }
            }
        }
    }
}

/// The bins of every feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Binner {
    /// Per feature, in schema order.
    pub features: Vec<FeatureBins>,
}

impl Binner {
    /// Places the bins from the training matrix (`max_bins` ≤ 255 including the missing bin),
    /// one feature per task.
    pub fn fit(x: &Matrix, max_bins: usize) -> Self {
        let max_value_bins = max_bins.clamp(2, 255) - 1;
        let features = x
            .schema
            .columns
            .par_iter()
            .zip(&x.columns)
            .map(|(sc, values)| match &sc.kind {
                ColumnKind::Categorical { levels } => FeatureBins::Categorical(levels.len()),
                ColumnKind::Numeric => FeatureBins::Numeric(numeric_bounds(values, max_value_bins)),
            })
            .collect();
        Self { features }
    }

    /// The binned matrix, column-major, one feature per task.
    pub fn bin(&self, x: &Matrix) -> Vec<Vec<u8>> {
        self.bin_with(x, false)
    }

    /// [`Binner::bin`]; with `unseen_apart`, a category beyond the training levels gets
    /// bin 255 instead of the missing bin.
    pub fn bin_with(&self, x: &Matrix, unseen_apart: bool) -> Vec<Vec<u8>> {
        self.features
            .par_iter()
            .zip(&x.columns)
            .map(|(fb, values)| {
                values
                    .iter()
                    .map(|&v| match fb {
                        FeatureBins::Categorical(levels)
                            if unseen_apart && !v.is_nan() && v as usize >= *levels =>
                        {
                            u8::MAX
                        }
                        _ => fb.bin(v),
                    })
                    .collect()
            })
            .collect()
    }
}

fn numeric_bounds(values: &[f32], max_value_bins: usize) -> Vec<f32> {
    let present = values.iter().filter(|v| !v.is_nan()).count();
    let stride = present.div_ceil(SAMPLE).max(1);
    let mut sample: Vec<f32> = values
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .step_by(stride)
        .collect();
    sample.sort_by(f32::total_cmp);
    let mut distinct = sample.clone();
    distinct.dedup();
    let mut upper: Vec<f32> = if distinct.len() <= max_value_bins {
        distinct.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0).collect()
    } else {
        let n = sample.len();
        let mut bounds: Vec<f32> = (1..max_value_bins)
            .map(|k| sample[(k * n / max_value_bins).min(n - 1)])
            .collect();
        bounds.dedup();
        // The largest value must not be an upper bound, or it would get a bin of its own
        // above which nothing lies; +∞ closes the last bin.
        if bounds.last().is_some_and(|&b| Some(&b) == distinct.last()) {
            bounds.pop();
        }
        bounds
    };
    upper.push(f32::INFINITY);
    upper
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each_and_nan_bin_zero() {
        let b = FeatureBins::Numeric(numeric_bounds(&[1.0, 2.0, 2.0, 5.0, f32::NAN], 254));
        assert_eq!(b.count(), 4);
        assert_eq!(b.bin(f32::NAN), 0);
        assert_eq!(b.bin(1.0), 1);
        assert_eq!(b.bin(2.0), 2);
        assert_eq!(b.bin(5.0), 3);
        assert_eq!(b.bin(100.0), 3);
        assert_eq!(b.bin(-3.0), 1);
    }

    #[test]
    fn many_values_are_cut_at_quantiles_and_bins_are_ordered() {
        let values: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        let b = FeatureBins::Numeric(numeric_bounds(&values, 15));
        assert_eq!(b.count(), 16);
        let bins: Vec<u8> = values.iter().map(|&v| b.bin(v)).collect();
        assert!(bins.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(bins[0], 1);
        assert_eq!(*bins.last().unwrap_or(&0), 15);
    }
}
