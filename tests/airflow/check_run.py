"""Checks one `airflow dags test vigil_daily` run: task states, XComs, Delta tables, assets.

Reads the Airflow metadata database (SQLite) for what the tasks reported, and the Delta
tables with Python `deltalake` (delta-rs's own Python build: no code shared with vigil).
"""

import argparse
import contextlib
import datetime
import json
import os
import re
import sqlite3
import sys

import pyarrow.parquet as pq
from deltalake import DeltaTable
from checks import check, fail




def xcom_value(raw):
    """An XCom value as stored by Airflow 3 (JSON, sometimes a JSON string of JSON)."""
    value = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return value


def stage(summary: dict, name: str) -> dict:
    for s in summary.get("stages") or []:
        if s.get("stage") == name:
            return s
    fail(f"no stage {name!r} in summary {json.dumps(summary)[:400]}")
    return {}


def task_seconds(log: str) -> list[tuple[str, float]]:
    """(task, seconds) from the `[DAG TEST] running task` / `end task` lines of dags test."""
    start_re = re.compile(r"^(\S+Z) .*\[DAG TEST\] running task <TaskInstance: vigil_daily\.(\w+) ")
    end_re = re.compile(r"^(\S+Z) .*\[DAG TEST\] end task task_id=(\w+) map_index=(-?\d+)")
    started: list[tuple[str, datetime.datetime]] = []
    out = []
    for line in log.splitlines():
        if m := start_re.match(line):
            started.append((m.group(2), datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))))
        elif (m := end_re.match(line)) and started:
            task, t0 = started.pop(0)
            t1 = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
            name = task if m.group(3) == "-1" else f"{task}[{m.group(3)}]"
            out.append((name, (t1 - t0).total_seconds()))
    return out


def read_files(dt: DeltaTable, partition_filters=None):
    """The rows of the table's current files (optionally one partition's), read by pyarrow.

    The Delta log (deltalake) says which Parquet files are live; pyarrow reads them. Not
    `to_pyarrow_table()`: its dataset scanner's threads can abort the interpreter at exit
    ("terminate called without an active exception", delta-rs#2184 / arrow#34314).
    """
    files = dt.file_uris(partition_filters=partition_filters)
    check(bool(files), f"{dt.table_uri}: no files for {partition_filters}")
    return pq.read_table(files)


