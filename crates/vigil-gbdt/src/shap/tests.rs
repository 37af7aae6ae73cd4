//! Both TreeSHAP algorithms against a brute-force enumeration of coalitions: hand-made trees,
//! random trees with features split repeatedly on a path (numeric and categorical splits,
//! missing values), deep trees that fall back to the recursion, and zero covers.

use super::table::{MAX_PATH_FEATURES, MAX_TABLE_ENTRIES};
use super::*;
use crate::tree::{LEAF, Node};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
fn hand_trees() -> Vec<Tree> {
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
    (l.cover * cond(tree, x, set, n.left as usize) + r.cover * cond(tree, x, set, n.right as usize)) / n.cover
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|k| k as f64).product()
}

/// Shapley values of `x` by their definition: every coalition of the other features.
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

/// Column-major copy of row-major `rows`.
fn columns(rows: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let width = rows.first().map_or(0, Vec::len);
    (0..width).map(|f| rows.iter().map(|x| x[f]).collect()).collect()
}

/// Equal up to float rounding: 1e-9 relative to the size of the values.
fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(want) {
        assert!(
            (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

/// Both algorithms (through [`explain`], [`explain_recursive`] and [`Tables`] where it
/// accepts the tree) equal the brute force on every row, and each row's values sum to the
/// tree's output less its expected value. Returns, when the tree got tables, the most
/// distinct path features of a leaf without one (0: every leaf has a table).
fn check_tree(tree: &Tree, rows: &[Vec<f32>]) -> Option<usize> {
    let cols = columns(rows);
    let width = cols.len();
    let trees = std::slice::from_ref(tree);
    let fast = explain(trees, &cols, rows.len(), width);
    let reference = explain_recursive(trees, &cols, rows.len(), width);
    let tables = Tables::new(tree);
    for (r, x) in rows.iter().enumerate() {
        let exact = brute_force(tree, x);
        assert_close(&fast[r], &exact, "tables vs brute force");
        assert_close(&reference[r], &exact, "recursion vs brute force");
        if let Some(t) = &tables {
            let mut phi = vec![0.0; width];
            let mut buf = PathBuffer::for_depth(t.deep_path());
            t.add(&cols, r, &mut phi, &mut vec![0; t.slots()], &mut buf);
            assert_close(&phi, &exact, "one tree's tables vs brute force");
        }
        let total = fast[r].iter().sum::<f64>() + tree.expected_value();
        assert!((total - tree.predict(&cols, r)).abs() < 1e-9);
    }
    tables.map(|t| t.deep_path())
}

/// Random rows: values in [-1.5, 1.5) (a tenth missing), the last feature a category 0–4.
fn random_rows(rng: &mut ChaCha8Rng, n: usize, width: usize) -> Vec<Vec<f32>> {
    (0..n)
        .map(|_| {
            (0..width)
                .map(|f| match (rng.random::<f32>() < 0.1, f + 1 == width) {
                    (true, _) => f32::NAN,
                    (false, true) => rng.random_range(0..5u8).into(),
                    (false, false) => rng.random_range(-1.5..1.5),
                })
                .collect()
        })
        .collect()
}

/// Turns leaf `i` into a split on `feature` with two new leaves, its cover divided at random
/// (the last feature of `width` splits on a random set of categories).
fn grow(tree: &mut Tree, rng: &mut ChaCha8Rng, i: usize, feature: u32, width: usize) {
    let cover = tree.nodes[i].cover;
    let share: f64 = rng.random_range(0.1..0.9);
    let at = tree.nodes.len() as u32;
    let mut node = split(feature, rng.random_range(-1.0..1.0), at, at + 1, cover);
    node.default_left = rng.random();
    if feature as usize + 1 == width {
        node.left_levels = vec![rng.random_range(1..31u64)];
    }
    tree.nodes[i] = node;
    for c in [share * cover, (1.0 - share) * cover] {
        tree.nodes.push(Node::leaf(rng.random_range(-2.0..2.0), c));
    }
}

/// Picks a split feature among `0..width` at random.
fn any_of(width: usize) -> impl Fn(&mut ChaCha8Rng, usize) -> u32 {
    move |rng, _| rng.random_range(0..width as u32)
}

/// A tree of `leaves` leaves on features `0..width`: leaf-wise from a random leaf, or, when
/// `chain`, always from the newest leaf (as deep as it gets); `feature(k)` names split `k`'s.
fn random_tree(
    rng: &mut ChaCha8Rng,
    leaves: usize,
    width: usize,
    chain: bool,
    feature: impl Fn(&mut ChaCha8Rng, usize) -> u32,
) -> Tree {
    let mut tree = Tree {
        nodes: vec![Node::leaf(0.0, 1000.0)],
    };
    for k in 0..leaves - 1 {
        let open: Vec<usize> = (0..tree.nodes.len())
            .filter(|&i| tree.nodes[i].is_leaf())
            .collect();
        let i = if chain {
            tree.nodes.len() - 1
        } else {
            open[rng.random_range(0..open.len())]
        };
        let f = feature(rng, k);
        grow(&mut tree, rng, i, f, width);
    }
    tree
}

#[test]
fn hand_trees_match_brute_force_and_sum_to_the_output() {
    let rows: Vec<Vec<f32>> = vec![
        vec![0.0, 0.0, 1.0],
        vec![1.0, 3.0, -1.0],
        vec![0.2, 1.5, 0.0],
        vec![f32::NAN, 2.5, 0.5],
        vec![-2.0, 0.5, -0.5],
    ];
    for tree in hand_trees() {
        assert_eq!(check_tree(&tree, &rows), Some(0), "a depth-2 tree gets tables");
    }
}

#[test]
fn random_trees_with_repeated_features_match_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let width = 5;
    let rows = random_rows(&mut rng, 70, width);
    for t in 0..40 {
        let leaves = rng.random_range(2..40);
        let tree = random_tree(&mut rng, leaves, width, t % 4 == 0, any_of(width));
        assert_eq!(
            check_tree(&tree, &rows),
            Some(0),
            "tree {t}: {width} features get tables"
        );
    }
}

#[test]
fn deep_trees_with_few_distinct_features_keep_their_tables() {
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let width = 7;
    let rows = random_rows(&mut rng, 20, width);
    let tree = random_tree(&mut rng, 30, width, true, any_of(width));
    assert!(tree.depth() > MAX_PATH_FEATURES);
    assert_eq!(check_tree(&tree, &rows), Some(0));
}

#[test]
fn leaves_past_the_path_bound_use_the_recursions_leaf_step() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let width = MAX_PATH_FEATURES + 2;
    let rows = random_rows(&mut rng, 2, width);
    // A chain through every feature once, then repeats: one path has `width` distinct features.
    let tree = random_tree(&mut rng, width + 4, width, true, |rng, k| {
        if k < width {
            k as u32
        } else {
            rng.random_range(0..width as u32)
        }
    });
    assert_eq!(
        check_tree(&tree, &rows),
        Some(width),
        "{width} distinct path features"
    );
}

#[test]
fn leaves_past_the_trees_table_budget_use_the_recursions_leaf_step() {
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let width = 11;
    let rows = random_rows(&mut rng, 3, width);
    let tree = random_tree(&mut rng, 1500, width, false, any_of(width));
    let deep = check_tree(&tree, &rows);
    assert!(
        deep.is_some_and(|d| d > 0),
        "1,500 leaves on {width} features exceed {MAX_TABLE_ENTRIES} table values: {deep:?}"
    );
}

/// Past 64 distinct features on a path (a mask's bits), the whole tree is explained by the
/// recursion, as before the tables.
#[test]
fn a_path_past_64_features_falls_back_to_the_recursion() {
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    let width = 70;
    let tree = random_tree(&mut rng, width + 1, width, true, |_, k| k as u32);
    assert!(Tables::new(&tree).is_none());
    assert_same_as_recursion(&tree, &columns(&random_rows(&mut rng, 5, width)));
}

/// [`explain`] gives bit for bit the recursion's values (NaN included).
fn assert_same_as_recursion(tree: &Tree, cols: &[Vec<f32>]) {
    let (rows, width) = (cols[0].len(), cols.len());
    let trees = std::slice::from_ref(tree);
    let fast = explain(trees, cols, rows, width);
    let reference = explain_recursive(trees, cols, rows, width);
    let same = |(a, b): (&f64, &f64)| a.to_bits() == b.to_bits();
    assert!(fast.iter().flatten().zip(reference.iter().flatten()).all(same));
}

/// A zero cover ratio (never in a trained tree: every leaf has a positive weight) would
/// divide by zero in the tables: the tree is explained by the recursion, as before them.
#[test]
fn a_zero_cover_falls_back_to_the_recursion() {
    let mut tree = hand_trees().swap_remove(1);
    tree.nodes[4].cover = 0.0;
    assert!(Tables::new(&tree).is_none());
    let cols = columns(&[
        vec![0.0, 0.0, 1.0],
        vec![1.0, 3.0, -1.0],
        vec![f32::NAN, 2.5, 0.5],
    ]);
    assert_same_as_recursion(&tree, &cols);
}

#[test]
fn ensembles_sum_their_trees_in_blocks_of_rows() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let width = 6;
    let rows = random_rows(&mut rng, 3 * BLOCK + 5, width);
    let mut trees: Vec<Tree> = (0..GROUP + 4)
        .map(|_| random_tree(&mut rng, 31, width, false, any_of(width)))
        .collect();
    trees.push(Tree {
        nodes: vec![Node::leaf(0.7, 1000.0)],
    });
    let cols = columns(&rows);
    let fast = explain(&trees, &cols, rows.len(), width);
    let reference = explain_recursive(&trees, &cols, rows.len(), width);
    assert_eq!(fast.len(), rows.len());
    for (r, x) in rows.iter().enumerate() {
        let mut exact = vec![0.0; width];
        for t in &trees {
            for (e, v) in exact.iter_mut().zip(brute_force(t, x)) {
                *e += v;
            }
        }
        assert_close(&fast[r], &exact, "ensemble tables vs brute force");
        assert_close(&reference[r], &exact, "ensemble recursion vs brute force");
    }
}
