"""The small Python steps of the DAGs: read vigil's summaries, decide, never run vigil."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .compat import AirflowFailException, AirflowSkipException, task
from .exits import stage_metrics


def plan_shards(plan_summary: dict | None) -> list[str]:
    """The shards `vigil plan` prepared: `stages[].metrics.shards`, e.g. ["0/4", ..., "3/4"]."""
    for stage in (plan_summary or {}).get("stages") or []:
        shards = (stage.get("metrics") or {}).get("shards")
        if shards:
            return [str(s) for s in shards]
    raise AirflowFailException(
        "vigil plan's run summary lists no shards (stages[].metrics.shards); summary: "
        f"{str(plan_summary)[:500]}"
    )


def quarter_ended_by(as_of: datetime | None) -> str | None:
    """`YYYYQn` when the run date of `as_of` is the last day of a quarter, else None.

    vigil's run date is the UTC day of `as_of` minus one microsecond: the daily run at
    2026-07-01T00:00Z has run date 2026-06-30, the quarter 2026Q2 has just ended.
    """
    if as_of is None:
        return None
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(timezone.utc)
    run_date = (as_of - timedelta(microseconds=1)).date()
    following = run_date + timedelta(days=1)
    if following.day != 1 or following.month not in (1, 4, 7, 10):
        return None
    return f"{run_date.year}Q{(run_date.month - 1) // 3 + 1}"


def promotion_outcome(train_summary: dict | None, backtest_summary: dict | None) -> dict:
    """What retraining changed, from the train and backtest summaries.

    Raises AirflowSkipException (a distinct state in the grid) when the challenger passed
    the gate but was not promoted (not better than the champion, or `--no-promote`).
    """
    t = stage_metrics(train_summary, "train")
    b = stage_metrics(backtest_summary, "backtest")
    version = t.get("model_version")
    champion = b.get("model_version")
    reason = t.get("reason") or ""
    if not t.get("promoted"):
        raise AirflowSkipException(
            f"challenger {version} is registered but was not promoted ({reason}); "
            f"the champion {champion} stays"
        )
    return {
        "promoted": version,
        "champion": champion,
        "reason": reason,
        "recall_24_72h": b.get("recall_24_72h"),
        "precision": b.get("precision"),
    }


@task(task_id="shards")
def shard_list(plan_summary: dict | None) -> list[str]:
    """Mapped-task input: one `score` task per shard."""
    return plan_shards(plan_summary)


@task.short_circuit(task_id="quarter_just_ended")
def quarter_just_ended(data_interval_end=None) -> str | None:
    """Runs the quarterly report only on the first day of a quarter (for the quarter just
    ended); on other days everything downstream is skipped. XCom: the quarter, e.g. 2026Q2."""
    return quarter_ended_by(data_interval_end)


@task(task_id="promotion", multiple_outputs=False)
def promotion(train_summary: dict | None, backtest_summary: dict | None) -> dict:
    """Logs and returns the retraining outcome; skipped when nothing was promoted."""
    return promotion_outcome(train_summary, backtest_summary)