def partition(path: str, run_date: str):
    dt = DeltaTable(path)
    check(
        dt.metadata().partition_columns == ["run_date"],
        f"{path}: partition columns {dt.metadata().partition_columns}",
    )
    return dt, read_files(dt, [("run_date", "=", run_date)])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--unsharded", required=True, help="staged folder of an unsharded `vigil score`")
    ap.add_argument("--run-date", required=True)
    ap.add_argument("--shards", type=int, required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()

    db = sqlite3.connect(a.db)
    runs = db.execute("SELECT run_id, state FROM dag_run WHERE dag_id = 'vigil_daily'").fetchall()
    check(len(runs) == 1, f"expected one vigil_daily run, got {runs}")
    run_id, state = runs[0]
    states = {
        (t, m): s
        for t, m, s in db.execute(
            "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = 'vigil_daily' AND run_id = ?",
            (run_id,),
        )
    }
    print(f"run {run_id}: {state}; tasks: {sorted(states.items())}")
    check(state == "success", f"dag run state {state}")
    want = ["validate", "sentiment", "plan", "shards", "publish", "quarter_just_ended", "report"]
    for t in want:
        check(states.get((t, -1)) == "success", f"task {t}: {states.get((t, -1))}")
    scores = sorted(m for (t, m), s in states.items() if t == "score")
    check(scores == list(range(a.shards)), f"mapped score tasks {scores}, expected {a.shards}")
    check(all(states[("score", m)] == "success" for m in scores), f"score states {states}")

    xcoms = {
        (t, m): xcom_value(v)
        for t, m, v in db.execute(
            "SELECT task_id, map_index, value FROM xcom WHERE dag_id = 'vigil_daily' AND run_id = ? "
            "AND key = 'return_value'",
            (run_id,),
        )
    }
    plan = xcoms[("plan", -1)]
    check(plan["status"] == "ok" and plan["exit_code"] == 0, f"plan summary {plan}")
    check(plan["run_date"] == a.run_date, f"plan run_date {plan['run_date']} != {a.run_date}")
    expected_shards = [f"{i}/{a.shards}" for i in range(a.shards)]
    check(xcoms[("shards", -1)] == expected_shards, f"shards XCom {xcoms[('shards', -1)]}")

    rows = actions = 0
    versions = set()
    for m in range(a.shards):
        s = xcoms[("score", m)]
        check(s["run_date"] == a.run_date and s["exit_code"] == 0, f"score shard {m}: {s}")
        st = stage(s, "score")
        rows += st["rows_out"]
        actions += st["metrics"]["actions"]
        versions.add(st["metrics"]["model_version"])
    check(len(versions) == 1, f"shards scored with different models: {versions}")
    print(f"score shards: {rows} risk_scores rows, {actions} actions, model {versions}")
    check(rows > 0, "the shards scored no account")

    pub = xcoms[("publish", -1)]
    pm = stage(pub, "publish")["metrics"]
    check(
        pm["risk_scores"]["rows"] == rows,
        f"publish wrote {pm['risk_scores']['rows']} risk_scores, shards {rows}",
    )
    check(
        pm["actions"]["rows"] == actions, f"publish wrote {pm['actions']['rows']} actions, shards {actions}"
    )
    quarter = xcoms[("quarter_just_ended", -1)]
    check(quarter == "2026Q2", f"quarter XCom {quarter!r}")
    check(stage(xcoms[("report", -1)], "report") is not None, "report summary")

    # The independent reader: every shard in one commit, one row per scored account.
    rs_dt, rs = partition(f"{a.warehouse}/risk_scores", a.run_date)
    check(
        rs.num_rows == rows, f"risk_scores run_date={a.run_date}: {rs.num_rows} rows, shards reported {rows}"
    )
    ids = rs.column("account_id").to_pylist()
    check(
        len(set(ids)) == len(ids),
        f"risk_scores: {len(ids) - len(set(ids))} duplicate account ids across shards",
    )
    check(rs_dt.version() == 0, f"risk_scores: Delta version {rs_dt.version()}, expected one commit (0)")
    check(set(rs.column("model_version").to_pylist()) == versions, "risk_scores model_version")
    other = read_files(rs_dt).num_rows - rs.num_rows
    check(other == 0, f"risk_scores: {other} rows outside run_date={a.run_date}")
    ac_dt, ac = partition(f"{a.warehouse}/actions", a.run_date)
    check(
        ac.num_rows == actions,
        f"actions run_date={a.run_date}: {ac.num_rows} rows, shards reported {actions}",
    )
    check(ac_dt.version() == 0, f"actions: Delta version {ac_dt.version()}, expected one commit (0)")
    check(set(ac.column("account_id").to_pylist()) <= set(ids), "actions for accounts that were not scored")
    print(
        f"delta: risk_scores {rs.num_rows} rows ({len(set(ids))} accounts), "
        f"actions {ac.num_rows} rows, one commit each"
    )

    # Assets: publish emitted events for the published tables.
    events = dict(
        db.execute(
            "SELECT a.name, COUNT(*) FROM asset_event e JOIN asset a ON a.id = e.asset_id GROUP BY a.name"
        ).fetchall()
    )
    print(f"asset events: {events}")
    for t in ("risk_scores", "actions", "monitoring", "quarterly_patterns"):
        check(events.get(f"vigil.{t}", 0) >= 1, f"no asset event for vigil.{t}")

    with open(a.log, encoding="utf-8", errors="replace") as f:
        log = f.read()
    print("task wall times (dags test runs mapped tasks one after another):")
    for task, secs in task_seconds(log):
        print(f"   {task}: {secs:.1f} s")
    check(
        re.search(r"--as-of \\?'2026-07-01T00:00:00\+00:00", log) is not None,
        "the rendered --as-of 2026-07-01T00:00:00+00:00 is not in the dags test log",
    )

    # Last, as the other checks hold either way: the same inputs scored unsharded (`vigil score`
    # without --shard, staged by test_dag.sh). Sharding must change neither the accounts scored
    # nor their scores.
    ref = pq.read_table(f"{a.unsharded}/risk_scores.parquet")
    ref_scores = dict(
        zip(ref.column("account_id").to_pylist(), ref.column("probability").to_pylist(), strict=True)
    )
    got_scores = dict(zip(ids, rs.column("probability").to_pylist(), strict=True))
    check(
        set(ref_scores) == set(got_scores),
        f"accounts: {len(got_scores)} sharded vs {len(ref_scores)} unsharded",
    )
    diff = sorted(k for k in ref_scores if abs(ref_scores[k] - got_scores[k]) > 1e-12)
    check(
        not diff,
        f"{len(diff)} of {len(ref_scores)} accounts have another probability sharded than unsharded, e.g. "
        + ", ".join(f"{k}: {got_scores[k]:.6g} vs {ref_scores[k]:.6g}" for k in diff[:3]),
    )
    ref_actions = pq.read_table(f"{a.unsharded}/actions.parquet").num_rows
    check(ref_actions == ac.num_rows, f"actions: {ac.num_rows} sharded vs {ref_actions} unsharded")
    print(f"unsharded: the same {len(ref_scores)} accounts, identical probabilities, {ref_actions} actions")
    print("check_run: ok")


if __name__ == "__main__":
    main()
    # pyarrow's and deltalake's worker threads can abort the interpreter at exit
    # ("terminate called without an active exception", apache/arrow#34314,
    # delta-io/delta-rs#2184): every check has passed here, so leave without the
    # destructors.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
