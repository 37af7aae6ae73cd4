"""Benchmark: vigil's histogram GBDT vs LightGBM on the same feature matrix.

    benches/.venv/bin/python benches/risk_vs_lightgbm.py [--accounts 2000] [--months 12] [--runs 3] [--threads 2]

(`benches/sentiment_bench_setup.sh` makes benches/.venv; add `pip install lightgbm pandas pyarrow`.)
Generates a history with vigil, builds vigil's training feature table, and trains on it
through vigil's external-table path (`vigil train --features … --time-col … --id-col …`):
out-of-time split (last 8 weeks validation, 72 h gap), negatives of the training part kept
at rate 0.3 with weight 1/0.3, early stopping on validation log loss. LightGBM gets the
same split, sampling rate and weights (its own random draw of negatives), the same
validation set and hyper-parameters (learning rate 0.05, 31 leaves,
min_data_in_leaf 50, lambda_l2 1, 255 bins, up to 400 rounds, early stopping 40, the same
threads). Runs alternate between the two. Times (median of --runs): LightGBM Dataset construction + training; vigil's fit
time as it reports it (binning + boosting), and the whole `vigil train` process (read,
split, fit, calibrate, backtest, register). AUC is the raw-margin validation ROC-AUC.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import lightgbm as lgb
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
VIGIL = ROOT / "target" / "debug" / "vigil"
NOT_FEATURES = ["hours_to_next_escalation", "next_escalation_category", "in_open_escalation", "label_complete"]


def sh(args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reuse", type=Path, help="folder of an earlier run: skip generating and building features")
    a = ap.parse_args()
    if a.reuse:
        return compare(a, a.reuse)
    tmp = Path(tempfile.mkdtemp(prefix="vigil-gbdt-bench-"))
    print(f"working folder {tmp} (reuse it with --reuse)", file=sys.stderr)
    (tmp / "pipelines").mkdir()
    sh([VIGIL, "generate", "--accounts", a.accounts, "--months", a.months, "--end", "2026-06-30", "--seed", 7, "--out", tmp / "history"])
    cfg = tmp / "pipelines" / "bench.toml"
    cfg.write_text(f"""[sources]\nbase = "history"\n[warehouse]\nurl = "wh"\n[sentiment]\nenabled = false\n
