//! `vigil features`: the point-in-time feature table (and, for training, its labels) for
//! the run window, written as Parquet with a JSON summary beside it.

use crate::config::PipelineConfig;
use crate::contract::{History, MAX_SHARDS, Shard, count_accounts, load_history, load_history_part};
use crate::features::{Inputs, build_features, catalogue, label, lifetimes, scoring_grid, training_grid};
use crate::pipeline::runtime::StageReport;
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;
use vigil_store::storage::{Location, Storage};

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
    /// Account partitions to build the table in, one after another; `None` sizes them from
    /// `[features] partition_account_months`.
    pub partitions: Option<u32>,
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
    Ok(match mode {
        FeatureMode::Train => {
            // Labels first, so snapshots left out of training are never featurised.
            let mut labelled = label(&grid, table("escalations"), opts, w.as_of.timestamp_micros())?;
            if opts.exclude_open_escalations {
                // A snapshot taken while an escalation is already open teaches nothing about
                // predicting one: leave it out of training (`[features] exclude_open_escalations`).
                let open = labelled.column("in_open_escalation")?.bool()?.clone();
                labelled = labelled.filter(&!&open.fill_null_with_values(false)?)?;
            }
            let kept = labelled.select(["account_id", "snapshot_at"])?;
            let labels = labelled.drop_many(["account_id", "snapshot_at"]);
            build_features(&kept, &inputs, &lives)?.hstack(labels.columns())?
        }
        FeatureMode::Score => build_features(&grid, &inputs, &lives)?,
    })
}

/// Loads the history, builds the feature table and writes it with its summary.
///
/// Large histories are built in account partitions (see [`FeaturesSettings::partitions`]):
/// each partition reads only its accounts' rows (every file is read once per partition),
/// builds their features and labels and appends them to the one Parquet file as row
/// groups, so peak memory is one partition's, not the whole history's.
pub fn features(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &FeaturesSettings,
) -> Result<(StageReport, FeatureSummary)> {
    let parts = match settings.partitions {
        Some(n) => n,
        None => {
            let accounts = count_accounts(storage, &config.sources(), &config.taxonomy, settings.window)?;
            let per_part = u64::from(config.options.features.partition_account_months.max(1));
            let account_months = accounts as u64 * u64::from(settings.window.lookback_months.max(1));
            u32::try_from(account_months.div_ceil(per_part)).unwrap_or(MAX_SHARDS)
        }
    }
    .clamp(1, MAX_SHARDS);
    if parts == 1 {
        let loading = Instant::now();
        let history = load_history(storage, &config.sources(), &config.taxonomy, settings.window)?;
        tracing::info!(
            ms = loading.elapsed().as_millis() as u64,
            "history loaded and validated"
        );
        let warnings = crate::pipeline::data::gate(&history, &config.options.validation)?;
        let (mut stage, summary, _) = write_features(storage, config, &history, settings)?;
        stage.warnings.extend(warnings);
        return Ok((stage, summary));
    }
    features_in_parts(storage, config, settings, parts)
}

