//! `vigil train`: fits the risk model on the labelled snapshots, calibrates it, proves it on
//! the held-out validation weeks (the lead-time backtest and its gate), registers it, and
//! promotes it to champion when the gate passes and it is not worse than the champion.

use super::risk_data::{ExternalFeatures, Labelled, from_external, from_history};
use super::risk_model::{self, Manifest, TrainingWindow};
use super::train_fit::{Candidates, Fitted, fit_engines};
use super::{StageReport, risk_report};
use crate::config::PipelineConfig;
use crate::risk::backtest::{self, BacktestOptions, BacktestReport, Scored};
use crate::risk::calibrate::{Calibrator, cross_fit};
use crate::risk::matrix::{FromFrame, LearnSchema};
use crate::risk::params::EngineChoice;
use crate::risk::{EngineKind, RiskModel, metrics, split};
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use serde_json::json;
use std::time::Instant;
use vigil_gbdt::loss::sigmoid;
use vigil_gbdt::{Dataset, FeatureSchema, FitReport, Matrix};
use vigil_store::registry::Registry;
use vigil_store::storage::{Location, Storage};

/// Resolved settings of `vigil train`.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// The run window.
    pub window: RunWindow,
    /// Run id for the manifest.
    pub run_id: Option<String>,
    /// Learner (overrides `[risk] engine`).
    pub engine: Option<EngineChoice>,
    /// Train on this table instead of vigil's own features.
    pub external: Option<ExternalFeatures>,
    /// Whether a passing model may become champion.
    pub promote: bool,
    /// Retrain with the CSM verdicts of the `feedback` table (`--with-feedback`, or
    /// `[risk.feedback] enabled` in `vigil run`).
    pub with_feedback: bool,
}

/// What `vigil train` did.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// Registered version.
    pub version: String,
    /// Whether the gate passed.
    pub gate_passed: bool,
    /// Whether it became champion.
    pub promoted: bool,
    /// Why (gate and champion comparison).
    pub reason: String,
    /// The backtest.
    pub backtest: BacktestReport,
}

/// Trains, validates, registers and (maybe) promotes.
pub fn train(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &TrainSettings,
) -> Result<(StageReport, TrainOutcome)> {
    let started = Instant::now();
    let data = match &settings.external {
        Some(ext) => from_external(storage, config, ext)?,
        None => from_history(storage, config, settings.window)?.0,
    };
    train_on(storage, config, settings, data, started)
}

