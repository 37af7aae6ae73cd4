"""Builds vigil's DAGs for either operator variant (BashOperator or KubernetesPodOperator).

- `vigil_daily`: validate → sentiment → plan → score (one mapped task per shard) → publish
  (one Delta commit per table) → quarter_just_ended → report (first day of a quarter only).
- `vigil_retrain`: sentiment → features → train (promotes by the registry's rule) → backtest
  (the champion on this window) → promotion (what changed; skipped when nothing was promoted).

Every vigil task passes `--as-of {{ data_interval_end }}` explicitly.
"""

from __future__ import annotations

from datetime import timedelta

from .command import Flag
from .compat import DAG, CronTriggerTimetable, Param, make_asset
from .settings import VIGIL_SHARDS, default_args, operator_variant, schedule, start_date, table_uri
from .steps import promotion, quarter_just_ended, shard_list

#: Tables `vigil publish` commits (one Delta commit each per run date).
PUBLISHED_TABLES = ("risk_scores", "actions", "monitoring")

_DRIFT_FLAG = Flag('{{ "--fail-on-drift" if params.fail_on_drift else "" }}')
_FEEDBACK_FLAG = Flag('{{ "--with-feedback" if params.with_feedback else "" }}')
_QUARTER = '{{ ti.xcom_pull(task_ids="quarter_just_ended") }}'

DAILY_DOC = """
### vigil daily scoring

`validate → sentiment → plan → score[shard] → publish → quarter_just_ended → report`

`plan` pins the champion model and the run id and lists the shards (Variable `vigil_shards`);
each `score` task stages one shard; `publish` commits every shard in one Delta commit per
table (exit 3 when a shard is missing). The quarterly report runs on the first day of a
quarter only. Exit 99 → skipped; exit 2/3/4 → failed without retries.
"""

RETRAIN_DOC = """
### vigil weekly retraining

`sentiment → features → train → backtest → promotion`

`train` registers a challenger and promotes it when it passes the 24–72 h lead-time gate and
is not worse than the champion (vigil's registry rule; no second promote step). A gate
failure (exit 4) fails `train` with that message; the champion stays. `backtest` re-proves
the champion on the window; `promotion` is skipped when nothing was promoted.
"""


def operator_class(variant: str):
    """The operator of a variant; the Kubernetes provider is imported only when asked for."""
    if variant == "kubernetes":
        from .kubernetes import VigilPodOperator

        return VigilPodOperator
    from .bash import VigilBashOperator

    return VigilBashOperator


def table_asset(table: str):
    """The Asset (Dataset in 2.x) of one output table, named `vigil.<table>`."""
    return make_asset(f"vigil.{table}", table_uri(table))


def _timetable(cron: str, days: int):
    return CronTriggerTimetable(cron, timezone="UTC", interval=timedelta(days=days))


def _dag(variant, dag_id, kind, days, params, doc_md, dag_kwargs):
    """The DAG shared by both builders: schedule, start, no catch-up and one run at a time
    (scores carry "what changed since the previous run": run dates go in order)."""
    dag_kwargs.setdefault("schedule", _timetable(schedule(kind), days))
    dag_kwargs.setdefault("start_date", start_date())
    dag_kwargs.setdefault("catchup", False)
    dag_kwargs.setdefault("max_active_runs", 1)
    return DAG(
        dag_id=dag_id,
        default_args=default_args(),
        params=params,
        tags=["vigil", variant],
        doc_md=doc_md,
        **dag_kwargs,
    )


def build_daily_dag(
    variant: str | None = None, *, dag_id: str = "vigil_daily", operator_kwargs=None, **dag_kwargs
):
    """The daily scoring DAG. `operator_kwargs` go to every vigil task (e.g. `pool`,
    `container_resources` for the Kubernetes variant); `dag_kwargs` to the DAG."""
    variant = variant or operator_variant()
    op = operator_class(variant)
    kw = dict(operator_kwargs or {})
    params = {
        "fail_on_drift": Param(
            False,
            type="boolean",
            description="publish --fail-on-drift: exit 4, nothing published, when the score or "
            "over a quarter of the features drifted past PSI 0.2 (over all shards)",
        ),
    }
    with _dag(variant, dag_id, "daily", 1, params, DAILY_DOC, dag_kwargs) as dag:
        validate = op(task_id="validate", command=["validate"], outlets=[table_asset("quarantine")], **kw)
        sentiment = op(
            task_id="sentiment", command=["sentiment", "run"], outlets=[table_asset("text_sentiment")], **kw
        )
        plan = op(task_id="plan", command=["plan", "--shards", VIGIL_SHARDS], **kw)
        score = op.partial(
            task_id="score", command=["score"], map_index_template="shard {{ task.shard }}", **kw
        ).expand(shard=shard_list(plan.output))
        publish = op(
            task_id="publish",
            command=["publish", _DRIFT_FLAG],
            outlets=[table_asset(t) for t in PUBLISHED_TABLES],
            **kw,
        )
        report = op(
            task_id="report",
            command=["report", "--quarter", _QUARTER],
            outlets=[table_asset("quarterly_patterns")],
            **kw,
        )
        validate >> sentiment >> plan
        score >> publish >> quarter_just_ended() >> report
    return dag


def build_retrain_dag(
    variant: str | None = None, *, dag_id: str = "vigil_retrain", operator_kwargs=None, **dag_kwargs
):
    """The weekly retraining DAG (see the module doc)."""
    variant = variant or operator_variant()
    op = operator_class(variant)
    kw = dict(operator_kwargs or {})
    params = {
        "with_feedback": Param(
            False, type="boolean", description="Retrain with the CSM verdicts of the feedback table"
        ),
    }
    with _dag(variant, dag_id, "retrain", 7, params, RETRAIN_DOC, dag_kwargs) as dag:
        sentiment = op(
            task_id="sentiment", command=["sentiment", "run"], outlets=[table_asset("text_sentiment")], **kw
        )
        features = op(task_id="features", command=["features", "--mode", "train"], **kw)
        train = op(
            task_id="train", command=["train", _FEEDBACK_FLAG], outlets=[table_asset("model_runs")], **kw
        )
        backtest = op(task_id="backtest", command=["backtest", "--model", "champion"], **kw)
        sentiment >> features >> train >> backtest
        promotion(train.output, backtest.output)
    return dag
