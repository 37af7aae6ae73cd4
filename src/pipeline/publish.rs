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

use super::StageReport;
use super::score::staged_location;
use super::staged::{Staged, StagedRun, read_run};
use crate::config::PipelineConfig;
use crate::report::drift::{SIGNIFICANT_PSI, gate_trips};
use crate::report::drift_merge::merge_shards;
use crate::{Error, Result};
use chrono::NaiveDate;
use polars::prelude::DataFrame;
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
    let postgres = match &config.options.warehouse.postgres {
        Some(pg) => {
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
            Some((pg.schema.clone(), Secret::new(url), ca_file))
        }
        None => None,
    };
    let staged_dir = staged_location(config, run_date)?;
    let StagedRun {
        run_id: staged_run_id,
        model_version,
        tables,
        shards,
    } = read_run(storage, &staged_dir, run_date)?;
    if fail_on_drift {
        gate_drift(&tables)?;
    }
    // Connected (TLS checked) before any commit: a sink that cannot be reached changes nothing.
    let postgres = match postgres {
        Some((schema, url, ca_file)) => {
            let sink = vigil_store::warehouse::postgres::connect_with_ca(&url, ca_file.as_deref())
                .map_err(WarehouseError::from)?;
            Some((schema, sink))
        }
        None => None,
    };
    let ctx = CommitContext::new(
        staged_run_id
            .or_else(|| run_id.map(str::to_string))
            .unwrap_or_default(),
    );
    let root = warehouse(config)?;
    let mut stage = StageReport::new("publish", started);
    let versions = commit_tables(storage, &root, run_date, &tables, &ctx, &mut stage)?;
    // Last: the row that makes the run visible to readers of `runs` as complete.
    let record = RunRecord {
        run_id: ctx.run_id.clone(),
        model_version,
        shards,
        published_at_us: chrono::Utc::now().timestamp_micros(),
        tables: versions,
    };
    let runs_row = record.to_frame()?;
    let runs_table = root.join(RUNS_TABLE);
    let commit = delta::replace_partition(storage, &runs_table, run_date, &runs_row, &ctx)
        .map_err(WarehouseError::from)?;
    stage.outputs.push(runs_table.to_string());
    stage.metrics.insert(
        RUNS_TABLE.into(),
        serde_json::json!({"version": commit.version, "rows": commit.rows}),
    );
    stage
        .metrics
        .insert("run_id".into(), serde_json::json!(ctx.run_id));
    stage.metrics.insert("shards".into(), serde_json::json!(shards));
    stage.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(tables = tables.len(), rows = stage.rows_out, %run_date, runs_version = commit.version, "published to Delta Lake");
    let mut stages = vec![stage];
    if let Some((schema, mut sink)) = postgres {
        stages.push(publish_postgres(
            &mut sink,
            &schema,
            run_date,
            &tables,
            &runs_row,
            &ctx.run_id,
        )?);
    }
    Ok(stages)
}

/// One Delta commit per table, replacing its `run_date` partition; the stage's figures, and
/// the versions for the `runs` row.
fn commit_tables(
    storage: &Storage,
    root: &Location,
    run_date: NaiveDate,
    tables: &[Staged],
    ctx: &CommitContext,
    stage: &mut StageReport,
) -> Result<Vec<TableVersion>> {
    let mut versions = Vec::with_capacity(tables.len());
    for t in tables {
        let table = root.join(&t.name);
        let commit = delta::replace_partition(storage, &table, run_date, &t.frame, ctx)
            .map_err(WarehouseError::from)?;
        stage.rows_in += t.frame.height() as u64;
        stage.rows_out += commit.rows as u64;
        stage.outputs.push(table.to_string());
        stage.metrics.insert(
            t.name.clone(),
            serde_json::json!({"version": commit.version, "rows": commit.rows,
                               "files_added": commit.files_added, "files_removed": commit.files_removed}),
        );
        versions.push(TableVersion {
            table: t.name.clone(),
            version: commit.version,
            rows: commit.rows as u64,
        });
    }
    Ok(versions)
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
