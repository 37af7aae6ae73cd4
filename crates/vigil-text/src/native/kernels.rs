//! Row-major `f32` kernels of the native forward pass: the matrix product with a packed
//! constant right-hand side, layer norm, GELU, softmax, and a vectorisable `exp` and `erf`.
//!
//! The element-wise kernels are `#[inline(always)]` so that they are compiled into the
//! forward pass that [`super::NativeModel`] runs under `macerator::AutoArch::dispatch`, i.e.
//! with the CPU's AVX2/FMA, AVX-512 or NEON instructions, which the default `x86-64` target
//! lacks. `std`'s `f32::exp` is a libm call per element and Rust has no `erf`; the polynomial versions below
//! vectorise and are accurate to a few ulp (tested against `f64` references).

/// Rows of the left operand per register block of [`matmul_acc`].
const MR: usize = 6;
/// Columns per panel of a [`PackedMatrix`] (one AVX-512 or two AVX2 registers).
const NR: usize = 16;

/// A `[k, n]` right-hand matrix packed into panels of [`NR`] columns: panel `p` holds
/// columns `p·NR..p·NR+NR` (zero-padded) of every row, contiguous, so that the product
/// streams it. Weights are packed once; attention re-packs its keys and values per head.
#[derive(Debug, Clone, Default)]
pub struct PackedMatrix {
    k: usize,
    n: usize,
    panels: Vec<[f32; NR]>,
}

impl PackedMatrix {
    /// Packs a row-major `[k, n]` matrix.
    pub fn new(w: &[f32], k: usize, n: usize) -> Self {
        assert_eq!(w.len(), k * n, "PackedMatrix: {k}×{n} does not match the slice");
        let mut packed = Self::default();
        packed.pack(w, k, n, n);
        packed
    }

    /// Zeroed panels for a `[k, n]` matrix, reusing the memory.
    #[inline(always)]
    fn reset(&mut self, k: usize, n: usize) {
        self.k = k;
        self.n = n;
        self.panels.clear();
        self.panels.resize(n.div_ceil(NR) * k, [0.0; NR]);
    }

    /// Re-packs the `[k, n]` matrix whose row `r` is `src[r·stride..][..n]`.
    #[inline(always)]
    pub fn pack(&mut self, src: &[f32], k: usize, n: usize, stride: usize) {
        self.reset(k, n);
        for r in 0..k {
            let row = &src[r * stride..][..n];
            for (p, cols) in row.chunks(NR).enumerate() {
                self.panels[p * k + r][..cols.len()].copy_from_slice(cols);
            }
        }
    }

    /// Re-packs the transpose, scaled, of the `[n, k]` matrix whose row `c` is
    /// `src[c·stride..][..k]`: element `(r, c)` is `src[c·stride + r] · scale`.
    #[inline(always)]
    pub fn pack_transposed(&mut self, src: &[f32], k: usize, n: usize, stride: usize, scale: f32) {
        self.reset(k, n);
        for (p, panel) in self.panels.chunks_exact_mut(k).enumerate() {
            let cols = n.min(p * NR + NR) - p * NR;
            // Columns past `n` repeat the panel's first column, then are zeroed.
            let src_cols: [&[f32]; NR] =
                std::array::from_fn(|c| &src[(p * NR + if c < cols { c } else { 0 }) * stride..][..k]);
            for (r, dst) in panel.iter_mut().enumerate() {
                *dst = std::array::from_fn(|c| src_cols[c][r] * scale);
                dst[cols..].fill(0.0);
            }
        }
    }
}

