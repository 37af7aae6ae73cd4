//! Inference-only forward pass of a trained [`SentimentModel`] on plain `f32` matrices.
//!
//! The model stays a burn model: it is trained, saved and loaded with burn, and
//! [`SentimentModel::probabilities`] remains the reference forward (training uses it, and the
//! tests check this module against it: max abs difference of the probabilities ≤ 1e-4 on the
//! shipped model). [`NativeModel::from_burn`] copies the loaded weights once into contiguous
//! row-major matrices, and [`NativeModel::probabilities`] computes the same function:
//! embeddings + learned positions, pre-norm encoder layers (multi-head self-attention,
//! GELU feed-forward), masked-mean or CLS pooling, layer norm, lexicon fusion, linear head,
//! softmax.
//!
//! Why hand-written: burn 0.22's `flex` CPU device scored 971 texts/s against PyTorch's
//! 2,195 (0.44×, benches/README.md, "Sentiment inference vs PyTorch", batch 64, 2 threads).
//! A profile showed 44% of its time in `gemm` and the rest in per-op overhead: unfused
//! element-wise ops with a fresh (page-faulting) buffer each, libm `erf` per GELU element,
//! copies for reshapes and head swaps, attention over padded positions, and 1.4 of 2 cores
//! busy. Here: the products use weights packed once for a register-blocked kernel (see
//! `kernels::matmul_acc` for why it is not the `gemm` crate), attention runs per
//! sequence over its real tokens only (padding is skipped, not masked: burn's mask of −1e4
//! gives those keys a weight of exactly 0 in `f32`), bias is folded into the product's
//! output, GELU/softmax use vectorised polynomials, buffers are reused per thread, and each
//! batch runs on one thread while rayon spreads batches (and their tokenization and VADER
//! features) over the cores. Results do not depend on how texts are batched. Measured the
//! same day on the shared 2-core machine: 1,306–1,370 texts/s with 2 threads (burn: 971 on a
//! quiet machine) and, one thread per side, 2,133 texts/s against PyTorch's 1,149 (1.86×).

mod kernels;
#[cfg(test)]
mod tests;

use std::cell::RefCell;

use burn::module::Param;
use burn::nn::transformer::TransformerEncoderLayer;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::Tensor;

use super::model::{ModelConfig, SentimentModel};
use super::tokenizer::TokenBatch;
use super::{NUM_CLASSES, TextError};
use kernels::{
    PackedMatrix, add_rows, fill_rows, gelu_in_place, layer_norm_rows, matmul_acc, softmax_in_place,
};

/// burn's default `LayerNorm` epsilon, which the model uses everywhere.
const LAYER_NORM_EPS: f32 = 1e-5;

/// A layer norm's scale and shift.
#[derive(Debug, Clone)]
struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

/// One pre-norm encoder layer, weights row-major `[in, out]`.
#[derive(Debug, Clone)]
struct Layer {
    attn_norm: Norm,
    /// `[d, 3d]`: query, key and value projections side by side.
    wqkv: PackedMatrix,
    bqkv: Vec<f32>,
    wo: PackedMatrix,
    bo: Vec<f32>,
    ff_norm: Norm,
    w1: PackedMatrix,
    b1: Vec<f32>,
    w2: PackedMatrix,
    b2: Vec<f32>,
}

/// The weights of a [`SentimentModel`] as plain matrices, for CPU inference.
#[derive(Debug, Clone)]
pub struct NativeModel {
    d: usize,
    heads: usize,
    d_ff: usize,
    vocab: usize,
    max_len: usize,
    tokens: Vec<f32>,
    positions: Vec<f32>,
    layers: Vec<Layer>,
    norm: Norm,
    /// `[d + lexicon_dims, 3]`.
    head_w: Vec<f32>,
    head_b: Vec<f32>,
    cls_pooling: bool,
    lexicon_dims: usize,
}

