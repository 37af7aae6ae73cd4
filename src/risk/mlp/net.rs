//! The MLP's input encoding (standardisation, missing indicators, embedding indices), its
//! burn network and batched inference; see [`super`] for the model as a whole.

use burn::module::{Module, Param};
use burn::nn::{Embedding, Linear};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::MlpParams;
use crate::risk::RiskError;
use vigil_gbdt::{ColumnKind, Matrix};

/// Rows per forward pass at prediction time.
const PREDICT_BATCH: usize = 8192;
/// Standardised numerics are clipped to ±this.
const CLIP: f32 = 10.0;

/// How one schema column enters the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(super) enum Input {
    /// Standardised value, plus an indicator input when `missing_indicator`.
    Numeric {
        mean: f32,
        std: f32,
        missing_indicator: bool,
    },
    /// Embedding rows `offset .. offset + levels + 1` (the last: missing or unknown).
    Categorical { offset: usize, levels: usize },
}

/// Learns the input encoding from training rows.
pub(super) fn learn_inputs(x: &Matrix) -> Vec<Input> {
    let mut offset = 0;
    x.schema
        .columns
        .iter()
        .zip(&x.columns)
        .map(|(sc, col)| match &sc.kind {
            ColumnKind::Numeric => {
                let (mut n, mut sum, mut sq) = (0.0f64, 0.0f64, 0.0f64);
                for v in col.iter().filter(|v| v.is_finite()).map(|&v| f64::from(v)) {
                    n += 1.0;
                    sum += v;
                    sq += v * v;
                }
                let mean = if n > 0.0 { sum / n } else { 0.0 };
                let std = if n > 0.0 {
                    (sq / n - mean * mean).max(0.0).sqrt()
                } else {
                    0.0
                };
                Input::Numeric {
                    mean: mean as f32,
                    std: if std.is_finite() && std > 1e-9 {
                        std as f32
                    } else {
                        1.0
                    },
                    missing_indicator: col.iter().any(|v| !v.is_finite()),
                }
            }
            ColumnKind::Categorical { levels } => {
                let input = Input::Categorical {
                    offset,
                    levels: levels.len(),
                };
                offset += levels.len() + 1;
                input
            }
        })
        .collect()
}

/// The Shapley background row: training median of each numeric column, most frequent level
/// of each categorical one (`None` when a column has no value at all).
pub(super) fn background_row(x: &Matrix, inputs: &[Input]) -> Vec<Option<f32>> {
    inputs
        .iter()
        .zip(&x.columns)
        .map(|(input, col)| match input {
            Input::Numeric { .. } => {
                let mut v: Vec<f32> = col.iter().copied().filter(|v| v.is_finite()).collect();
                if v.is_empty() {
                    return None;
                }
                let mid = v.len() / 2;
                let (_, m, _) = v.select_nth_unstable_by(mid, f32::total_cmp);
                Some(*m)
            }
            Input::Categorical { levels, .. } => {
                let mut counts = vec![0usize; *levels];
                for &v in col {
                    if let Some(c) = level_of(v, *levels).and_then(|l| counts.get_mut(l)) {
                        *c += 1;
                    }
                }
                let best = (0..*levels).max_by_key(|&l| (counts[l], std::cmp::Reverse(l)))?;
                (counts[best] > 0).then_some(best as f32)
            }
        })
        .collect()
}

/// The level index of a categorical value, `None` when missing or unknown.
fn level_of(v: f32, levels: usize) -> Option<usize> {
    (v.is_finite() && v >= 0.0 && (v as usize) < levels).then_some(v as usize)
}

/// Rows encoded for the network, row-major.
pub(super) struct Encoded {
    rows: usize,
    dense: Vec<f32>,
    dense_width: usize,
    cats: Vec<i64>,
    cat_width: usize,
}

/// Encodes rows `start..end` of `x`.
pub(super) fn encode(inputs: &[Input], x: &Matrix, start: usize, end: usize) -> Encoded {
    let dense_width = dense_width(inputs);
    let cat_width = inputs.len() - numeric_count(inputs);
    let rows = end - start;
    let mut dense = Vec::with_capacity(rows * dense_width);
    let mut cats = Vec::with_capacity(rows * cat_width);
    for r in start..end {
        for (input, col) in inputs.iter().zip(&x.columns) {
            let v = col[r];
            match *input {
                Input::Numeric {
                    mean,
                    std,
                    missing_indicator,
                } => {
                    let missing = !v.is_finite();
                    dense.push(if missing {
                        0.0
                    } else {
                        ((v - mean) / std).clamp(-CLIP, CLIP)
                    });
                    if missing_indicator {
                        dense.push(if missing { 1.0 } else { 0.0 });
                    }
                }
                Input::Categorical { offset, levels } => {
                    cats.push((offset + level_of(v, levels).unwrap_or(levels)) as i64);
                }
            }
        }
    }
    Encoded {
        rows,
        dense,
        dense_width,
        cats,
        cat_width,
    }
}

impl Encoded {
    /// The rows at `idx`.
    pub(super) fn gather(&self, idx: &[usize]) -> Encoded {
        let (dw, cw) = (self.dense_width, self.cat_width);
        Encoded {
            rows: idx.len(),
            dense: idx
                .iter()
                .flat_map(|&i| &self.dense[i * dw..(i + 1) * dw])
                .copied()
                .collect(),
            dense_width: dw,
            cats: idx
                .iter()
                .flat_map(|&i| &self.cats[i * cw..(i + 1) * cw])
                .copied()
                .collect(),
            cat_width: cw,
        }
    }
}

