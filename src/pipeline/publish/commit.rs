//! `vigil publish`: commits a run date's staged tables to the warehouse — one Delta commit per
//! table that replaces its `run_date` partition — then, as its **last** commit, the date's
//! row in the `runs` table ([`vigil_store::warehouse::runs`]) naming each table's committed
//! version; and, when `[warehouse.postgres]` is set, replaces the same run date of every table
//! and of `runs` in PostgreSQL, all in one transaction.
//!
//! The scoring stage stages each output table as `<warehouse>/_staged/run_date=D/<table>.parquet`
//! with `_run.json` (`{"run_id": …}`) written last beside them. Publishing reads them and leaves
//! them in place: re-running `vigil publish` for the same date publishes the same rows again (a
//! new Delta version with the same partition content), which is how a failed or interrupted
//! publish is finished.
//!
//! A crash mid-publish leaves each table at its old or its new version, and the `runs` row of
//! the date at the previous complete run (or none): a reader that reads each table at the
//! version the latest `runs` row names never sees a mix of two runs. The re-run commits the
//! tables again and then the `runs` row, completing the set.

use super::staged::{Staged, StagedRun, read_run};
use crate::config::PipelineConfig;
use crate::pipeline::runtime::StageReport;
use crate::pipeline::score::shard::staged_location;
use crate::score::drift::merge::merge_shards;
use crate::score::drift::{SIGNIFICANT_PSI, gate_trips};
use crate::{Error, Result};
use chrono::NaiveDate;
use polars::prelude::DataFrame;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;
use vigil_store::secret::Secret;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::WarehouseError;
use vigil_store::warehouse::delta::{self, CommitContext};
use vigil_store::warehouse::runs::{RUNS_TABLE, RunRecord, TableVersion};

fn warehouse(config: &PipelineConfig) -> Result<Location> {
    Ok(Location::parse(&config.resolve(&config.options.warehouse.url))?)
}

/// Publishes every table staged for `run_date` — the unsharded tables, or all shards of a
/// sharded run combined (exit 3 when one is missing). `run_id` is recorded in the commits
/// when the staged `_run.json` does not name the run that produced the data. Exit 99 when
/// nothing is staged for the date. With `fail_on_drift`, the run's drift (over all shards)
/// is gated before anything is committed (exit 4).
pub fn publish(
    storage: &Storage,
    config: &PipelineConfig,
    run_date: NaiveDate,
    run_id: Option<&str>,
    fail_on_drift: bool,
) -> Result<Vec<StageReport>> {
    let started = Instant::now();
    // A configured PostgreSQL sink without its URL fails before anything is committed.
    let postgres = postgres_target(config)?;
    let staged = read_run(storage, &staged_location(config, run_date)?, run_date)?;
    if fail_on_drift {
        gate_drift(&staged.tables)?;
    }
    // Connected (TLS checked) before any commit: a sink that cannot be reached changes nothing.
    let postgres = postgres.map(PostgresTarget::connect).transpose()?;
    let ctx = CommitContext::new(
        staged
            .run_id
            .clone()
            .or_else(|| run_id.map(str::to_string))
            .unwrap_or_default(),
    );
    let (stage, runs_row) = publish_delta(storage, config, run_date, &staged, &ctx, started)?;
    let mut stages = vec![stage];
    if let Some((schema, mut sink)) = postgres {
        stages.push(publish_postgres(
            &mut sink,
            &schema,
            run_date,
            &staged.tables,
            &runs_row,
            &ctx.run_id,
        )?);
    }
    Ok(stages)
}

/// The `[warehouse.postgres]` sink to publish to, before connecting: its schema, URL and CA
/// file. A usage error when the URL's environment variable is not set.
struct PostgresTarget {
    schema: String,
    url: Secret,
    ca_file: Option<std::path::PathBuf>,
}

