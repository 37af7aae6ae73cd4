"""Checks one `airflow dags test vigil_retrain` run (opt-in: VIGIL_AIRFLOW_TEST_RETRAIN=1).

Either the challenger was promoted (`promotion` succeeded and names the champion), or it
passed the gate without being promoted (`promotion` skipped), or the gate failed (`train`
failed, nothing downstream ran). In every case `model_runs` holds the training's row.
"""

import argparse
import json
import os
import sqlite3
import sys

import pyarrow.parquet as pq
from deltalake import DeltaTable
from checks import check



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--run-date", required=True)
    a = ap.parse_args()
    db = sqlite3.connect(a.db)
    (run_id, state), *rest = db.execute(
        "SELECT run_id, state FROM dag_run WHERE dag_id = 'vigil_retrain'"
    ).fetchall()
    check(not rest, "expected one vigil_retrain run")
    states = dict(
        db.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = 'vigil_retrain' AND run_id = ?",
            (run_id,),
        )
    )
    print(f"retrain run {run_id}: {state}; {states}")
    xcom = {
        t: json.loads(v) if isinstance(v, str) else v
        for t, v in db.execute(
            "SELECT task_id, value FROM xcom WHERE dag_id = 'vigil_retrain' AND run_id = ? "
            "AND key = 'return_value'",
            (run_id,),
        )
    }
    for t in ("sentiment", "features"):
        check(states.get(t) == "success", f"{t}: {states.get(t)}")
    if states.get("train") == "failed":
        check(states.get("backtest") == "upstream_failed", f"backtest ran after a failed gate: {states}")
        print("outcome: gate failed, champion kept")
    else:
        train = next(s for s in xcom["train"]["stages"] if s["stage"] == "train")["metrics"]
        backtest = next(s for s in xcom["backtest"]["stages"] if s["stage"] == "backtest")["metrics"]
        check(backtest["gate_passed"], f"the champion fails the gate: {backtest}")
        if train["promoted"]:
            check(states.get("promotion") == "success", f"promotion: {states.get('promotion')}")
            check(
                xcom["promotion"]["champion"] == train["model_version"], f"promotion XCom {xcom['promotion']}"
            )
            print(f"outcome: {train['model_version']} promoted")
        else:
            check(states.get("promotion") == "skipped", f"promotion: {states.get('promotion')}")
            print(f"outcome: {train['model_version']} not promoted ({train['reason']}); champion kept")
    # The Delta log names the partition's files; pyarrow reads them (see check_run.read_files).
    files = DeltaTable(f"{a.warehouse}/model_runs").file_uris(
        partition_filters=[("run_date", "=", a.run_date)]
    )
    check(bool(files), f"model_runs has no files for run_date={a.run_date}")
    runs = pq.read_table(files)
    check(runs.num_rows >= 1, f"model_runs has no row for {a.run_date}")
    print(f"model_runs run_date={a.run_date}: {runs.num_rows} row(s)")
    print("check_retrain: ok")


if __name__ == "__main__":
    main()
    # pyarrow's and deltalake's worker threads can abort the interpreter at exit
    # ("terminate called without an active exception", apache/arrow#34314,
    # delta-io/delta-rs#2184): every check has passed here, so leave without the
    # destructors.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
