//! Routing binned rows through splits: partitioning a leaf's rows while growing, and scoring
//! the validation rows in bin space each round for early stopping.
//!
//! Both look a split up as a 256-entry table (bin → goes left), which covers numeric
//! thresholds, category sets and the missing bin alike and needs no branch per row.

use crate::Matrix;
use crate::bins::Binner;
use rayon::prelude::*;

/// Per bin: whether a row with that bin goes to the left child.
pub type Table = [bool; 256];

/// Below this many rows a leaf is partitioned by one thread.
const PARALLEL_PARTITION: usize = 32_768;

/// Partitions a leaf's rows on one feature's column-major bins `col`: left rows first, each
/// side keeping its order (ascending row numbers keep the histogram's reads sequential).
/// Returns the number of left rows. Large leaves are cut into one block per thread; each
/// block compacts its left rows in place and its right rows into `right` (without a branch
/// per row: every row is written to both places and only one cursor advances), and the
/// blocks are then stitched together in order.
pub fn partition(rows: &mut [u32], col: &[u8], left: &Table, right: &mut Vec<Vec<u32>>) -> usize {
    let blocks = if rows.len() < PARALLEL_PARTITION {
        1
    } else {
        rayon::current_num_threads().max(1)
    };
    right.resize_with(right.len().max(blocks), Vec::new);
    let per = rows.len().div_ceil(blocks).max(1);
    let lefts: Vec<(usize, usize)> = rows
        .par_chunks_mut(per)
        .zip(right.par_iter_mut())
        .map(|(block, aside)| {
            aside.resize(block.len() + 1, 0);
            let (mut kept, mut set) = (0, 0);
            for i in 0..block.len() {
                let r = block[i];
                let goes = left[usize::from(col[r as usize])];
                block[kept] = r;
                aside[set] = r;
                kept += usize::from(goes);
                set += usize::from(!goes);
            }
            (kept, set)
        })
        .collect();
    let mut at = 0;
    for (k, &(kept, _)) in lefts.iter().enumerate() {
        rows.copy_within(k * per..k * per + kept, at);
        at += kept;
    }
    let mid = at;
    for (aside, &(_, set)) in right.iter().zip(&lefts) {
        rows[at..at + set].copy_from_slice(&aside[..set]);
        at += set;
    }
    mid
}

/// A grown tree in bin space, for scoring binned rows.
#[derive(Debug, Clone, Default)]
pub struct BinTree {
    nodes: Vec<BinNode>,
}

#[derive(Debug, Clone)]
enum BinNode {
    Leaf(f64),
    Split {
        feature: usize,
        left: Box<Table>,
        children: [usize; 2],
    },
}

impl BinTree {
    /// A tree of `n` nodes, all leaves of value 0 until set.
    pub fn with_nodes(n: usize) -> Self {
        Self {
            nodes: vec![BinNode::Leaf(0.0); n],
        }
    }

    /// Makes node `i` a split on `feature` with children `left_child` and `right_child`.
    pub fn set_split(&mut self, i: usize, feature: usize, left: Table, children: [usize; 2]) {
        self.grow_to(i);
        self.nodes[i] = BinNode::Split {
            feature,
            left: Box::new(left),
            children,
        };
    }

    /// Makes node `i` a leaf with output `value`.
    pub fn set_leaf(&mut self, i: usize, value: f64) {
        self.grow_to(i);
        self.nodes[i] = BinNode::Leaf(value);
    }

    fn grow_to(&mut self, i: usize) {
        if self.nodes.len() <= i {
            self.nodes.resize(i + 1, BinNode::Leaf(0.0));
        }
    }

    /// Adds the tree's output for every row of column-major bins `columns` to `margin`.
    pub fn add_to(&self, columns: &[Vec<u8>], margin: &mut [f64]) {
        margin.par_iter_mut().enumerate().for_each(|(r, m)| {
            let mut i = 0;
            loop {
                match &self.nodes[i] {
                    BinNode::Leaf(v) => {
                        *m += v;
                        break;
                    }
                    BinNode::Split {
                        feature,
                        left,
                        children,
                    } => i = children[usize::from(!left[usize::from(columns[*feature][r])])],
                }
            }
        });
    }
}

/// Bins rows for [`BinTree::add_to`]: as [`Binner::bin`], except that a category beyond
/// the training levels gets bin 255, which no split sends left (as the saved tree does with
/// an unseen level), rather than the missing bin.
pub fn bin_for_scoring(binner: &Binner, x: &Matrix) -> Vec<Vec<u8>> {
    binner.bin_with(x, true)
}
