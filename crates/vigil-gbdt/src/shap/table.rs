//! Leaf-table TreeSHAP: the path-dependent Shapley values of [`super::recursive`], with the
//! work that does not depend on the row done once per tree (the idea of Yang 2021, "Fast
//! TreeSHAP", v2).
//!
//! A leaf of value `v` whose path tests the distinct features `U` (`d = |U|`; a feature split
//! twice on the path is one element, as TreeSHAP's unwind merges it) contributes the game
//! `f(S) = v · [S ⊆ A] · Π_{k ∈ U∖S} z_k`, where `z_k` is the product of the cover ratios of
//! the path's edges on feature `k` and `A ⊆ U` the features whose every test on the path the
//! row passes. With the Shapley weights `w(s) = s!(d−s−1)!/d!` and
//! `H(B) = v · Σ_{S ⊆ B} w(|S|) · Π_{k ∈ U∖S} z_k`, feature `j` of the leaf gets
//!
//! - `−H(A)` when `j ∉ A`, and
//! - `(1 − z_j)/z_j · H(A ∖ {j})` when `j ∈ A`.
//!
//! (Shapley's sum over `S ⊆ U ∖ {j}` of `w(|S|) · (f(S ∪ {j}) − f(S))`: when `j ∉ A`,
//! `f(S ∪ {j}) = 0` and `f(S)` is nonzero only for `S ⊆ A`; when `j ∈ A`, only `S ⊆ A ∖ {j}`
//! count and `f(S ∪ {j}) − f(S) = (1 − z_j)/z_j · v · Π_{k ∈ U∖S} z_k`.)
//!
//! So each leaf keeps `H` for every subset of its path's features (a table of `2^d` values,
//! summed over subsets once per tree), and a row costs one pass over the splits to find each
//! leaf's `A` as a bitmask plus `d` table reads per leaf: O(L · D) per tree instead of
//! recursive TreeSHAP's O(L · D²) with its divisions.
//!
//! Memory bound: a leaf gets a table only when its path has at most [`MAX_PATH_FEATURES`]
//! distinct features (a table of at most 2^16 values, 512 KiB) and the tree's tables stay
//! within [`MAX_TABLE_ENTRIES`] values (2 MiB); any other leaf keeps its path (O(d)) and is
//! explained by the recursion's O(d²) leaf step ([`super::recursive::leaf_shap`]).
//! [`Tables::new`] declines a tree (the caller then uses the recursion for all of it) when a
//! cover ratio is zero or not finite (the division above) or a path has more than 64
//! distinct features (the mask's width).

use super::recursive::{PathBuffer, leaf_shap};
use crate::tree::Tree;

/// Most distinct features on one leaf's path for which the leaf gets a table. Measured on
/// 100 trees of 31 leaves (depth ≤ 15): 8 → 2.7 s, 12 → 0.75 s, 14 and 16 → 0.51 s of CPU
/// to explain 10,000 rows (the recursion: 6.5 s), the leaves past the bound dominating.
pub const MAX_PATH_FEATURES: usize = 16;

/// Most table values (`f64`) one tree may hold.
pub const MAX_TABLE_ENTRIES: usize = 1 << 18;

/// Most distinct features on a path (bits of a mask).
const MASK_BITS: usize = 64;

/// A split, in an order where every split comes after its parent.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// Index of the split in [`Tree::nodes`] (read for categorical splits only).
    node: u32,
    feature: u32,
    /// A numeric split's threshold and missing-value side, copied from the node.
    threshold: f32,
    default_left: bool,
    categorical: bool,
    /// Its mask slot; the children's are `left` and `right`.
    slot: u32,
    left: u32,
    right: u32,
    /// Bit set in the child the row goes to (0 when the feature is already on the path).
    pass: u64,
    /// Mask kept in the other child: the feature's bit cleared.
    fail: u64,
}

/// A leaf: its mask slot, its path's distinct features `features[first..first + len]`, and
/// its table `table[offset..offset + 2^len]` (or, for a leaf without one, its value and `z`
/// at `z[first..first + len]`).
#[derive(Debug, Clone, Copy)]
struct Leaf {
    slot: u32,
    first: u32,
    len: u32,
    offset: u32,
    value: f64,
}

