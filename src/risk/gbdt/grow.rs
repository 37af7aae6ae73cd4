//! Growing one tree leaf-wise on histograms (the LightGBM scheme): the leaf whose best
//! split reduces the loss most is split next; a child's histogram is built from its rows
//! only for the smaller child, the larger one is the parent's minus the smaller's.
//!
//! Missing values go to whichever side is better (both are tried). Monotone constraints use
//! the "basic" method: a constrained split must order its two leaf values the right way,
//! and each child's later outputs are bounded by the midpoint of the two, so no deeper split
//! can undo the order.

use super::GbdtParams;
use super::bins::{Binner, FeatureBins};
use super::tree::{Node, Tree};
use rayon::prelude::*;

/// Histogram slots per feature (255 bins at most, plus one spare for alignment).
pub const STRIDE: usize = 256;

/// Smoothing of the gradient ratio that orders categories (LightGBM's `cat_smooth`).
const CAT_SMOOTH: f64 = 10.0;

/// Gradient statistics of a histogram bin or a node.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Stat {
    g: f64,
    h: f64,
    n: u32,
}

impl Stat {
    fn add(&mut self, o: &Stat) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
    }
    fn minus(&self, o: &Stat) -> Stat {
        Stat {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n.saturating_sub(o.n),
        }
    }
}

/// Where rows go at a split, in bin terms.
#[derive(Debug, Clone, PartialEq)]
enum Rule {
    /// Value bins `1..=b` go left.
    Upto(u8),
    /// Bins whose bit is set go left.
    Set([u64; 4]),
}

#[derive(Debug, Clone)]
struct Split {
    feature: usize,
    gain: f64,
    rule: Rule,
    default_left: bool,
    left: Stat,
    right: Stat,
    wl: f64,
    wr: f64,
}

struct Leaf {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    sums: Stat,
    lo: f64,
    hi: f64,
    hist: Vec<[Stat; STRIDE]>,
    best: Option<Split>,
}

/// The rows of each leaf of a grown tree, as ranges of the index buffer, with their output.
pub type LeafRows = Vec<(usize, usize, f64)>;

/// Grows trees over one binned training matrix.
pub struct Grower<'a> {
    /// Binned training matrix, row-major: row r's bins are `bins[r * width..(r + 1) * width]`.
    pub bins: &'a [u8],
    /// Features per row.
    pub width: usize,
    /// The same bins column-major (`columns[f][r]`), for partitioning a leaf on one feature.
    pub columns: &'a [Vec<u8>],
    /// The bins' definitions (for thresholds).
    pub binner: &'a Binner,
    /// Per feature: +1 non-decreasing, −1 non-increasing, 0 free.
    pub monotone: &'a [i8],
    /// Settings.
    pub params: &'a GbdtParams,
}

