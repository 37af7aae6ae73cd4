//! `vigil train`: fits the risk model on the labelled snapshots, calibrates it, proves it on
//! the held-out validation weeks (the lead-time backtest and its gate), registers it, and
//! promotes it to champion when the gate passes and it is not worse than the champion.

use super::artifact::{self, Manifest, TrainingWindow};
use super::fit::{Candidates, fit_engines};
use super::input::{ExternalFeatures, Labelled, from_external, from_history};
use super::promote::promote;
use super::side_models::SideModels;
use crate::config::PipelineConfig;
use crate::contract::Taxonomy;
use crate::pipeline::runtime::StageReport;
use crate::report::risk_report;
use crate::risk::backtest::{self, AtThreshold, BacktestOptions, BacktestReport, Scored};
use crate::risk::calibrate::{Calibrator, cross_fit};
use crate::risk::feedback::Adjustment;
use crate::risk::matrix::{FromFrame, LearnSchema};
use crate::risk::params::{EngineChoice, RiskOptions};
use crate::risk::{EngineKind, RiskModel, metrics, split};
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use serde::Serialize;
use std::time::Instant;
use vigil_gbdt::loss::sigmoid;
use vigil_gbdt::{Dataset, FeatureSchema, FitReport, Matrix};
use vigil_store::registry::Abandoned;
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

/// [`train`] on labelled snapshots already built (e.g. by the demo's feature stage): split
/// and sample, fit, calibrate, prove on the validation weeks, explain, register, and promote
/// when the gate passes and the model is not worse than the champion.
pub fn train_on(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &TrainSettings,
    mut data: Labelled,
    started: Instant,
) -> Result<(StageReport, TrainOutcome)> {
    let opts = &config.options.risk;
    let (parts, adjustment) = split_and_sample(&mut data, opts, settings.with_feedback)?;
    let sets = datasets(&data, &parts)?;
    let (best, candidates) = fit_engines(config, settings.engine, &sets.train, &sets.valid)?;
    let valid = Validation::of(&data, &parts);
    let calibrated = calibrate(opts, &best.margin, &valid)?;
    let proof = prove(config, &data, &valid, &calibrated, adjustment.is_some())?;
    let drivers = explain_sample(best.model.as_ref(), &sets.valid.x, best.predict_rows_per_second)?;
    let side = fit_side_models(&data, &valid, &config.taxonomy)?;
    let model_bytes = best.model.to_bytes()?;
    let (version, input_fingerprint) =
        version_of(&model_bytes, &calibrated.calibrator, &sets.all, &settings.window)?;
    let registry = Registry::new(storage, Location::parse(&config.resolve(&opts.registry))?);
    let comparison = compare_with_champion(&registry, config, &sets.valid, &valid.labels, &proof.report)?;
    let headline = TrainHeadline::new(&proof, &best.fit, &candidates, best.model.engine(), &drivers)
        .with_feedback(adjustment.as_ref(), &proof, opts)
        .with_side_models(side.as_ref());
    let manifest = Manifest {
        version: version.clone(),
        engine: best.model.engine(),
        run_id: settings.run_id.clone(),
        run_date: settings.window.run_date().to_string(),
        window: window(&data, &parts),
        schema_fingerprint: sets.schema.fingerprint(),
        feature_schema: sets.schema,
        input_fingerprint,
        calibrator: calibrated.calibrator,
        horizon_hours: data.horizon_hours,
        config: opts.clone(),
        alert_threshold: proof.tuned.as_ref().map(|t| t.0),
        metrics: to_json(&headline)?,
        gate_passed: proof.report.gate_passed,
        gate_reason: proof.report.gate_reason.clone(),
        git_commit: artifact::git_commit().into(),
        vigil_version: env!("CARGO_PKG_VERSION").into(),
    };
    let files = artifact_files(
        model_bytes,
        &manifest,
        &best.margin,
        &sets.valid.x,
        side,
        &proof,
        &drivers,
    )?;
    let abandoned = register(&registry, &manifest, &files)?;
    let (promoted, reason) = promote(&registry, &manifest, &proof.report, &comparison, settings.promote)?;
    let runs_loc = super::model_runs::write_model_run(
        storage,
        config,
        &settings.window,
        &manifest,
        &manifest.metrics,
        promoted,
        &reason,
    )?;
    let mut stage = StageReport::new("train", started);
    (stage.rows_in, stage.rows_out) = (data.labels.len() as u64, sets.train.len() as u64);
    stage.outputs = vec![
        registry.version_location(&version).to_string(),
        runs_loc.to_string(),
    ];
    stage.record(&TrainMetrics {
        headline: &headline,
        model_version: &version,
        registry_abandoned_removed: (abandoned.files > 0).then_some(&abandoned),
        promoted,
        reason: &reason,
    })?;
    let a = &proof.report.at_alert_threshold;
    tracing::info!(%version, promoted, recall = a.recall, precision = a.precision, "risk model trained");
    Ok((
        stage,
        TrainOutcome {
            version,
            gate_passed: proof.report.gate_passed,
            promoted,
            reason,
            backtest: proof.report,
        },
    ))
}

