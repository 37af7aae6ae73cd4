"""Independent readers: Apache Arrow (pyarrow, C++ Parquet reader) and Python `deltalake`
(delta-rs through its own Python build) read what vigil wrote.

Run by tests/run.sh after the Rust tests:  python3 tests/independent_reader.py target/debug/vigil
Generates a small history, breaks one row, validates, and checks the generated tables and the
quarantine; then runs sentiment, train, score and publish and checks every Delta table vigil
wrote (row counts, schema, partition column, protocol, commit metadata) on a local folder and,
when tests/run.sh started moto (VIGIL_TEST_S3_ENDPOINT), on S3 — with readers that share no
code with vigil.
"""
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from deltalake import DeltaTable

REPO = pathlib.Path(__file__).resolve().parent.parent
RUN_DATE = "2026-06-30"


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
    with tempfile.TemporaryDirectory() as d:
        check_delta(vigil, pathlib.Path(d))
    print("independent reader: 2 passed, 0 failed")


def check_table(dt, name, rows, run_id=None):
    """One Delta table as any reader sees it: protocol 1/2, partitioned by run_date (date),
    UTC timestamps, `rows` rows in the run date's partition, commit metadata naming the run."""
    assert dt.metadata().partition_columns == ["run_date"], (name, dt.metadata().partition_columns)
    protocol = dt.protocol()
    assert (protocol.min_reader_version, protocol.min_writer_version) == (1, 2), (name, protocol)
    table = dt.to_pyarrow_table(filters=[("run_date", "=", datetime.date.fromisoformat(RUN_DATE))])
    assert table.num_rows == rows, (name, table.num_rows, rows)
    schema = table.schema
    assert schema.field("run_date").type == pa.date32(), (name, schema)
    for field in schema:
        if pa.types.is_timestamp(field.type):
            assert field.type.unit == "us" and field.type.tz in ("UTC", "+00:00"), (name, field)
    # The Delta schema and the Parquet files agree: every column is readable, nulls included.
    delta_fields = {f.name for f in dt.schema().fields}
    assert delta_fields == set(schema.names), (name, delta_fields, schema.names)
    last = dt.history(1)[0]
    assert last.get("vigil_version"), (name, last)
    if run_id is not None:
        assert last.get("run_id") == run_id, (name, last)
    return table