impl Grower<'_> {
    /// Grows one tree on gradients `grad`/`hess` with sample weights `weight` (for cover);
    /// `indices` (every training row) is reordered so that each leaf's rows are contiguous.
    pub fn grow(&self, grad: &[f32], hess: &[f32], weight: &[f32], indices: &mut [u32]) -> (Tree, LeafRows) {
        let p = self.params;
        let mut nodes = vec![Node::leaf(0.0, 0.0)];
        let hist = self.histogram(indices, grad, hess);
        let sums = indices.iter().fold(Stat::default(), |mut a, &r| {
            a.add(&Stat {
                g: f64::from(grad[r as usize]),
                h: f64::from(hess[r as usize]),
                n: 1,
            });
            a
        });
        let mut root = Leaf {
            node: 0,
            start: 0,
            end: indices.len(),
            depth: 0,
            sums,
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            hist,
            best: None,
        };
        root.best = self.best_split(&root);
        let mut leaves = vec![root];
        while leaves.len() < p.num_leaves.max(2) {
            let pick = leaves
                .iter()
                .enumerate()
                .filter_map(|(i, l)| l.best.as_ref().map(|b| (i, b.gain)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((i, _)) = pick else { break };
            let mut leaf = leaves.swap_remove(i);
            let Some(best) = leaf.best.take() else { break };
            let (left, right) = self.split(leaf, best, &mut nodes, grad, hess, indices);
            leaves.push(left);
            leaves.push(right);
        }
        let mut rows = Vec::with_capacity(leaves.len());
        for leaf in &leaves {
            let w = leaf_value(&leaf.sums, p.lambda_l2, leaf.lo, leaf.hi) * p.learning_rate;
            let cover: f64 = indices[leaf.start..leaf.end]
                .iter()
                .map(|&r| f64::from(weight[r as usize]))
                .sum();
            nodes[leaf.node] = Node::leaf(w, cover);
            rows.push((leaf.start, leaf.end, w));
        }
        fill_cover(&mut nodes, 0);
        (Tree { nodes }, rows)
    }

    fn split(
        &self,
        leaf: Leaf,
        s: Split,
        nodes: &mut Vec<Node>,
        grad: &[f32],
        hess: &[f32],
        indices: &mut [u32],
    ) -> (Leaf, Leaf) {
        let Leaf {
            node,
            start,
            end,
            depth,
            lo,
            hi,
            hist,
            ..
        } = leaf;
        // Partition the leaf's rows, left rows first, each side keeping its order (ascending
        // row numbers keep the histogram's reads of the bin matrix and gradients sequential).
        let rows = &mut indices[start..end];
        let col = &self.columns[s.feature];
        let (mut left_rows, mut right_rows) = (Vec::with_capacity(rows.len()), Vec::new());
        for &r in rows.iter() {
            if goes_left(&s.rule, s.default_left, col[r as usize]) {
                left_rows.push(r);
            } else {
                right_rows.push(r);
            }
        }
        let mid = left_rows.len();
        rows[..mid].copy_from_slice(&left_rows);
        rows[mid..].copy_from_slice(&right_rows);
        let (lo_l, hi_l, lo_r, hi_r) = match self.monotone[s.feature] {
            0 => (lo, hi, lo, hi),
            c => {
                let m = (s.wl + s.wr) / 2.0;
                if c > 0 {
                    (lo, hi.min(m), lo.max(m), hi)
                } else {
                    (lo.max(m), hi, lo, hi.min(m))
                }
            }
        };
        let (left_idx, right_idx) = (nodes.len(), nodes.len() + 1);
        nodes.push(Node::leaf(0.0, 0.0));
        nodes.push(Node::leaf(0.0, 0.0));
        let (threshold, left_levels) = match (&s.rule, &self.binner.features[s.feature]) {
            (Rule::Upto(b), FeatureBins::Numeric(upper)) => (upper[*b as usize - 1], Vec::new()),
            (Rule::Set(bits), _) => {
                // Bin k holds level k − 1.
                let mut levels = vec![0u64; 4];
                for bin in 1..STRIDE {
                    if bits[bin / 64] >> (bin % 64) & 1 == 1 {
                        let level = bin - 1;
                        levels[level / 64] |= 1 << (level % 64);
                    }
                }
                while levels.last() == Some(&0) {
                    levels.pop();
                }
                if levels.is_empty() {
                    levels.push(0);
                }
                (0.0, levels)
            }
            (Rule::Upto(_), FeatureBins::Categorical(_)) => (0.0, vec![0]),
        };
        nodes[node] = Node {
            feature: s.feature as u32,
            threshold,
            left_levels,
            default_left: s.default_left,
            left: left_idx as u32,
            right: right_idx as u32,
            value: 0.0,
            cover: 0.0,
            gain: s.gain,
        };
        let (l_rows, r_rows) = (&indices[start..start + mid], &indices[start + mid..end]);
        let (hist_l, hist_r) = if l_rows.len() <= r_rows.len() {
            let small = self.histogram(l_rows, grad, hess);
            let large = subtract(&hist, &small);
            (small, large)
        } else {
            let small = self.histogram(r_rows, grad, hess);
            let large = subtract(&hist, &small);
            (large, small)
        };
        let mut left = Leaf {
            node: left_idx,
            start,
            end: start + mid,
            depth: depth + 1,
            sums: s.left,
            lo: lo_l,
            hi: hi_l,
            hist: hist_l,
            best: None,
        };
        let mut right = Leaf {
            node: right_idx,
            start: start + mid,
            end,
            depth: depth + 1,
            sums: s.right,
            lo: lo_r,
            hi: hi_r,
            hist: hist_r,
            best: None,
        };
        left.best = self.best_split(&left);
        right.best = self.best_split(&right);
        (left, right)
    }

    /// Row-wise histogram construction (LightGBM's `force_row_wise`): each row's bins are
    /// contiguous, so one pass over the rows fills every feature's histogram, and successive
    /// updates hit different features rather than queueing on one bin. Chunks of rows are
    /// summed in parallel into per-task histograms, then added up.
    fn histogram(&self, rows: &[u32], grad: &[f32], hess: &[f32]) -> Vec<[Stat; STRIDE]> {
        let size = self.width;
        let fill = |mut hist: Vec<[Stat; STRIDE]>, chunk: &[u32]| {
            for &r in chunk {
                let r = r as usize;
                let (g, h) = (f64::from(grad[r]), f64::from(hess[r]));
                let row = &self.bins[r * self.width..(r + 1) * self.width];
                // A u8 indexes a 256-slot array: no bounds checks in the hot loop.
                for (hf, &b) in hist.iter_mut().zip(row) {
                    let e = &mut hf[b as usize];
                    e.g += g;
                    e.h += h;
                    e.n += 1;
                }
            }
            hist
        };
        if rows.len() < 20_000 {
            return fill(vec![[Stat::default(); STRIDE]; size], rows);
        }
        rows.par_chunks(16_384)
            .fold(|| vec![[Stat::default(); STRIDE]; size], fill)
            .reduce_with(|mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    x.iter_mut().zip(y).for_each(|(x, y)| x.add(y));
                }
                a
            })
            .unwrap_or_else(|| vec![[Stat::default(); STRIDE]; size])
    }

    fn best_split(&self, leaf: &Leaf) -> Option<Split> {
        let p = self.params;
        if p.max_depth > 0 && leaf.depth >= p.max_depth {
            return None;
        }
        if leaf.sums.n < 2 * p.min_data_in_leaf.max(1) {
            return None;
        }
        let parent_w = leaf_value(&leaf.sums, p.lambda_l2, leaf.lo, leaf.hi);
        let parent_gain = leaf_gain(&leaf.sums, p.lambda_l2, parent_w);
        (0..self.width)
            .into_par_iter()
            .filter_map(|f| {
                let h = &leaf.hist[f][..];
                match &self.binner.features[f] {
                    FeatureBins::Numeric(upper) => self.numeric(f, h, upper.len() + 1, leaf, parent_gain),
                    FeatureBins::Categorical(levels) => self.categorical(f, h, levels + 1, leaf, parent_gain),
                }
            })
            .reduce_with(|a, b| {
                if b.gain > a.gain || (b.gain == a.gain && b.feature < a.feature) {
                    b
                } else {
                    a
                }
            })
    }

    fn numeric(&self, f: usize, h: &[Stat], nb: usize, leaf: &Leaf, parent_gain: f64) -> Option<Split> {
        let mut best: Option<Split> = None;
        let directions: &[bool] = if h[0].n > 0 { &[false, true] } else { &[false] };
        for &default_left in directions {
            let mut left = if default_left { h[0] } else { Stat::default() };
            for (b, bin) in h.iter().enumerate().take(nb.saturating_sub(1)).skip(1) {
                left.add(bin);
                let right = leaf.sums.minus(&left);
                if right.n < self.params.min_data_in_leaf || right.h < self.params.min_sum_hessian {
                    break;
                }
                if let Some(s) = self.evaluate(
                    f,
                    Rule::Upto(b as u8),
                    default_left,
                    left,
                    right,
                    leaf,
                    parent_gain,
                ) && best.as_ref().is_none_or(|x| s.gain > x.gain)
                {
                    best = Some(s);
                }
            }
        }
        best
    }

    fn categorical(&self, f: usize, h: &[Stat], nb: usize, leaf: &Leaf, parent_gain: f64) -> Option<Split> {
        let smooth = CAT_SMOOTH;
        let mut cats: Vec<usize> = (1..nb).filter(|&b| h[b].n > 0).collect();
        if cats.len() < 2 {
            return None;
        }
        cats.sort_by(|&a, &b| (h[a].g / (h[a].h + smooth)).total_cmp(&(h[b].g / (h[b].h + smooth))));
        let mut best: Option<Split> = None;
        let directions: &[bool] = if h[0].n > 0 { &[false, true] } else { &[false] };
        for &default_left in directions {
            let mut left = if default_left { h[0] } else { Stat::default() };
            let mut bits = [0u64; 4];
            for &b in &cats[..cats.len() - 1] {
                left.add(&h[b]);
                bits[b / 64] |= 1 << (b % 64);
                let right = leaf.sums.minus(&left);
                if right.n < self.params.min_data_in_leaf || right.h < self.params.min_sum_hessian {
                    break;
                }
                if let Some(s) =
                    self.evaluate(f, Rule::Set(bits), default_left, left, right, leaf, parent_gain)
                    && best.as_ref().is_none_or(|x| s.gain > x.gain)
                {
                    best = Some(s);
                }
            }
        }
        best
    }

    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        feature: usize,
        rule: Rule,
        default_left: bool,
        left: Stat,
        right: Stat,
        leaf: &Leaf,
        parent_gain: f64,
    ) -> Option<Split> {
        let p = self.params;
        if left.n < p.min_data_in_leaf || left.h < p.min_sum_hessian {
            return None;
        }
        let wl = leaf_value(&left, p.lambda_l2, leaf.lo, leaf.hi);
        let wr = leaf_value(&right, p.lambda_l2, leaf.lo, leaf.hi);
        match self.monotone[feature] {
            c if c > 0 && wl > wr => return None,
            c if c < 0 && wl < wr => return None,
            _ => {}
        }
        let gain = leaf_gain(&left, p.lambda_l2, wl) + leaf_gain(&right, p.lambda_l2, wr) - parent_gain;
        (gain > p.min_gain_to_split && gain.is_finite()).then_some(Split {
            feature,
            gain,
            rule,
            default_left,
            left,
            right,
            wl,
            wr,
        })
    }
}

