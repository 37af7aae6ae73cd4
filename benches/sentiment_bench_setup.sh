#!/usr/bin/env bash
# Creates benches/.venv for benches/sentiment_vs_pytorch.py: CPU-only PyTorch, HuggingFace
# `tokenizers` and `pyarrow`, from PyPI only (no other index is reachable here).
#   benches/sentiment_bench_setup.sh        # idempotent: does nothing once the venv works
#
# What worked (2026-11-29, x86_64, CPython 3.11.7, torch 2.15.0, tokenizers 0.23.3,
# pyarrow 26.0.1):
#   * `pip install torch` from PyPI is the CUDA 13 build: it pulls 20 more wheels (nvidia-*
#     cudnn, cublas, nccl, cusparse, ..., cuda-toolkit, triton; several GB, not measured) that a
#     CPU benchmark never uses.
#   * `pip install --no-deps torch` (539 MB wheel, 1.2 GB installed) plus its pure-Python
#     deps alone does NOT import: libtorch_cpu.so / libtorch_cuda.so have DT_NEEDED entries
#     on libcudart, libcublas, libcudnn, libnccl, libcupti, ... (14 sonames), and torch's
#     __init__ raises "libcublasLt.so.*[0-9] not found".
#   * So, after the --no-deps install, this script compiles tiny stand-in shared objects for
#     exactly those missing sonames (every symbol torch references from them, with the same
#     symbol versions, each stub returning 0) into torch/lib, which is on torch's own RPATH
#     ($ORIGIN). torch then imports (even with LD_BIND_NOW=1), torch.cuda.is_available() is
#     False and the CPU kernels (MKL, oneDNN, AVX-512 dispatch) are those of the real wheel.
#     Needs cc, ldd and readelf (gcc, binutils). CPU work calls none of the stubs; a CUDA
#     query gets 0 (e.g. no device).
#   * Where the wheel imports as is (e.g. aarch64, where PyPI's torch is CPU-only, or if the
#     nvidia libs are present), no stubs are made.
#   Whole venv: about 1.6 GB (torch 1.2 GB); pip runs with --no-cache-dir so that the wheel
#   is not kept a second time. Setup takes about a minute.
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
py="$venv/bin/python"
TORCH_VERSION=${TORCH_VERSION:-2.15.0}
check='import torch, tokenizers, pyarrow.parquet; torch.ones(2) @ torch.ones(2)'

if [ -x "$py" ] && "$py" -c "$check" 2>/dev/null; then
  echo "benches/.venv already set up: $("$py" -c 'import torch, tokenizers, pyarrow; print("torch", torch.__version__, "| tokenizers", tokenizers.__version__, "| pyarrow", pyarrow.__version__)')"
  exit 0
fi

[ -x "$py" ] || python3 -m venv "$venv"
pip=("$py" -m pip install --quiet --no-cache-dir --disable-pip-version-check)
# torch's own pure-Python dependencies (its CUDA ones are what --no-deps leaves out); numpy
# only silences torch's "Failed to initialize NumPy" warning. Installed before torch, so that
# pip does not list torch's absent nvidia-*/triton requirements as conflicts.
"${pip[@]}" filelock typing-extensions sympy networkx jinja2 fsspec numpy "setuptools>=77.0.3" \
  "tokenizers==0.23.3" "pyarrow==26.0.1"
"${pip[@]}" --no-deps "torch==$TORCH_VERSION"

if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "torch does not import without the CUDA libraries: building CPU-only stand-ins" >&2
  for tool in cc ldd readelf; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install gcc binutils)" >&2; exit 1; }
  done
  torch_dir=$("$py" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("torch").origin))')
  "$py" - "$torch_dir" <<'PY'
"""Stub every shared library that torch's ELF files need but cannot find."""
import os, re, subprocess, sys, tempfile

torch_dir = sys.argv[1]
out_dir = os.path.join(torch_dir, "lib")


def sh(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout


elfs = []
for root, _, files in os.walk(torch_dir):
    for f in files:
        p = os.path.join(root, f)
        if (f.endswith(".so") or ".so." in f) and not os.path.islink(p):
            with open(p, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    elfs.append(p)
missing, resolved = set(), set(elfs)
for e in elfs:
    for line in sh("ldd", e).splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if m and m.group(2) == "not":
            missing.add(m.group(1))
        elif m:
            resolved.add(m.group(2))
if not missing:
    sys.exit("no missing libraries found, yet torch does not import")
defined = set()  # every dynamic symbol some reachable library defines
for p in resolved:
    for line in sh("readelf", "--dyn-syms", "-W", p).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[6] != "UND":
            defined.add(f[7].split("@")[0])
ver_lib = {}  # symbol version name -> soname that must define it
for e in elfs:
    cur = None
    for line in sh("readelf", "-V", "-W", e).splitlines():
        m = re.search(r"File: (\S+)", line)
        if m:
            cur = m.group(1)
        m = re.search(r"Name: (\S+)\s+Flags", line)
        if m and cur:
            ver_lib[m.group(1)] = cur
prefix_lib = {"nccl": "libnccl.so.2", "cusparseLt": "libcusparseLt.so.0",
              "nvshmem": "libnvshmem_host.so.3", "cuFile": "libcufile.so.0"}
fallback = "libcudart.so.13" if "libcudart.so.13" in missing else sorted(missing)[0]
want = {}  # soname -> {symbol: (type, version)}
for e in elfs:
    for line in sh("readelf", "--dyn-syms", "-W", e).splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].endswith(":") or f[6] != "UND" or f[4] == "WEAK":
            continue
        name, _, ver = f[7].partition("@")
        if not name or name in defined:
            continue
        lib = ver_lib.get(ver) if ver else None
        if lib is None:  # unversioned: any loaded object can satisfy it
            lib = next((l for p_, l in prefix_lib.items() if name.startswith(p_) and l in missing), fallback)
        if lib in missing:
            want.setdefault(lib, {})[name] = (f[3], ver or None)
for lib in sorted(missing):
    syms = want.get(lib, {})
    src = [f"/* CPU-only stand-in for {lib}, made by benches/sentiment_bench_setup.sh */"]
    for i, (s, (kind, _)) in enumerate(sorted(syms.items())):
        if kind == "OBJECT":
            src.append(f'char v{i}[256] __asm__("{s}");')
        else:
            src.append(f'long f{i}(void) __asm__("{s}"); long f{i}(void) {{ return 0; }}')
    versions = sorted({v for _, v in syms.values() if v})
    with tempfile.TemporaryDirectory() as t:
        c = os.path.join(t, "stub.c")
        with open(c, "w") as fh:
            fh.write("\n".join(src) + "\n")
        cmd = ["cc", "-shared", "-fPIC", "-O0", "-o", os.path.join(out_dir, lib), c, f"-Wl,-soname,{lib}"]
        if versions:
            vs = os.path.join(t, "versions.map")
            with open(vs, "w") as fh:
                for k, v in enumerate(versions):
                    names = [s for s, (_, vv) in syms.items() if vv == v or (vv is None and k == 0)]
                    fh.write(f"{v} {{ global: {'; '.join(names)}; }};\n")
            cmd.append(f"-Wl,--version-script={vs}")
        subprocess.run(cmd, check=True)
    print(f"  stub {lib}: {len(syms)} symbols", file=sys.stderr)
PY
fi

LD_BIND_NOW=1 "$py" -c "$check"
"$py" -c 'import torch, tokenizers, pyarrow; print("benches/.venv ready: torch", torch.__version__, "| tokenizers", tokenizers.__version__, "| pyarrow", pyarrow.__version__)'
du -sh "$venv"