def check_delta(vigil, root):
    """sentiment → train → score → publish (twice) on a generated history; every Delta table
    read back with Python deltalake, locally and on S3 when a server is available."""
    (root / "pipelines").mkdir()
    config = (
        '[sources]\nbase = "history"\n[window]\nlookback_months = 6\n[warehouse]\nurl = "wh"\n'
        f'[sentiment]\nmodel = "{REPO / "models/sentiment/default"}"\n'
        f'[tiers]\ntemplates = "{REPO / "pipelines/templates"}"\n'
        '[risk]\nregistry = "registry"\nvalidation_weeks = 6\nmin_recall = 0.0\nmin_precision = 0.0\n'
        "[risk.gbdt]\nmax_rounds = 60\n"
    )
    (root / "pipelines/t.toml").write_text(config)
    run(vigil, root, "generate", "--accounts", "300", "--months", "6", "--out", "history")
    dated = ("--config", "pipelines/t.toml", "--run-date", RUN_DATE)
    sentiment = run(vigil, root, "sentiment", "run", *dated)
    train = run(vigil, root, "train", *dated)
    score = run(vigil, root, "score", *dated)
    first = run(vigil, root, "publish", *dated)
    second = run(vigil, root, "publish", *dated)
    wh = root / "wh"

    ts_rows = sentiment["stages"][-1]["rows_out"]
    ts = check_table(DeltaTable(str(wh / "text_sentiment")), "text_sentiment", ts_rows, sentiment["run_id"])
    assert {"text_id", "source_table", "p_negative", "label"} <= set(ts.schema.names)
    assert ts.schema.field("timestamp").type.tz is not None
    check_table(DeltaTable(str(wh / "model_runs")), "model_runs", 1, train["run_id"])

    stage = lambda summary: next(s for s in summary["stages"] if s["stage"] == "publish")
    published = stage(first)["metrics"]
    assert {"risk_scores", "actions"} <= set(published), published
    for name, info in published.items():
        if not isinstance(info, dict):
            continue
        dt = DeltaTable(str(wh / name))
        # Re-publishing added a version and replaced, never duplicated, the partition.
        assert dt.version() == info["version"] + 1, (name, dt.version(), info)
        assert stage(second)["metrics"][name]["rows"] == info["rows"]
        check_table(dt, name, info["rows"], score["run_id"])
    # The `runs` row (publish's last commit) names the Delta version of every table it
    # published: reading each table at that version gives the run's rows.
    assert published["runs"]["rows"] == 1, published["runs"]
    runs = DeltaTable(str(wh / "runs")).to_pyarrow_table().to_pylist()
    assert len(runs) == 1 and runs[0]["run_id"] == score["run_id"] and runs[0]["status"] == "complete", runs
    for name, info in stage(second)["metrics"].items():
        if isinstance(info, dict) and name != "runs":
            assert runs[0][f"{name}_version"] == info["version"], (name, runs[0], info)
            at = DeltaTable(str(wh / name), version=runs[0][f"{name}_version"]).to_pyarrow_table()
            assert at.num_rows == runs[0][f"{name}_rows"], (name, at.num_rows, runs[0])
    scores = DeltaTable(str(wh / "risk_scores")).to_pyarrow_table()
    assert scores.num_rows == published["risk_scores"]["rows"]
    factors = scores.schema.field("top_factors").type
    assert pa.types.is_list(factors) or pa.types.is_large_list(factors), factors
    assert pa.types.is_struct(factors.value_type), factors

    endpoint = os.environ.get("VIGIL_TEST_S3_ENDPOINT")
    if endpoint:
        check_delta_s3(vigil, root, endpoint, published)
    elif os.environ.get("VIGIL_REQUIRE_SERVERS"):
        raise AssertionError("VIGIL_TEST_S3_ENDPOINT must be set by tests/run.sh")


def check_delta_s3(vigil, root, endpoint, published):
    """The staged tables published to S3 (moto) and read back with deltalake's own S3 client."""
    import boto3  # installed with moto[server]

    bucket = os.environ.get("VIGIL_TEST_S3_BUCKET", "vigil-test")
    prefix = f"reader-{os.getpid()}/wh"
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                      aws_secret_access_key="testing", region_name="us-east-1")
    staged = root / "wh" / "_staged" / f"run_date={RUN_DATE}"
    for f in staged.iterdir():
        s3.upload_file(str(f), bucket, f"{prefix}/_staged/run_date={RUN_DATE}/{f.name}")
    text = (root / "pipelines/t.toml").read_text().replace('url = "wh"', f'url = "s3://{bucket}/{prefix}"')
    (root / "pipelines/s3.toml").write_text(text)
    env = dict(os.environ, AWS_ENDPOINT=endpoint, AWS_ALLOW_HTTP="true", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
    p = subprocess.run([vigil, "-q", "publish", "--config", "pipelines/s3.toml", "--run-date", RUN_DATE],
                       cwd=root, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    options = {"AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
    for name, info in published.items():
        if isinstance(info, dict):
            dt = DeltaTable(f"s3://{bucket}/{prefix}/{name}", storage_options=options)
            assert dt.version() == 0, (name, dt.version())
            check_table(dt, name, info["rows"])


if __name__ == "__main__":
    main(sys.argv[1])
    # pyarrow's and deltalake's worker threads can abort the interpreter at exit
    # ("terminate called without an active exception", apache/arrow#34314,
    # delta-io/delta-rs#2184): every check has passed here, so leave without the
    # destructors.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
