//! Training/validation splits and negative down-sampling.
//!
//! Out of time: validation is the last `validation_weeks` of snapshots; training ends one
//! label horizon before validation starts, so no training label looks into the validation
//! period. Without a time column (external tables), a seeded split by group id (all rows of
//! one account on one side) or by row. Negatives of the training part may be down-sampled;
//! the kept ones carry weight `1 / rate`, so weighted sums and the base rate are unbiased.

use super::RiskError;
use crate::time::HOUR_US;
use serde::Serialize;

/// Row indices of the two parts and the training rows' weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    /// Training rows (after down-sampling).
    #[serde(skip)]
    pub train: Vec<usize>,
    /// Weight of each training row.
    #[serde(skip)]
    pub train_weight: Vec<f32>,
    /// Validation rows.
    #[serde(skip)]
    pub valid: Vec<usize>,
    /// Training snapshots are before this instant (µs since epoch); `None` for random splits.
    pub train_end_us: Option<i64>,
    /// Validation snapshots are at or after this instant.
    pub valid_start_us: Option<i64>,
    /// Rows dropped in the gap between the two.
    pub gap_rows: usize,
    /// Training negatives dropped by down-sampling.
    pub sampled_out: usize,
}

/// Seeded 64-bit hash of a key (SplitMix64 over XXH3-64), uniform in [0, 1).
pub fn unit_hash(key: &[u8], seed: u64) -> f64 {
    let mut z = crate::hash::stable_hash(&[key]) ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Splits by time: validation = snapshots at or after `last − validation_weeks`, training
/// = snapshots before `validation start − gap_hours`.
pub fn by_time(times_us: &[i64], validation_weeks: u32, gap_hours: u32) -> Result<Split, RiskError> {
    let last = times_us
        .iter()
        .copied()
        .max()
        .ok_or_else(|| RiskError::Data("no labelled snapshots to split".into()))?;
    let valid_start = last - i64::from(validation_weeks) * 7 * 24 * HOUR_US;
    let train_end = valid_start - i64::from(gap_hours) * HOUR_US;
    let (mut train, mut valid, mut gap) = (Vec::new(), Vec::new(), 0);
    for (i, &t) in times_us.iter().enumerate() {
        if t >= valid_start {
            valid.push(i);
        } else if t < train_end {
            train.push(i);
        } else {
            gap += 1;
        }
    }
    if train.is_empty() {
        return Err(RiskError::Data(format!(
            "no training snapshots before the last {validation_weeks} validation weeks and the {gap_hours} h gap: \
             the history is too short (lower [risk] validation_weeks or lengthen the window)"
        )));
    }
    let train_weight = vec![1.0; train.len()];
    Ok(Split {
        train,
        train_weight,
        valid,
        train_end_us: Some(train_end),
        valid_start_us: Some(valid_start),
        gap_rows: gap,
        sampled_out: 0,
    })
}

/// Splits at random (seeded): by `groups` when given (all rows of a group on one side),
/// else by row number.
pub fn random(rows: usize, groups: Option<&[String]>, valid_share: f64, seed: u64) -> Split {
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for i in 0..rows {
        let u = match groups {
            Some(g) => unit_hash(g[i].as_bytes(), seed),
            None => unit_hash(&(i as u64).to_le_bytes(), seed),
        };
        if u < valid_share {
            valid.push(i)
        } else {
            train.push(i)
        }
    }
    let train_weight = vec![1.0; train.len()];
    Split {
        train,
        train_weight,
        valid,
        train_end_us: None,
        valid_start_us: None,
        gap_rows: 0,
        sampled_out: 0,
    }
}

impl Split {
    /// Keeps each training negative with probability `rate` (seeded by `keys[i]`) and
    /// weights the kept ones by `1 / rate`; positives are all kept, with weight
    /// `positive_weight` (class weighting).
    pub fn downsample(
        &mut self,
        label: &[bool],
        keys: &[String],
        rate: f64,
        positive_weight: f64,
        seed: u64,
    ) {
        let rate = rate.clamp(1e-6, 1.0);
        let mut train = Vec::with_capacity(self.train.len());
        let mut weight = Vec::with_capacity(self.train.len());
        for &i in &self.train {
            if label[i] {
                train.push(i);
                weight.push(positive_weight as f32);
            } else if rate >= 1.0 || unit_hash(keys[i].as_bytes(), seed) < rate {
                train.push(i);
                weight.push((1.0 / rate) as f32);
            } else {
                self.sampled_out += 1;
            }
        }
        self.train = train;
        self.train_weight = weight;
    }
}