/// A distinct feature of a leaf's path, in the order the path meets it (its bit).
#[derive(Debug, Clone, Copy)]
struct PathFeature {
    feature: u32,
    /// What multiplies the table's `H(A ∖ {j})`: `−1` when the row fails the feature's tests
    /// (then `A ∖ {j} = A`), `(1 − z)/z` when it passes them.
    factor: [f64; 2],
}

/// One tree prepared for leaf-table TreeSHAP.
#[derive(Debug)]
pub struct Tables<'a> {
    tree: &'a Tree,
    steps: Vec<Step>,
    /// Leaves with a table.
    leaves: Vec<Leaf>,
    /// Leaves without one.
    deep: Vec<Leaf>,
    features: Vec<PathFeature>,
    /// Path features and `z` of the leaves without a table.
    deep_features: Vec<u32>,
    z: Vec<f64>,
    table: Vec<f64>,
    slots: usize,
}

impl<'a> Tables<'a> {
    /// Prepares `tree`, or `None` when it is a single leaf, has a zero or non-finite cover
    /// ratio or a path with more than 64 distinct features (see the module doc).
    pub fn new(tree: &'a Tree) -> Option<Self> {
        if tree.nodes.first().is_none_or(|n| n.is_leaf()) {
            return None;
        }
        let mut tables = Self {
            tree,
            steps: Vec::new(),
            leaves: Vec::new(),
            deep: Vec::new(),
            features: Vec::new(),
            deep_features: Vec::new(),
            z: Vec::new(),
            table: Vec::new(),
            slots: 1,
        };
        tables.visit(0, 0, &mut Vec::new()).then_some(tables)
    }

    /// Mask slots one row needs ([`Tables::add`]'s `masks`).
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Most distinct features on the path of a leaf without a table (0 if none): the depth
    /// [`Tables::add`]'s `buf` must be sized for.
    pub fn deep_path(&self) -> usize {
        self.deep.iter().map(|l| l.len as usize).max().unwrap_or(0)
    }

    /// Adds the tree's SHAP values for row `r` of the column-major `columns` to `phi`;
    /// `masks` must hold at least [`Tables::slots`] values and `buf` be sized for
    /// [`Tables::deep_path`].
    pub fn add(
        &self,
        columns: &[Vec<f32>],
        r: usize,
        phi: &mut [f64],
        masks: &mut [u64],
        buf: &mut PathBuffer,
    ) {
        self.route(columns, r, masks);
        for leaf in &self.leaves {
            let a = masks[leaf.slot as usize] as usize;
            let table = &self.table[leaf.offset as usize..][..1 << leaf.len];
            let features = &self.features[leaf.first as usize..][..leaf.len as usize];
            for (k, pf) in features.iter().enumerate() {
                let without = a & !(1 << k);
                phi[pf.feature as usize] += pf.factor[(a >> k) & 1] * table[without];
            }
        }
        for leaf in &self.deep {
            let (first, len) = (leaf.first as usize, leaf.len as usize);
            let features = &self.deep_features[first..first + len];
            let z = &self.z[first..first + len];
            leaf_shap(leaf.value, features, z, masks[leaf.slot as usize], phi, buf);
        }
    }

    /// Fills `masks` with each node's mask for row `r`: bit `k` set when the row passes every
    /// test on the path's `k`-th distinct feature so far.
    fn route(&self, columns: &[Vec<f32>], r: usize, masks: &mut [u64]) {
        masks[0] = 0;
        for s in &self.steps {
            let v = columns[s.feature as usize][r];
            let left = if s.categorical {
                self.tree.nodes[s.node as usize].goes_left(v)
            } else {
                (v <= s.threshold) | (v.is_nan() & s.default_left)
            };
            let m = masks[s.slot as usize];
            let (pass, fail) = (m | s.pass, m & s.fail);
            masks[s.left as usize] = if left { pass } else { fail };
            masks[s.right as usize] = if left { fail } else { pass };
        }
    }