/// Per-thread working memory, reused across batches (no page faults per batch).
#[derive(Default)]
struct Scratch {
    x: Vec<f32>,
    h: Vec<f32>,
    qkv: Vec<f32>,
    ctx: Vec<f32>,
    ff: Vec<f32>,
    /// One head's keys, transposed and scaled by `1/√d_k`, packed.
    keys: PackedMatrix,
    /// One head's values, packed.
    values: PackedMatrix,
    /// One head's `[n, n]` attention weights.
    scores: Vec<f32>,
}

/// One batch's forward pass as a `macerator` operation: dispatched to the best instruction
/// set of the CPU, with every kernel inlined into it.
struct Forward<'a> {
    model: &'a NativeModel,
    ids: &'a [usize],
    lens: &'a [usize],
    lexicon: Option<&'a [f32]>,
    scratch: &'a mut Scratch,
}

impl macerator::WithSimd for Forward<'_> {
    type Output = Vec<[f32; NUM_CLASSES]>;

    #[inline(always)]
    fn with_simd<S: macerator::Simd>(self) -> Self::Output {
        self.model
            .forward(self.ids, self.lens, self.lexicon, self.scratch)
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn values<const D: usize>(p: &Param<Tensor<D>>) -> Result<Vec<f32>, TextError> {
    p.val()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| TextError::Model(format!("reading weights failed: {e:?}")))
}

fn norm(n: &LayerNorm, d: usize) -> Result<Norm, TextError> {
    let beta = match &n.beta {
        Some(b) => values(b)?,
        None => vec![0.0; d],
    };
    Ok(Norm {
        gamma: values(&n.gamma)?,
        beta,
    })
}

/// Weight `[in, out]` and bias (zeros when the layer has none).
fn linear(l: &Linear) -> Result<(Vec<f32>, Vec<f32>), TextError> {
    let [_, out] = l.weight.val().dims();
    let bias = match &l.bias {
        Some(b) => values(b)?,
        None => vec![0.0; out],
    };
    Ok((values(&l.weight)?, bias))
}

fn layer(l: &TransformerEncoderLayer, d: usize, d_ff: usize) -> Result<Layer, TextError> {
    if !l.norm_first {
        return Err(TextError::Model(
            "the native forward needs a pre-norm encoder".into(),
        ));
    }
    let (wq, bq) = linear(&l.mha.query)?;
    let (wk, bk) = linear(&l.mha.key)?;
    let (wv, bv) = linear(&l.mha.value)?;
    let mut wqkv = Vec::with_capacity(3 * d * d);
    for r in 0..d {
        for w in [&wq, &wk, &wv] {
            wqkv.extend_from_slice(&w[r * d..(r + 1) * d]);
        }
    }
    let (wo, bo) = linear(&l.mha.output)?;
    let (w1, b1) = linear(&l.pwff.linear_inner)?;
    let (w2, b2) = linear(&l.pwff.linear_outer)?;
    // burn's pre-norm layer applies `norm_2` before attention and `norm_1` before the
    // feed-forward network.
    Ok(Layer {
        attn_norm: norm(&l.norm_2, d)?,
        wqkv: PackedMatrix::new(&wqkv, d, 3 * d),
        bqkv: [bq, bk, bv].concat(),
        wo: PackedMatrix::new(&wo, d, d),
        bo,
        ff_norm: norm(&l.norm_1, d)?,
        w1: PackedMatrix::new(&w1, d, d_ff),
        b1,
        w2: PackedMatrix::new(&w2, d_ff, d),
        b2,
    })
}

impl NativeModel {
    /// Copies the weights of a loaded burn model (built from `config`).
    pub fn from_burn(model: &SentimentModel, config: &ModelConfig) -> Result<Self, TextError> {
        let d = config.d_model;
        let encoder = &model.encoder;
        if encoder.quiet_softmax || encoder.layers.len() != config.n_layers {
            return Err(TextError::Model(
                "the native forward supports the standard softmax encoder only".into(),
            ));
        }
        let layers = encoder
            .layers
            .iter()
            .map(|l| layer(l, d, config.d_ff))
            .collect::<Result<Vec<_>, _>>()?;
        let (head_w, head_b) = linear(&model.head)?;
        Ok(Self {
            d,
            heads: config.n_heads,
            d_ff: config.d_ff,
            vocab: config.vocab_size,
            max_len: config.max_len,
            tokens: values(&model.tokens.weight)?,
            positions: values(&model.positions.weight)?,
            layers,
            norm: norm(&model.norm, d)?,
            head_w,
            head_b,
            cls_pooling: config.pooling == super::Pooling::Cls,
            lexicon_dims: config.lexicon_dims(),
        })
    }

