//! The `model_runs` table: one row per trained model version — window, parameters, backtest
//! metrics, gate and promotion — in the Delta table's `run_date` partition.

use super::artifact::Manifest;
use crate::config::PipelineConfig;
use crate::risk::EngineKind;
use crate::time::RunWindow;
use crate::{Error, Result};
use polars::prelude::*;
use vigil_store::storage::{Location, Storage};

/// Writes the training's row (replacing an earlier row of the same version).
pub fn write_model_run(
    storage: &Storage,
    config: &PipelineConfig,
    window: &RunWindow,
    manifest: &Manifest,
    headline: &serde_json::Value,
    promoted: bool,
    reason: &str,
) -> Result<Location> {
    let f = |k: &str| headline.get(k).and_then(serde_json::Value::as_f64);
    let params = match manifest.engine {
        EngineKind::Gbdt => serde_json::to_string(&manifest.config.gbdt),
        EngineKind::Mlp => serde_json::to_string(&manifest.config.mlp),
    }
    .map_err(|e| Error::Internal(e.to_string()))?;
    let frame = df!(
        "model_version" => [manifest.version.clone()],
        "engine" => [manifest.engine.name()],
        "window_start" => [manifest.window.first_snapshot.clone()],
        "window_end" => [manifest.window.last_snapshot.clone()],
        "train_end" => [manifest.window.train_end.clone()],
        "valid_start" => [manifest.window.valid_start.clone()],
        "params" => [params],
        "metrics" => [headline.to_string()],
        "alert_threshold" => [manifest.config.alert_threshold],
        "recall_24_72h" => [f("recall_24_72h")],
        "precision" => [f("precision")],
        "alerts_per_100_accounts_per_week" => [f("alerts_per_100_accounts_per_week")],
        "pr_auc" => [f("pr_auc")],
        "roc_auc" => [f("roc_auc")],
        "brier" => [f("brier")],
        "gate_passed" => [manifest.gate_passed],
        "promoted" => [promoted],
        "reason" => [reason.to_string()],
        "input_fingerprint" => [manifest.input_fingerprint.clone()],
        "git_commit" => [manifest.git_commit.clone()],
    )?;
    // One row per trained version in the run date's partition: a re-run that yields the same
    // version replaces its row instead of adding a second one.
    let table = Location::parse(&config.resolve(&config.options.warehouse.url))?.join("model_runs");
    let ctx = vigil_store::warehouse::delta::CommitContext::new(manifest.run_id.clone().unwrap_or_default());
    let run_date = window.run_date();
    let existing = vigil_store::warehouse::delta::read_partition(storage, &table, run_date)
        .map_err(vigil_store::warehouse::WarehouseError::from)?;
    let frame = match existing {
        Some(old) => other_runs(&old, &frame, &manifest.version)?.vstack(&frame)?,
        None => frame,
    };
    vigil_store::warehouse::delta::replace_partition(storage, &table, run_date, &frame, &ctx)
        .map_err(vigil_store::warehouse::WarehouseError::from)?;
    Ok(table)
}

/// The partition's rows of other versions, in `like`'s columns and types (a column the older
/// rows lack reads as null).
fn other_runs(old: &DataFrame, like: &DataFrame, version: &str) -> Result<DataFrame> {
    let keep = old.column("model_version")?.str()?.not_equal(version);
    let old = old.filter(&keep)?;
    let columns = like
        .columns()
        .iter()
        .map(|c| match old.column(c.name()) {
            Ok(o) => o.cast(c.dtype()),
            Err(_) => Ok(Column::full_null(c.name().clone(), old.height(), c.dtype())),
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    Ok(DataFrame::new(old.height(), columns)?)
}
