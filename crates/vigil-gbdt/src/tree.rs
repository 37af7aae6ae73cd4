//! A regression tree over raw feature values, as trained and saved.

use serde::{Deserialize, Serialize};

/// Marks a leaf in [`Node::feature`].
pub const LEAF: u32 = u32::MAX;

/// One node; the root is `nodes[0]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Split feature (schema index), or [`LEAF`].
    pub feature: u32,
    /// Numeric split: `value ≤ threshold` goes left.
    pub threshold: f32,
    /// Categorical split: bit `level` set means the level goes left (empty for numeric).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_levels: Vec<u64>,
    /// Where a missing value (or an unseen level) goes.
    pub default_left: bool,
    /// Left child index.
    pub left: u32,
    /// Right child index.
    pub right: u32,
    /// Leaf output (already multiplied by the learning rate); 0 for splits.
    pub value: f64,
    /// Sum of training sample weights that reached the node (TreeSHAP's cover).
    pub cover: f64,
    /// Loss reduction of the split (0 for leaves).
    pub gain: f64,
}

impl Node {
    /// A leaf.
    pub fn leaf(value: f64, cover: f64) -> Self {
        Self {
            feature: LEAF,
            threshold: 0.0,
            left_levels: Vec::new(),
            default_left: false,
            left: 0,
            right: 0,
            value,
            cover,
            gain: 0.0,
        }
    }

    /// Whether this is a leaf.
    #[inline]
    pub fn is_leaf(&self) -> bool {
        self.feature == LEAF
    }

    /// Whether a raw value goes to the left child.
    #[inline]
    pub fn goes_left(&self, v: f32) -> bool {
        if v.is_nan() {
            return self.default_left;
        }
        if self.left_levels.is_empty() {
            v <= self.threshold
        } else {
            let level = v as usize;
            self.left_levels
                .get(level / 64)
                .is_some_and(|word| word >> (level % 64) & 1 == 1)
        }
    }

    /// The child a raw value goes to.
    #[inline]
    pub fn child(&self, v: f32) -> usize {
        if self.goes_left(v) {
            self.left as usize
        } else {
            self.right as usize
        }
    }
}

/// A tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Nodes; `nodes[0]` is the root.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// Output for row `r` of a column-major matrix.
    #[inline]
    pub fn predict(&self, columns: &[Vec<f32>], r: usize) -> f64 {
        let mut i = 0;
        loop {
            let node = &self.nodes[i];
            if node.is_leaf() {
                return node.value;
            }
            i = node.child(columns[node.feature as usize][r]);
        }
    }

    /// The cover-weighted mean output: what the tree predicts when nothing is known.
    pub fn expected_value(&self) -> f64 {
        let root = self.nodes.first().map_or(0.0, |n| n.cover);
        if root <= 0.0 {
            return 0.0;
        }
        self.nodes
            .iter()
            .filter(|n| n.is_leaf())
            .map(|n| n.value * n.cover / root)
            .sum()
    }

    /// Depth of the deepest leaf (a single leaf has depth 0).
    pub fn depth(&self) -> usize {
        fn walk(t: &Tree, i: usize) -> usize {
            let n = &t.nodes[i];
            if n.is_leaf() {
                0
            } else {
                1 + walk(t, n.left as usize).max(walk(t, n.right as usize))
            }
        }
        if self.nodes.is_empty() { 0 } else { walk(self, 0) }
    }
}
