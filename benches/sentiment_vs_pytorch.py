"""Benchmark: vigil's sentiment scoring vs the same architecture in PyTorch on CPU.

    benches/sentiment_bench_setup.sh                     # once: benches/.venv (CPU torch, tokenizers, pyarrow)
    benches/.venv/bin/python benches/sentiment_vs_pytorch.py [--texts 20000] [--runs 3] [--model DIR]
    benches/.venv/bin/python benches/sentiment_vs_pytorch.py --scale 100000 [--runs 1]
    benches/.venv/bin/python benches/sentiment_vs_pytorch.py --pytorch-only [--model DIR]

Generates --texts support-ticket-like texts (seeded, 5-60 words) into a Parquet file
(`text_id`, `text`), then times, median of --runs, each run a fresh process with its own peak
RSS, at batch 64 on 2 threads:
  * vigil: `vigil sentiment score --model DIR --data IN --text-col text --out OUT
    --batch-size 64 --summary-json S` with RAYON_NUM_THREADS=2. Model-only texts/s is the
    `texts_per_second` of its summary JSON; end-to-end is texts / the process's wall time
    (model load, Parquet read, scoring, Parquet write).
  * PyTorch: the model of DIR/config.json built with torch.nn.TransformerEncoderLayer
    (norm_first, GELU, eps 1e-5; random weights: throughput does not depend on them), eval
    mode under torch.inference_mode(), torch.set_num_threads(2), tokenized with the Python
    `tokenizers` package from DIR/tokenizer.json. It streams like vigil: Parquet read 16
    batches at a time, texts sorted by length within each such window (as
    SentimentClassifier::predict in crates/vigil-text/src/infer.rs does; --no-length-sort turns it off),
    each batch padded to its longest text and masked with src_key_padding_mask. Model-only
    time is tokenize + forward + softmax + probabilities back to Python (no file I/O);
    end-to-end is everything after `import torch` (model build, read, score, zstd Parquet
    write); the process's wall time (with interpreter start and `import torch`) is in the JSON.
--scale N scores N texts (runs default to 1) and also runs vigil once on N/10 texts, so that
peak RSS at both sizes shows whether scoring streams in bounded memory.
Run it on a quiet machine: PyTorch's 2 OpenMP threads slow down several-fold (seen here: 5-8x)
when another process holds one of the 2 cores, so the script measures other processes' CPU use
over the runs (/proc/stat) and warns when it was above 0.1 core.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / "benches/.venv/bin/python"
# SentimentClassifier::predict sorts texts by length within windows of this many batches.
SORT_WINDOW_BATCHES = 16
LABELS = ["negative", "neutral", "positive"]

# --- synthetic support tickets -----------------------------------------------------------

OPENERS = ["Hi team,", "Hello,", "Hi there,", "Good morning,", "Hey support,", "Dear support team,", "Urgent:",
           "Quick question:", "Following up on my last ticket,", "Hello again,", "", "", ""]
SUBJECTS = ["the billing dashboard", "SSO login", "the CSV export", "our API integration", "the mobile app",
            "the invoice PDF", "the reporting module", "user provisioning", "webhook delivery", "the Salesforce sync",
            "two-factor authentication", "the search page", "the data import", "the admin console",
            "email notifications", "the renewal quote", "the audit log", "the Slack integration",
            "scheduled reports", "the usage analytics page", "password reset", "the onboarding checklist"]
PROBLEMS = ["keeps timing out", "returns a 500 error", "has been down since this morning",
            "shows the wrong totals", "stopped working after your last update", "is extremely slow today",
            "fails with an unknown error", "logs everyone out every few minutes", "duplicates every record",
            "is missing half of our data", "charges us twice", "will not load at all in Chrome",
            "sends the same notification five times", "rejects valid API keys"]
PRAISE = ["works perfectly now", "was fixed really quickly", "is exactly what we needed",
          "has saved our team hours every week", "is much faster since the update", "looks great",
          "made the migration painless", "is easy for the whole team to use"]
ASKS = ["Can you tell me how to", "Is there a way to", "Could you confirm whether we can", "We would like to",
        "How do I", "Please help us", "Is it possible to"]
ACTIONS = ["add ten more users to our plan", "change the billing contact", "export last quarter's usage",
           "enable SAML for our second domain", "rotate the API key", "move our workspace to the EU region",
           "downgrade to the starter plan", "get a copy of our invoices for 2025", "turn off weekly digests",
           "merge two duplicate accounts", "set up a sandbox environment", "schedule a training session"]
EXTRAS = ["This is really frustrating.", "We are losing a lot of time because of this.",
          "Thanks a lot for the quick help!", "Great job by your team.", "Our CEO asks about this every day.",
          "Not happy at all, to be honest.", "Appreciate it.", "Let me know if you need more details.",
          "Ticket {n} for reference.", "We are on the {plan} plan with {k} seats.", "It happened again at {h}:{m} UTC.",
          "The error code is E{code}.", "Nothing has changed on our side.", "We are considering other vendors.",
          "The renewal is next month, so please prioritise this.", "Screenshots are attached.",
          "Your documentation did not cover this case.", "The workaround from last week still works.",
          "Several colleagues see the same thing.", "Happy to jump on a call.", "This has happened three times now.",
          "Support has been very responsive so far.", "We really like the new interface.", "Any update would help."]
CLOSERS = ["Thanks,", "Best regards, {name}.", "Cheers, {name}", "Please advise.", "Thank you!", "Kind regards."]
NAMES = ["Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca"]
PLANS = ["starter", "team", "business", "enterprise"]


def ticket_text(rng, words):
    """One ticket-like text of exactly `words` words."""
    fill = lambda s: s.format(n=f"#{rng.randrange(10000, 99999)}", plan=rng.choice(PLANS), k=rng.randrange(5, 500),
                              h=f"{rng.randrange(24):02d}", m=f"{rng.randrange(60):02d}",
                              code=rng.randrange(100, 999), name=rng.choice(NAMES))
    subject = rng.choice(SUBJECTS)
    subject = subject[0].upper() + subject[1:]
    kind = rng.random()
    if kind < 0.5:
        core = f"{subject} {rng.choice(PROBLEMS)}."
    elif kind < 0.75:
        core = f"{rng.choice(ASKS)} {rng.choice(ACTIONS)}?"
    else:
        core = f"{subject} {rng.choice(PRAISE)}."
    parts = [rng.choice(OPENERS), core]
    while sum(len(p.split()) for p in parts) < words - 3:
        parts.append(fill(rng.choice(EXTRAS)))
    parts.append(fill(rng.choice(CLOSERS)))
    return " ".join(" ".join(parts).split()[:words])


def write_texts(path, n, seed):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    with pq.ParquetWriter(path, pa.schema([("text_id", pa.string()), ("text", pa.string())]),
                          compression="zstd") as w:
        for start in range(0, n, 10_240):  # row groups of whole 1,024-text windows
            k = min(10_240, n - start)
            ids = [f"txt-{i:07d}" for i in range(start + 1, start + k + 1)]
            w.write_table(pa.table({"text_id": ids, "text": [ticket_text(rng, rng.randint(5, 60)) for _ in ids]}))


# --- the PyTorch side (runs in a fresh process) -------------------------------------------

def pytorch_child(model_dir, data, out, batch_size, threads, length_sort, result_path):
    t_import = time.perf_counter()
    import torch
    from torch import nn
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tokenizers import Tokenizer

    start = time.perf_counter()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = json.loads((Path(model_dir) / "config.json").read_text())

    class Classifier(nn.Module):
        def __init__(self, c):
            super().__init__()
            d = c["d_model"]
            self.tokens = nn.Embedding(c["vocab_size"], d)
            self.positions = nn.Embedding(c["max_len"], d)
            self.dropout = nn.Dropout(c["dropout"])
            layer = nn.TransformerEncoderLayer(d, c["n_heads"], c["d_ff"], c["dropout"], activation="gelu",
                                               batch_first=True, norm_first=True, layer_norm_eps=1e-5)
            # Nested tensors are never used with norm_first; saying so silences the warning.
            self.encoder = nn.TransformerEncoder(layer, c["n_layers"], enable_nested_tensor=False)
            self.norm = nn.LayerNorm(d, eps=1e-5)
            self.head = nn.Linear(d, 3)
            self.cls = c.get("pooling", "mean") == "cls"

        def forward(self, ids, padding):
            pos = torch.arange(ids.shape[1]).unsqueeze(0)
            x = self.dropout(self.tokens(ids) + self.positions(pos))
            x = self.encoder(x, src_key_padding_mask=padding)
            if self.cls:
                pooled = x[:, 0]
            else:
                keep = (~padding).unsqueeze(2).to(x.dtype)
                pooled = (x * keep).sum(1) / keep.sum(1).clamp_min(1.0)
            return torch.softmax(self.head(self.norm(pooled)), dim=1)

    model = Classifier(cfg).eval()
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.enable_truncation(max_length=cfg["max_len"])
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
    window = batch_size * SORT_WINDOW_BATCHES
    model_secs, texts, real_tokens, padded_tokens = 0.0, 0, 0, 0
    source = pq.ParquetFile(data)
    schema = pa.schema([("text_id", source.schema_arrow.field("text_id").type), ("label", pa.string())]
                       + [(f"p_{l}", pa.float32()) for l in LABELS])
    with torch.inference_mode(), pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for rb in source.iter_batches(batch_size=window, columns=["text_id", "text"]):
            chunk = rb.column("text").to_pylist()
            t0 = time.perf_counter()
            order = sorted(range(len(chunk)), key=lambda i: len(chunk[i])) if length_sort else range(len(chunk))
            order = list(order)
            probs = [None] * len(chunk)
            for b in range(0, len(order), batch_size):
                idx = order[b:b + batch_size]
                enc = tok.encode_batch([chunk[i] for i in idx])
                ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
                padding = torch.tensor([e.attention_mask for e in enc], dtype=torch.bool).logical_not_()
                for i, p in zip(idx, model(ids, padding).tolist()):
                    probs[i] = p
                real_tokens += ids.numel() - int(padding.sum())
                padded_tokens += ids.numel()
            model_secs += time.perf_counter() - t0
            texts += len(chunk)
            cols = list(zip(*probs))
            writer.write_table(pa.table([rb.column("text_id"), pa.array([LABELS[max(range(3), key=p.__getitem__)]
                                                                          for p in probs])]
                                        + [pa.array(c, pa.float32()) for c in cols], schema=schema))
    end = time.perf_counter()
    import resource

    Path(result_path).write_text(json.dumps({
        "texts": texts, "model_seconds": model_secs, "model_texts_per_second": texts / model_secs,
        "e2e_seconds": end - start, "e2e_texts_per_second": texts / (end - start),
        "import_seconds": start - t_import, "real_tokens": real_tokens, "padded_tokens": padded_tokens,
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


# --- driver -------------------------------------------------------------------------------

# Linux keeps a process's peak RSS across execve, and a forked child starts from its parent's:
# a command started straight from this driver (which has imported pyarrow, and torch for its
# check) would report at least the driver's peak. So commands start from a small launcher
# process (`python -S`, a few MiB) that forks, execs the command and reports the child's rusage.
LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"code": os.waitstatus_to_exitcode(status), "rss_kib": ru.ru_maxrss,
               "cpu": ru.ru_utime + ru.ru_stime}, f)
"""