/// [`train`] on labelled snapshots already built (e.g. by the demo's feature stage).
pub fn train_on(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &TrainSettings,
    mut data: Labelled,
    started: Instant,
) -> Result<(StageReport, TrainOutcome)> {
    let opts = &config.options.risk;
    let mut parts = match &data.times {
        Some(t) => split::by_time(t, opts.validation_weeks, data.horizon_hours)?,
        None => split::random(data.labels.len(), Some(&data.ids), 0.2, opts.seed),
    };
    let before_sampling = parts.train.clone();
    let mut adjustment = if settings.with_feedback {
        Some(super::feedback::plan_training(&mut data, &parts.train, opts))
    } else {
        None
    };
    let keys: Vec<String> = (0..data.labels.len())
        .map(|i| format!("{}#{i}", data.ids[i]))
        .collect();
    parts.downsample(
        &data.labels,
        &keys,
        opts.negative_sample_rate,
        opts.positive_weight,
        opts.seed,
    );
    if let Some(adj) = adjustment.as_mut() {
        crate::risk::feedback::apply(&mut parts, &before_sampling, adj);
    }
    let schema = FeatureSchema::learn(&data.frame, &data.features)?;
    let x = Matrix::from_frame(&data.frame, &schema, "the training feature table")?;
    let y: Vec<f32> = data.labels.iter().map(|&l| f32::from(u8::from(l))).collect();
    let all = Dataset {
        x,
        y,
        w: vec![1.0; data.labels.len()],
    };
    let mut train = all.take(&parts.train);
    train.w = parts.train_weight.clone();
    let valid = all.take(&parts.valid);
    tracing::info!(
        train_rows = train.len(),
        valid_rows = valid.len(),
        sampled_out = parts.sampled_out,
        features = schema.columns.len(),
        "training the risk model"
    );
    let (best, candidates) = fit_engines(config, settings, &train, &valid)?;
    let Fitted {
        model,
        fit,
        margin,
        predict_rows_per_second,
        ..
    } = best;
    let valid_labels: Vec<bool> = parts.valid.iter().map(|&i| data.labels[i]).collect();
    let ones = vec![1.0; valid_labels.len()];
    let valid_ids: Vec<String> = parts.valid.iter().map(|&i| data.ids[i].clone()).collect();
    let folds: Vec<u8> = valid_ids
        .iter()
        .map(|id| u8::from(split::unit_hash(id.as_bytes(), opts.seed) < 0.5))
        .collect();
    let prob = cross_fit(opts.calibration, &margin, &valid_labels, &ones, &folds)?;
    let calibrator = Calibrator::fit(opts.calibration, &margin, &valid_labels, &ones)?;
    let raw: Vec<f64> = margin.iter().map(|&m| sigmoid(m)).collect();
    let times: Vec<i64> = match &data.times {
        Some(t) => parts.valid.iter().map(|&i| t[i]).collect(),
        None => vec![0; parts.valid.len()],
    };
    let mut bt_opts = backtest_options(config, &data);
    let scored = Scored {
        account: &valid_ids,
        time_us: &times,
        probability: &prob,
        raw_probability: &raw,
        label: &valid_labels,
    };
    let mut report = backtest::run(&scored, &data.escalations, &bt_opts);
    let tuned = match (&adjustment, report.threshold_for_target_recall) {
        (Some(_), Some(t)) if opts.feedback.retune_threshold && opts.min_recall > 0.0 => {
            let before = report.at_alert_threshold.clone();
            if t != bt_opts.alert_threshold {
                bt_opts.alert_threshold = t;
                report = backtest::run(&scored, &data.escalations, &bt_opts);
            }
            Some((t, before))
        }
        _ => None,
    };
    if !data.has_escalations {
        report.gate_passed = false;
        report.gate_reason = "no escalations table: the 24–72 h lead-time gate cannot be proven (pass --escalations with an external feature table)".into();
    }
    let drivers = explain_sample(model.as_ref(), &valid.x, predict_rows_per_second)?;
    let side = match &data.times {
        Some(_) => super::train_side::fit(&data, times.iter().copied().min().unwrap_or(i64::MAX))?,
        None => None,
    };
    let model_bytes = model.to_bytes()?;
    let cal_json = serde_json::to_vec(&calibrator).map_err(|e| Error::Internal(e.to_string()))?;
    let input_fingerprint = fingerprint(&all);
    let hash = crate::hash::stable_hash(&[&model_bytes, &cal_json, input_fingerprint.as_bytes()]);
    let run_date = settings.window.run_date().to_string();
    let version = format!("risk-{}-{:08x}", run_date.replace('-', ""), hash >> 32);
    let registry = Registry::new(storage, Location::parse(&config.resolve(&opts.registry))?);
    let (promote_ok, compare_reason) = if report.gate_passed {
        compare_with_champion(&registry, config, &valid, &valid_labels, &report)?
    } else {
        (false, String::new())
    };
    let mut headline = headline(&report, &fit, &candidates, model.engine());
    if let Some(adj) = &adjustment {
        headline["feedback"] = super::feedback::describe(adj, tuned.as_ref(), &report, opts);
    }
    headline["predict_rows_per_second"] = json!(drivers.predict_rows_per_second);
    headline["explain_rows_per_second"] = json!(drivers.explain_rows_per_second);
    headline["drivers"] = json!(drivers.top);
    if let Some(side) = &side {
        headline["escalation_category_and_resolution"] = side.metrics.clone();
    }
    let manifest = Manifest {
        version: version.clone(),
        engine: model.engine(),
        run_id: settings.run_id.clone(),
        run_date: run_date.clone(),
        window: window(&data, &parts),
        schema_fingerprint: schema.fingerprint(),
        feature_schema: schema,
        input_fingerprint,
        calibrator,
        horizon_hours: data.horizon_hours,
        config: opts.clone(),
        alert_threshold: tuned.as_ref().map(|t| t.0),
        metrics: headline.clone(),
        gate_passed: report.gate_passed,
        gate_reason: report.gate_reason.clone(),
        git_commit: risk_model::git_commit().into(),
        vigil_version: env!("CARGO_PKG_VERSION").into(),
    };
    let mut files = vec![("model.bin", Bytes::from(model_bytes))];
    // The drift reference: the validation rows as the final calibrator scores them.
    let valid_probability = manifest.calibrator.apply_all(&margin);
    files.push(super::train_side::drift_reference(&valid.x, &valid_probability)?);
    if let Some(side) = side {
        files.extend(side.files);
    }
    let backtest_json = serde_json::to_vec_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
    files.push(("backtest.json", Bytes::from(backtest_json)));
    for (name, body) in risk_report::render(&version, &report, &bt_opts, &drivers.top) {
        files.push((name, Bytes::from(body)));
    }
    let manifest_json = serde_json::to_value(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    // Housekeeping for crashed trainings; registry readers never see their leftovers.
    let abandoned = registry.remove_abandoned(
        chrono::Duration::hours(vigil_store::registry::ABANDONED_AFTER_HOURS),
        chrono::Utc::now(),
    )?;
    let written = registry.write_version(&version, &files, &manifest_json)?;
    if !written {
        tracing::info!(%version, "identical model already registered; reusing it");
    }
    let promoted = report.gate_passed && promote_ok && settings.promote;
    let reason = match (report.gate_passed, promote_ok, settings.promote) {
        (false, _, _) => format!("gate failed: {}", report.gate_reason),
        (true, false, _) => format!("gate passed, not promoted: {compare_reason}"),
        (true, true, false) => format!("gate passed ({compare_reason}); promotion skipped (--no-promote)"),
        (true, true, true) => format!("gate passed: {}; {compare_reason}", report.gate_reason),
    };
    if promoted {
        if registry.champion()?.as_deref() == Some(version.as_str()) {
            tracing::info!(%version, "already champion");
        } else {
            registry.promote(&version, &run_date, &reason)?;
        }
    }
    let runs_loc = super::model_runs::write_model_run(
        storage,
        config,
        &settings.window,
        &manifest,
        &headline,
        promoted,
        &reason,
    )?;
    let mut stage = StageReport::new("train", started);
    stage.rows_in = data.labels.len() as u64;
    stage.rows_out = train.len() as u64;
    stage.outputs = vec![
        registry.version_location(&version).to_string(),
        runs_loc.to_string(),
    ];
    if let serde_json::Value::Object(m) = headline {
        stage.metrics = m;
    }
    stage.metrics.insert("model_version".into(), json!(version));
    if abandoned.files > 0 {
        stage
            .metrics
            .insert("registry_abandoned_removed".into(), json!(abandoned));
    }
    stage.metrics.insert("promoted".into(), json!(promoted));
    stage.metrics.insert("reason".into(), json!(reason));
    tracing::info!(%version, promoted, recall = report.at_alert_threshold.recall, precision = report.at_alert_threshold.precision, "risk model trained");
    Ok((
        stage,
        TrainOutcome {
            version,
            gate_passed: report.gate_passed,
            promoted,
            reason,
            backtest: report,
        },
    ))
}

/// What drives the model on validation rows, and how fast it predicts and explains.
struct Drivers {
    /// Features by mean |contribution| on a sample of validation rows, largest first (15).
    top: Vec<(String, f64)>,
    /// Validation rows scored per second (all rows, measured when the engine was fitted).
    predict_rows_per_second: f64,
    /// Rows explained per second (TreeSHAP or sampling Shapley) on the sample.
    explain_rows_per_second: f64,
}

/// Rows explained for the report's drivers (every k-th validation row).
const EXPLAIN_SAMPLE: usize = 5_000;

fn explain_sample(model: &dyn RiskModel, x: &Matrix, predict_rows_per_second: f64) -> Result<Drivers> {
    let step = x.rows.div_ceil(EXPLAIN_SAMPLE).max(1);
    let idx: Vec<usize> = (0..x.rows).step_by(step).collect();
    let sample = x.take(&idx);
    let t0 = Instant::now();
    let c = model.contributions(&sample)?;
    let explain_rows_per_second = sample.rows as f64 / t0.elapsed().as_secs_f64().max(1e-9);
    let mut mean = vec![0.0; x.width()];
    for row in &c.values {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v.abs() / c.values.len().max(1) as f64;
        }
    }
    let mut top: Vec<(String, f64)> = x
        .schema
        .columns
        .iter()
        .map(|c| c.name.clone())
        .zip(mean)
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(15);
    Ok(Drivers {
        top,
        predict_rows_per_second,
        explain_rows_per_second,
    })
}