/// A quick estimate of the lead-time backtest for `vigil doctor`: the split and sampling of
/// [`train_on`], the GBDT with `config`'s parameters, calibration and the backtest of the
/// validation weeks. Nothing is registered or written.
pub fn quick_backtest(config: &PipelineConfig, mut data: Labelled) -> Result<BacktestReport> {
    let opts = &config.options.risk;
    let (parts, _) = split_and_sample(&mut data, opts, false)?;
    let sets = datasets(&data, &parts)?;
    let (best, _) = fit_engines(config, Some(EngineChoice::Gbdt), &sets.train, &sets.valid)?;
    let valid = Validation::of(&data, &parts);
    let calibrated = calibrate(opts, &best.margin, &valid)?;
    Ok(prove(config, &data, &valid, &calibrated, false)?.report)
}

/// The `train` stage's figures in the run summary: the model's headline (also its
/// manifest's `metrics`), its version and whether it was promoted.
#[derive(Debug, Serialize)]
struct TrainMetrics<'a> {
    #[serde(flatten)]
    headline: &'a TrainHeadline,
    model_version: &'a str,
    /// Leftovers of crashed trainings removed from the registry, when there were any.
    #[serde(skip_serializing_if = "Option::is_none")]
    registry_abandoned_removed: Option<&'a Abandoned>,
    promoted: bool,
    reason: &'a str,
}

/// The category model and resolution index trained beside the risk model, on the
/// snapshots before the validation rows (time-split training only).
fn fit_side_models(data: &Labelled, valid: &Validation, taxonomy: &Taxonomy) -> Result<Option<SideModels>> {
    match &data.times {
        Some(_) => {
            let split_us = valid.times.iter().copied().min().unwrap_or(i64::MAX);
            super::side_models::fit(data, split_us, taxonomy)
        }
        None => Ok(None),
    }
}