def measured(cmd, env):
    """Runs a command in a fresh process; returns (wall seconds, its peak RSS MiB, its CPU seconds)."""
    with tempfile.TemporaryFile() as log, tempfile.NamedTemporaryFile(suffix=".json") as usage:
        start = time.perf_counter()
        launcher = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, usage.name, *map(str, cmd)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        secs = time.perf_counter() - start
        u = json.loads(Path(usage.name).read_text() or "{}")
        if launcher.returncode != 0 or u.get("code") != 0:
            log.seek(0)
            sys.exit(f"failed ({u.get('code', launcher.returncode)}): {' '.join(map(str, cmd))}\n"
                     f"{log.read().decode(errors='replace')[-4000:]}")
    return secs, u["rss_kib"] / 1024, u["cpu"]


def machine_busy():
    """(CPU seconds used by all processes but this one and its children, wall clock) from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    t = os.times()
    return busy - (t.user + t.system + t.children_user + t.children_system), time.monotonic()


def find_key(obj, key):
    """The first value under `key` anywhere in a JSON document (breadth first), or None."""
    queue = [obj]
    while queue:
        o = queue.pop(0)
        if isinstance(o, dict):
            if key in o:
                return o[key]
            queue.extend(o.values())
        elif isinstance(o, list):
            queue.extend(o)
    return None


def thread_env(threads):
    env = dict(os.environ)
    for k in ("RAYON_NUM_THREADS", "RAYON_RS_NUM_CPUS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    return env


def run_vigil(vigil, a, data, d, tag):
    out, summary = d / f"vigil_{tag}.parquet", d / f"vigil_{tag}.json"
    cmd = [vigil, "-q", "sentiment", "score", "--model", str(a.model), "--data", str(data), "--text-col", "text",
           "--out", str(out), "--batch-size", str(a.batch_size), "--summary-json", str(summary)]
    secs, rss, cpu = measured(cmd, thread_env(a.threads))
    s = json.loads(summary.read_text())
    texts, inf = find_key(s, "texts"), find_key(s, "inference_seconds")
    tps = find_key(s, "texts_per_second") or (texts / inf if texts and inf else None)
    return {"wall_seconds": secs, "cpu_seconds": cpu, "rss_mib": rss, "texts": texts, "inference_seconds": inf,
            "texts_per_second": tps, "e2e_texts_per_second": texts / secs if texts else None}, cmd


def run_pytorch(a, data, d):
    res = d / "pytorch.json"
    cmd = [sys.executable, __file__, "--pytorch-child", str(a.model), str(data), str(d / "pytorch.parquet"),
           str(a.batch_size), str(a.threads), "0" if a.no_length_sort else "1", str(res)]
    secs, rss, cpu = measured(cmd, thread_env(a.threads))
    r = json.loads(res.read_text())
    r.update(wall_seconds=secs, cpu_seconds=cpu, rss_mib=rss)
    return r


def fmt(xs, nd=0):
    return "[" + ", ".join(f"{x:.{nd}f}" for x in xs) + "]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=20_000, help="texts to score (default 20000)")
    ap.add_argument("--scale", type=int, metavar="N", help="scaling run: N texts, plus vigil on N/10 for peak RSS")
    ap.add_argument("--runs", type=int, help="runs per side (default 3; 1 with --scale)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", type=Path, default=ROOT / "models/sentiment/default")
    ap.add_argument("--seed", type=int, default=7, help="seed of the generated texts")
    ap.add_argument("--no-length-sort", action="store_true", help="PyTorch: batches in file order")
    ap.add_argument("--vigil-bin", help="use this vigil binary instead of `cargo build` + target/debug/vigil")
    side = ap.add_mutually_exclusive_group()
    side.add_argument("--pytorch-only", action="store_true")
    side.add_argument("--vigil-only", action="store_true")
    ap.add_argument("--pytorch-child", nargs=7, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.pytorch_child:
        m, data, out, bs, th, sort, res = a.pytorch_child
        pytorch_child(m, data, out, int(bs), int(th), sort == "1", res)
        return
    if not a.vigil_only:
        try:
            import torch  # noqa: F401  (only checks that this interpreter has the bench venv)
        except ImportError:
            if VENV_PY.exists() and Path(sys.executable) != VENV_PY:
                os.execv(str(VENV_PY), [str(VENV_PY), __file__, *sys.argv[1:]])
            sys.exit("PyTorch is missing: run benches/sentiment_bench_setup.sh, then use benches/.venv/bin/python")
    n = a.scale or a.texts
    runs = a.runs or (1 if a.scale else 3)
    a.model = a.model.resolve()
    cfg = json.loads((a.model / "config.json").read_text())
    vigil = None
    if a.vigil_bin and not a.pytorch_only:
        vigil = a.vigil_bin
    elif not a.pytorch_only:
        subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
        vigil = str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug/vigil")

    busy_before = machine_busy()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        data = d / "texts.parquet"
        t0 = time.perf_counter()
        write_texts(data, n, a.seed)
        print(f"generated {n} texts in {time.perf_counter() - t0:.1f} s "
              f"({data.stat().st_size / 2**20:.1f} MiB Parquet)", file=sys.stderr)
        vig, pt, vig_small, vcmd = [], [], None, None
        for i in range(runs):  # alternate the sides so that drift hits both alike
            if vigil:
                r, vcmd = run_vigil(vigil, a, data, d, "run")
                vig.append(r)
            if not a.vigil_only:
                pt.append(run_pytorch(a, data, d))
            print(f"run {i + 1}/{runs} done", file=sys.stderr)
        if vigil and a.scale:
            small = d / "texts_small.parquet"
            write_texts(small, max(1, n // 10), a.seed)
            vig_small, _ = run_vigil(vigil, a, small, d, "small")

    arch = (f"d_model {cfg['d_model']}, {cfg['n_heads']} heads, {cfg['n_layers']} layers, d_ff {cfg['d_ff']}, "
            f"max_len {cfg['max_len']}, vocab {cfg['vocab_size']}, {cfg.get('pooling', 'mean')} pooling")
    print(f"\n{n} texts (5-60 words), batch {a.batch_size}, {a.threads} threads; {arch}; "
          f"median of {runs} run(s), each a fresh process")
    busy_after = machine_busy()
    other_cores = max(0.0, (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1]))
    if other_cores > 0.1:
        print(f"warning: other processes kept {other_cores:.2f} cores busy on average during the runs: "
              f"figures are not comparable with those of a quiet machine")
    summary = {"texts": n, "batch_size": a.batch_size, "threads": a.threads, "runs": runs, "config": cfg,
               "other_processes_cores": round(other_cores, 3),
               "command": " ".join([os.path.relpath(sys.executable, ROOT) if str(sys.executable).startswith(str(ROOT))
                                    else sys.executable, "benches/sentiment_vs_pytorch.py", *sys.argv[1:]])}
    v_tps = v_e2e = p_tps = p_e2e = None
    if vig:
        if any(r["texts"] != n for r in vig):
            print(f"warning: vigil's summary counts {[r['texts'] for r in vig]} texts, not {n}")
        tps = [r["texts_per_second"] for r in vig]
        e2e = [r["e2e_texts_per_second"] for r in vig]
        v_tps, v_e2e, v_rss = statistics.median(tps), statistics.median(e2e), max(r["rss_mib"] for r in vig)
        print(f"vigil    model-only {v_tps:8.0f} texts/s {fmt(tps)}; end-to-end {v_e2e:7.0f} texts/s "
              f"({statistics.median(r['wall_seconds'] for r in vig):.2f} s {fmt([r['wall_seconds'] for r in vig], 2)}); "
              f"peak RSS {v_rss:.0f} MiB")
        summary["vigil"] = {"texts_per_second": v_tps, "e2e_texts_per_second": v_e2e, "peak_rss_mib": v_rss,
                            "runs": vig, "command": " ".join(map(str, vcmd))}
        if vig_small:
            print(f"vigil    peak RSS {vig_small['rss_mib']:.0f} MiB for {max(1, n // 10)} texts, {v_rss:.0f} MiB for "
                  f"{n} texts ({v_rss / vig_small['rss_mib']:.2f}x for 10x the texts; bounded memory keeps this near 1)")
            summary["vigil"]["small_run"] = vig_small
    if pt:
        tps = [r["model_texts_per_second"] for r in pt]
        e2e = [r["e2e_texts_per_second"] for r in pt]
        p_tps, p_e2e, p_rss = statistics.median(tps), statistics.median(e2e), max(r["rss_mib"] for r in pt)
        pad = pt[0]["real_tokens"] / pt[0]["padded_tokens"]
        print(f"pytorch  model-only {p_tps:8.0f} texts/s {fmt(tps)}; end-to-end {p_e2e:7.0f} texts/s "
              f"({statistics.median(r['e2e_seconds'] for r in pt):.2f} s {fmt([r['e2e_seconds'] for r in pt], 2)}, "
              f"+{statistics.median(r['import_seconds'] for r in pt):.1f} s import torch); peak RSS {p_rss:.0f} MiB; "
              f"torch {pt[0]['torch']}, {pt[0]['threads']} threads; "
              f"{pt[0]['real_tokens'] / n:.1f} tokens/text, {pad:.0%} of padded positions real")
        summary["pytorch"] = {"texts_per_second": p_tps, "e2e_texts_per_second": p_e2e, "peak_rss_mib": p_rss,
                              "runs": pt}
    if v_tps and p_tps:
        summary["ratio_vigil_over_pytorch"] = v_tps / p_tps
        summary["ratio_e2e_vigil_over_pytorch"] = v_e2e / p_e2e
        print(f"ratio vigil/pytorch (texts/s): model-only {v_tps / p_tps:.2f} (goal >= 1.0), "
              f"end-to-end {v_e2e / p_e2e:.2f}")
    print(f"command: {summary['command']}")
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
