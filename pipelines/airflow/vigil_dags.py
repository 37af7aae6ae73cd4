"""vigil's Airflow DAGs: `vigil_daily` (daily scoring) and `vigil_retrain` (weekly retraining).

Both come from one factory (vigil_airflow/factory.py). The operator variant is chosen when the
file is parsed, from the DAG processor's environment: VIGIL_AIRFLOW_OPERATOR=bash (default:
BashOperator, the vigil binary on the worker) or kubernetes (KubernetesPodOperator, the vigil
image). Everything else is read at run time from Airflow Variables; see README.md.
"""

import os
import sys

# Airflow 3 puts the DAG bundle on sys.path only in some code paths (not `dags list --local`,
# not Airflow 2's older loaders): make the helper package next to this file importable anyway.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.append(_HERE)

from vigil_airflow.factory import build_daily_dag, build_retrain_dag  # noqa: E402

vigil_daily = build_daily_dag()
vigil_retrain = build_retrain_dag()
