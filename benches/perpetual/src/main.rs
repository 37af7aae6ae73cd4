//! Trains `perpetual`'s booster on a matrix exported by `benches/perpetual/compare.py` and
//! prints one JSON line: fit seconds, trees, leaves and the validation ROC-AUC of the raw
//! (log-odds) predictions.
//!
//! ```text
//! perpetual-bench <export dir> [--budget 0.5] [--threads 2] [--no-weights] [--predictions FILE]
//! ```
//!
//! The export folder holds `meta.json` (`train_rows`, `valid_rows`, `features`,
//! `categorical` feature indices) and little-endian `f64` files: `train_x.f64` /
//! `valid_x.f64` column-major (NaN = missing, categoricals as integer codes), `train_y.f64`,
//! `train_w.f64`, `valid_y.f64`. The timed part is what a caller pays to train from memory:
//! building perpetual's `Matrix` view and `fit` (binning + boosting); reading the files and
//! predicting are not timed.
//!
//! Arguments are parsed by hand (five flags) and ROC-AUC is computed here (a tie-aware rank
//! sum) to keep this bench's dependencies to `perpetual` and `serde_json`; `compare.py`
//! cross-checks the AUC against scikit-learn from `--predictions`.

use std::collections::HashSet;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use perpetual::objective::Objective;
use perpetual::{Matrix, PerpetualBooster};
use serde_json::{json, Value};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Command-line options.
struct Args {
    dir: PathBuf,
    budget: f32,
    threads: usize,
    weights: bool,
    predictions: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mut dir = None;
    let mut args = Args {
        dir: PathBuf::new(),
        budget: 0.5,
        threads: 2,
        weights: true,
        predictions: None,
    };
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().ok_or_else(|| format!("{flag} needs a value"));
        match a.as_str() {
            "--budget" => args.budget = value("--budget")?.parse().map_err(|e| format!("--budget: {e}"))?,
            "--threads" => {
                args.threads = value("--threads")?
                    .parse()
                    .map_err(|e| format!("--threads: {e}"))?
            }
            "--predictions" => args.predictions = Some(PathBuf::from(value("--predictions")?)),
            "--no-weights" => args.weights = false,
            s if s.starts_with("--") => return Err(format!("unknown option {s}").into()),
            s if dir.is_none() => dir = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s}").into()),
        }
    }
    args.dir = dir.ok_or(
        "usage: perpetual-bench <export dir> [--budget B] [--threads N] [--no-weights] [--predictions FILE]",
    )?;
    Ok(args)
}

/// Reads a little-endian `f64` file and checks it holds `expected` values.
fn read_f64(path: &Path, expected: usize) -> Result<Vec<f64>> {
    let bytes = fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    if bytes.len() != expected * 8 {
        return Err(format!(
            "{}: {} bytes, expected {} values ({} bytes)",
            path.display(),
            bytes.len(),
            expected,
            expected * 8
        )
        .into());
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("chunks_exact(8)")))
        .collect())
}

fn meta_usize(meta: &Value, key: &str) -> Result<usize> {
    let n = meta[key]
        .as_u64()
        .ok_or_else(|| format!("meta.json: `{key}` missing or not an integer"))?;
    Ok(usize::try_from(n)?)
}

/// ROC-AUC of `scores` for binary `labels` (1 = positive): the Mann–Whitney statistic with
/// average ranks for tied scores, as scikit-learn's `roc_auc_score` computes it.
fn roc_auc(scores: &[f64], labels: &[f64]) -> Result<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum_pos, mut n_pos) = (0.0_f64, 0_usize);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if labels[k] == 1.0 {
                rank_sum_pos += avg_rank;
                n_pos += 1;
            }
        }
        i = j + 1;
    }
    let n_neg = scores.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err("validation labels hold a single class; AUC undefined".into());
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Ok((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let meta_path = args.dir.join("meta.json");
    let meta: Value = serde_json::from_str(
        &fs::read_to_string(&meta_path).map_err(|e| format!("reading {}: {e}", meta_path.display()))?,
    )?;
    let (n_train, n_valid) = (meta_usize(&meta, "train_rows")?, meta_usize(&meta, "valid_rows")?);
    let cols = meta["features"]
        .as_array()
        .ok_or("meta.json: `features` missing")?
        .len();
    let categorical: HashSet<usize> = meta["categorical"]
        .as_array()
        .ok_or("meta.json: `categorical` missing")?
        .iter()
        .map(|v| {
            v.as_u64()
                .map(|i| i as usize)
                .filter(|&i| i < cols)
                .ok_or("meta.json: bad categorical index")
        })
        .collect::<std::result::Result<_, _>>()?;

    let train_x = read_f64(&args.dir.join("train_x.f64"), n_train * cols)?;
    let train_y = read_f64(&args.dir.join("train_y.f64"), n_train)?;
    let train_w = read_f64(&args.dir.join("train_w.f64"), n_train)?;
    let valid_x = read_f64(&args.dir.join("valid_x.f64"), n_valid * cols)?;
    let valid_y = read_f64(&args.dir.join("valid_y.f64"), n_valid)?;

    let t0 = Instant::now();
    let matrix = Matrix::new(&train_x, n_train, cols);
    let mut model = PerpetualBooster::default()
        .set_objective(Objective::LogLoss)
        .set_budget(args.budget)
        .set_num_threads(Some(args.threads))
        .set_categorical_features((!categorical.is_empty()).then(|| categorical.clone()));
    model.fit(
        &matrix,
        &train_y,
        args.weights.then_some(train_w.as_slice()),
        None,
    )?;
    let fit_seconds = t0.elapsed().as_secs_f64();

    let valid = Matrix::new(&valid_x, n_valid, cols);
    let raw = model.predict(&valid, true);
    let auc = roc_auc(&raw, &valid_y)?;
    if let Some(path) = &args.predictions {
        let bytes: Vec<u8> = raw.iter().flat_map(|v| v.to_le_bytes()).collect();
        fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    let trees = model.get_prediction_trees();
    // Counted from the final nodes: `Tree::n_leaves` is a growth-time counter and varied between
    // runs that gave identical predictions.
    let leaves: usize = trees
        .iter()
        .map(|t| t.nodes.values().filter(|n| n.is_leaf).count())
        .sum();
    println!(
        "{}",
        json!({
            "engine": "perpetual 3.0.0-rc.2",
            "budget": args.budget,
            "threads": args.threads,
            "sample_weights": args.weights,
            "train_rows": n_train,
            "valid_rows": n_valid,
            "features": cols,
            "categorical": categorical.len(),
            "fit_seconds": fit_seconds,
            "trees": trees.len(),
            "leaves": leaves,
            "eta": model.eta,
            "valid_roc_auc_raw": auc,
        })
    );
    Ok(())
}