    /// Prepares the subtree at `node` (mask slot `slot`) below a path of distinct features
    /// with their `z`; false when the tree must fall back to the recursion.
    fn visit(&mut self, node: usize, slot: u32, path: &mut Vec<(u32, f64)>) -> bool {
        let n = &self.tree.nodes[node];
        if n.is_leaf() {
            self.leaf(n.value, slot, path);
            return true;
        }
        let (left, right) = (self.slots as u32, self.slots as u32 + 1);
        self.slots += 2;
        let known = path.iter().position(|&(f, _)| f == n.feature);
        let bit = known.unwrap_or(path.len());
        if bit >= MASK_BITS {
            return false;
        }
        self.steps.push(Step {
            node: node as u32,
            feature: n.feature,
            threshold: n.threshold,
            default_left: n.default_left,
            categorical: !n.left_levels.is_empty(),
            slot,
            left,
            right,
            pass: if known.is_some() { 0 } else { 1 << bit },
            fail: !(1 << bit),
        });
        let cover = n.cover.max(f64::MIN_POSITIVE);
        [(n.left, left), (n.right, right)]
            .into_iter()
            .all(|(child, child_slot)| {
                let ratio = self.tree.nodes[child as usize].cover / cover;
                if ratio == 0.0 || !ratio.is_finite() {
                    return false;
                }
                match known {
                    Some(k) => {
                        let before = path[k].1;
                        path[k].1 = ratio * before;
                        let ok = self.visit(child as usize, child_slot, path);
                        path[k].1 = before;
                        ok
                    }
                    None => {
                        path.push((n.feature, ratio));
                        let ok = self.visit(child as usize, child_slot, path);
                        path.pop();
                        ok
                    }
                }
            })
    }

    /// Adds a leaf of output `value` below `path`: with a table within the memory bound,
    /// otherwise with its path.
    fn leaf(&mut self, value: f64, slot: u32, path: &[(u32, f64)]) {
        let d = path.len();
        let fits = d <= MAX_PATH_FEATURES && self.table.len() + (1 << d) <= MAX_TABLE_ENTRIES;
        let mut leaf = Leaf {
            slot,
            first: 0,
            len: d as u32,
            offset: self.table.len() as u32,
            value,
        };
        if !fits {
            leaf.first = self.z.len() as u32;
            self.deep_features.extend(path.iter().map(|&(f, _)| f));
            self.z.extend(path.iter().map(|&(_, z)| z));
            self.deep.push(leaf);
            return;
        }
        leaf.first = self.features.len() as u32;
        self.features.extend(path.iter().map(|&(feature, z)| PathFeature {
            feature,
            factor: [-1.0, (1.0 - z) / z],
        }));
        let z: Vec<f64> = path.iter().map(|&(_, z)| z).collect();
        self.table.extend(leaf_table(&z, value));
        self.leaves.push(leaf);
    }
}

/// `H(B)` for every subset `B` of a leaf's path features (bit `k` for feature `k`), given
/// their `z` and the leaf's value.
fn leaf_table(z: &[f64], value: f64) -> Vec<f64> {
    let d = z.len();
    let weights = shapley_weights(d);
    let full = (1usize << d) - 1;
    let mut h: Vec<f64> = (0..=full)
        .map(|set| {
            if set == full {
                return 0.0;
            }
            let absent: f64 = (0..d).filter(|k| set >> k & 1 == 0).map(|k| z[k]).product();
            value * weights[set.count_ones() as usize] * absent
        })
        .collect();
    for k in 0..d {
        for set in 0..=full {
            if set >> k & 1 == 1 {
                h[set] += h[set ^ 1 << k];
            }
        }
    }
    h
}

/// `s!(d−s−1)!/d!` for `s` in `0..d`: `1 / (d · C(d−1, s))`.
fn shapley_weights(d: usize) -> Vec<f64> {
    let mut binomial = 1.0;
    (0..d)
        .map(|s| {
            if s > 0 {
                binomial = binomial * (d - s) as f64 / s as f64;
            }
            1.0 / (d as f64 * binomial)
        })
        .collect()
}