fn features_in_parts(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &FeaturesSettings,
    parts: u32,
) -> Result<(StageReport, FeatureSummary)> {
    let started = Instant::now();
    tracing::info!(
        partitions = parts,
        "building the feature table in account partitions"
    );
    let text_sentiment = crate::pipeline::sentiment::stage::read_output(storage, config, &settings.window)?;
    let mut tally = Tally::default();
    let mut stage = StageReport::new("features", started);
    let mut build = |index: u32| -> Result<DataFrame> {
        let part = Shard::new(index, parts).map_err(Error::Usage)?;
        let loading = Instant::now();
        let history = load_history_part(
            storage,
            &config.sources(),
            &config.taxonomy,
            settings.window,
            Some(part),
        )?;
        let load_ms = loading.elapsed().as_millis() as u64;
        crate::pipeline::data::gate(&history, &config.options.validation)?;
        let tone = match &text_sentiment {
            Some(t) => {
                let mut t = t.clone();
                part.filter_frame(&mut t)?;
                Some(t)
            }
            None => None,
        };
        let mut table = feature_table(config, &history, settings.mode, tone.as_ref())?;
        tally.add(&table, settings.mode)?;
        table.rechunk_mut();
        stage.rows_in += history
            .tables
            .values()
            .map(|t| t.frame.height() as u64)
            .sum::<u64>();
        stage.warnings = absent_warnings(&history);
        tracing::info!(
            partition = %part,
            rows = table.height(),
            load_ms,
            build_ms = loading.elapsed().as_millis() as u64 - load_ms,
            "feature partition built"
        );
        Ok(table)
    };
    // Row groups go into one buffer as they are built; only the compressed table is held.
    let mut buf = Vec::new();
    let first = build(0)?;
    let mut writer = ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .batched(first.schema())?;
    writer.write_batch(&first)?;
    drop(first);
    for index in 1..parts {
        writer.write_batch(&build(index)?)?;
    }
    writer.finish()?;
    drop(writer);
    let summary = tally.summary(settings.mode);
    let (file, summary_loc) = out_locations(&settings.out);
    storage.write(&file, Bytes::from(buf))?;
    write_summary(storage, &summary_loc, &summary)?;
    stage.rows_out = summary.rows as u64;
    stage.outputs = vec![file.to_string(), summary_loc.to_string()];
    tracing::info!(rows = summary.rows, accounts = summary.accounts, positives = ?summary.positives, "feature table written");
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
    let text_sentiment = crate::pipeline::sentiment::stage::read_output(storage, config, &history.window)?;
    if text_sentiment.is_none() {
        tracing::info!("no text_sentiment for this run date: tone features use the lexicon fallback");
    }
    let building = Instant::now();
    let mut table = feature_table(config, history, settings.mode, text_sentiment.as_ref())?;
    tracing::info!(
        ms = building.elapsed().as_millis() as u64,
        rows = table.height(),
        "feature table built"
    );
    let mut tally = Tally::default();
    tally.add(&table, settings.mode)?;
    let summary = tally.summary(settings.mode);
    let (file, summary_loc) = out_locations(&settings.out);
    let writing = Instant::now();
    storage.write_parquet(&file, &mut table)?;
    let write_ms = writing.elapsed().as_millis() as u64;
    write_summary(storage, &summary_loc, &summary)?;
    let mut stage = StageReport::new("features", started);
    stage.rows_in = history.tables.values().map(|t| t.frame.height() as u64).sum();
    stage.rows_out = table.height() as u64;
    stage.outputs = vec![file.to_string(), summary_loc.to_string()];
    stage.warnings = absent_warnings(history);
    tracing::info!(rows = summary.rows, accounts = summary.accounts, positives = ?summary.positives, write_ms, "feature table written");
    Ok((stage, summary, table))
}

/// The Parquet file and the summary beside it: `<name>.parquet` + `<name>.summary.json`, or
/// `<folder>/part-0.parquet` + `<folder>/_summary.json`.
fn out_locations(out: &Location) -> (Location, Location) {
    if out.file_name().is_some_and(|n| n.ends_with(".parquet")) {
        let name = out
            .file_name()
            .unwrap_or("features.parquet")
            .replace(".parquet", ".summary.json");
        (out.clone(), out.parent().join(&name))
    } else {
        (out.join("part-0.parquet"), out.join("_summary.json"))
    }
}

fn write_summary(storage: &Storage, loc: &Location, summary: &FeatureSummary) -> Result<()> {
    let json = serde_json::to_vec_pretty(summary).map_err(|e| Error::Internal(e.to_string()))?;
    storage.write(loc, Bytes::from(json))?;
    Ok(())
}

fn absent_warnings(history: &History) -> Vec<String> {
    history
        .absent
        .iter()
        .map(|t| format!("absent table {t}: its features are null"))
        .collect()
}

/// Counts behind a [`FeatureSummary`], added up over partitions (their accounts are
/// disjoint).
#[derive(Debug, Default)]
struct Tally {
    rows: usize,
    accounts: usize,
    positives: usize,
    nulls: BTreeMap<&'static str, usize>,
}

impl Tally {
    fn add(&mut self, table: &DataFrame, mode: FeatureMode) -> Result<()> {
        self.rows += table.height();
        self.accounts += table.column("account_id")?.n_unique()?;
        if mode == FeatureMode::Train {
            let pos = table.column("escalates_within_h")?.bool()?;
            let complete = table.column("label_complete")?.bool()?;
            self.positives += pos
                .iter()
                .zip(complete.iter())
                .filter(|(p, c)| *p == Some(true) && *c == Some(true))
                .count();
        }
        for spec in catalogue() {
            *self.nulls.entry(spec.name).or_default() += table.column(spec.name)?.null_count();
        }
        Ok(())
    }

    fn summary(&self, mode: FeatureMode) -> FeatureSummary {
        FeatureSummary {
            mode,
            rows: self.rows,
            accounts: self.accounts,
            positives: (mode == FeatureMode::Train).then_some(self.positives),
            null_share: self
                .nulls
                .iter()
                .map(|(k, n)| (*k, *n as f64 / self.rows.max(1) as f64))
                .collect(),
        }
    }
}