impl PostgresTarget {
    /// Connects (TLS checked): the schema and the sink.
    fn connect(self) -> Result<(String, vigil_store::warehouse::postgres::PgSink)> {
        let sink = vigil_store::warehouse::postgres::connect_with_ca(&self.url, self.ca_file.as_deref())
            .map_err(WarehouseError::from)?;
        Ok((self.schema, sink))
    }
}

/// The configured PostgreSQL sink, if any, with its URL read from the environment.
fn postgres_target(config: &PipelineConfig) -> Result<Option<PostgresTarget>> {
    let Some(pg) = &config.options.warehouse.postgres else {
        return Ok(None);
    };
    let url = std::env::var(&pg.url_env).map_err(|_| {
        Error::Usage(format!(
            "[warehouse.postgres] is configured but the environment variable {} (the connection \
             URL) is not set",
            pg.url_env
        ))
    })?;
    let ca_file = pg
        .ca_file
        .as_deref()
        .map(|f| std::path::PathBuf::from(config.resolve(f)));
    Ok(Some(PostgresTarget {
        schema: pg.schema.clone(),
        url: Secret::new(url),
        ca_file,
    }))
}

/// The `publish` stage's figures in the run summary: each table's commit under its name,
/// the `runs` row's commit, the run id and the shard count.
#[derive(Debug, Serialize)]
struct PublishMetrics {
    /// Per table name: the Delta commit of its partition.
    #[serde(flatten)]
    tables: BTreeMap<String, TableCommit>,
    /// The `runs` row's commit.
    runs: RunsCommit,
    /// The run id recorded in the commits.
    run_id: String,
    /// Shards combined (`None`: an unsharded run).
    shards: Option<u32>,
}

/// One table's Delta commit.
#[derive(Debug, Serialize)]
struct TableCommit {
    version: i64,
    rows: usize,
    files_added: usize,
    files_removed: usize,
}

/// The `runs` table's Delta commit.
#[derive(Debug, Serialize)]
struct RunsCommit {
    version: i64,
    rows: usize,
}

/// Commits every staged table, then, last, the `runs` row that makes the run visible to
/// readers of `runs` as complete: the stage's report and the `runs` row.
fn publish_delta(
    storage: &Storage,
    config: &PipelineConfig,
    run_date: NaiveDate,
    staged: &StagedRun,
    ctx: &CommitContext,
    started: Instant,
) -> Result<(StageReport, DataFrame)> {
    let root = warehouse(config)?;
    let mut stage = StageReport::new("publish", started);
    let (versions, tables) = commit_tables(storage, &root, run_date, &staged.tables, ctx, &mut stage)?;
    let record = RunRecord {
        run_id: ctx.run_id.clone(),
        model_version: staged.model_version.clone(),
        shards: staged.shards,
        published_at_us: chrono::Utc::now().timestamp_micros(),
        tables: versions,
    };
    let runs_row = record.to_frame()?;
    let runs_table = root.join(RUNS_TABLE);
    let commit = delta::replace_partition(storage, &runs_table, run_date, &runs_row, ctx)
        .map_err(WarehouseError::from)?;
    stage.outputs.push(runs_table.to_string());
    stage.record(&PublishMetrics {
        tables,
        runs: RunsCommit {
            version: commit.version,
            rows: commit.rows,
        },
        run_id: ctx.run_id.clone(),
        shards: staged.shards,
    })?;
    stage.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(tables = staged.tables.len(), rows = stage.rows_out, %run_date, runs_version = commit.version, "published to Delta Lake");
    Ok((stage, runs_row))
}

