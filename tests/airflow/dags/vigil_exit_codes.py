"""Test DAG (not for deployment): single vigil tasks whose exit codes check_exits.py asserts.

- publish_nothing: `vigil publish` for run date 2025-01-01, where nothing is staged → exit 99
  → skipped.
- bad_config: `vigil validate` with a config that does not exist → exit 2 → failed on the
  first try although the DAG allows 2 retries.
"""

import os
import sys
from datetime import datetime, timedelta, timezone

_DAGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "pipelines", "airflow")
if os.path.abspath(_DAGS) not in sys.path:
    sys.path.append(os.path.abspath(_DAGS))

from vigil_airflow.bash import VigilBashOperator  # noqa: E402
from vigil_airflow.compat import DAG  # noqa: E402

with DAG(
    dag_id="vigil_exit_codes",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    default_args={"retries": 2, "retry_delay": timedelta(seconds=1)},
) as dag:
    VigilBashOperator(task_id="publish_nothing", command=["publish"], as_of="2025-01-02T00:00:00+00:00")
    VigilBashOperator(task_id="bad_config", command=["validate"], config="/nonexistent/vigil.toml")