    /// Class probabilities of each sequence of `batch`, on the calling thread. Padding must
    /// follow the real tokens of each row (the tokenizer pads on the right). `lexicon` is
    /// row-major `[batch, 4]` for models that take lexicon features (zeros when absent, as
    /// the burn forward does).
    pub fn probabilities(
        &self,
        batch: &TokenBatch,
        lexicon: Option<&[f32]>,
    ) -> Result<Vec<[f32; NUM_CLASSES]>, TextError> {
        let mut lens = Vec::with_capacity(batch.batch);
        let mut ids = Vec::with_capacity(batch.ids.len());
        for row in 0..batch.batch {
            let span = row * batch.seq_len..(row + 1) * batch.seq_len;
            let pad = &batch.padding[span.clone()];
            let n = pad.iter().take_while(|p| !**p).count();
            if pad[n..].iter().any(|p| !p) || n > self.max_len {
                return Err(TextError::Model(format!(
                    "row {row}: padding must follow at most {} real tokens",
                    self.max_len
                )));
            }
            for &id in &batch.ids[span][..n] {
                match usize::try_from(id) {
                    Ok(id) if id < self.vocab => ids.push(id),
                    _ => {
                        return Err(TextError::Model(format!(
                            "token id {id} is out of the vocabulary"
                        )));
                    }
                }
            }
            lens.push(n);
        }
        let lexicon = lexicon.filter(|_| self.lexicon_dims > 0);
        if let Some(lex) = lexicon
            && lex.len() != batch.batch * self.lexicon_dims
        {
            return Err(TextError::Model("lexicon features do not match the batch".into()));
        }
        Ok(SCRATCH.with_borrow_mut(|scratch| {
            macerator::AutoArch::new().dispatch(Forward {
                model: self,
                ids: &ids,
                lens: &lens,
                lexicon,
                scratch,
            })
        }))
    }

    #[inline(always)]
    fn forward(
        &self,
        ids: &[usize],
        lens: &[usize],
        lexicon: Option<&[f32]>,
        s: &mut Scratch,
    ) -> Vec<[f32; NUM_CLASSES]> {
        let (d, f, t) = (self.d, self.d_ff, ids.len());
        for (buf, width) in [
            (&mut s.x, d),
            (&mut s.h, d),
            (&mut s.qkv, 3 * d),
            (&mut s.ctx, d),
            (&mut s.ff, f),
        ] {
            buf.resize(t * width, 0.0);
        }
        let mut id = ids.iter();
        let mut rows = s.x.chunks_exact_mut(d);
        for &n in lens {
            for pos in 0..n {
                let (Some(&tok), Some(row)) = (id.next(), rows.next()) else {
                    break;
                };
                let (te, pe) = (&self.tokens[tok * d..][..d], &self.positions[pos * d..][..d]);
                for ((o, a), b) in row.iter_mut().zip(te).zip(pe) {
                    *o = a + b;
                }
            }
        }
        for l in &self.layers {
            layer_norm_rows(
                &s.x,
                &mut s.h,
                &l.attn_norm.gamma,
                &l.attn_norm.beta,
                LAYER_NORM_EPS,
            );
            fill_rows(&mut s.qkv, &l.bqkv);
            matmul_acc(&mut s.qkv, 3 * d, &s.h, d, t, &l.wqkv);
            self.attention(lens, s);
            add_rows(&mut s.x, &l.bo);
            matmul_acc(&mut s.x, d, &s.ctx, d, t, &l.wo);
            layer_norm_rows(&s.x, &mut s.h, &l.ff_norm.gamma, &l.ff_norm.beta, LAYER_NORM_EPS);
            fill_rows(&mut s.ff, &l.b1);
            matmul_acc(&mut s.ff, f, &s.h, d, t, &l.w1);
            gelu_in_place(&mut s.ff);
            add_rows(&mut s.x, &l.b2);
            matmul_acc(&mut s.x, d, &s.ff, f, t, &l.w2);
        }
        self.head(lens, lexicon, &s.x)
    }

