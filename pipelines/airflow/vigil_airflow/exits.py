"""vigil's exit codes as Airflow task states, and the JSON run summary.

| exit | vigil meaning                       | task                                    |
|------|-------------------------------------|-----------------------------------------|
| 0    | ok                                  | success; XCom = the JSON run summary    |
| 1    | internal error                      | failed, retried with back-off           |
| 2    | usage or configuration error        | failed, never retried                   |
| 3    | input data invalid                  | failed, never retried                   |
| 4    | quality gate failed                 | failed, never retried (champion stays)  |
| 99   | nothing to do                       | skipped                                 |
| else | killed (OOM 137, SIGTERM 143, ...)  | failed, retried with back-off           |

Not retrying 2, 3 and 4 uses `AirflowFailException`, which every Airflow version honours
(Airflow 3.3's `retry_policy` needs an exception to match too, and never overrides this one).
"""

from __future__ import annotations

import json
import pathlib
import re

from .compat import AirflowException, AirflowFailException

SKIP_EXIT_CODE = 99
NOT_RETRYABLE = frozenset({2, 3, 4})

MEANINGS = {
    1: "internal error",
    2: "usage or configuration error",
    3: "input data invalid",
    4: "quality gate failed",
    SKIP_EXIT_CODE: "nothing to do",
}

#: What a gate failure means, per command.
GATE_HINTS = {
    "train": "the challenger is registered for inspection but NOT promoted; the champion stays",
    "backtest": "the model does not pass the 24-72 h lead-time gate on this window",
    "score": "the drift gate (--fail-on-drift) stopped scoring; nothing was staged",
    "publish": "the drift gate (--fail-on-drift, over all shards) stopped publishing; nothing was committed",
    "run": "the gate stopped the run before scoring",
}


class VigilCommandError(AirflowException):
    """vigil failed in a way a retry may cure (exit 1, or killed); Airflow retries it."""

    def __init__(self, message: str, exit_code: int | None):
        super().__init__(message)
        self.exit_code = exit_code


class VigilFatalError(AirflowFailException):
    """vigil failed in a way a retry cannot cure (exit 2, 3 or 4); the task fails at once."""

    def __init__(self, message: str, exit_code: int | None):
        super().__init__(message)
        self.exit_code = exit_code


def read_summary(path: str | pathlib.Path) -> dict | None:
    """The JSON run summary vigil wrote with `--summary-json`, or None when absent or empty."""
    try:
        text = pathlib.Path(path).read_text().strip()
    except OSError:
        return None
    if not text:
        return None
    try:
        value = json.loads(text.splitlines()[-1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def failure(command: str, exit_code: int, summary: dict | None, detail: str | None = None) -> Exception:
    """The exception for a failed vigil command: not retried for exit 2, 3 and 4."""
    if exit_code in MEANINGS:
        meaning = MEANINGS[exit_code]
    elif exit_code > 128 or exit_code < 0:
        meaning = f"killed by signal {abs(exit_code) - 128 if exit_code > 128 else -exit_code}"
    else:
        meaning = "unexpected exit code"
    message = f"vigil {command} exited {exit_code} ({meaning})"
    error = (summary or {}).get("error") or detail
    if error:
        message += f": {str(error).strip()}"
    if exit_code == 4:
        message += ". " + GATE_HINTS.get(command.split()[0], "a quality gate failed")
    if exit_code in NOT_RETRYABLE:
        return VigilFatalError(message + ". Not retried: the same inputs give the same result", exit_code)
    return VigilCommandError(message, exit_code)


def skip_message(command: str, summary: dict | None) -> str:
    """Why a task is skipped on exit 99."""
    error = (summary or {}).get("error") or "nothing to do"
    return f"vigil {command} exited 99: {error}"


def check_as_of(value: str | None, task_id: str) -> None:
    """Fails fast, without retries, when `--as-of` rendered empty (or as Python's None).

    That happens when the run has no data interval, e.g. a manual run without a logical date.
    vigil itself exits 2 on an empty `--as-of`; this check says so before anything starts.
    """
    if value is None or value.strip() in ("", "None"):
        raise VigilFatalError(
            f"{task_id}: --as-of rendered empty (data_interval_end is not set for this run: was it "
            "triggered without a logical date?). vigil never defaults to 'now'; trigger the run "
            "with a logical date, e.g. `airflow dags trigger --logical-date 2026-07-01T00:00:00+00:00`",
            2,
        )


_SHARD = re.compile(r"^\d+/\d+$")


def check_shard(value: str | None, task_id: str) -> None:
    """A shard is `i/N` as `vigil plan` lists it."""
    if value is not None and not _SHARD.match(value):
        raise VigilFatalError(f"{task_id}: shard {value!r} is not of the form i/N", 2)


def stage_metrics(summary: dict | None, stage: str) -> dict:
    """The metrics of the named stage of a run summary ({} when absent)."""
    for s in (summary or {}).get("stages") or []:
        if s.get("stage") == stage:
            return s.get("metrics") or {}
    return {}