/// `out[i][j] += Σ_p a[i][p] · b[p][j]` for `m` rows, where row `i` of `a` is
/// `a[i·lda..][..k]` and row `i` of `out` is `out[i·ldo..][..n]` (strided views: attention
/// reads one head's columns in place). On the calling thread; callers parallelise over
/// batches.
///
/// Hand-written because vigil forbids `unsafe` and the `gemm` crate's API is all `unsafe`;
/// `matrixmultiply` through ndarray's safe API was measured here at 28% of the forward's
/// time in its kernel plus 11% re-packing both operands on every call. This one streams the
/// pre-packed right-hand side against a `k × 6` transposed copy of six rows of `a` (reading
/// the rows in place through six zipped iterators made LLVM give up vectorising: 8× slower);
/// the `6 × 16` register block is written so that LLVM keeps it in vector registers (it is
/// compiled inside `macerator`'s dispatch, with FMA).
#[inline(always)]
pub fn matmul_acc(out: &mut [f32], ldo: usize, a: &[f32], lda: usize, m: usize, b: &PackedMatrix) {
    let (k, n) = (b.k, b.n);
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    assert!(
        lda >= k && ldo >= n && a.len() >= (m - 1) * lda + k && out.len() >= (m - 1) * ldo + n,
        "matmul_acc: [{m}, {k}] · [{k}, {n}] does not fit the slices"
    );
    let mut a_block = vec![[0.0f32; MR]; k];
    for i0 in (0..m).step_by(MR) {
        let rows = MR.min(m - i0);
        // Whole `[f32; MR]` stores (element-wise ones became slow AVX-512 scatters); rows past
        // `m` repeat the first row and their results are dropped.
        let a_rows: [&[f32]; MR] =
            std::array::from_fn(|r| &a[(i0 + if r < rows { r } else { 0 }) * lda..][..k]);
        for (kk, dst) in a_block.iter_mut().enumerate() {
            *dst = std::array::from_fn(|r| a_rows[r][kk]);
        }
        for (p, panel) in b.panels.chunks_exact(k).enumerate() {
            let mut acc = [[0.0f32; NR]; MR];
            for (av, bv) in a_block.iter().zip(panel) {
                for (acc_r, &a_r) in acc.iter_mut().zip(av) {
                    for (c, &b_c) in acc_r.iter_mut().zip(bv) {
                        *c = a_r.mul_add(b_c, *c);
                    }
                }
            }
            let c0 = p * NR;
            let width = NR.min(n - c0);
            for (r, acc_r) in acc.iter().enumerate().take(rows) {
                let out_r = &mut out[(i0 + r) * ldo + c0..][..width];
                for (o, v) in out_r.iter_mut().zip(acc_r) {
                    *o += v;
                }
            }
        }
    }
}

/// Sets every `row.len()`-wide row of `out` to `row`.
#[inline(always)]
pub fn fill_rows(out: &mut [f32], row: &[f32]) {
    for r in out.chunks_exact_mut(row.len()) {
        r.copy_from_slice(row);
    }
}

/// Adds `row` to every `row.len()`-wide row of `out`.
#[inline(always)]
pub fn add_rows(out: &mut [f32], row: &[f32]) {
    for r in out.chunks_exact_mut(row.len()) {
        for (o, b) in r.iter_mut().zip(row) {
            *o += b;
        }
    }
}

/// Sum with eight independent accumulators (vectorises; a plain `sum()` is sequential).
#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

/// Layer norm of each `gamma.len()`-wide row of `x` into `out` (biased variance, `eps`
/// inside the square root, as burn's `LayerNorm`).
#[inline(always)]
pub fn layer_norm_rows(x: &[f32], out: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let d = gamma.len();
    let inv_d = 1.0 / d as f32;
    let mut centred = [0.0f32; 8];
    for (xr, or) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        let mean = sum(xr) * inv_d;
        centred.fill(0.0);
        for c in xr.chunks(8) {
            for (a, v) in centred.iter_mut().zip(c) {
                *a += (v - mean) * (v - mean);
            }
        }
        let inv_std = 1.0 / (centred.iter().sum::<f32>() * inv_d + eps).sqrt();
        for (((o, v), g), b) in or.iter_mut().zip(xr).zip(gamma).zip(beta) {
            *o = (v - mean) * inv_std * g + b;
        }
    }
}

