"""Benchmark: vigil's training feature table vs the same core features in DuckDB SQL.

    python3 benches/features_vs_duckdb.py [--accounts 10000] [--months 12] [--runs 3]

Generates a history with vigil, then times (median of --runs, each in a fresh process, with
its peak RSS):
  * `vigil features --mode train`: load + validate every table, ~46 features for every
    account every day, labels, Parquet out;
  * DuckDB (Python `duckdb`, all cores) computing four core features -- tickets in the last
    7 days, logins change week over week, days since the champion's last inbound message,
    days to renewal -- over the same snapshot grid from the same Parquet files.
It also checks that both agree on those four features, snapshot by snapshot.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORE_SQL = """
CREATE TEMP TABLE grid AS SELECT account_id, snapshot_at FROM read_parquet('{feat}');
CREATE TEMP TABLE f_tickets AS
  SELECT g.account_id, g.snapshot_at, count(t.ticket_id) AS tickets_7d
  FROM grid g LEFT JOIN read_parquet('{h}/tickets.parquet') t
    ON t.account_id = g.account_id
   AND t.created_at >= g.snapshot_at - INTERVAL 7 DAY AND t.created_at < g.snapshot_at
  GROUP BY ALL;
CREATE TEMP TABLE f_usage AS
  SELECT g.account_id, g.snapshot_at,
         sum(u.logins) FILTER (WHERE u.date + INTERVAL 1 DAY > g.snapshot_at - INTERVAL 7 DAY) AS cur,
         sum(u.logins) FILTER (WHERE u.date + INTERVAL 1 DAY <= g.snapshot_at - INTERVAL 7 DAY) AS prev
  FROM grid g LEFT JOIN read_parquet('{h}/usage_daily/*.parquet') u
    ON u.account_id = g.account_id
   AND u.date + INTERVAL 1 DAY <= g.snapshot_at
   AND u.date + INTERVAL 1 DAY > g.snapshot_at - INTERVAL 14 DAY
  GROUP BY ALL;
CREATE TEMP TABLE champ AS
  SELECT c.account_id, c.sent_at
  FROM read_parquet('{h}/communications.parquet') c
  JOIN read_parquet('{h}/contacts.parquet') k ON k.contact_id = c.contact_id
  WHERE c.direction = 'inbound' AND k.is_champion;
CREATE TEMP TABLE f_champ AS
  SELECT g.account_id, g.snapshot_at,
         date_diff('microsecond', m.sent_at, g.snapshot_at) / 86400e6 AS days_since_champion_inbound
  FROM grid g ASOF LEFT JOIN champ m ON m.account_id = g.account_id AND m.sent_at < g.snapshot_at;
CREATE TEMP TABLE f_renewal AS
  SELECT g.account_id, g.snapshot_at,
         date_diff('microsecond', g.snapshot_at, s.end_date + INTERVAL 1 DAY) / 86400e6 AS days_to_renewal
  FROM grid g LEFT JOIN read_parquet('{h}/subscriptions.parquet') s
    ON s.account_id = g.account_id AND s.start_date <= g.snapshot_at
   AND s.end_date + INTERVAL 1 DAY > g.snapshot_at
  QUALIFY row_number() OVER (PARTITION BY g.account_id, g.snapshot_at ORDER BY s.start_date DESC) = 1;
CREATE TABLE core AS
  SELECT t.account_id, t.snapshot_at, t.tickets_7d,
         CASE WHEN u.prev > 0 AND u.cur IS NOT NULL THEN (u.cur / u.prev - 1) * 100 END AS logins_change_7d_pct,
         c.days_since_champion_inbound, r.days_to_renewal
  FROM f_tickets t
  JOIN f_usage u USING (account_id, snapshot_at)
  JOIN f_champ c USING (account_id, snapshot_at)
  JOIN f_renewal r USING (account_id, snapshot_at);
"""

CHECK_SQL = """
SELECT count(*) AS rows,
  count(*) FILTER (WHERE d.tickets_7d IS DISTINCT FROM v.tickets_7d) AS tickets_diff,
  count(*) FILTER (WHERE NOT (abs(d.logins_change_7d_pct - v.logins_change_7d_pct) < 1e-6
                    OR (d.logins_change_7d_pct IS NULL AND v.logins_change_7d_pct IS NULL))) AS usage_diff,
  count(*) FILTER (WHERE NOT (abs(d.days_since_champion_inbound - v.days_since_champion_inbound) < 1e-6
                    OR (d.days_since_champion_inbound IS NULL AND v.days_since_champion_inbound IS NULL))) AS champ_diff,
  count(*) FILTER (WHERE NOT (abs(d.days_to_renewal - v.days_to_renewal) < 1e-6
                    OR (d.days_to_renewal IS NULL AND v.days_to_renewal IS NULL))) AS renewal_diff
