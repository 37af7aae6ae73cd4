#!/usr/bin/env python3
"""Checks vigil's module layering from the source alone (no build): every `crate::…`,
`super::…` and `vigil::…` path in non-test code of `src/` is a dependency of the module
whose file holds it.

Fails (exit 1) when
  1. a top-level module imports one declared above it in LAYERS (e.g. `risk` → `pipeline`);
  2. a pipeline stage imports a stage declared after it in STAGES (e.g. `score` → `publish`);
  3. sibling modules anywhere in the crate import each other, directly or in a circle.

Test code is not checked: `tests.rs` files, `tests/` folders, `testutil.rs`, modules declared
`#[cfg(test)] mod x;` and an inline
`#[cfg(test)] mod … {` block to the end of its file. Comments (doc links included) are
not dependencies.

Usage: scripts/check-layers.py [SRC_DIR]   (default: src)
"""
import re
import sys
from pathlib import Path

# Top-level modules of the application crate, highest first. A module may import modules
# of a later group only; modules of one group may not import each other. `config` composes
# the parameter types of the modules below it (each defines and validates its own). `error`
# (the crate-wide `Error` wrapping every module's error, and the crate root's
# `Error`/`Result`/`VERSION`) is outside the order: every module may use it and it may name
# every module's error type. The crates (vigil-gbdt, vigil-text, vigil-store) sit below all of
# these; Cargo enforces that they never import the application.
LAYERS = [
    ["main"],
    ["cli"],
    ["pipeline"],
    ["config"],
    ["report"],
    ["score", "device"],
    ["risk", "features", "synth", "text_frames"],
    ["contract"],
    ["time", "hash", "format"],
]
OUTSIDE = {"error", "testutil"}
# Stages under `pipeline/`, last first: a stage may import a stage listed after it.
STAGES = [
    "",  # pipeline/mod.rs: the re-exports
    "doctor",
    "demo",
    "run",
    "report",
    "publish",
    "score",
    "risk",
    "features",
    "sentiment",
    "data",
    "runtime",
]