/// The train/validation split, negatives downsampled, and (with feedback) the CSM
/// verdicts applied to the training rows.
fn split_and_sample(
    data: &mut Labelled,
    opts: &RiskOptions,
    with_feedback: bool,
) -> Result<(split::Split, Option<Adjustment>)> {
    let mut parts = match &data.times {
        Some(t) => split::by_time(t, opts.validation_weeks, data.horizon_hours)?,
        None => split::random(data.labels.len(), Some(&data.ids), 0.2, opts.seed),
    };
    let before_sampling = parts.train.clone();
    let mut adjustment = if with_feedback {
        Some(super::feedback::plan_training(data, &parts.train, opts))
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
    Ok((parts, adjustment))
}

/// The encoded snapshots: all rows, the (weighted) training rows and the validation rows.
struct Datasets {
    schema: FeatureSchema,
    all: Dataset,
    train: Dataset,
    valid: Dataset,
}

/// Learns the feature schema and encodes the snapshots into the training and validation sets.
fn datasets(data: &Labelled, parts: &split::Split) -> Result<Datasets> {
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
    Ok(Datasets {
        schema,
        all,
        train,
        valid,
    })
}

/// The validation rows' labels, accounts and snapshot times (0 without times).
struct Validation {
    labels: Vec<bool>,
    ids: Vec<String>,
    times: Vec<i64>,
}

impl Validation {
    fn of(data: &Labelled, parts: &split::Split) -> Self {
        Self {
            labels: parts.valid.iter().map(|&i| data.labels[i]).collect(),
            ids: parts.valid.iter().map(|&i| data.ids[i].clone()).collect(),
            times: match &data.times {
                Some(t) => parts.valid.iter().map(|&i| t[i]).collect(),
                None => vec![0; parts.valid.len()],
            },
        }
    }
}

/// The validation margins calibrated: cross-fitted probabilities (for an honest backtest),
/// the calibrator fitted on all of them (saved with the model) and the raw probabilities.
struct Calibrated {
    probability: Vec<f64>,
    calibrator: Calibrator,
    raw: Vec<f64>,
}

fn calibrate(opts: &RiskOptions, margin: &[f64], valid: &Validation) -> Result<Calibrated> {
    let ones = vec![1.0; valid.labels.len()];
    let folds: Vec<u8> = valid
        .ids
        .iter()
        .map(|id| u8::from(split::unit_hash(id.as_bytes(), opts.seed) < 0.5))
        .collect();
    let probability = cross_fit(opts.calibration, margin, &valid.labels, &ones, &folds)?;
    let calibrator = Calibrator::fit(opts.calibration, margin, &valid.labels, &ones)?;
    let raw = margin.iter().map(|&m| sigmoid(m)).collect();
    Ok(Calibrated {
        probability,
        calibrator,
        raw,
    })
}

/// The lead-time backtest on the validation rows, and what it was run with.
struct Proof {
    report: BacktestReport,
    options: BacktestOptions,
    /// With feedback and re-tuning: the re-tuned threshold and the results at the
    /// configured one.
    tuned: Option<(u32, AtThreshold)>,
}

/// Proves the model on the validation weeks: the backtest and its gate; with feedback and
/// `retune_threshold`, the alert threshold moved to the target recall. Without an
/// escalations table the gate cannot pass.
fn prove(
    config: &PipelineConfig,
    data: &Labelled,
    valid: &Validation,
    calibrated: &Calibrated,
    with_feedback: bool,
) -> Result<Proof> {
    let opts = &config.options.risk;
    let mut options = backtest_options(config, data);
    let scored = Scored {
        account: &valid.ids,
        time_us: &valid.times,
        probability: &calibrated.probability,
        raw_probability: &calibrated.raw,
        label: &valid.labels,
    };
    let mut report = backtest::run(&scored, &data.escalations, &options);
    let tuned = match (with_feedback, report.threshold_for_target_recall) {
        (true, Some(t)) if opts.feedback.retune_threshold && opts.min_recall > 0.0 => {
            let before = report.at_alert_threshold.clone();
            if t != options.alert_threshold {
                options.alert_threshold = t;
                report = backtest::run(&scored, &data.escalations, &options);
            }
            Some((t, before))
        }
        _ => None,
    };
    if !data.has_escalations {
        report.gate_passed = false;
        report.gate_reason = "no escalations table: the 24–72 h lead-time gate cannot be proven (pass --escalations with an external feature table)".into();
    }
    Ok(Proof {
        report,
        options,
        tuned,
    })
}

/// The model version (`risk-<run date>-<hash>`) from the model, its calibrator and the
/// training input, and the input's fingerprint.
fn version_of(
    model_bytes: &[u8],
    calibrator: &Calibrator,
    all: &Dataset,
    window: &RunWindow,
) -> Result<(String, String)> {
    let cal_json = serde_json::to_vec(calibrator).map_err(|e| Error::Internal(e.to_string()))?;
    let input_fingerprint = fingerprint(all);
    let hash = crate::hash::stable_hash(&[model_bytes, &cal_json, input_fingerprint.as_bytes()]);
    let run_date = window.run_date().to_string();
    let version = format!("risk-{}-{:08x}", run_date.replace('-', ""), hash >> 32);
    Ok((version, input_fingerprint))
}

/// The files of a model version besides its manifest: the model, the drift reference (the
/// validation rows as the final calibrator scores them), the side models, the backtest and
/// its report.
fn artifact_files(
    model_bytes: Vec<u8>,
    manifest: &Manifest,
    margin: &[f64],
    valid_x: &Matrix,
    side: Option<SideModels>,
    proof: &Proof,
    drivers: &Drivers,
) -> Result<Vec<(&'static str, Bytes)>> {
    let mut files = vec![("model.bin", Bytes::from(model_bytes))];
    let valid_probability = manifest.calibrator.apply_all(margin);
    files.push(super::side_models::drift_reference(valid_x, &valid_probability)?);
    if let Some(side) = side {
        files.extend(side.files);
    }
    let backtest_json =
        serde_json::to_vec_pretty(&proof.report).map_err(|e| Error::Internal(e.to_string()))?;
    files.push(("backtest.json", Bytes::from(backtest_json)));
    let pages = risk_report::render(&manifest.version, &proof.report, &proof.options, &drivers.top)
        .map_err(|e| Error::Internal(format!("model report: {e}")))?;
    for (name, body) in pages {
        files.push((name, Bytes::from(body)));
    }
    Ok(files)
}

/// Writes the version into the registry (an identical one already there is reused), after
/// removing what crashed trainings left: what was removed.
fn register(
    registry: &Registry<'_>,
    manifest: &Manifest,
    files: &[(&'static str, Bytes)],
) -> Result<Abandoned> {
    let manifest_json = to_json(manifest)?;
    // Housekeeping for crashed trainings; registry readers never see their leftovers.
    let abandoned = registry.remove_abandoned(
        chrono::Duration::hours(vigil_store::registry::ABANDONED_AFTER_HOURS),
        chrono::Utc::now(),
    )?;
    let written = registry.write_version(&manifest.version, files, &manifest_json)?;
    if !written {
        tracing::info!(version = %manifest.version, "identical model already registered; reusing it");
    }
    Ok(abandoned)
}

fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.to_string()))
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
/// both measured on this run's validation rows. Not compared (not better) when the
/// challenger failed its gate.
fn compare_with_champion(
    registry: &Registry<'_>,
    config: &PipelineConfig,
    valid: &Dataset,
    labels: &[bool],
    challenger: &BacktestReport,
) -> Result<(bool, String)> {
    if !challenger.gate_passed {
        return Ok((false, String::new()));
    }
    let Some(champion) = registry.champion()? else {
        return Ok((true, "no champion yet".into()));
    };
    let loaded = artifact::load(registry, &champion, config.options.risk.device)?;
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

/// A trained model's headline figures: its manifest's `metrics`, its `model_runs` row's
/// figures, and the `train` stage's metrics.
#[derive(Debug, Serialize)]
struct TrainHeadline {
    engine: &'static str,
    iterations: usize,
    alert_threshold: u32,
    recall_24_72h: f64,
    precision: f64,
    snapshot_precision: f64,
    alerts_per_100_accounts_per_week: f64,
    eligible_escalations: usize,
    median_lead_hours: Option<f64>,
    roc_auc: f64,
    pr_auc: f64,
    brier: f64,
    brier_uncalibrated: f64,
    threshold_for_target_recall: Option<u32>,
    /// Every engine fitted, the winner among them.
    candidates: Vec<CandidateFigures>,
    /// What the CSM verdicts changed (feedback retraining only).
    #[serde(skip_serializing_if = "Option::is_none")]
    feedback: Option<serde_json::Value>,
    predict_rows_per_second: f64,
    explain_rows_per_second: f64,
    /// The features that drive the model most, with their mean |contribution|.
    drivers: Vec<(String, f64)>,
    /// The category model's and resolution index's figures (time-split training only).
    #[serde(skip_serializing_if = "Option::is_none")]
    escalation_category_and_resolution: Option<serde_json::Value>,
}

/// One fitted engine's validation figures.
#[derive(Debug, Serialize)]
struct CandidateFigures {
    engine: &'static str,
    valid_pr_auc_raw: f64,
    valid_roc_auc_raw: f64,
    fit_seconds: f64,
    iterations: usize,
    valid_loss: f64,
}

impl TrainHeadline {
    fn new(
        proof: &Proof,
        fit: &FitReport,
        candidates: &Candidates,
        engine: EngineKind,
        drivers: &Drivers,
    ) -> Self {
        let r = &proof.report;
        let a = &r.at_alert_threshold;
        Self {
            engine: engine.name(),
            iterations: fit.iterations,
            alert_threshold: a.threshold,
            recall_24_72h: a.recall,
            precision: a.precision,
            snapshot_precision: a.snapshot_precision,
            alerts_per_100_accounts_per_week: a.alerts_per_100_accounts_per_week,
            eligible_escalations: r.eligible,
            median_lead_hours: r.median_lead_hours,
            roc_auc: r.roc_auc,
            pr_auc: r.pr_auc,
            brier: r.brier,
            brier_uncalibrated: r.brier_uncalibrated,
            threshold_for_target_recall: r.threshold_for_target_recall,
            candidates: candidates
                .iter()
                .map(|(e, ap, auc, secs, f)| CandidateFigures {
                    engine: e.name(),
                    valid_pr_auc_raw: *ap,
                    valid_roc_auc_raw: *auc,
                    fit_seconds: *secs,
                    iterations: f.iterations,
                    valid_loss: f.valid_loss,
                })
                .collect(),
            feedback: None,
            predict_rows_per_second: drivers.predict_rows_per_second,
            explain_rows_per_second: drivers.explain_rows_per_second,
            drivers: drivers.top.clone(),
            escalation_category_and_resolution: None,
        }
    }

    /// With feedback retraining: what the verdicts changed.
    fn with_feedback(mut self, adjustment: Option<&Adjustment>, proof: &Proof, opts: &RiskOptions) -> Self {
        self.feedback =
            adjustment.map(|adj| super::feedback::describe(adj, proof.tuned.as_ref(), &proof.report, opts));
        self
    }

    /// With the side models' figures, when they were trained.
    fn with_side_models(mut self, side: Option<&SideModels>) -> Self {
        self.escalation_category_and_resolution = side.map(|s| s.metrics.clone());
        self
    }
}

fn window(data: &Labelled, parts: &split::Split) -> TrainingWindow {
    let fmt = crate::time::units::rfc3339;
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
