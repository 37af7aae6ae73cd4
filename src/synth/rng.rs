//! Seeding and small sampling helpers.
//!
//! Each account gets its own ChaCha8 stream derived from `(seed, account index)`, which
//! keeps the output independent of how accounts are split across threads. The helpers
//! never panic (no `random_range` on empty ranges, probabilities are clamped), so the
//! generator has no failure path besides building frames.

use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The generator's RNG.
pub(crate) type Rng = ChaCha8Rng;

/// SplitMix64 finaliser: a cheap, well-mixing bijection on `u64`.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of one account (`stream` separates independent uses).
pub(crate) fn stream(seed: u64, index: u64, stream: u64) -> Rng {
    Rng::seed_from_u64(mix(mix(seed ^ mix(stream)) ^ index))
}

/// Uniform in `[0, 1)`.
pub(crate) fn unit(rng: &mut Rng) -> f64 {
    rng.random::<f64>()
}

/// Uniform in `[lo, hi)`.
pub(crate) fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

/// Uniform integer in `[lo, hi]` (returns `lo` when the range is empty).
pub(crate) fn int(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo { lo } else { rng.random_range(lo..=hi) }
}

/// `true` with probability `p` (clamped to `[0, 1]`).
pub(crate) fn chance(rng: &mut Rng, p: f64) -> bool {
    unit(rng) < p.clamp(0.0, 1.0)
}

/// Standard normal draw.
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// Log-normal draw with the given median and log-scale standard deviation.
pub(crate) fn lognormal(rng: &mut Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Exponential draw with the given mean.
pub(crate) fn exponential(rng: &mut Rng, mean: f64) -> f64 {
    -mean * (1.0 - unit(rng)).ln()
}

/// Poisson draw (Knuth for small means, normal approximation above 30).
pub(crate) fn poisson(rng: &mut Rng, lambda: f64) -> u64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0;
    }
    if lambda > 30.0 {
        let x = lambda + lambda.sqrt() * normal(rng);
        return x.round().max(0.0) as u64;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p = unit(rng);
    while p > limit {
        k += 1;
        p *= unit(rng);
    }
    k
}

/// Logistic function.
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A uniformly chosen element (the slices used are static and never empty; an empty
/// slice yields the default value).
pub(crate) fn pick<T: Copy + Default>(rng: &mut Rng, items: &[T]) -> T {
    if items.is_empty() {
        return T::default();
    }
    items[rng.random_range(0..items.len())]
}

/// Index drawn with probability proportional to `weights` (0 if all are zero).
pub(crate) fn weighted(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    if total <= 0.0 {
        return 0;
    }
    let mut x = unit(rng) * total;
    for (i, w) in weights.iter().enumerate() {
        x -= w.max(0.0);
        if x < 0.0 {
            return i;
        }
    }
    weights.len().saturating_sub(1)
}