fn goes_left(rule: &Rule, default_left: bool, bin: u8) -> bool {
    if bin == 0 {
        return default_left;
    }
    match rule {
        Rule::Upto(b) => bin <= *b,
        Rule::Set(bits) => bits[bin as usize / 64] >> (bin % 64) & 1 == 1,
    }
}

fn subtract(parent: &[[Stat; STRIDE]], child: &[[Stat; STRIDE]]) -> Vec<[Stat; STRIDE]> {
    parent
        .iter()
        .zip(child)
        .map(|(p, c)| std::array::from_fn(|b| p[b].minus(&c[b])))
        .collect()
}

/// The regularised optimal leaf value, clamped to the monotone bounds.
fn leaf_value(s: &Stat, lambda: f64, lo: f64, hi: f64) -> f64 {
    (-s.g / (s.h + lambda)).clamp(lo, hi)
}

/// Loss reduction of a leaf with value `w` (equals G²/(H+λ) at the unclamped optimum).
fn leaf_gain(s: &Stat, lambda: f64, w: f64) -> f64 {
    -(2.0 * s.g * w + (s.h + lambda) * w * w)
}

/// Covers of split nodes: the sum of their children's.
fn fill_cover(nodes: &mut [Node], i: usize) -> f64 {
    if nodes[i].is_leaf() {
        return nodes[i].cover;
    }
    let (l, r) = (nodes[i].left as usize, nodes[i].right as usize);
    let c = fill_cover(nodes, l) + fill_cover(nodes, r);
    nodes[i].cover = c;
    c
}
