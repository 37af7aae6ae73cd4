"""Benchmark: exact TreeSHAP throughput, vigil (recursive and leaf-table) vs LightGBM pred_contrib.

    benches/.venv/bin/python benches/shap_vs_lightgbm.py [--rows 20000] [--features 40] [--rounds 100] [--runs 3] [--threads 2]

(benches/.venv with `pip install lightgbm numpy`.) Generates a churn-like matrix (numeric
features, some correlated, a tenth missing in some, two categoricals; a label from
thresholds and interactions of a dozen of them), writes it as CSV, and per run:
  * vigil: `cargo run -p vigil-gbdt --example shap_bench` (dev profile, opt-level 3, as the
    other benches' `target/debug`): trains on every row with the benchmark's
    hyper-parameters, then explains every row by the recursive TreeSHAP that vigil used
    before (Lundberg et al. 2018, Algorithm 2) and by the leaf-table algorithm that
    `Gbdt::contributions` uses now (`crates/vigil-gbdt/src/shap/table.rs`), on a pool of
    --threads threads, and reports both times and the largest difference of their values;
  * LightGBM: trains with the same hyper-parameters and rounds (learning rate 0.05, 31
    leaves, min_data_in_leaf 50, lambda_l2 1, 255 bins, no early stopping, same threads)
    and times `predict(X, pred_contrib=True)` over the same rows (LightGBM's own
    path-dependent TreeSHAP).
Runs alternate (vigil, LightGBM, vigil, ...); rows/s are medians of --runs wall times. The
CPU seconds of the process during each explanation are reported too: on a shared machine
they show the work done apart from waiting for a core.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import lightgbm as lgb

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
BENCH = TARGET / "debug" / "examples" / "shap_bench"
CATEGORIES = {"plan@4": 4, "region@6": 6}


def generate(rows, features, seed=7):
    """(X as float columns with NaN, label, names): correlated numeric features, missing
    values in every fifth, and two categoricals (level numbers) at the end."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(rows, 8))
    mix = rng.normal(size=(8, features))
    x = base @ mix / np.sqrt(8) + 0.5 * rng.normal(size=(rows, features))
    cats = [rng.integers(0, n, rows).astype(float) for n in CATEGORIES.values()]
    z = (1.2 * (x[:, 0] > 0.3) - 0.8 * x[:, 1] + 0.6 * x[:, 2] * (x[:, 3] > 0) + 0.5 * np.abs(x[:, 4])
         + 0.4 * np.sin(2 * x[:, 5]) + 0.3 * x[:, 6] * x[:, 7] + 0.7 * (cats[0] == 2) - 0.5 * (cats[1] >= 4)
         + 0.3 * x[:, 8:12].sum(axis=1) - 1.0)
    y = (rng.random(rows) < 1 / (1 + np.exp(-z))).astype(float)
    for f in range(0, features, 5):
        x[rng.random(rows) < 0.1, f] = np.nan
    names = [f"f{i}" for i in range(features)] + list(CATEGORIES)
    return np.column_stack([x] + cats), y, names


def write_csv(path, X, y, names):
    data = np.column_stack([y, X])
    np.savetxt(path, data, delimiter=",", header=",".join(["label"] + names), comments="", fmt="%.9g")


def run_vigil(csv, a):
    out = subprocess.run([str(BENCH), str(csv), "--threads", str(a.threads), "--rounds", str(a.rounds)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_lightgbm(X, y, a):
    """Wall and CPU seconds of pred_contrib over every row, trees kept, and the largest |sum
    of contributions − raw margin|."""
    cat = list(range(X.shape[1] - len(CATEGORIES), X.shape[1]))
    params = dict(objective="binary", learning_rate=0.05, num_leaves=31, min_data_in_leaf=50, lambda_l2=1.0,
                  max_bin=255, verbose=-1, seed=42, num_threads=a.threads)
    booster = lgb.train(params, lgb.Dataset(X, y, categorical_feature=cat), a.rounds)
    t0, c0 = time.perf_counter(), time.process_time()
    contrib = booster.predict(X, pred_contrib=True, num_threads=a.threads)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    gap = np.abs(contrib.sum(axis=1) - booster.predict(X, raw_score=True)).max()
    return elapsed, cpu, booster.num_trees(), float(gap)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--features", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "-q", "-p", "vigil-gbdt", "--example", "shap_bench"], cwd=ROOT, check=True)
    X, y, names = generate(a.rows, a.features)
    csv = Path(tempfile.mkdtemp(prefix="vigil-shap-bench-")) / "data.csv"
    write_csv(csv, X, y, names)
    print(f"data {csv}: {a.rows} rows x {X.shape[1]} features, positives {int(y.sum())}", file=sys.stderr)
    wall = {"old": [], "new": [], "lgb": []}
    cpu = {"old": [], "new": [], "lgb": []}
    for _ in range(a.runs):
        vigil = run_vigil(csv, a)
        wall["old"] += vigil["recursive_s"]
        wall["new"] += vigil["table_s"]
        cpu["old"] += vigil["recursive_cpu_s"]
        cpu["new"] += vigil["table_cpu_s"]
        elapsed, used, lgb_trees, lgb_gap = run_lightgbm(X, y, a)
        wall["lgb"].append(elapsed)
        cpu["lgb"].append(used)
    rps = {k: a.rows / statistics.median(v) for k, v in wall.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    print(json.dumps({
        "rows": a.rows, "features": X.shape[1], "threads": a.threads, "runs": a.runs,
        "vigil_trees": vigil["trees"], "vigil_leaves": vigil["leaves"], "vigil_max_depth": vigil["max_depth"],
        "lightgbm_trees": lgb_trees,
        "vigil_recursive_rows_per_s": round(rps["old"]), "vigil_table_rows_per_s": round(rps["new"]),
        "lightgbm_pred_contrib_rows_per_s": round(rps["lgb"]),
        "table_over_recursive": round(rps["new"] / rps["old"], 2),
        "table_over_lightgbm": round(rps["new"] / rps["lgb"], 2),
        "recursive_over_lightgbm": round(rps["old"] / rps["lgb"], 2),
        "cpu_s_median": {k: round(v, 2) for k, v in med_cpu.items()},
        "cpu_ratio_recursive_over_table": round(med_cpu["old"] / med_cpu["new"], 2),
        "cpu_ratio_lightgbm_over_table": round(med_cpu["lgb"] / med_cpu["new"], 2),
        "runs_wall_s": {k: [round(x, 3) for x in v] for k, v in wall.items()},
        "vigil_max_rel_difference_table_vs_recursive": vigil["max_rel_difference"],
        "lightgbm_max_sum_gap": lgb_gap,
    }, indent=1))


if __name__ == "__main__":
    main()