/// One Delta commit per table, replacing its `run_date` partition: the versions for the
/// `runs` row and each table's commit for the stage's figures.
fn commit_tables(
    storage: &Storage,
    root: &Location,
    run_date: NaiveDate,
    tables: &[Staged],
    ctx: &CommitContext,
    stage: &mut StageReport,
) -> Result<(Vec<TableVersion>, BTreeMap<String, TableCommit>)> {
    let mut versions = Vec::with_capacity(tables.len());
    let mut commits = BTreeMap::new();
    for t in tables {
        let table = root.join(&t.name);
        let commit = delta::replace_partition(storage, &table, run_date, &t.frame, ctx)
            .map_err(WarehouseError::from)?;
        stage.rows_in += t.frame.height() as u64;
        stage.rows_out += commit.rows as u64;
        stage.outputs.push(table.to_string());
        commits.insert(
            t.name.clone(),
            TableCommit {
                version: commit.version,
                rows: commit.rows,
                files_added: commit.files_added,
                files_removed: commit.files_removed,
            },
        );
        versions.push(TableVersion {
            table: t.name.clone(),
            version: commit.version,
            rows: commit.rows as u64,
        });
    }
    Ok((versions, commits))
}

/// `--fail-on-drift` at publishing: the staged drift rows (combined over the shards) trip
/// the same gate as at scoring.
fn gate_drift(tables: &[Staged]) -> Result<()> {
    let Some(monitoring) = tables.iter().find(|t| t.name == "monitoring") else {
        return Ok(());
    };
    let drifts = merge_shards(&monitoring.frame).map_err(|e| Error::IncompleteRun(e.to_string()))?;
    if gate_trips(&drifts) {
        let version = monitoring
            .frame
            .column("model_version")?
            .str()?
            .get(0)
            .unwrap_or_default()
            .to_string();
        return Err(Error::DriftGate {
            version,
            threshold: SIGNIFICANT_PSI,
            features: drifts
                .iter()
                .filter(|d| d.is_significant())
                .map(|d| format!("{}={:.3}", d.feature, d.psi))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// Every table, then the `runs` row, in one PostgreSQL transaction: BI tools reading
/// PostgreSQL see the whole previous run or the whole new one.
fn publish_postgres(
    sink: &mut vigil_store::warehouse::postgres::PgSink,
    schema: &str,
    run_date: NaiveDate,
    tables: &[Staged],
    runs_row: &DataFrame,
    run_id: &str,
) -> Result<StageReport> {
    let started = Instant::now();
    let mut stage = StageReport::new("publish_postgres", started);
    // The sink adds `run_id` itself (the same run's id).
    let without_run_id = |frame: &DataFrame| -> Result<DataFrame> {
        Ok(match frame.column("run_id") {
            Ok(_) => frame.drop("run_id")?,
            Err(_) => frame.clone(),
        })
    };
    let mut frames = Vec::with_capacity(tables.len() + 1);
    for t in tables {
        frames.push((t.name.as_str(), without_run_id(&t.frame)?));
    }
    frames.push((RUNS_TABLE, without_run_id(runs_row)?));
    let batch: Vec<(&str, &DataFrame)> = frames.iter().map(|(n, f)| (*n, f)).collect();
    let rows = sink
        .replace_partitions(schema, run_date, &batch, run_id)
        .map_err(WarehouseError::from)?;
    for ((name, frame), written) in frames.iter().zip(rows) {
        stage.rows_in += frame.height() as u64;
        stage.rows_out += written;
        stage.outputs.push(format!("postgres:{schema}.{name}"));
    }
    stage.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(tables = tables.len(), rows = stage.rows_out, %run_date, "published to PostgreSQL");
    Ok(stage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use vigil_store::storage::RetryPolicy;

    fn config(dir: &std::path::Path) -> PipelineConfig {
        std::fs::create_dir_all(dir.join("pipelines")).expect("mkdir");
        let path = dir.join("pipelines/t.toml");
        std::fs::write(
            &path,
            "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n",
        )
        .expect("write");
        PipelineConfig::load(&path).expect("config")
    }

    #[test]
    fn publishes_staged_tables_idempotently_and_exits_99_when_nothing_is_staged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path());
        let storage = Storage::new(RetryPolicy::default(), Vec::new()).expect("storage");
        let d = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        let err = publish(&storage, &config, d, None, false).expect_err("nothing staged");
        assert_eq!(err.exit_code(), crate::error::ExitCode::NothingToDo, "{err}");

        let staged = staged_location(&config, d).expect("staged");
        let mut scores = df!(
            "run_date" => ["2026-06-30", "2026-06-30"],
            "account_id" => ["a", "b"],
            "risk_score" => [10.0, 80.0],
        )
        .expect("frame");
        storage
            .write_parquet(&staged.join("risk_scores.parquet"), &mut scores)
            .expect("stage");
        let mut actions = df!("account_id" => ["b"], "action" => ["war_room"]).expect("frame");
        storage
            .write_parquet(&staged.join("actions.parquet"), &mut actions)
            .expect("stage");
        storage
            .write(
                &staged.join("_run.json"),
                bytes::Bytes::from_static(b"{\"run_id\":\"2026-06-30-abc\"}"),
            )
            .expect("run json");

        for expected_version in [0, 1] {
            let stages = publish(&storage, &config, d, Some("ignored"), false).expect("publish");
            let m = &stages[0].metrics;
            assert_eq!(m["risk_scores"]["version"], expected_version, "{m:?}");
            assert_eq!(m["runs"]["version"], expected_version, "{m:?}");
            assert_eq!(m["run_id"], "2026-06-30-abc");
            assert_eq!(stages[0].rows_out, 3);
        }
        let wh = Location::parse(&config.resolve("wh")).expect("wh");
        // The runs row: one per date (re-publishing replaced it), naming each table's version.
        let runs = delta::read_partition(&storage, &wh.join(RUNS_TABLE), d)
            .expect("read")
            .expect("runs row");
        assert_eq!(runs.height(), 1, "{runs}");
        let int = |c: &str| runs.column(c).expect(c).i64().expect("i64").get(0);
        assert_eq!(
            (int("risk_scores_version"), int("risk_scores_rows")),
            (Some(1), Some(2))
        );
        assert_eq!((int("actions_version"), int("actions_rows")), (Some(1), Some(1)));
        let text = |c: &str| {
            runs.column(c)
                .expect(c)
                .str()
                .expect("str")
                .get(0)
                .map(str::to_string)
        };
        assert_eq!(text("run_id").as_deref(), Some("2026-06-30-abc"));
        assert_eq!(text("status").as_deref(), Some("complete"));
        let back = delta::read_partition(&storage, &wh.join("risk_scores"), d)
            .expect("read")
            .expect("rows");
        assert_eq!(back.height(), 2, "re-publishing replaced the partition");
        assert_eq!(
            back.get_column_names()
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            ["account_id", "risk_score"]
        );
        assert!(
            storage
                .exists(&staged.join("risk_scores.parquet"))
                .expect("exists"),
            "staged files stay"
        );

        // A staged frame for another date is refused before it is committed.
        let other = NaiveDate::from_ymd_opt(2026, 7, 7).expect("date");
        let other_dir = staged_location(&config, other).expect("loc");
        let mut wrong = df!("run_date" => ["2026-06-30"], "x" => [1i64]).expect("frame");
        storage
            .write_parquet(&other_dir.join("t.parquet"), &mut wrong)
            .expect("stage");
        // Without its `_run.json` the folder is an unfinished scoring run: exit 3.
        let err = publish(&storage, &config, other, None, false).expect_err("unfinished");
        assert_eq!(err.exit_code(), crate::error::ExitCode::InvalidInput, "{err}");
        assert!(err.to_string().contains("unfinished"), "{err}");
        storage
            .write(&other_dir.join("_run.json"), bytes::Bytes::from_static(b"{}"))
            .expect("run json");
        let err = publish(&storage, &config, other, None, false)
            .expect_err("wrong date")
            .to_string();
        assert!(err.contains("2026-06-30") && err.contains("2026-07-07"), "{err}");
    }
}
