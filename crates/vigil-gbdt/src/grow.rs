//! Growing one tree leaf-wise on histograms (the LightGBM scheme): the leaf whose best
//! split reduces the loss most is split next; a child's histogram is built from its rows
//! only for the smaller child, the larger one is the parent's minus the smaller's.
//!
//! Missing values go to whichever side is better (both are tried). Monotone constraints use
//! the "basic" method: a constrained split must order its two leaf values the right way,
//! and each child's later outputs are bounded by the midpoint of the two, so no deeper split
//! can undo the order.

use crate::GbdtParams;
use crate::bins::{Binner, FeatureBins};
use crate::hist::{Bin, RowBins, Slots};
use crate::route::{self, BinTree, Table};
use crate::tree::{Node, Tree};
use rayon::prelude::*;

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
    fn of(b: &Bin) -> Stat {
        Stat {
            g: b.0[0],
            h: b.0[1],
            n: b.0[2] as u32,
        }
    }
    fn bin(&self) -> Bin {
        Bin([self.g, self.h, f64::from(self.n), 0.0])
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
    hist: Vec<Bin>,
    best: Option<Split>,
}

/// The rows of each leaf of a grown tree, as ranges of the index buffer, with their output.
pub type LeafRows = Vec<(usize, usize, f64)>;

/// Buffers reused from one node and one tree to the next, so growing allocates nothing
/// once warm.
#[derive(Default)]
pub struct Scratch {
    /// Histograms of finished leaves, ready for new ones.
    pool: Vec<Vec<Bin>>,
    /// Per-thread histograms of a parallel fill.
    fill: Vec<Vec<Bin>>,
    /// Per-block right-hand rows of a partition.
    right: Vec<Vec<u32>>,
}

/// Grows trees over one binned training matrix.
pub struct Grower<'a> {
    /// Binned training rows, sparse row-major, for histograms.
    pub rows: &'a RowBins,
    /// Where each feature's bins sit in a histogram.
    pub slots: &'a Slots,
    /// The bins column-major (`columns[f][r]`), for partitioning a leaf on one feature.
    pub columns: &'a [Vec<u8>],
    /// The bins' definitions (for thresholds).
    pub binner: &'a Binner,
    /// Per feature: +1 non-decreasing, −1 non-increasing, 0 free.
    pub monotone: &'a [i8],
    /// Settings.
    pub params: &'a GbdtParams,
}