USE_RE = re.compile(r"\buse\s+([^;]+);", re.S)
PATH_RE = re.compile(r"\b(crate|super|self|vigil)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
TEST_BLOCK_RE = re.compile(r"^#\[cfg\(test\)\]\s*\n\s*(pub(\([a-z]+\))?\s+)?mod\s+\w+\s*\{", re.M)
COMMENT_RE = re.compile(r"//[^\n]*")
STRING_RE = re.compile(r'"(?:\\.|[^"\\])*"')


def module_of(path: Path, src: Path) -> list[str]:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts == ["lib"]:
        return []
    if parts[-1] == "mod":
        parts = parts[:-1]
    return parts


def expand_use(tree: str) -> list[str]:
    """`a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`."""
    tree = re.sub(r"\s+", "", tree)
    if tree.startswith("pub(") or tree.startswith("pub"):
        tree = re.sub(r"^pub(\([a-z]+\))?", "", tree)
    brace = tree.find("{")
    if brace < 0:
        return [re.sub(r"as\w+$", "", tree) if re.search(r"[a-z]as[A-Za-z_]\w*$", tree) and "::" in tree else tree]
    head, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    items, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    items.append(cur)
    out = []
    for item in filter(None, items):
        out += expand_use(head + item)
    return out


def resolve(module: list[str], path: str) -> list[str] | None:
    segs = path.split("::")
    if segs[0] in ("crate", "vigil"):
        return segs[1:]
    base = list(module)
    if segs[0] == "self":
        segs = segs[1:]
    while segs and segs[0] == "super":
        base = base[:-1]
        segs = segs[1:]
    return base + segs


TEST_MOD_RE = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*;")


def test_only_modules(src: Path) -> set[tuple]:
    """Modules declared `#[cfg(test)] mod x;`: test code wherever their file lives."""
    out = set()
    for path in src.rglob("*.rs"):
        parent = module_of(path, src)
        for m in TEST_MOD_RE.finditer(path.read_text()):
            out.add(tuple(parent + [m.group(1)]))
    return out


def dependencies(src: Path) -> dict[tuple, set[tuple]]:
    deps: dict[tuple, set[tuple]] = {}
    test_only = test_only_modules(src)
    for path in sorted(src.rglob("*.rs")):
        name = path.name
        if name.startswith("tests") or name == "testutil.rs" or "tests" in path.relative_to(src).parts:
            continue
        if any(tuple(module_of(path, src)[: n + 1]) in test_only for n in range(len(module_of(path, src)))):
            continue
        module = module_of(path, src)
        if name == "main.rs":
            module = ["main"]
        text = path.read_text()
        test = TEST_BLOCK_RE.search(text)
        if test:
            text = text[: test.start()]
        text = COMMENT_RE.sub("", STRING_RE.sub('""', text))
        paths = []
        for use in USE_RE.finditer(text):
            paths += expand_use(use.group(1))
        text = USE_RE.sub("", text)
        paths += [m.group(0) for m in PATH_RE.finditer(text)]
        own = deps.setdefault(tuple(module), set())
        for p in paths:
            if not re.match(r"(crate|super|self|vigil)\b", p):
                continue
            if p.startswith("vigil") and module != ["main"]:
                continue
            target = resolve(module, p)
            if target:
                own.add(tuple(target))
    return deps


def rank(table: list, name: str) -> int | None:
    for i, group in enumerate(table):
        if name in group:
            return i
    return None


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    deps = dependencies(src)
    errors = []
    layers = [[m] if isinstance(m, str) else m for m in LAYERS]
    stages = [[s] for s in STAGES]
    known = {m for group in layers for m in group}
    modules = {m[0] for m in deps if m} - OUTSIDE
    for m in sorted(modules - known):
        errors.append(f"top-level module `{m}` is not declared in LAYERS")
    for src_mod, targets in sorted(deps.items()):
        for dst in sorted(targets):
            if not src_mod or not dst or src_mod[0] == dst[0] or dst[0] not in known or src_mod[0] in OUTSIDE:
                continue
            a, b = rank(layers, src_mod[0]), rank(layers, dst[0])
            if a is not None and b is not None and b <= a:
                errors.append(f"upward import: {'::'.join(src_mod)} → {'::'.join(dst)}")
    # Stages of the pipeline.
    for src_mod, targets in sorted(deps.items()):
        if src_mod[:1] != ("pipeline",):
            continue
        a = rank(stages, src_mod[1] if len(src_mod) > 1 else "")
        for dst in sorted(targets):
            if dst[:1] != ("pipeline",) or len(dst) < 2 or dst[1] == (src_mod[1:2] or ("",))[0]:
                continue
            b = rank(stages, dst[1])
            if b is None or (len(dst) == 2 and dst[1] not in STAGES):
                b = rank(stages, "")  # a re-export of pipeline/mod.rs
            if a is not None and b is not None and b <= a:
                errors.append(f"stage imports a later stage: {'::'.join(src_mod)} → {'::'.join(dst)}")
    # Cycles between sibling modules anywhere in the crate.
    errors += sibling_cycles(deps, ())
    for e in errors:
        print(e)
    print(f"check-layers: {len(deps)} modules, {sum(map(len, deps.values()))} paths, "
          f"{len(errors)} problem(s)")
    return 1 if errors else 0


def sibling_cycles(deps: dict, root: tuple) -> list[str]:
    """Cycles among the children of every module under `root`, edges lifted to the children."""
    parents = {m[:-1] for m in deps if m[: len(root)] == root and len(m) > len(root)}
    out = []
    for parent in sorted(parents):
        n = len(parent)
        edges: dict[str, set[str]] = {}
        for src_mod, targets in deps.items():
            if src_mod[:n] != parent or len(src_mod) <= n:
                continue
            for dst in targets:
                if dst[:n] == parent and len(dst) > n and dst[n] != src_mod[n]:
                    edges.setdefault(src_mod[n], set()).add(dst[n])
        for cycle in find_cycles(edges):
            out.append(f"import cycle in {'::'.join(parent)}: {' → '.join(cycle)}")
    return out


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    cycles, seen = [], set()
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start:
                    key = frozenset(trail)
                    if key not in seen:
                        seen.add(key)
                        cycles.append(trail + [start])
                elif nxt not in trail and nxt > start:
                    stack.append((nxt, trail + [nxt]))
    return cycles


if __name__ == "__main__":
    sys.exit(main())
