"""Helpers shared by vigil's notebooks: where the outputs are, reading them, and a printed
"absent: …" line instead of a traceback when a table or file is not there.

Locations come from the environment, so the same notebooks read the demo output or a
production warehouse:

- ``VIGIL_WAREHOUSE``: the ``[warehouse] url`` (default ``../out/warehouse``, the demo's, relative
  to the notebook folder). A local path or a URL (``s3://…``, ``gs://…``, ``az://…``); Delta
  tables read object-store credentials from the usual environment variables (``AWS_*`` …).
- ``VIGIL_REGISTRY``: the ``[risk] registry`` location (default ``../out/registry``).
- ``VIGIL_RUN_DATE``: the run date to show (``YYYY-MM-DD``); default: each table's latest.
"""

from __future__ import annotations

import json
import os
import pathlib
from datetime import date

import matplotlib.dates as mdates
import polars as pl
from deltalake import DeltaTable
from pyarrow import fs as pafs

pl.Config.set_tbl_rows(40)
pl.Config.set_tbl_cols(20)
pl.Config.set_fmt_str_lengths(160)
pl.Config.set_tbl_width_chars(200)

# What writes each table, for the message printed when it is absent.
WRITTEN_BY = {
    "risk_scores": "`vigil score` + `vigil publish` (or `vigil run`, `vigil demo`)",
    "actions": "`vigil score` + `vigil publish` (or `vigil run`, `vigil demo`)",
    "monitoring": "`vigil score` + `vigil publish` (drift monitoring; needs a model trained with a drift reference)",
    "model_runs": "`vigil train` (or `vigil run`, `vigil demo`)",
    "text_sentiment": "`vigil sentiment run` (or `vigil run`, `vigil demo` with [sentiment] enabled)",
    "feedback_summary": "`vigil run` with `[risk.feedback] enabled = true` and a `feedback` input table",
    "quarterly_patterns": "`vigil report --config F --run-date D [--quarter YYYYQn]`",
}


def _location(var: str, default: str) -> str:
    """A URL as given, or a local path made absolute (relative to the notebook's folder)."""
    raw = os.environ.get(var, "").strip() or default
    if raw.startswith("file://"):
        raw = raw[len("file://") :]
    elif "://" in raw:
        return raw.rstrip("/")
    return str(pathlib.Path(raw).expanduser().resolve())


def _run_date_env() -> date | None:
    raw = os.environ.get("VIGIL_RUN_DATE", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as e:
        raise ValueError(f"VIGIL_RUN_DATE={raw!r} is not a date (YYYY-MM-DD)") from e


WAREHOUSE = _location("VIGIL_WAREHOUSE", "../out/warehouse")
REGISTRY = _location("VIGIL_REGISTRY", "../out/registry")
RUN_DATE = _run_date_env()


def absent(what: str) -> None:
    """Print the one-line notice a notebook shows instead of a section it cannot draw."""
    print(f"absent: {what}")


def table_uri(name: str) -> str:
    """The location of the Delta table ``name`` under the warehouse."""
    return f"{WAREHOUSE}/{name}"


def has_table(name: str) -> bool:
    """Whether the warehouse holds the Delta table ``name``."""
    return DeltaTable.is_deltatable(table_uri(name))


def run_dates(name: str) -> list[date]:
    """The table's ``run_date`` partitions, oldest first (read from the Delta log)."""
    parts = DeltaTable(table_uri(name)).partitions()
    return sorted({date.fromisoformat(p["run_date"]) for p in parts if p.get("run_date")})


def read_table(name: str, run_date: date | str | None = "latest") -> pl.DataFrame | None:
    """Read one ``run_date`` partition of a warehouse table (``"latest"``: ``VIGIL_RUN_DATE``
    when set, else the newest partition; ``None``: every partition). Prints why and returns
    ``None`` when the table or the partition is absent."""
    if not has_table(name):
        absent(f"table `{name}` is not under {WAREHOUSE} (written by {WRITTEN_BY.get(name, 'vigil')})")
        return None
    lf = pl.scan_delta(table_uri(name))
    if run_date is None:
        return lf.collect()
    dates = run_dates(name)
    if run_date == "latest":
        run_date = RUN_DATE or (dates[-1] if dates else None)
    if isinstance(run_date, str):
        run_date = date.fromisoformat(run_date)
    if run_date not in dates:
        shown = ", ".join(str(d) for d in dates[-5:]) or "none"
        absent(f"table `{name}` has no run_date={run_date} partition (latest partitions: {shown})")
        return None
    return lf.filter(pl.col("run_date") == run_date).collect()


def _fs(root: str) -> tuple[pafs.FileSystem, str] | None:
    """pyarrow's filesystem for ``root`` (local, s3://, gs://, …), or ``None`` with a notice."""
    try:
        return pafs.FileSystem.from_uri(root)
    except Exception as e:  # noqa: BLE001 - any failure here means "cannot read it"
        absent(f"cannot open {root} with pyarrow's filesystems ({e})")
        return None


def list_names(root: str, rel: str) -> list[str]:
    """Names of the entries directly under ``root/rel`` (empty when it does not exist)."""
    if (opened := _fs(root)) is None:
        return []
    filesystem, base = opened
    sel = pafs.FileSelector(f"{base}/{rel}".rstrip("/"), allow_not_found=True)
    return sorted(info.base_name for info in filesystem.get_file_info(sel))


def read_json(root: str, rel: str) -> dict | None:
    """The JSON file ``root/rel``, or ``None`` (and a printed notice) when it is absent."""
    if (opened := _fs(root)) is None:
        return None
    filesystem, base = opened
    path = f"{base}/{rel}"
    if filesystem.get_file_info(path).type != pafs.FileType.File:
        absent(f"{root}/{rel} does not exist")
        return None
    with filesystem.open_input_stream(path) as f:
        return json.loads(f.read().decode("utf-8"))


def read_text(root: str, rel: str) -> str | None:
    """The text file ``root/rel``, or ``None`` when it is absent."""
    if (opened := _fs(root)) is None:
        return None
    filesystem, base = opened
    path = f"{base}/{rel}"
    if filesystem.get_file_info(path).type != pafs.FileType.File:
        return None
    with filesystem.open_input_stream(path) as f:
        return f.read().decode("utf-8")


def report_count(label: str, table: str, run_date: date | str | None, rows: int) -> None:
    """Print a row count in the fixed form the notebook test checks against the table:
    ``<label> (<table>, run_date <D|all>): <rows>``."""
    print(f"{label} ({table}, run_date {run_date or 'all'}): {rows}")


def tier_order(scores: pl.DataFrame) -> list[str]:
    """Tiers from the lowest to the highest, by the smallest score seen in each."""
    order = scores.group_by("tier").agg(pl.col("risk_score").min().alias("lo")).sort("lo")
    return order["tier"].to_list()


def money(x: float | None) -> str:
    """``$1.2M``, ``$35k``, ``$950``."""
    if x is None:
        return "–"
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"${x / div:,.1f}{unit}"
    return f"${x:,.0f}"


def md_escape(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def date_axis(ax, dates) -> None:
    """Day ticks (at most about eight) on a matplotlib axis of run dates."""
    days = (max(dates) - min(dates)).days if len(dates) else 0
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, days // 8 + (days % 8 > 0))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.tick_params(axis="x", rotation=30)