impl Grower<'_> {
    /// Grows one tree on per-row (gradient, hessian) pairs `gh` with sample weights `weight`
    /// (for cover); `indices` (every training row) is reordered so that each leaf's rows are
    /// contiguous. Returns the tree twice, as saved and in bin space, with its leaves' rows.
    pub fn grow(
        &self,
        gh: &[[f32; 2]],
        weight: &[f32],
        indices: &mut [u32],
        scratch: &mut Scratch,
    ) -> (Tree, BinTree, LeafRows) {
        let p = self.params;
        let mut nodes = vec![Node::leaf(0.0, 0.0)];
        let mut bin_tree = BinTree::with_nodes(2 * p.num_leaves.max(2));
        let sums = gh.iter().fold(Stat::default(), |mut a, &[g, h]| {
            a.add(&Stat {
                g: f64::from(g),
                h: f64::from(h),
                n: 1,
            });
            a
        });
        let mut hist = scratch.pool.pop().unwrap_or_else(|| self.slots.empty());
        hist.resize(self.slots.total, Bin::default());
        self.rows.fill(None, gh, &mut hist, &mut scratch.fill);
        self.slots.restore_skipped(&mut hist, &sums.bin());
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
            let (left, right) = self.split(leaf, best, (&mut nodes, &mut bin_tree), gh, indices, scratch);
            leaves.push(left);
            leaves.push(right);
        }
        let mut rows = Vec::with_capacity(leaves.len());
        for leaf in leaves {
            let w = leaf_value(&leaf.sums, p.lambda_l2, leaf.lo, leaf.hi) * p.learning_rate;
            let cover: f64 = indices[leaf.start..leaf.end]
                .iter()
                .map(|&r| f64::from(weight[r as usize]))
                .sum();
            nodes[leaf.node] = Node::leaf(w, cover);
            bin_tree.set_leaf(leaf.node, w);
            rows.push((leaf.start, leaf.end, w));
            scratch.pool.push(leaf.hist);
        }
        fill_cover(&mut nodes, 0);
        (Tree { nodes }, bin_tree, rows)
    }

    fn split(
        &self,
        leaf: Leaf,
        s: Split,
        (nodes, bin_tree): (&mut Vec<Node>, &mut BinTree),
        gh: &[[f32; 2]],
        indices: &mut [u32],
        scratch: &mut Scratch,
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
        let table: Table = std::array::from_fn(|b| goes_left(&s.rule, s.default_left, b as u8));
        let mid = route::partition(
            &mut indices[start..end],
            &self.columns[s.feature],
            &table,
            &mut scratch.right,
        );
        let ((lo_l, hi_l), (lo_r, hi_r)) = child_bounds(self.monotone[s.feature], &s, lo, hi);
        let (left_idx, right_idx) = (nodes.len(), nodes.len() + 1);
        nodes.push(Node::leaf(0.0, 0.0));
        nodes.push(Node::leaf(0.0, 0.0));
        let (threshold, left_levels) = self.saved_rule(&s);
        bin_tree.set_split(node, s.feature, table, [left_idx, right_idx]);
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
        let (left_rows, right_rows) = indices[start..end].split_at(mid);
        let (hist_l, hist_r) = self.child_histograms(hist, (left_rows, right_rows), &s, gh, scratch);
        let child = |node, (start, end), sums, (lo, hi), hist| Leaf {
            node,
            start,
            end,
            depth: depth + 1,
            sums,
            lo,
            hi,
            hist,
            best: None,
        };
        let mut left = child(left_idx, (start, start + mid), s.left, (lo_l, hi_l), hist_l);
        let mut right = child(right_idx, (start + mid, end), s.right, (lo_r, hi_r), hist_r);
        let (bl, br) = rayon::join(|| self.best_split(&left), || self.best_split(&right));
        left.best = bl;
        right.best = br;
        (left, right)
    }

    /// The split as the saved tree holds it: a numeric feature's upper value bound, or a
    /// categorical feature's left-going levels as a bit set (bin `k` holds level `k − 1`).
    fn saved_rule(&self, s: &Split) -> (f32, Vec<u64>) {
        match (&s.rule, &self.binner.features[s.feature]) {
            (Rule::Upto(b), FeatureBins::Numeric(upper)) => (upper[*b as usize - 1], Vec::new()),
            (Rule::Set(bits), _) => {
                let mut levels = vec![0u64; 4];
                for bin in 1..256 {
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
        }
    }

    /// The two children's histograms: the smaller child's is built from its rows; the
    /// parent's becomes the larger child's by subtracting it in place.
    fn child_histograms(
        &self,
        mut parent: Vec<Bin>,
        (left_rows, right_rows): (&[u32], &[u32]),
        s: &Split,
        gh: &[[f32; 2]],
        scratch: &mut Scratch,
    ) -> (Vec<Bin>, Vec<Bin>) {
        let left_smaller = left_rows.len() <= right_rows.len();
        let (small_rows, small_sums) = if left_smaller {
            (left_rows, s.left)
        } else {
            (right_rows, s.right)
        };
        let mut small = scratch.pool.pop().unwrap_or_else(|| self.slots.empty());
        small.resize(self.slots.total, Bin::default());
        self.rows
            .fill(Some(small_rows), gh, &mut small, &mut scratch.fill);
        self.slots.restore_skipped(&mut small, &small_sums.bin());
        for (p, c) in parent.iter_mut().zip(&small) {
            p.sub(c);
        }
        if left_smaller {
            (small, parent)
        } else {
            (parent, small)
        }
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
        (0..self.slots.range.len())
            .into_par_iter()
            .filter_map(|f| {
                let (first, nb) = self.slots.range[f]?;
                let h: Vec<Stat> = leaf.hist[first..first + nb].iter().map(Stat::of).collect();
                match &self.binner.features[f] {
                    FeatureBins::Numeric(_) => self.numeric(f, &h, leaf, parent_gain),
                    FeatureBins::Categorical(_) => self.categorical(f, &h, leaf, parent_gain),
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

    fn numeric(&self, f: usize, h: &[Stat], leaf: &Leaf, parent_gain: f64) -> Option<Split> {
        let mut best: Option<Split> = None;
        let directions: &[bool] = if h[0].n > 0 { &[false, true] } else { &[false] };
        for &default_left in directions {
            let mut left = if default_left { h[0] } else { Stat::default() };
            for (b, bin) in h.iter().enumerate().take(h.len().saturating_sub(1)).skip(1) {
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

    fn categorical(&self, f: usize, h: &[Stat], leaf: &Leaf, parent_gain: f64) -> Option<Split> {
        let smooth = CAT_SMOOTH;
        let mut cats: Vec<usize> = (1..h.len()).filter(|&b| h[b].n > 0).collect();
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

/// The output bounds of a split's two children, `((lo, hi) left, (lo, hi) right)`: a
/// monotone feature (`constraint` ±1) bounds each side by the midpoint of the two leaf
/// values so that no deeper split can undo their order; a free one keeps the parent's.
fn child_bounds(constraint: i8, s: &Split, lo: f64, hi: f64) -> ((f64, f64), (f64, f64)) {
    let m = (s.wl + s.wr) / 2.0;
    match constraint {
        0 => ((lo, hi), (lo, hi)),
        c if c > 0 => ((lo, hi.min(m)), (lo.max(m), hi)),
        _ => ((lo.max(m), hi), (lo, hi.min(m))),
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
