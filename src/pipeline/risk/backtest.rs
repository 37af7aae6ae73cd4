//! `vigil backtest`: re-proves a registered model (the champion by default) on the last
//! validation weeks of the current window — the same lead-time backtest and gate as
//! training, with the model's own calibrator — without changing the registry.

use super::artifact;
use super::input::{Labelled, from_history};
use crate::config::PipelineConfig;
use crate::pipeline::runtime::StageReport;
use crate::report::risk_report;
use crate::risk::backtest::{self, BacktestOptions, BacktestReport, Scored};
use crate::risk::split;
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use polars::prelude::*;
use serde::Serialize;
use std::time::Instant;
use vigil_gbdt::loss::sigmoid;
use vigil_store::registry::Registry;
use vigil_store::storage::{Location, Storage};

/// Resolved settings of `vigil backtest`.
#[derive(Debug, Clone)]
pub struct BacktestSettings {
    /// The run window.
    pub window: RunWindow,
    /// Model version, or `champion`.
    pub model: String,
}

/// Runs the backtest and writes its report under `<warehouse>/backtests/run_date=D/`.
pub fn run_backtest(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &BacktestSettings,
) -> Result<(StageReport, String, BacktestReport)> {
    let started = Instant::now();
    let (data, _) = from_history(storage, config, settings.window)?;
    run_backtest_on(storage, config, settings, &data, started)
}

/// The backtest on an already built training table (`vigil run` builds it once).
pub fn run_backtest_on(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &BacktestSettings,
    data: &Labelled,
    started: Instant,
) -> Result<(StageReport, String, BacktestReport)> {
    let opts = &config.options.risk;
    let registry = Registry::new(storage, Location::parse(&config.resolve(&opts.registry))?);
    let loaded = artifact::load(&registry, &settings.model, opts.device)?;
    let version = loaded.manifest.version.clone();
    let times = data
        .times
        .as_ref()
        .ok_or_else(|| Error::Internal("feature table without snapshot times".into()))?;
    let parts = split::by_time(times, opts.validation_weeks, data.horizon_hours)?;
    let idx = UInt32Chunked::from_vec("idx".into(), parts.valid.iter().map(|&i| i as u32).collect());
    let frame = data.frame.take(&idx)?;
    let (_, margin, prob) = loaded.score(&frame, "the backtest feature table")?;
    let raw: Vec<f64> = margin.iter().map(|&m| sigmoid(m)).collect();
    let ids: Vec<String> = parts.valid.iter().map(|&i| data.ids[i].clone()).collect();
    let t: Vec<i64> = parts.valid.iter().map(|&i| times[i]).collect();
    let labels: Vec<bool> = parts.valid.iter().map(|&i| data.labels[i]).collect();
    let bt = BacktestOptions {
        alert_threshold: loaded.manifest.alert_threshold.unwrap_or(opts.alert_threshold),
        lead_max_hours: opts.lead_max_hours,
        lead_min_hours: opts.lead_min_hours,
        horizon_hours: data.horizon_hours,
        cadence_hours: data.cadence_hours,
        tier_thresholds: opts.tier_thresholds.clone(),
        min_recall: opts.min_recall,
        min_precision: opts.min_precision,
    };
    let report = backtest::run(
        &Scored {
            account: &ids,
            time_us: &t,
            probability: &prob,
            raw_probability: &raw,
            label: &labels,
        },
        &data.escalations,
        &bt,
    );
    let out = Location::parse(&config.resolve(&config.options.warehouse.url))?.join(&format!(
        "backtests/run_date={}/{version}",
        settings.window.run_date()
    ));
    let json = serde_json::to_vec_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
    storage.write(&out.join("backtest.json"), Bytes::from(json))?;
    let pages = risk_report::render(&version, &report, &bt, &[])
        .map_err(|e| Error::Internal(format!("model report: {e}")))?;
    for (name, body) in pages {
        storage.write(&out.join(name), Bytes::from(body))?;
    }
    let mut stage = StageReport::new("backtest", started);
    stage.rows_in = frame.height() as u64;
    stage.rows_out = frame.height() as u64;
    stage.outputs = vec![out.to_string()];
    let a = &report.at_alert_threshold;
    stage.record(&BacktestMetrics {
        model_version: &version,
        recall_24_72h: a.recall,
        precision: a.precision,
        alerts_per_100_accounts_per_week: a.alerts_per_100_accounts_per_week,
        pr_auc: report.pr_auc,
        gate_passed: report.gate_passed,
        reason: &report.gate_reason,
    })?;
    Ok((stage, version, report))
}

/// The `backtest` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct BacktestMetrics<'a> {
    /// The model re-proven.
    model_version: &'a str,
    /// Escalations alerted 24–72 h ahead at the alert threshold, as a share.
    recall_24_72h: f64,
    /// Alerts followed by an escalation, as a share.
    precision: f64,
    /// Alert volume at the threshold.
    alerts_per_100_accounts_per_week: f64,
    /// Average precision of the calibrated scores.
    pr_auc: f64,
    /// Whether the gate passed.
    gate_passed: bool,
    /// The gate's reason.
    reason: &'a str,
}
