"""Exit-code behaviour of the vigil DAGs, in a real Airflow (dag.test) with the real binary.

1. `vigil_daily` triggered without a logical date (data_interval_end is None): `validate`
   fails on its first try (retries are configured) with the empty --as-of message, before
   the binary starts; nothing downstream runs.
2. tests/airflow/dags/vigil_exit_codes.py (its own DAG folder): `vigil publish` for a date
   with nothing staged exits 99 → skipped; `vigil validate` with a missing config exits 2 →
   failed on the first try although retries=2.
3. The pure helpers: exit-code mapping, quarter detection, shard list.

Each scenario runs in a child process so its log output can be checked. Needs the
environment test_dag.sh sets (AIRFLOW_HOME, AIRFLOW_VAR_VIGIL_BIN, AIRFLOW_VAR_VIGIL_CONFIG).
"""

import argparse
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from checks import check, fail

TEST_DAGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dags")




def task_states(dag_id: str) -> dict:
    db = sqlite3.connect(os.path.join(os.environ["AIRFLOW_HOME"], "airflow.db"))
    rows = db.execute(
        "SELECT ti.task_id, ti.state, ti.try_number FROM task_instance ti JOIN dag_run r "
        "ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id WHERE ti.dag_id = ? "
        "AND r.id = (SELECT MAX(id) FROM dag_run WHERE dag_id = ?)",
        (dag_id, dag_id),
    ).fetchall()
    return {t: (s, n) for t, s, n in rows}


def scenario_empty_as_of() -> None:
    import vigil_dags

    vigil_dags.vigil_daily.test(logical_date=None)


def scenario_exit_codes() -> None:
    # The DAG lives in tests/airflow/dags/, this scenario's DAG folder (see run_scenario).
    from vigil_airflow.compat import DAG  # noqa: F401 - the helper package is importable

    sys.path.insert(0, TEST_DAGS)
    import vigil_exit_codes

    vigil_exit_codes.dag.test(logical_date=datetime(2025, 1, 2, tzinfo=timezone.utc))


def check_helpers() -> None:
    from vigil_airflow.exits import VigilCommandError, VigilFatalError, check_as_of, failure
    from vigil_airflow.steps import plan_shards, quarter_ended_by

    summary = {"error": "quality gate failed: recall 0.7 < 0.8"}
    e = failure("train", 4, summary)
    check(isinstance(e, VigilFatalError) and "NOT promoted" in str(e) and "recall 0.7" in str(e), str(e))
    check(isinstance(failure("score", 3, None), VigilFatalError), "exit 3 must not be retried")
    check(isinstance(failure("score", 1, None), VigilCommandError), "exit 1 is retried")
    killed = failure("score", 137, None)
    check(isinstance(killed, VigilCommandError) and "signal 9" in str(killed), str(killed))
    for empty in ("", "None", "  "):
        try:
            check_as_of(empty, "t")
        except VigilFatalError:
            pass
        else:
            fail(f"check_as_of accepted {empty!r}")
    utc = timezone.utc
    check(quarter_ended_by(datetime(2026, 7, 1, tzinfo=utc)) == "2026Q2", "2026-07-01T00:00Z ends 2026Q2")
    check(quarter_ended_by(datetime(2026, 1, 1, tzinfo=utc)) == "2025Q4", "2026-01-01T00:00Z ends 2025Q4")
    check(quarter_ended_by(datetime(2026, 7, 2, tzinfo=utc)) is None, "2026-07-02 is no quarter end")
    check(
        quarter_ended_by(datetime(2026, 7, 1, 6, tzinfo=utc)) is None, "as of 07-01 06:00 is run date 07-01"
    )
    check(quarter_ended_by(None) is None, "no data interval, no report")
    shards = plan_shards({"stages": [{"stage": "plan", "metrics": {"shards": ["0/2", "1/2"]}}]})
    check(shards == ["0/2", "1/2"], str(shards))


def run_scenario(name: str, dags: str, dag_folder: str) -> str:
    env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": dag_folder}
    p = subprocess.run(
        [sys.executable, __file__, "--dags", dags, "--scenario", name],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    out = p.stdout + p.stderr
    if p.returncode != 0 and "Traceback" in out and "dag.test" not in out:
        print(out[-4000:], file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dags", required=True, help="the DAG folder (pipelines/airflow)")
    ap.add_argument("--workdir", help="unused; kept for symmetry with test_dag.sh")
    ap.add_argument("--scenario")
    a = ap.parse_args()
    sys.path.insert(0, a.dags)
    if a.scenario == "empty_as_of":
        return scenario_empty_as_of()
    if a.scenario == "exit_codes":
        return scenario_exit_codes()

    check_helpers()
    print("helpers: ok")

    out = run_scenario("empty_as_of", a.dags, a.dags)
    states = task_states("vigil_daily")
    print(f"empty --as-of: {states}")
    check(states.get("validate", (None,))[0] == "failed", f"validate should fail: {states}")
    check(states["validate"][1] == 1, f"validate was retried: try {states['validate'][1]}")
    check("--as-of rendered empty" in out, "the empty --as-of message is not in the task output")
    for t in ("sentiment", "plan", "publish"):
        check(
            states.get(t, ("none",))[0] in ("upstream_failed", None),
            f"{t} ran after the guard failed: {states}",
        )

    out = run_scenario("exit_codes", a.dags, TEST_DAGS)
    states = task_states("vigil_exit_codes")
    print(f"exit codes: {states}")
    check(states.get("publish_nothing", (None,))[0] == "skipped", f"exit 99 should skip: {states}")
    check("vigil publish exited 99: nothing to do" in out, "the skip reason is not in the task output")
    check(states.get("bad_config", (None,))[0] == "failed", f"exit 2 should fail: {states}")
    check(states["bad_config"][1] == 1, f"exit 2 was retried: try {states['bad_config'][1]}")
    check(
        "vigil validate exited 2 (usage or configuration error): cannot read config file" in out,
        "the exit-2 message is not in the task output",
    )
    print("check_exits: ok")


if __name__ == "__main__":
    main()