fn backtest_options(config: &PipelineConfig, data: &Labelled) -> BacktestOptions {
    let o = &config.options.risk;
    BacktestOptions {
        alert_threshold: o.alert_threshold,
        lead_max_hours: o.lead_max_hours,
        lead_min_hours: o.lead_min_hours,
        horizon_hours: data.horizon_hours,
        cadence_hours: data.cadence_hours,
        tier_thresholds: o.tier_thresholds.clone(),
        min_recall: o.min_recall,
        min_precision: o.min_precision,
    }
}

/// The champion rule: promote when there is no champion, when the champion cannot read these
/// features, or when the challenger's PR-AUC is at least the champion's minus the tolerance,
/// both measured on this run's validation rows.
fn compare_with_champion(
    registry: &Registry<'_>,
    config: &PipelineConfig,
    valid: &Dataset,
    labels: &[bool],
    challenger: &BacktestReport,
) -> Result<(bool, String)> {
    let Some(champion) = registry.champion()? else {
        return Ok((true, "no champion yet".into()));
    };
    let loaded = risk_model::load(registry, &champion, config.options.risk.device)?;
    if loaded.manifest.feature_schema != valid.x.schema {
        return Ok((
            true,
            format!("champion {champion} uses other features and cannot be compared"),
        ));
    }
    let margin = loaded.model.predict_margin(&valid.x)?;
    let prob = loaded.manifest.calibrator.apply_all(&margin);
    let champ_ap = metrics::pr_auc(&prob, labels, &vec![1.0; labels.len()]);
    let tol = config.options.risk.promote_tolerance;
    let ok = challenger.pr_auc >= champ_ap - tol;
    Ok((
        ok,
        format!(
            "PR-AUC {:.4} vs champion {champion} {:.4} on the same validation rows (tolerance {tol})",
            challenger.pr_auc, champ_ap
        ),
    ))
}

