//! Recursive TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature
//! Attribution for Tree Ensembles", Algorithm 2): one tree's Shapley values for one row in
//! O(leaves · depth²), walking the tree and keeping the path's permutation weights.
//!
//! The reference for [`super::table`], and its fallback: [`tree_shap`] for a whole tree the
//! tables decline, [`leaf_shap`] for a leaf past their size bound. Tests check both
//! algorithms against a brute-force enumeration of coalitions.

use crate::tree::Tree;

#[derive(Debug, Clone, Copy)]
struct PathElement {
    feature: isize,
    zero_fraction: f64,
    one_fraction: f64,
    pweight: f64,
}

/// Scratch space of TreeSHAP's paths: one segment per recursion level, reused for every
/// tree and row (the recursion allocates nothing).
pub struct PathBuffer(Vec<PathElement>);

impl PathBuffer {
    /// Room for trees up to `depth` levels deep.
    pub fn for_depth(depth: usize) -> Self {
        let empty = PathElement {
            feature: -1,
            zero_fraction: 0.0,
            one_fraction: 0.0,
            pweight: 0.0,
        };
        Self(vec![empty; (depth + 2) * (depth + 3) / 2 + 1])
    }
}

/// Adds the SHAP values of `tree` for row `r` of the column-major `columns` to `phi`
/// (one value per feature). Their sum is `tree.predict(r) − tree.expected_value()`.
/// `buf` must be sized for the tree's depth ([`PathBuffer::for_depth`]).
pub fn tree_shap(tree: &Tree, columns: &[Vec<f32>], r: usize, phi: &mut [f64], buf: &mut PathBuffer) {
    if tree.nodes.is_empty() || tree.nodes[0].is_leaf() {
        return;
    }
    let walk = Walk { tree, columns, r };
    walk.recurse(phi, 0, &mut buf.0, 0, 0, 1.0, 1.0, -1);
}

/// Adds one leaf's share of TreeSHAP to `phi` in O(d²): the leaf of output `value` below a
/// path whose distinct `features` have the cover products `z`, bit `k` of `pass` telling
/// whether the row passes every test of feature `k` (what the recursion has at the leaf,
/// each repeated feature already merged). `buf` must be sized for a depth of at least `d`.
pub fn leaf_shap(value: f64, features: &[u32], z: &[f64], pass: u64, phi: &mut [f64], buf: &mut PathBuffer) {
    let path = &mut buf.0;
    extend(path, 0, 1.0, 1.0, -1);
    for (k, (&feature, &z)) in features.iter().zip(z).enumerate() {
        let one = (pass >> k & 1) as f64;
        extend(path, k + 1, z, one, feature as isize);
    }
    leaf_share(&path[..=z.len()], value, phi);
}

/// Adds the share of a leaf of output `value` at the end of `path` to `phi`.
fn leaf_share(path: &[PathElement], value: f64, phi: &mut [f64]) {
    let d = path.len() - 1;
    for i in 1..=d {
        let w = unwound_sum(path, d, i);
        let el = path[i];
        phi[el.feature as usize] += w * (el.one_fraction - el.zero_fraction) * value;
    }
}

/// What stays fixed during one tree's recursion.
struct Walk<'a> {
    tree: &'a Tree,
    columns: &'a [Vec<f32>],
    r: usize,
}

impl Walk<'_> {
    /// Visits `node`; this level's path is `buf[off..=off + depth]`, its first `depth`
    /// elements copied from the parent's, and children use the space after it.
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &self,
        phi: &mut [f64],
        node: usize,
        buf: &mut [PathElement],
        off: usize,
        depth: usize,
        zero_fraction: f64,
        one_fraction: f64,
        feature: isize,
    ) {
        let entry_depth = depth;
        let mut depth = depth;
        extend(&mut buf[off..], depth, zero_fraction, one_fraction, feature);
        let n = &self.tree.nodes[node];
        if n.is_leaf() {
            leaf_share(&buf[off..=off + depth], n.value, phi);
            return;
        }
        let split = n.feature as isize;
        let hot = n.child(self.columns[n.feature as usize][self.r]);
        let cold = if hot == n.left as usize {
            n.right as usize
        } else {
            n.left as usize
        };
        let cover = n.cover.max(f64::MIN_POSITIVE);
        let nodes = &self.tree.nodes;
        let (hot_zero, cold_zero) = (nodes[hot].cover / cover, nodes[cold].cover / cover);
        let (mut incoming_zero, mut incoming_one) = (1.0, 1.0);
        if let Some(k) = (1..=depth).find(|&k| buf[off + k].feature == split) {
            incoming_zero = buf[off + k].zero_fraction;
            incoming_one = buf[off + k].one_fraction;
            unwind(&mut buf[off..], depth, k);
            depth -= 1;
        }
        let child = off + entry_depth + 1;
        buf.copy_within(off..=off + depth, child);
        self.recurse(
            phi,
            hot,
            buf,
            child,
            depth + 1,
            hot_zero * incoming_zero,
            incoming_one,
            split,
        );
        buf.copy_within(off..=off + depth, child);
        self.recurse(
            phi,
            cold,
            buf,
            child,
            depth + 1,
            cold_zero * incoming_zero,
            0.0,
            split,
        );
    }
}

/// Writes element `d` of the path and updates the permutation weights.
fn extend(path: &mut [PathElement], d: usize, zero_fraction: f64, one_fraction: f64, feature: isize) {
    path[d] = PathElement {
        feature,
        zero_fraction,
        one_fraction,
        pweight: if d == 0 { 1.0 } else { 0.0 },
    };
    let df = d as f64;
    for i in (0..d).rev() {
        path[i + 1].pweight += one_fraction * path[i].pweight * (i as f64 + 1.0) / (df + 1.0);
        path[i].pweight = zero_fraction * path[i].pweight * (df - i as f64) / (df + 1.0);
    }
}

/// Removes element `k` from a path of depth `d` (undoing [`extend`]).
fn unwind(path: &mut [PathElement], d: usize, k: usize) {
    let (one, zero) = (path[k].one_fraction, path[k].zero_fraction);
    let df = d as f64;
    let mut next_one = path[d].pweight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next_one * (df + 1.0) / ((i as f64 + 1.0) * one);
            next_one = tmp - path[i].pweight * zero * (df - i as f64) / (df + 1.0);
        } else {
            path[i].pweight = path[i].pweight * (df + 1.0) / (zero * (df - i as f64));
        }
    }
    for i in k..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

/// The total permutation weight of the path with element `k` removed.
fn unwound_sum(path: &[PathElement], d: usize, k: usize) -> f64 {
    let (one, zero) = (path[k].one_fraction, path[k].zero_fraction);
    let df = d as f64;
    let mut next_one = path[d].pweight;
    let mut total = 0.0;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = next_one * (df + 1.0) / ((i as f64 + 1.0) * one);
            total += tmp;
            next_one = path[i].pweight - tmp * zero * ((df - i as f64) / (df + 1.0));
        } else {
            total += (path[i].pweight / zero) / ((df - i as f64) / (df + 1.0));
        }
    }
    total
}