fn numeric_count(inputs: &[Input]) -> usize {
    inputs
        .iter()
        .filter(|i| matches!(i, Input::Numeric { .. }))
        .count()
}

fn dense_width(inputs: &[Input]) -> usize {
    inputs
        .iter()
        .map(|i| match i {
            Input::Numeric {
                missing_indicator, ..
            } => 1 + usize::from(*missing_indicator),
            Input::Categorical { .. } => 0,
        })
        .sum()
}

/// The network. Dropout is applied in [`Net::forward`] from the caller's RNG, not by a burn
/// `Dropout` module: burn's RNG is process-global, so a seeded run would not reproduce while
/// another thread draws from it.
#[derive(Module, Debug)]
pub(super) struct Net {
    embedding: Option<Embedding>,
    layers: Vec<Linear>,
    head: Linear,
    cat_width: usize,
    embedding_dim: usize,
}

impl Net {
    /// Builds the network for `inputs`, with weights drawn from `rng` (linear layers
    /// `U(±1/√fan_in)` as burn's default, embeddings `N(0, 1)`), or zeros without one (a
    /// skeleton to load saved weights into).
    pub(super) fn init(
        params: &MlpParams,
        inputs: &[Input],
        device: &Device,
        mut rng: Option<&mut ChaCha8Rng>,
    ) -> Self {
        let cat_width = inputs.len() - numeric_count(inputs);
        let table: usize = inputs
            .iter()
            .map(|i| match i {
                Input::Categorical { levels, .. } => levels + 1,
                Input::Numeric { .. } => 0,
            })
            .sum();
        let mut draw = |n: usize, normal: bool, k: f32| -> Vec<f32> {
            match rng.as_deref_mut() {
                Some(r) if normal => (0..n).map(|_| r.sample::<f32, _>(StandardNormal)).collect(),
                Some(r) => (0..n).map(|_| r.random_range(-k..k)).collect(),
                None => vec![0.0; n],
            }
        };
        let embedding = (cat_width > 0).then(|| {
            let weights = draw(table * params.embedding_dim, true, 0.0);
            Embedding {
                weight: Param::from_data(TensorData::new(weights, [table, params.embedding_dim]), device),
            }
        });
        let mut linear = |a: usize, b: usize| {
            let k = 1.0 / (a as f32).sqrt();
            let weight = TensorData::new(draw(a * b, false, k), [a, b]);
            let bias = TensorData::new(draw(b, false, k), [b]);
            Linear {
                weight: Param::from_data(weight, device),
                bias: Some(Param::from_data(bias, device)),
            }
        };
        let mut width = dense_width(inputs) + cat_width * params.embedding_dim;
        let mut layers = Vec::with_capacity(params.hidden.len());
        for &h in &params.hidden {
            layers.push(linear(width, h));
            width = h;
        }
        let head = linear(width, 1);
        Net {
            embedding,
            layers,
            head,
            cat_width,
            embedding_dim: params.embedding_dim,
        }
    }

    /// Margins `[rows]` of encoded rows; `dropout` (training only) is the RNG of the masks
    /// and the rate.
    pub(super) fn forward(
        &self,
        batch: &Encoded,
        device: &Device,
        mut dropout: Option<(&mut ChaCha8Rng, f64)>,
    ) -> Tensor<1> {
        let b = batch.rows;
        let mut parts = Vec::with_capacity(2);
        if batch.dense_width > 0 {
            let data = TensorData::new(batch.dense.clone(), [b, batch.dense_width]);
            parts.push(Tensor::<2>::from_data(data, device));
        }
        if let Some(embedding) = &self.embedding {
            let data = TensorData::new(batch.cats.clone(), [b, self.cat_width]);
            let ids = Tensor::<2, Int>::from_data(data, device);
            parts.push(
                embedding
                    .forward(ids)
                    .reshape([b, self.cat_width * self.embedding_dim]),
            );
        }
        let mut h = Tensor::cat(parts, 1);
        for layer in &self.layers {
            h = relu(layer.forward(h));
            if let Some((rng, rate)) = dropout.as_mut()
                && *rate > 0.0
            {
                let [rows, width] = h.dims();
                let scale = (1.0 / (1.0 - *rate)) as f32;
                let mask: Vec<f32> = (0..rows * width)
                    .map(|_| if rng.random::<f64>() < *rate { 0.0 } else { scale })
                    .collect();
                h = h * Tensor::<2>::from_data(TensorData::new(mask, [rows, width]), device);
            }
        }
        self.head.forward(h).reshape([b])
    }
}

/// Margins of every row of `x`, in batches, with a network in inference mode.
pub(super) fn predict_with(
    net: &Net,
    inputs: &[Input],
    x: &Matrix,
    device: &Device,
) -> Result<Vec<f64>, RiskError> {
    let mut out = Vec::with_capacity(x.rows);
    let mut start = 0;
    while start < x.rows {
        let end = (start + PREDICT_BATCH).min(x.rows);
        let margins = net
            .forward(&encode(inputs, x, start, end), device, None)
            .into_data();
        let margins: Vec<f32> = margins
            .try_into_vec()
            .map_err(|e| RiskError::Neural(format!("reading margins failed: {e:?}")))?;
        out.extend(margins.into_iter().map(f64::from));
        start = end;
    }
    Ok(out)
}
