//! Exact path-dependent TreeSHAP for an ensemble: Shapley values of each tree's output, where
//! a feature outside the coalition follows both children weighted by their training cover
//! (Lundberg, Erion & Lee 2018).
//!
//! Two algorithms give the same values up to float rounding:
//! - [`table`] (what [`explain`] uses): per tree, a table per leaf of weights for every
//!   subset of its path's features, computed once per call; then O(leaves · depth) per tree
//!   and row. Memory: at most [`table::MAX_TABLE_ENTRIES`] `f64` per tree (2 MiB), for
//!   [`GROUP`] trees at a time (32 MiB);
//! - [`recursive`] (Algorithm 2, O(leaves · depth²) per tree and row): the reference that
//!   tests and [`explain_recursive`] use, and the fallback for trees the tables decline and
//!   leaves past their size bound.
//!
//! Written here rather than taken from a crate: no maintained Rust crate computes TreeSHAP
//! for trees trained elsewhere. Tests check both against a brute-force enumeration of
//! coalitions.

mod recursive;
mod table;

#[cfg(test)]
mod tests;

use crate::tree::Tree;
use rayon::prelude::*;
pub use recursive::{PathBuffer, tree_shap};
pub use table::Tables;

/// The signature of [`explain`] and [`explain_recursive`]: trees, columns, rows, width →
/// values per row.
pub type Explain = fn(&[Tree], &[Vec<f32>], usize, usize) -> Vec<Vec<f64>>;

/// Rows explained together: each tree's tables are used for a block of rows while they are
/// in cache. Every row sums its trees in the same order whatever the block or thread count.
const BLOCK: usize = 64;

/// Trees prepared at a time: the tables held at once are at most this many trees' worth.
const GROUP: usize = 16;

/// How one tree is explained.
enum Prepared<'a> {
    /// A single leaf: contributes nothing.
    Leaf,
    Table(Tables<'a>),
    Recursive(&'a Tree),
}

impl<'a> Prepared<'a> {
    fn new(tree: &'a Tree) -> Self {
        if tree.nodes.first().is_none_or(|n| n.is_leaf()) {
            return Self::Leaf;
        }
        Tables::new(tree).map_or(Self::Recursive(tree), Self::Table)
    }

    /// The path depth and mask slots its scratch space needs.
    fn needs(&self) -> (usize, usize) {
        match self {
            Self::Leaf => (0, 0),
            Self::Table(t) => (t.deep_path(), t.slots()),
            Self::Recursive(t) => (t.depth(), 0),
        }
    }

    /// Adds the tree's SHAP values for row `r` to `phi`.
    fn add(&self, columns: &[Vec<f32>], r: usize, phi: &mut [f64], scratch: &mut Scratch) {
        match self {
            Self::Leaf => {}
            Self::Table(t) => t.add(columns, r, phi, &mut scratch.masks, &mut scratch.path),
            Self::Recursive(t) => tree_shap(t, columns, r, phi, &mut scratch.path),
        }
    }
}

/// Per-thread scratch space of both algorithms.
struct Scratch {
    path: PathBuffer,
    masks: Vec<u64>,
}

/// Per row of the column-major `columns` (`rows` rows, `width` features), the SHAP values of
/// the sum of `trees` (without the expected value), by [`table`] with [`recursive`] as
/// fallback, in parallel over blocks of rows on the current rayon pool.
pub fn explain(trees: &[Tree], columns: &[Vec<f32>], rows: usize, width: usize) -> Vec<Vec<f64>> {
    let mut values = vec![vec![0.0; width]; rows];
    for group in trees.chunks(GROUP) {
        let prepared: Vec<Prepared> = group.par_iter().map(Prepared::new).collect();
        let (depth, slots) = prepared
            .iter()
            .map(Prepared::needs)
            .fold((0, 0), |(d, s), (pd, ps)| (d.max(pd), s.max(ps)));
        values.par_chunks_mut(BLOCK).enumerate().for_each_init(
            || Scratch {
                path: PathBuffer::for_depth(depth),
                masks: vec![0; slots],
            },
            |scratch, (b, block)| {
                for p in &prepared {
                    for (i, phi) in block.iter_mut().enumerate() {
                        p.add(columns, b * BLOCK + i, phi, scratch);
                    }
                }
            },
        );
    }
    values
}

/// [`explain`] by the reference recursion alone, one row at a time (the algorithm before the
/// tables; for tests and benchmarks).
pub fn explain_recursive(trees: &[Tree], columns: &[Vec<f32>], rows: usize, width: usize) -> Vec<Vec<f64>> {
    let depth = trees.iter().map(Tree::depth).max().unwrap_or(0);
    (0..rows)
        .into_par_iter()
        .map_init(
            || PathBuffer::for_depth(depth),
            |buf, r| {
                let mut phi = vec![0.0; width];
                for t in trees {
                    tree_shap(t, columns, r, &mut phi, buf);
                }
                phi
            },
        )
        .collect()
}
