"""Execute vigil's notebooks headlessly with nbclient and check what they show.

Usage: execute.py [--strict] [--missing TABLE]... [--require-count TABLE]... [--expect-absent TABLE]...
                  NOTEBOOK...

The warehouse is the one the notebooks read (``VIGIL_WAREHOUSE``). A notebook fails when a cell
raises or times out, when it writes to stderr, when it shows neither a chart nor an
``absent: …`` notice, when a row count it prints (``<label> (<table>, run_date <D|all>): <n>``)
differs from the rows of that partition counted here from the Parquet footers of the files the
Delta log lists (not through polars, which the notebooks use), and as the flags below say.
The last line is ``N passed, M failed``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pyarrow.parquet as pq
from deltalake import DeltaTable
from traitlets.config import Config
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

COUNT = re.compile(
    r"^(?P<label>[^\n]+) \((?P<table>\w+), run_date (?P<date>\d{4}-\d{2}-\d{2}|all)\): (?P<rows>\d+)$", re.M
)
IMAGE_TYPES = {"image/png", "image/svg+xml"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str, last_lines: int = 40) -> str:
    """A traceback without terminal colours, cut to its last lines."""
    lines = ANSI.sub("", text).strip().splitlines()
    return "\n".join((["…"] if len(lines) > last_lines else []) + lines[-last_lines:])


def partition_rows(warehouse: str, table: str, run_date: str) -> int:
    """Rows of ``table``'s ``run_date`` partition (``all``: the whole table)."""
    files = DeltaTable(f"{warehouse}/{table}").file_uris()
    if run_date != "all":
        files = [f for f in files if f"/run_date={run_date}/" in f]
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def outputs_of(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def check(path: Path, args, warehouse: str) -> tuple[list[str], dict]:
    """Run one notebook; return its problems and what it showed."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=args.cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        # Unix sockets in a private folder rather than TCP ports on localhost.
        config=Config({"KernelManager": {"transport": "ipc", "ip": str(args.socket_dir / "kernel")}}),
    )
    problems: list[str] = []
    started = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as e:
        problems.append(f"a cell raised:\n{plain(str(e))}")
    except (CellTimeoutError, DeadKernelError) as e:
        problems.append(f"a cell did not finish within {args.cell_timeout} s or the kernel died: {e}")
    seconds = time.monotonic() - started
    if args.save_dir:
        args.save_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, args.save_dir / path.name)

    outs = outputs_of(nb)
    stdout = "".join(o.get("text", "") for o in outs if o.output_type == "stream" and o.name == "stdout")
    stderr = "".join(o.get("text", "") for o in outs if o.output_type == "stream" and o.name == "stderr")
    images = sum(1 for o in outs if IMAGE_TYPES & set(o.get("data", {})))
    absent = [line for line in stdout.splitlines() if line.startswith("absent:")]
    counts = list(COUNT.finditer(stdout))

    if stderr.strip():
        problems.append(f"wrote to stderr (a warning box for its reader):\n{stderr.strip()[:2000]}")
    if args.strict:
        for line in absent:
            if not any(f"`{table}`" in line for table in args.missing):
                problems.append(f"said something is absent that should be there: {line}")
    if images == 0 and not absent:
        problems.append("showed neither a chart nor an `absent:` notice")
    for m in counts:
        table, date, shown = m["table"], m["date"], int(m["rows"])
        actual = partition_rows(warehouse, table, date)
        if shown != actual:
            problems.append(f"says {m['label']} = {shown} for {table} run_date {date}, the table has {actual} rows")
    info = {
        "seconds": seconds,
        "images": images,
        "absent": absent,
        "counts": [(m["table"], m["date"], int(m["rows"])) for m in counts],
    }
    return problems, info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--cell-timeout", type=int, default=int(os.environ.get("NOTEBOOK_CELL_TIMEOUT", "180")))
    parser.add_argument("--save-dir", type=Path, help="also write the executed notebooks (with outputs) here")
    parser.add_argument("--strict", action="store_true",
                        help="an `absent:` notice must name a table given with --missing (nothing else may be absent)")
    parser.add_argument("--missing", action="append", default=[], metavar="TABLE",
                        help="a table known to be absent from the warehouse (with --strict)")
    parser.add_argument("--require-count", action="append", default=[], metavar="TABLE",
                        help="some notebook must print (and so have checked) a row count of TABLE")
    parser.add_argument("--expect-absent", action="append", default=[], metavar="TABLE",
                        help="some notebook must print an `absent:` notice naming TABLE")
    args = parser.parse_args()
    args.socket_dir = Path(tempfile.mkdtemp(prefix="vigil-nb-"))
    warehouse = os.environ.get("VIGIL_WAREHOUSE")
    if not warehouse:
        print("error: set VIGIL_WAREHOUSE to the warehouse the notebooks read", file=sys.stderr)
        return 2

    passed = failed = 0
    all_counts: set[str] = set()
    all_absent: list[str] = []
    for path in args.notebooks:
        problems, info = check(path.resolve(), args, warehouse)
        all_counts.update(t for t, _, _ in info["counts"])
        all_absent += info["absent"]
        counts = ", ".join(f"{t}@{d}={n}" for t, d, n in info["counts"]) or "none"
        status = "ok" if not problems else "FAILED"
        print(f"{status:6} {path.name:32} {info['seconds']:6.1f} s  charts {info['images']:2}  "
              f"absent notices {len(info['absent'])}  row counts checked: {counts}")
        for line in info["absent"]:
            print(f"         {line}")
        for p in problems:
            print("         " + p.replace("\n", "\n         "))
        if problems:
            failed += 1
        else:
            passed += 1

    for table in args.require_count:
        if table not in all_counts:
            print(f"FAILED no notebook printed a checked row count of {table}")
            failed += 1
    for table in args.expect_absent:
        if not any(f"`{table}`" in line for line in all_absent):
            print(f"FAILED no notebook said that {table} is absent")
            failed += 1
    shutil.rmtree(args.socket_dir, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
