"""Settings of the vigil DAGs.

Two kinds, on purpose:

- **Airflow Variables**, read when a task runs (Jinja `var.value.get`, so parsing the DAG file
  never touches the metadata database): where the binary is, which pipeline config, how many
  shards, which image and namespace. Each has a default, taken from the environment of the
  worker/scheduler when set there, else a fixed value.
- **Environment variables**, read when the DAG file is parsed (by the DAG processor *and* by
  every worker, so set them alike everywhere), for what shapes the DAG itself: the operator
  variant, schedules, retries, and the warehouse URL that the Asset URIs are built from.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from datetime import datetime, timedelta, timezone

# --- Airflow Variables (read at run time) -------------------------------------------------

#: Variable name → default. The defaults come from the environment when set there.
VARIABLE_DEFAULTS: dict[str, str] = {
    # Path of the vigil binary on the worker (BashOperator) or inside the image (KPO).
    "vigil_bin": os.environ.get("VIGIL_BIN", "vigil"),
    # Pipeline config (TOML) as the binary sees it: on the worker, or inside the image.
    "vigil_config": os.environ.get("VIGIL_CONFIG", "/opt/vigil/pipelines/production.toml"),
    # Number of scoring shards `vigil plan` prepares (one mapped `score` task each).
    "vigil_shards": os.environ.get("VIGIL_SHARDS", "4"),
    # KubernetesPodOperator only: image (with vigil and the config) and namespace.
    "vigil_image": os.environ.get("VIGIL_IMAGE", "vigil:latest"),
    "vigil_namespace": os.environ.get("VIGIL_NAMESPACE", "default"),
}


def variable(name: str) -> str:
    """Jinja that reads Airflow Variable `name` at run time, with its default."""
    # json.dumps gives a double-quoted literal that Jinja reads as a string; double quotes
    # keep the template free of single quotes, so it survives shell single-quoting.
    return "{{ var.value.get(" + json.dumps(name) + ", " + json.dumps(VARIABLE_DEFAULTS[name]) + ") }}"


#: The run's instant: the end of the data interval, as RFC 3339 (a daily run at 2026-07-01T00:00Z
#: scores as of then, which vigil reads as run date 2026-06-30). A run without a data interval
#: (Airflow 3: a manual run without a logical date) has no `data_interval_end` in its context:
#: a bare `{{ data_interval_end }}` then fails to render (UndefinedError), which Airflow retries
#: like any error. This renders empty instead, and the operators fail fast, without retries.
AS_OF = '{{ data_interval_end | ts if data_interval_end is defined and data_interval_end else "" }}'

VIGIL_BIN = variable("vigil_bin")
VIGIL_CONFIG = variable("vigil_config")
VIGIL_SHARDS = variable("vigil_shards")
VIGIL_IMAGE = variable("vigil_image")
VIGIL_NAMESPACE = variable("vigil_namespace")

# --- Environment of the DAG processor (read at parse time) --------------------------------


def operator_variant() -> str:
    """`bash` (default) or `kubernetes`, from VIGIL_AIRFLOW_OPERATOR."""
    variant = os.environ.get("VIGIL_AIRFLOW_OPERATOR", "bash").strip().lower()
    if variant in ("k8s", "kpo", "kubernetes"):
        return "kubernetes"
    if variant != "bash":
        raise ValueError(f"VIGIL_AIRFLOW_OPERATOR={variant!r}: use 'bash' or 'kubernetes'")
    return variant


def k8s_secret() -> str:
    """KubernetesPodOperator only: the Kubernetes Secret (VIGIL_K8S_SECRET, default `vigil-env`)
    whose keys become the pod's environment: object-store credentials, VIGIL_POSTGRES_URL, ...
    Mounted as optional, so a missing Secret is no error."""
    return os.environ.get("VIGIL_K8S_SECRET", "vigil-env")


def default_args() -> dict:
    """Retries with exponential back-off (exit codes 2, 3 and 4 are never retried: see exits.py)."""
    return {
        "owner": os.environ.get("VIGIL_AIRFLOW_OWNER", "vigil"),
        "retries": int(os.environ.get("VIGIL_AIRFLOW_RETRIES", "3")),
        "retry_delay": timedelta(seconds=int(os.environ.get("VIGIL_AIRFLOW_RETRY_DELAY_S", "120"))),
        "retry_exponential_backoff": _exponential_backoff(),
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=int(os.environ.get("VIGIL_AIRFLOW_TIMEOUT_H", "6"))),
    }


def _exponential_backoff() -> bool | float:
    """Doubling delays: Airflow 3.3+ takes a multiplier, earlier versions a bool."""
    from airflow import __version__

    major, minor = (int(p) for p in re.findall(r"\d+", __version__)[:2])
    return 2.0 if (major, minor) >= (3, 3) else True


def start_date() -> datetime:
    """First data interval the scheduler may run (VIGIL_AIRFLOW_START_DATE, YYYY-MM-DD)."""
    day = os.environ.get("VIGIL_AIRFLOW_START_DATE", "2026-01-01")
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc)


def schedule(kind: str) -> str:
    """Cron of the daily (`VIGIL_DAILY_CRON`) or weekly retraining (`VIGIL_RETRAIN_CRON`) DAG, UTC."""
    if kind == "daily":
        return os.environ.get("VIGIL_DAILY_CRON", "0 0 * * *")
    return os.environ.get("VIGIL_RETRAIN_CRON", "0 0 * * 1")


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def warehouse_url() -> str:
    """Root URL of vigil's output tables (VIGIL_WAREHOUSE_URL), for the Asset URIs.

    Only the environment, never the pipeline config: the DAG processor and every worker parse
    this file, and an Asset whose URI differs between them is "inactive" in Airflow 3 (the task
    fails), so the URI must not depend on whether a config file happens to be readable there.
    Unset: `x-vigil://warehouse`, a placeholder; the Asset names (`vigil.<table>`) are stable
    either way, and BI DAGs can schedule on names. A local path becomes a file:// URI.
    """
    url = os.environ.get("VIGIL_WAREHOUSE_URL", "").strip()
    if not url:
        return "x-vigil://warehouse"
    url = _ENV_REF.sub(lambda m: os.environ.get(m.group(1), m.group(0)), url)
    if "://" not in url:
        url = pathlib.Path(url).resolve().as_uri()
    return url.rstrip("/")


def table_uri(table: str) -> str:
    """Asset URI of one output table (a Delta table folder under the warehouse root)."""
    return f"{warehouse_url()}/{table}"