[risk]\nregistry = "registry"\nmin_recall = 0.0\nmin_precision = 0.0\npromote_tolerance = 1.0\nnegative_sample_rate = 0.3\n
[risk.gbdt]\nlearning_rate = 0.05\nmax_rounds = 400\nearly_stopping_rounds = 40\nnum_leaves = 31\nmin_data_in_leaf = 50\nlambda_l2 = 1.0\nmax_bins = 255\nthreads = {a.threads}\n""")
    sh([VIGIL, "features", "--config", cfg, "--run-date", "2026-06-30", "--mode", "train", "--out", tmp / "features.parquet"])
    t = pq.read_table(tmp / "features.parquet").to_pandas()
    t = t[t.label_complete].drop(columns=NOT_FEATURES)
    t["escalates_within_h"] = t["escalates_within_h"].astype(int)
    ext = tmp / "matrix.parquet"
    t.to_parquet(ext, index=False)
    compare(a, tmp)


NEG_RATE = 0.3
LGB_PARAMS = dict(objective="binary", learning_rate=0.05, num_leaves=31, min_data_in_leaf=50, lambda_l2=1.0,
                  max_bin=255, verbose=-1, seed=42)


def split(t):
    """The benchmark's split of a feature matrix (as vigil's trainer makes it): out of time, the
    last 8 weeks validation after a 72 h gap, training negatives kept at NEG_RATE with weight
    1/NEG_RATE. Returns (keep, valid, y, w, X), X's text columns as categories and booleans as
    floats. benches/perpetual/compare.py uses it too."""
    ts = t.snapshot_at.values.astype("datetime64[us]").astype(np.int64)
    valid_start = ts.max() - 8 * 7 * 24 * 3600 * 10**6
    train_end = valid_start - 72 * 3600 * 10**6
    tr, va = ts < train_end, ts >= valid_start
    y = t.escalates_within_h.values
    rng = np.random.default_rng(42)
    keep = tr & ((y == 1) | (rng.random(len(y)) < NEG_RATE))
    w = np.where(y == 1, 1.0, 1 / NEG_RATE)
    X = t.drop(columns=["account_id", "snapshot_at", "escalates_within_h"])
    for c in X.columns:
        if X[c].dtype == object or str(X[c].dtype) in ("str", "string"):
            X[c] = X[c].astype("category")
        elif X[c].dtype == bool:
            X[c] = X[c].astype(float)
    return keep, va, y, w, X


def lightgbm_fit(X, y, w, keep, va, threads):
    """LightGBM with the benchmark's parameters: (seconds for Dataset + train, validation
    ROC-AUC of the raw margin, trees kept by early stopping)."""
    t0 = time.perf_counter()
    dtrain = lgb.Dataset(X[keep], y[keep], weight=w[keep], free_raw_data=False)
    dvalid = lgb.Dataset(X[va], y[va], reference=dtrain)
    booster = lgb.train(dict(LGB_PARAMS, num_threads=threads), dtrain, 400, valid_sets=[dvalid],
                        callbacks=[lgb.early_stopping(40, verbose=False)])
    elapsed = time.perf_counter() - t0
    auc = roc_auc_score(y[va], booster.predict(X[va], num_iteration=booster.best_iteration, raw_score=True))
    return elapsed, auc, booster.best_iteration


def compare(a, tmp):
    cfg = tmp / "pipelines" / "bench.toml"
    ext = tmp / "matrix.parquet"
    t = pq.read_table(ext).to_pandas()
    print(f"matrix: {len(t)} snapshots x {t.shape[1] - 3} features, positives {t.escalates_within_h.sum()}", file=sys.stderr)

    # --- vigil ---------------------------------------------------------------------------
    def run_vigil():
        t0 = time.perf_counter()
        out = subprocess.run([str(VIGIL), "train", "--config", str(cfg), "--run-date", "2026-06-30", "--no-promote",
                              "--features", str(ext), "--label-col", "escalates_within_h", "--time-col", "snapshot_at",
                              "--id-col", "account_id", "--escalations", str(tmp / "history" / "escalations.parquet")],
                             capture_output=True, text=True)
        total = time.perf_counter() - t0
        summary = json.loads(out.stdout.strip().splitlines()[-1])
        cand = summary["stages"][0]["metrics"]["candidates"][0]
        return cand["fit_seconds"], total, cand["valid_roc_auc_raw"], cand["iterations"]

    # --- LightGBM, same split and weights ---------------------------------------------------
    keep, va, y, w, X = split(t)

    def run_lightgbm():
        return lightgbm_fit(X, y, w, keep, va, a.threads)

    # Runs alternate (vigil, LightGBM, vigil, ...) so that load from anything else running on
    # the machine falls on both alike.
    vigil_fit, vigil_total, lgb_times = [], [], []
    for _ in range(a.runs):
        fit, total, vigil_auc, vigil_rounds = run_vigil()
        vigil_fit.append(fit)
        vigil_total.append(total)
        elapsed, lgb_auc, lgb_rounds = run_lightgbm()
        lgb_times.append(elapsed)
    vf, vt, lt = statistics.median(vigil_fit), statistics.median(vigil_total), statistics.median(lgb_times)
    print(json.dumps({
        "rows": int(len(t)), "train_rows": int(keep.sum()), "valid_rows": int(va.sum()), "threads": a.threads,
        "vigil_fit_s": round(vf, 2), "vigil_train_process_s": round(vt, 2), "vigil_rounds": vigil_rounds,
        "vigil_valid_auc": round(vigil_auc, 4),
        "lightgbm_s": round(lt, 2), "lightgbm_rounds": lgb_rounds, "lightgbm_valid_auc": round(lgb_auc, 4),
        "fit_time_ratio_vigil_over_lightgbm": round(vf / lt, 2),
        "vigil_fit_runs_s": [round(x, 2) for x in vigil_fit],
        "vigil_train_process_runs_s": [round(x, 2) for x in vigil_total],
        "lightgbm_runs_s": [round(x, 2) for x in lgb_times],
        "ratio_per_pair": [round(v / l, 2) for v, l in zip(vigil_fit, lgb_times)],
        "auc_difference": round(vigil_auc - lgb_auc, 4),
    }, indent=1))


if __name__ == "__main__":
    main()
