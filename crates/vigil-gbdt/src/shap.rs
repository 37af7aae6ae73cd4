//! Exact TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature
//! Attribution for Tree Ensembles", Algorithm 2): Shapley values of one tree's output in
//! O(leaves · depth²), with the path-dependent expectation (a feature outside the coalition
//! follows both children, weighted by their training cover).
//!
//! Written here rather than taken from a crate: no maintained Rust crate computes TreeSHAP
//! for trees trained elsewhere, and the algorithm is ~100 lines. Tests check it against a
//! brute-force enumeration of coalitions.

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
            let path = &buf[off..=off + depth];
            for i in 1..=depth {
                let w = unwound_sum(path, depth, i);
                let el = path[i];
                phi[el.feature as usize] += w * (el.one_fraction - el.zero_fraction) * n.value;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{LEAF, Node};

    fn split(feature: u32, threshold: f32, left: u32, right: u32, cover: f64) -> Node {
        Node {
            feature,
            threshold,
            left_levels: Vec::new(),
            default_left: true,
            left,
            right,
            value: 0.0,
            cover,
            gain: 1.0,
        }
    }

    /// Depth-2 tree on features 0 and 1 (feature 2 unused), and one that splits on
    /// feature 0 twice on a path.
    fn trees() -> Vec<Tree> {
        vec![
            Tree {
                nodes: vec![
                    split(0, 0.5, 1, 2, 100.0),
                    split(1, 1.0, 3, 4, 60.0),
                    split(1, 2.0, 5, 6, 40.0),
                    Node::leaf(-1.0, 25.0),
                    Node::leaf(0.5, 35.0),
                    Node::leaf(2.0, 10.0),
                    Node::leaf(3.0, 30.0),
                ],
            },
            Tree {
                nodes: vec![
                    split(0, 0.5, 1, 2, 100.0),
                    split(2, 0.0, 3, 4, 70.0),
                    Node::leaf(1.5, 30.0),
                    split(0, -1.0, 5, 6, 50.0),
                    Node::leaf(-0.5, 20.0),
                    Node::leaf(0.25, 10.0),
                    Node::leaf(-2.0, 40.0),
                ],
            },
        ]
    }

    /// E[f(x) | x_S] with the same path-dependent expectation.
    fn cond(tree: &Tree, x: &[f32], set: u32, i: usize) -> f64 {
        let n = &tree.nodes[i];
        if n.feature == LEAF {
            return n.value;
        }
        if set >> n.feature & 1 == 1 {
            return cond(tree, x, set, n.child(x[n.feature as usize]));
        }
        let (l, r) = (&tree.nodes[n.left as usize], &tree.nodes[n.right as usize]);
        (l.cover * cond(tree, x, set, n.left as usize) + r.cover * cond(tree, x, set, n.right as usize))
            / n.cover
    }

    fn factorial(n: usize) -> f64 {
        (1..=n).map(|k| k as f64).product()
    }

    fn brute_force(tree: &Tree, x: &[f32]) -> Vec<f64> {
        let m = x.len();
        (0..m)
            .map(|i| {
                (0..1u32 << m)
                    .filter(|s| s >> i & 1 == 0)
                    .map(|s| {
                        let k = s.count_ones() as usize;
                        let w = factorial(k) * factorial(m - k - 1) / factorial(m);
                        w * (cond(tree, x, s | 1 << i, 0) - cond(tree, x, s, 0))
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn tree_shap_matches_brute_force_shapley_and_sums_to_the_output() {
        let rows: [[f32; 3]; 5] = [
            [0.0, 0.0, 1.0],
            [1.0, 3.0, -1.0],
            [0.2, 1.5, 0.0],
            [f32::NAN, 2.5, 0.5],
            [-2.0, 0.5, -0.5],
        ];
        for tree in trees() {
            for x in &rows {
                let columns: Vec<Vec<f32>> = x.iter().map(|&v| vec![v]).collect();
                let mut phi = vec![0.0; 3];
                tree_shap(
                    &tree,
                    &columns,
                    0,
                    &mut phi,
                    &mut PathBuffer::for_depth(tree.depth()),
                );
                let exact = brute_force(&tree, x);
                for (a, b) in phi.iter().zip(&exact) {
                    assert!((a - b).abs() < 1e-9, "{phi:?} vs {exact:?} for {x:?}");
                }
                let total: f64 = phi.iter().sum::<f64>() + tree.expected_value();
                assert!((total - tree.predict(&columns, 0)).abs() < 1e-9);
            }
        }
    }
}