FROM core d JOIN read_parquet('{feat}') v USING (account_id, snapshot_at);
"""


def child_run(cmd):
    """Runs a command; returns (seconds, peak RSS MiB of that child, vigil's phase timings).

    Peak RSS is the maximum over the children so far (getrusage), so run the largest job first
    or read it as an upper bound. Phases come from vigil's JSON log lines: loading and validating
    the history, building features + labels, writing the Parquet file."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    phases = {}
    for line in out.stderr.splitlines():
        try:
            fields = json.loads(line).get("fields", {})
        except json.JSONDecodeError:
            continue
        msg = fields.get("message")
        if msg == "history loaded and validated":
            phases["load"] = fields["ms"] / 1000
        elif msg == "feature table built":
            phases["build"] = fields["ms"] / 1000
        elif msg == "feature table written" and "write_ms" in fields:
            phases["write"] = fields["write_ms"] / 1000
    return secs, max(after, before) / 1024, phases


def duckdb_core(hist, feat, check):
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(CORE_SQL.format(h=hist, feat=feat))
    secs = time.perf_counter() - start
    result = {"seconds": secs, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if check:
        row = con.execute(CHECK_SQL.format(feat=feat)).fetchone()
        result["check"] = dict(zip(["rows", "tickets_diff", "usage_diff", "champ_diff", "renewal_diff"], row))
    print(json.dumps(result))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=10000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duckdb-only", nargs=3, metavar=("HIST", "FEAT", "CHECK"))
    a = ap.parse_args()
    if a.duckdb_only:
        duckdb_core(a.duckdb_only[0], a.duckdb_only[1], a.duckdb_only[2] == "1")
        return
    root = Path(__file__).resolve().parent.parent
    subprocess.run(["cargo", "build", "--quiet"], cwd=root, check=True)
    vigil = str(Path(os.environ.get("CARGO_TARGET_DIR", root / "target")) / "debug/vigil")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d / "bench.toml").write_text(f'[sources]\nbase = "{d}/history"\n[warehouse]\nurl = "{d}/wh"\n')
        subprocess.run([vigil, "-q", "generate", "--accounts", str(a.accounts), "--months", str(a.months),
                        "--out", str(d / "history")], check=True, stdout=subprocess.DEVNULL)
        feat = d / "features.parquet"
        vig = [child_run([vigil, "--log-format", "json", "features", "--config", str(d / "bench.toml"),
                          "--run-date", "2026-06-30", "--out", str(feat)]) for _ in range(a.runs)]
        duck = []
        for i in range(a.runs):
            out = subprocess.run([sys.executable, __file__, "--duckdb-only", str(d / "history"), str(feat),
                                  "1" if i == 0 else "0"], check=True, capture_output=True, text=True)
            duck.append(json.loads(out.stdout))
        rows = duck[0]["check"]["rows"]
        v_med = statistics.median(s for s, _, _ in vig)
        d_med = statistics.median(r["seconds"] for r in duck)
        print(f"history: {a.accounts} accounts x {a.months} months; snapshots: {rows}")
        print(f"vigil features (all ~46 features + labels, incl. load/validate/write): median {v_med:.2f} s "
              f"{[round(s, 2) for s, _, _ in vig]}, peak RSS {max(r for _, r, _ in vig):.0f} MiB")
        phase = {k: statistics.median(p[k] for _, _, p in vig if k in p) for k in ("load", "build", "write")
                 if any(k in p for _, _, p in vig)}
        print("vigil phases (median s): " + ", ".join(f"{k} {v:.2f}" for k, v in phase.items()))
        print(f"duckdb (4 core features): median {d_med:.2f} s {[round(r['seconds'], 2) for r in duck]}, "
              f"peak RSS {max(r['rss_mib'] for r in duck):.0f} MiB")
        print(f"ratio vigil/duckdb: {v_med / d_med:.2f}")
        if "build" in phase:
            print(f"ratio vigil feature build alone (no load/validate/write) / duckdb: {phase['build'] / d_med:.2f}")
        print(f"agreement on the 4 core features: {duck[0]['check']}")


if __name__ == "__main__":
    main()
