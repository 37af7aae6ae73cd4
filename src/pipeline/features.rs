//! `vigil features`: the point-in-time feature table (and, for training, its labels) for
//! the run window, written as Parquet with a JSON summary beside it.

use super::StageReport;
use crate::config::PipelineConfig;
use crate::contract::{History, load_history};
use crate::features::{Inputs, build_features, catalogue, label, lifetimes, scoring_grid, training_grid};
use crate::storage::{Location, Storage};
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// Which snapshots to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureMode {
    /// Every account every `cadence_hours` over the window, with labels.
    Train,
    /// Every active account at `--as-of`, without labels.
    Score,
}

/// Resolved settings of `vigil features`.
#[derive(Debug, Clone)]
pub struct FeaturesSettings {
    /// The run window.
    pub window: RunWindow,
    /// Train or score.
    pub mode: FeatureMode,
    /// Output: a `.parquet` file, or a folder that gets `part-0.parquet`.
    pub out: Location,
}

/// What the feature table holds, written as `<out>.summary.json` / `<out>/_summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureSummary {
    /// Train or score.
    pub mode: FeatureMode,
    /// Snapshots.
    pub rows: usize,
    /// Distinct accounts.
    pub accounts: usize,
    /// Positive labels among complete training rows (train mode).
    pub positives: Option<usize>,
    /// Share of null values per feature.
    pub null_share: BTreeMap<&'static str, f64>,
}

/// Builds the feature table from an already loaded history.
/// `text_sentiment` is the sentiment stage's output for the run, when it ran; texts it did
/// not score are judged by the lexicon fallback.
pub fn feature_table(
    config: &PipelineConfig,
    history: &History,
    mode: FeatureMode,
    text_sentiment: Option<&DataFrame>,
) -> Result<DataFrame> {
    let w = &history.window;
    let table = |n: &str| history.tables.get(n).map(|t| &t.frame);
    let accounts = table("accounts").ok_or_else(|| Error::Internal("accounts not loaded".into()))?;
    let lives = lifetimes(accounts, table("subscriptions"), w)?;
    let opts = &config.options.features;
    let grid = match mode {
        FeatureMode::Train => training_grid(&lives, w, opts.cadence_hours)?,
        FeatureMode::Score => scoring_grid(&lives, w)?,
    };
    let mut inputs = Inputs::from_history(history);
    if let Some(ts) = text_sentiment {
        inputs = inputs.with("text_sentiment", ts);
    }
    let features = build_features(&grid, &inputs, &lives)?;
    Ok(match mode {
        FeatureMode::Train => {
            let labelled = label(&features, table("escalations"), opts, w.as_of.timestamp_micros())?;
            if opts.exclude_open_escalations {
                // A snapshot taken while an escalation is already open teaches nothing about
                // predicting one: leave it out of training (`[features] exclude_open_escalations`).
                let open = labelled.column("in_open_escalation")?.bool()?.clone();
                labelled.filter(&!&open.fill_null_with_values(false)?)?
            } else {
                labelled
            }
        }
        FeatureMode::Score => features,
    })
}

/// Loads the history, builds the feature table and writes it with its summary.
pub fn features(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &FeaturesSettings,
) -> Result<(StageReport, FeatureSummary)> {
    let history = load_history(storage, config, settings.window)?;
    history.check_bad_share(config.options.validation.max_bad_row_share)?;
    let (stage, summary, _) = write_features(storage, config, &history, settings)?;
    Ok((stage, summary))
}

/// Builds the feature table from a loaded history and writes it with its summary; returns
/// the table too, so a following stage need not build it again.
pub fn write_features(
    storage: &Storage,
    config: &PipelineConfig,
    history: &History,
    settings: &FeaturesSettings,
) -> Result<(StageReport, FeatureSummary, DataFrame)> {
    let started = Instant::now();
    let text_sentiment = super::text_sentiment::read_output(storage, config, &history.window)?;
    if text_sentiment.is_none() {
        tracing::info!("no text_sentiment for this run date: tone features use the lexicon fallback");
    }
    let mut table = feature_table(config, history, settings.mode, text_sentiment.as_ref())?;
    let summary = summarise(&table, settings.mode)?;
    let (file, summary_loc) = if settings.out.file_name().is_some_and(|n| n.ends_with(".parquet")) {
        let name = settings
            .out
            .file_name()
            .unwrap_or("features.parquet")
            .replace(".parquet", ".summary.json");
        (settings.out.clone(), settings.out.parent().join(&name))
    } else {
        (
            settings.out.join("part-0.parquet"),
            settings.out.join("_summary.json"),
        )
    };
    storage.write_parquet(&file, &mut table)?;
    let json = serde_json::to_vec_pretty(&summary).map_err(|e| Error::Internal(e.to_string()))?;
    storage.write(&summary_loc, Bytes::from(json))?;
    let mut stage = StageReport::new("features", started);
    stage.rows_in = history.tables.values().map(|t| t.frame.height() as u64).sum();
    stage.rows_out = table.height() as u64;
    stage.outputs = vec![file.to_string(), summary_loc.to_string()];
    stage.warnings = history
        .absent
        .iter()
        .map(|t| format!("absent table {t}: its features are null"))
        .collect();
    tracing::info!(rows = summary.rows, accounts = summary.accounts, positives = ?summary.positives, "feature table written");
    Ok((stage, summary, table))
}

fn summarise(table: &DataFrame, mode: FeatureMode) -> Result<FeatureSummary> {
    let rows = table.height();
    let accounts = table.column("account_id")?.n_unique()?;
    let positives = match mode {
        FeatureMode::Train => {
            let pos = table.column("escalates_within_h")?.bool()?;
            let complete = table.column("label_complete")?.bool()?;
            Some(
                pos.iter()
                    .zip(complete.iter())
                    .filter(|(p, c)| *p == Some(true) && *c == Some(true))
                    .count(),
            )
        }
        FeatureMode::Score => None,
    };
    let mut null_share = BTreeMap::new();
    for spec in catalogue() {
        let nulls = table.column(spec.name)?.null_count();
        null_share.insert(spec.name, nulls as f64 / rows.max(1) as f64);
    }
    Ok(FeatureSummary {
        mode,
        rows,
        accounts,
        positives,
        null_share,
    })
}