fn headline(
    r: &BacktestReport,
    fit: &FitReport,
    candidates: &Candidates,
    engine: EngineKind,
) -> serde_json::Value {
    let a = &r.at_alert_threshold;
    json!({
        "engine": engine.name(),
        "iterations": fit.iterations,
        "alert_threshold": a.threshold,
        "recall_24_72h": a.recall,
        "precision": a.precision,
        "snapshot_precision": a.snapshot_precision,
        "alerts_per_100_accounts_per_week": a.alerts_per_100_accounts_per_week,
        "eligible_escalations": r.eligible,
        "median_lead_hours": r.median_lead_hours,
        "roc_auc": r.roc_auc,
        "pr_auc": r.pr_auc,
        "brier": r.brier,
        "brier_uncalibrated": r.brier_uncalibrated,
        "threshold_for_target_recall": r.threshold_for_target_recall,
        "candidates": candidates
            .iter()
            .map(|(e, ap, auc, secs, f)| {
                json!({"engine": e.name(), "valid_pr_auc_raw": ap, "valid_roc_auc_raw": auc, "fit_seconds": secs,
                       "iterations": f.iterations, "valid_loss": f.valid_loss})
            })
            .collect::<Vec<_>>(),
    })
}

fn window(data: &Labelled, parts: &split::Split) -> TrainingWindow {
    let fmt = |us: i64| chrono::DateTime::from_timestamp_micros(us).map(|t| t.to_rfc3339());
    let (first, last) = match &data.times {
        Some(t) => (t.iter().min().copied(), t.iter().max().copied()),
        None => (None, None),
    };
    TrainingWindow {
        first_snapshot: first.and_then(fmt),
        last_snapshot: last.and_then(fmt),
        train_end: parts.train_end_us.and_then(fmt),
        valid_start: parts.valid_start_us.and_then(fmt),
    }
}

/// XXH3-64 of the training input (every feature value, then the labels), streamed.
fn fingerprint(d: &Dataset) -> String {
    let mut hash = crate::hash::StableHasher::default();
    for column in &d.x.columns {
        for v in column {
            hash.update(&v.to_le_bytes());
        }
    }
    for &y in &d.y {
        hash.update(&[y as u8]);
    }
    format!("{:016x}", hash.finish())
}
