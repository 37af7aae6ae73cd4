//! Fitting the risk engines `vigil train` compares (GBDT, MLP or both) and measuring each on
//! the validation rows; the better raw PR-AUC wins.

use crate::config::PipelineConfig;
use crate::pipeline::runtime::progress::Bar;
use crate::risk::engine::{Fit, GbdtFit, MlpFit};
use crate::risk::params::EngineChoice;
use crate::risk::{EngineKind, RiskModel, metrics};
use crate::{Error, Result};
use std::time::Instant;
use vigil_gbdt::{Dataset, FitReport};

/// A fitted engine and how it did on the validation rows.
pub(super) struct Fitted {
    pub model: Box<dyn RiskModel>,
    pub fit: FitReport,
    /// Raw validation margins.
    pub margin: Vec<f64>,
    /// Raw-margin validation PR-AUC and ROC-AUC.
    pub pr_auc: f64,
    pub roc_auc: f64,
    pub fit_seconds: f64,
    /// Validation rows scored per second.
    pub predict_rows_per_second: f64,
}

/// Per fitted engine: learner, raw validation PR-AUC and ROC-AUC, fit seconds, fit report.
pub(super) type Candidates = Vec<(EngineKind, f64, f64, f64, FitReport)>;

/// Fits the chosen engine(s); the one with the better raw validation PR-AUC wins.
pub(super) fn fit_engines(
    config: &PipelineConfig,
    engine: Option<EngineChoice>,
    train: &Dataset,
    valid: &Dataset,
) -> Result<(Fitted, Candidates)> {
    let opts = &config.options.risk;
    let mut fitted: Vec<Fitted> = Vec::new();
    for kind in engines(engine.unwrap_or(opts.engine)) {
        fitted.push(match kind {
            EngineKind::Gbdt => fit_one(&GbdtFit { params: &opts.gbdt }, train, valid)?,
            EngineKind::Mlp => {
                let device = crate::device::burn_device(opts.device)?;
                let engine = MlpFit {
                    params: &opts.mlp,
                    device: &device,
                };
                fit_one(&engine, train, valid)?
            }
        });
    }
    let candidates: Candidates = fitted
        .iter()
        .map(|f| {
            (
                f.model.engine(),
                f.pr_auc,
                f.roc_auc,
                f.fit_seconds,
                f.fit.clone(),
            )
        })
        .collect();
    let best = fitted
        .into_iter()
        .max_by(|a, b| a.pr_auc.total_cmp(&b.pr_auc))
        .ok_or_else(|| Error::Internal("no engine fitted".into()))?;
    Ok((best, candidates))
}

/// The engines a choice fits, in the order they are fitted.
fn engines(choice: EngineChoice) -> &'static [EngineKind] {
    match choice {
        EngineChoice::Gbdt => &[EngineKind::Gbdt],
        EngineChoice::Mlp => &[EngineKind::Mlp],
        EngineChoice::Auto => &[EngineKind::Gbdt, EngineKind::Mlp],
    }
}

/// Fits one engine (with a progress bar of its steps) and measures it on the validation rows.
fn fit_one<F: Fit>(engine: &F, train: &Dataset, valid: &Dataset) -> Result<Fitted> {
    let t0 = Instant::now();
    let (steps, unit) = engine.steps();
    let bar = Bar::new(steps, unit);
    let (model, fit) = engine.fit(train, valid, &|n| bar.set_position(n))?;
    drop(bar);
    let fit_seconds = t0.elapsed().as_secs_f64();
    measure(Box::new(model), fit, fit_seconds, valid)
}

/// Scores the validation rows with a fitted model: raw PR-AUC and ROC-AUC and throughput.
fn measure(model: Box<dyn RiskModel>, fit: FitReport, fit_seconds: f64, valid: &Dataset) -> Result<Fitted> {
    let valid_labels: Vec<bool> = valid.y.iter().map(|&y| y > 0.5).collect();
    let ones = vec![1.0; valid.len()];
    let t0 = Instant::now();
    let margin = model.predict_margin(&valid.x)?;
    let predict_rows_per_second = valid.len() as f64 / t0.elapsed().as_secs_f64().max(1e-9);
    let pr_auc = metrics::pr_auc(&margin, &valid_labels, &ones);
    let roc_auc = metrics::roc_auc(&margin, &valid_labels, &ones);
    tracing::info!(
        engine = model.engine().name(),
        iterations = fit.iterations,
        pr_auc,
        roc_auc,
        fit_seconds,
        "fitted"
    );
    Ok(Fitted {
        model,
        fit,
        margin,
        pr_auc,
        roc_auc,
        fit_seconds,
        predict_rows_per_second,
    })
}