    /// Multi-head self-attention of each sequence over its own tokens: `s.qkv` → `s.ctx`.
    /// Per sequence and head: scores `Q·Kᵀ/√d_k`, row softmax, `weights · V` into the head's
    /// columns of the context.
    #[inline(always)]
    fn attention(&self, lens: &[usize], s: &mut Scratch) {
        let (d, heads) = (self.d, self.heads);
        let dk = d / heads;
        let w = 3 * d;
        let scale = 1.0 / (dk as f32).sqrt();
        let mut start = 0;
        for &n in lens {
            let qkv = &s.qkv[start * w..(start + n) * w];
            let ctx = &mut s.ctx[start * d..(start + n) * d];
            s.scores.resize(n * n, 0.0);
            for h in 0..heads {
                s.keys.pack_transposed(&qkv[d + h * dk..], dk, n, w, scale);
                s.scores.fill(0.0);
                matmul_acc(&mut s.scores, n, &qkv[h * dk..], w, n, &s.keys);
                for row in s.scores.chunks_exact_mut(n) {
                    softmax_in_place(row);
                }
                s.values.pack(&qkv[2 * d + h * dk..], n, dk, w);
                for row in ctx.chunks_exact_mut(d) {
                    row[h * dk..][..dk].fill(0.0);
                }
                matmul_acc(&mut ctx[h * dk..], d, &s.scores, n, n, &s.values);
            }
            start += n;
        }
    }

    /// Pooling, layer norm, lexicon fusion, linear head and softmax for each sequence.
    #[inline(always)]
    fn head(&self, lens: &[usize], lexicon: Option<&[f32]>, x: &[f32]) -> Vec<[f32; NUM_CLASSES]> {
        let d = self.d;
        let width = d + self.lexicon_dims;
        let mut pooled = vec![0.0f32; d];
        let mut normed = vec![0.0f32; d];
        let mut input = vec![0.0f32; width];
        let mut start = 0;
        let mut out = Vec::with_capacity(lens.len());
        for (b, &n) in lens.iter().enumerate() {
            pooled.fill(0.0);
            let take = if self.cls_pooling { n.min(1) } else { n };
            for row in x[start * d..(start + take) * d].chunks_exact(d) {
                for (p, v) in pooled.iter_mut().zip(row) {
                    *p += v;
                }
            }
            if !self.cls_pooling {
                let inv = 1.0 / (n.max(1) as f32);
                for p in pooled.iter_mut() {
                    *p *= inv;
                }
            }
            layer_norm_rows(
                &pooled,
                &mut normed,
                &self.norm.gamma,
                &self.norm.beta,
                LAYER_NORM_EPS,
            );
            input[..d].copy_from_slice(&normed);
            let lex = &mut input[d..];
            match lexicon {
                Some(l) => lex.copy_from_slice(&l[b * self.lexicon_dims..][..self.lexicon_dims]),
                None => lex.fill(0.0),
            }
            let mut logits: [f32; NUM_CLASSES] = [0.0; NUM_CLASSES];
            logits.copy_from_slice(&self.head_b[..NUM_CLASSES]);
            for (v, wrow) in input.iter().zip(self.head_w.chunks_exact(NUM_CLASSES)) {
                for (l, w) in logits.iter_mut().zip(wrow) {
                    *l += v * w;
                }
            }
            softmax_in_place(&mut logits);
            out.push(logits);
            start += n;
        }
        out
    }
}
