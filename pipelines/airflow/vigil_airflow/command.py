"""A vigil command line as a list of (templated) arguments, shared by both operator variants."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from .settings import AS_OF, VIGIL_CONFIG


class Flag(str):
    """A template that renders to one flag or to nothing; an empty rendering is dropped.

    Example: `Flag('{{ "--fail-on-drift" if params.fail_on_drift else "" }}')`.
    """


def vigil_argv(
    command: Sequence[str],
    *,
    config: str = VIGIL_CONFIG,
    as_of: str | None = AS_OF,
    shard: str | None = None,
) -> list[str]:
    """`command... --config C [--as-of T] [--shard i/N]` (templates left unrendered)."""
    argv = [*command, "--config", config]
    if as_of is not None:
        argv += ["--as-of", as_of]
    if shard is not None:
        argv += ["--shard", shard]
    return argv


def optional_positions(argv: Sequence[str]) -> list[int]:
    """Positions of `Flag` arguments (dropped when they render empty)."""
    return [i for i, a in enumerate(argv) if isinstance(a, Flag)]


def drop_empty_flags(argv: Sequence[str], optional: Sequence[int]) -> list[str]:
    """The rendered arguments without the optional ones that rendered empty."""
    skip = {i for i in optional if i < len(argv) and not str(argv[i]).strip()}
    return [str(a) for i, a in enumerate(argv) if i not in skip]


def shell_line(binary: str, argv: Sequence[str]) -> str:
    """One shell command line: every argument single-quoted, `Flag`s left bare.

    Templates are written with double quotes only, so single-quoting keeps them intact for
    Jinja, and what they render to (paths, instants, shard ids) stays one shell word.
    """
    words = [shlex.quote(binary)]
    for a in argv:
        words.append(str(a) if isinstance(a, Flag) else shlex.quote(a))
    return " ".join(words)


def command_name(argv: Sequence[str]) -> str:
    """`score`, `sentiment run`, `models promote`: the words before the first flag."""
    words = []
    for a in argv:
        if isinstance(a, Flag) or str(a).startswith("-") or "{" in str(a):
            break
        words.append(str(a))
    return " ".join(words) or "?"
