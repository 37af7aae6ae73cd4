"""Independent reader: Apache Arrow (pyarrow, C++ Parquet reader) reads what vigil wrote.

Run by tests/run.sh after the Rust tests:  python3 tests/independent_reader.py target/debug/vigil
Generates a small history, breaks one row, validates, and checks the generated tables and the
quarantine with a reader that shares no code with vigil.
"""
import json
import pathlib
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq


def run(vigil, cwd, *args, expect=0):
    p = subprocess.run([vigil, "-q", *args], cwd=cwd, capture_output=True, text=True)
    assert p.returncode == expect, f"{args}: exit {p.returncode}\n{p.stderr}"
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(vigil):
    vigil = str(pathlib.Path(vigil).resolve())
    with tempfile.TemporaryDirectory() as d:
        root = pathlib.Path(d)
        (root / "pipelines").mkdir()
        (root / "pipelines/t.toml").write_text('[sources]\nbase = "history"\n[warehouse]\nurl = "wh"\n[validation]\nmax_bad_row_share = 0.05\n')
        run(vigil, root, "generate", "--accounts", "40", "--months", "6", "--out", "history")

        accounts = pq.read_table(root / "history/accounts.parquet")
        # polars writes text as Arrow string_view; the Parquet column itself is plain UTF-8.
        assert accounts.schema.field("account_id").type in (pa.string(), pa.large_string(), pa.string_view())
        assert accounts.schema.field("renewal_date").type == pa.date32(), accounts.schema
        assert accounts.num_rows == 40
        tickets = pq.read_table(root / "history/tickets.parquet")
        assert tickets.schema.field("created_at").type == pa.timestamp("us"), tickets.schema
        usage = ds.dataset(root / "history/usage_daily", format="parquet").to_table()
        assert usage.num_rows > 40 * 150, usage.num_rows

        # One bad NPS score among the generated rows: quarantined, and under a 5% limit the run passes.
        nps = pq.read_table(root / "history/nps_responses.parquet")
        scores = nps.column("score").to_pylist()
        scores[0] = 11
        nps = nps.set_column(nps.schema.get_field_index("score"), "score", pa.array(scores, pa.int64()))
        pq.write_table(nps, root / "history/nps_responses.parquet")
        summary = run(vigil, root, "validate", "--config", "pipelines/t.toml", "--run-date", "2026-06-30")
        assert summary["status"] == "ok", summary

        q = ds.dataset(root / "wh/quarantine", format="parquet", partitioning="hive").to_table().to_pylist()
        assert len(q) >= 1, q
        bad = [r for r in q if r["table"] == "nps_responses" and r["column"] == "score"]
        assert bad and bad[0]["reason_code"] == "out_of_range" and bad[0]["row"] == 1, q
        report = json.loads((root / "wh/validation/run_date=2026-06-30/report.json").read_text())
        assert {t["table"] for t in report["tables"]} >= {"accounts", "tickets", "nps_responses"}
    print("independent reader: 1 passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1])
