"""Benchmark: the `perpetual` crate (3.0.0-rc.2, pure Rust) vs LightGBM on vigil's risk matrix.

    benches/.venv/bin/python benches/perpetual/compare.py --reuse <folder of risk_vs_lightgbm.py> \
        [--budgets 0.5 1.0] [--runs 3] [--threads 2] [--export /tmp/perpetual-bench]

Reads `<folder>/matrix.parquet` written by `benches/risk_vs_lightgbm.py` and builds the same
split as that script: out of time (last 8 weeks validation, 72 h gap), training negatives kept
at rate 0.3 (numpy seed 42) with weight 1/0.3, categorical columns as pandas categories. Both
engines get the identical sampled training rows and weights here. The split is exported as
column-major little-endian f64 files (NaN = missing, categoricals as integer codes) plus
`meta.json` under --export, then each run trains, interleaved so that load on the shared
machine hits both alike:
  * LightGBM exactly as risk_vs_lightgbm.py runs it (learning rate 0.05, 31 leaves,
    min_data_in_leaf 50, lambda_l2 1, 255 bins, <= 400 rounds, early stopping 40 on the
    validation set); time = Dataset construction + train;
  * `perpetual-bench` (benches/perpetual/src/main.rs) once per --budgets value: logloss,
    the same sample weights, the same threads, perpetual's own defaults otherwise (it has no
    learning rate, leaf count or early-stopping set to tune); time = Matrix view + fit.
AUC is the raw-margin validation ROC-AUC. Prints one JSON object with medians, every run,
and perpetual's fit-time ratio to LightGBM.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import lightgbm as lgb
from sklearn.metrics import roc_auc_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from risk_vs_lightgbm import lightgbm_fit, split  # noqa: E402  (the GBDT benchmark's own split)


def as_float(col):
    """A column as float64 with NaN for missing; categories become their integer codes."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy().astype(np.float64)
        codes[codes < 0] = np.nan
        if np.nanmax(codes, initial=0) > 65535:
            raise SystemExit(f"column {col.name}: more than 65,536 categories (perpetual bins categories as u16)")
        return codes
    return col.to_numpy(dtype=np.float64, na_value=np.nan)


def export(folder, X, y, w, keep, va):
    folder.mkdir(parents=True, exist_ok=True)
    cats = [i for i, c in enumerate(X.columns) if isinstance(X[c].dtype, pd.CategoricalDtype)]
    for part, mask in (("train", keep), ("valid", va)):
        with open(folder / f"{part}_x.f64", "wb") as f:
            for c in X.columns:  # column-major: perpetual's Matrix::new(data, rows, cols) layout
                np.ascontiguousarray(as_float(X[c])[mask], dtype="<f8").tofile(f)
        np.ascontiguousarray(y[mask], dtype="<f8").tofile(folder / f"{part}_y.f64")
        if part == "train":
            np.ascontiguousarray(w[mask], dtype="<f8").tofile(folder / "train_w.f64")
    meta = {"train_rows": int(keep.sum()), "valid_rows": int(va.sum()), "features": list(X.columns), "categorical": cats}
    (folder / "meta.json").write_text(json.dumps(meta, indent=1))
    return meta


def build_binary(target_dir):
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    r = subprocess.run(["cargo", "build", "--release", "--manifest-path", str(HERE / "Cargo.toml")],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"building perpetual-bench failed:\n{r.stderr}")
    return Path(target_dir) / "release" / "perpetual-bench"


def run_perpetual(binary, folder, budget, threads, predictions=None):
    args = [str(binary), str(folder), "--budget", str(budget), "--threads", str(threads)]
    if predictions:
        args += ["--predictions", str(predictions)]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"perpetual-bench failed ({' '.join(args)}):\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_lightgbm(X, y, w, keep, va, threads):
    seconds, auc, trees = lightgbm_fit(X, y, w, keep, va, threads)
    return {"fit_seconds": seconds, "trees": trees, "valid_roc_auc_raw": auc}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reuse", type=Path, required=True, help="working folder of risk_vs_lightgbm.py (holds matrix.parquet)")
    ap.add_argument("--export", type=Path, default=Path("/tmp/perpetual-bench"), help="where the split is exported")
    ap.add_argument("--budgets", type=float, nargs="+", default=[0.5, 1.0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--target-dir", type=Path, default=Path(os.environ.get("CARGO_TARGET_DIR", "/tmp/perpetual-target")))
    a = ap.parse_args()
    matrix = a.reuse / "matrix.parquet"
    if not matrix.is_file():
        raise SystemExit(f"{matrix} not found: run benches/risk_vs_lightgbm.py first and pass its working folder")
    binary = build_binary(a.target_dir)

    t = pq.read_table(matrix).to_pandas()
    keep, va, y, w, X = split(t)
    folder = a.export / a.reuse.name
    meta = export(folder, X, y, w, keep, va)
    print(f"matrix {matrix}: {len(t)} rows x {X.shape[1]} features ({len(meta['categorical'])} categorical); "
          f"train {meta['train_rows']}, valid {meta['valid_rows']}; exported to {folder}", file=sys.stderr)

    runs = {"lightgbm": [], **{f"perpetual_budget_{b}": [] for b in a.budgets}}
    for i in range(a.runs):
        runs["lightgbm"].append(run_lightgbm(X, y, w, keep, va, a.threads))
        print(f"run {i + 1}: lightgbm {runs['lightgbm'][-1]}", file=sys.stderr)
        for b in a.budgets:
            pred = folder / f"pred_budget_{b}.f64" if i == 0 else None
            r = run_perpetual(binary, folder, b, a.threads, pred)
            if pred:  # cross-check the binary's hand-written AUC against scikit-learn
                sk = roc_auc_score(y[va], np.fromfile(pred, dtype="<f8"))
                if abs(sk - r["valid_roc_auc_raw"]) > 1e-9:
                    raise SystemExit(f"perpetual AUC {r['valid_roc_auc_raw']} != scikit-learn {sk}")
            runs[f"perpetual_budget_{b}"].append(r)
            print(f"run {i + 1}: perpetual budget {b}: {r}", file=sys.stderr)

    lgb_median = statistics.median(r["fit_seconds"] for r in runs["lightgbm"])
    summary = {"matrix": str(matrix), "rows": int(len(t)), "train_rows": meta["train_rows"],
               "valid_rows": meta["valid_rows"], "threads": a.threads, "runs": a.runs,
               "lightgbm_version": lgb.__version__, "engines": {}}
    for name, rs in runs.items():
        med = statistics.median(r["fit_seconds"] for r in rs)
        summary["engines"][name] = {
            "fit_seconds_median": round(med, 2), "fit_seconds_runs": [round(r["fit_seconds"], 2) for r in rs],
            "trees": rs[-1]["trees"], "valid_roc_auc_raw": round(rs[-1]["valid_roc_auc_raw"], 4),
            "fit_time_ratio_to_lightgbm": round(med / lgb_median, 2),
            "auc_minus_lightgbm": round(rs[-1]["valid_roc_auc_raw"] - runs["lightgbm"][-1]["valid_roc_auc_raw"], 4),
        }
        if "leaves" in rs[-1]:
            summary["engines"][name]["leaves"] = rs[-1]["leaves"]
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