/// Exact GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))`, in place (burn's `Gelu`).
#[inline(always)]
pub fn gelu_in_place(xs: &mut [f32]) {
    for x in xs {
        *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// `erf` as a rational function on `[-4, 4]` (±1 in `f32` beyond): the approximation Eigen
/// and TensorFlow use for `f32`, max abs error about 1e-7.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    // Eigen's coefficients, written as f64 literals (as published) and rounded once.
    const A: [f32; 7] = [
        -2.72614225801306e-10_f64 as f32,
        2.77068142495902e-08_f64 as f32,
        -2.10102402082508e-06_f64 as f32,
        -5.69250639462346e-05_f64 as f32,
        -7.34990630326855e-04_f64 as f32,
        -2.95459980854025e-03_f64 as f32,
        -1.60960333262415e-02_f64 as f32,
    ];
    const B: [f32; 5] = [
        -1.45660718464996e-05_f64 as f32,
        -2.13374055278905e-04_f64 as f32,
        -1.68282697438203e-03_f64 as f32,
        -7.37332916720468e-03_f64 as f32,
        -1.42647390514189e-02_f64 as f32,
    ];
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = A[0];
    for a in &A[1..] {
        p = p * x2 + a;
    }
    let mut q = B[0];
    for b in &B[1..] {
        q = q * x2 + b;
    }
    x * p / q
}

/// `e^x` (Cephes' `expf`: range reduction by `ln 2`, degree-6 polynomial, exponent bits),
/// relative error about 2e-7; inputs below −87 give about 1e-38 instead of a subnormal.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LN2_HI: f32 = 355.0 / 512.0; // ln 2 rounded to 9 bits: n · LN2_HI is exact
    const LN2_LO: f32 = -2.121_944_40e-4_f64 as f32;
    const P: [f32; 6] = [
        1.987_569_150_0e-4_f64 as f32,
        1.398_199_950_7e-3_f64 as f32,
        8.333_451_907_3e-3_f64 as f32,
        4.166_579_589_4e-2_f64 as f32,
        1.666_666_545_9e-1_f64 as f32,
        5.000_000_120_1e-1_f64 as f32,
    ];
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = P[0];
    for c in &P[1..] {
        p = p * r + c;
    }
    let y = p * r * r + r + 1.0;
    // 2^n from the exponent bits; n + 127 is an integer in 2..=254, so adding 2^23 puts it in
    // the low mantissa bits, and the shift moves it into the exponent (no float-to-int
    // conversion, which would not vectorise).
    y * f32::from_bits((n + (127.0 + 8_388_608.0)).to_bits() << 23)
}

/// Softmax of `xs` in place.
#[inline(always)]
pub fn softmax_in_place(xs: &mut [f32]) {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    for c in chunks {
        for (m, &v) in lanes.iter_mut().zip(c) {
            *m = m.max(v);
        }
    }
    let max = lanes.iter().fold(rest, |m, &v| m.max(v));
    for v in xs.iter_mut() {
        *v = exp(*v - max);
    }
    let inv = 1.0 / sum(xs);
    for v in xs.iter_mut() {
        *v *= inv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf by its Maclaurin series in f64 (cancellation keeps it within 1e-9 on |x| ≤ 4;
    /// beyond, erf is ±1 to within 2e-8).
    fn erf_ref(x: f64) -> f64 {
        if x.abs() > 4.0 {
            return x.signum();
        }
        let (mut term, mut total) = (x, x);
        for n in 1..200 {
            term *= -x * x / n as f64;
            total += term / (2 * n + 1) as f64;
        }
        total * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn erf_and_exp_match_f64_references() {
        for i in -6000..=6000 {
            let x = i as f32 / 1000.0;
            let err = (f64::from(erf(x)) - erf_ref(f64::from(x))).abs();
            assert!(err < 5e-7, "erf({x}) off by {err}");
        }
        for i in -8700..=8800 {
            let x = i as f32 / 100.0;
            let want = f64::from(x).exp();
            let rel = ((f64::from(exp(x)) - want) / want).abs();
            assert!(rel < 1e-6, "exp({x}) off by {rel} (relative)");
        }
    }

    fn check_matmul(m: usize, k: usize, n: usize) {
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut out = vec![1.0; m * n];
        matmul_acc(&mut out, n, &a, k, m, &PackedMatrix::new(&b, k, n));
        for i in 0..m {
            for j in 0..n {
                let want = 1.0 + (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum::<f32>();
                assert!((out[i * n + j] - want).abs() < 1e-4, "{m}×{k}×{n} at ({i}, {j})");
            }
        }
    }

    #[test]
    fn matmul_and_layer_norm_match_naive_loops() {
        for (m, k, n) in [(5, 7, 3), (13, 33, 40), (6, 16, 16), (1, 1, 1)] {
            check_matmul(m, k, n);
        }
        let x = [1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 10.0];
        let mut y = [0.0; 8];
        layer_norm_rows(&x, &mut y, &[1.0, 1.0, 2.0, 1.0], &[0.0, 0.0, 0.0, 0.5], 1e-5);
        let s = (1.25f32 + 1e-5).sqrt();
        let want = [-1.5 / s, -0.5 / s, 1.0 / s, 1.5 / s + 0.5, 0.0, 0.0, 0.0, 0.5];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-5, "{y:?}");
        }
        let mut p = [1.0, 2.0, 3.0];
        softmax_in_place(&mut p);
        let z: f32 = [1.0f32, 2.0, 3.0].iter().map(|v| v.exp()).sum();
        for (i, v) in p.iter().enumerate() {
            assert!((v - ((i + 1) as f32).exp() / z).abs() < 1e-6);
        }
    }
}
