"""Assertion helpers shared by the Airflow test's check scripts (run as scripts, so this file
is importable from their folder)."""

import sys


def fail(msg: str) -> None:
    """Reports a failed check and exits 1."""
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond: bool, msg: str) -> None:
    """Fails with `msg` unless `cond`."""
    if not cond:
        fail(msg)
