"""Imports that moved between Airflow 2.x and 3.x, in one place.

Airflow 3 moved DAG authoring to the Task SDK (`airflow.sdk`), renamed datasets to assets and
moved the core operators to the `standard` provider; Airflow 2.x (2.7+) keeps the old paths.
"""

from __future__ import annotations

try:  # Airflow 3: the Task SDK.
    from airflow.sdk import DAG, Asset, Param, task
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

    AIRFLOW_3 = True
except ImportError:  # Airflow 2.x
    from airflow import DAG
    from airflow.datasets import Dataset as Asset
    from airflow.decorators import task
    from airflow.exceptions import AirflowException, AirflowFailException, AirflowSkipException
    from airflow.models.param import Param

    AIRFLOW_3 = False

try:  # Airflow 3 (and 2.x with apache-airflow-providers-standard installed)
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator

try:
    from airflow.sdk import CronTriggerTimetable
except ImportError:
    from airflow.timetables.trigger import CronTriggerTimetable


def make_asset(name: str, uri: str):
    """An Airflow 3 `Asset` with a stable name, or an Airflow 2 `Dataset` (URI only)."""
    if AIRFLOW_3:
        return Asset(name=name, uri=uri, group="vigil")
    return Asset(uri)


__all__ = [
    "AIRFLOW_3",
    "DAG",
    "AirflowException",
    "AirflowFailException",
    "AirflowSkipException",
    "Asset",
    "BashOperator",
    "CronTriggerTimetable",
    "Param",
    "make_asset",
    "task",
]
