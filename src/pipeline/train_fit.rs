//! Fitting the risk engines `vigil train` compares (GBDT, MLP or both) and measuring each on
//! the validation rows; the better raw PR-AUC wins.

use super::progress::Bar;
use super::train::TrainSettings;
use crate::config::PipelineConfig;
use crate::risk::params::EngineChoice;
use crate::risk::{EngineKind, RiskModel, metrics, mlp};
use crate::{Error, Result};
use std::time::Instant;
use vigil_gbdt::{self as gbdt, Dataset, FitReport};

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
    settings: &TrainSettings,
    train: &Dataset,
    valid: &Dataset,
) -> Result<(Fitted, Candidates)> {
    let opts = &config.options.risk;
    let choice = settings.engine.unwrap_or(opts.engine);
    let valid_labels: Vec<bool> = valid.y.iter().map(|&y| y > 0.5).collect();
    let ones = vec![1.0; valid.len()];
    let mut fitted: Vec<Fitted> = Vec::new();
    let mut measure = |model: Box<dyn RiskModel>, fit: FitReport, fit_seconds: f64| -> Result<()> {
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
        fitted.push(Fitted {
            model,
            fit,
            margin,
            pr_auc,
            roc_auc,
            fit_seconds,
            predict_rows_per_second,
        });
        Ok(())
    };
    if matches!(choice, EngineChoice::Gbdt | EngineChoice::Auto) {
        let t0 = Instant::now();
        let bar = Bar::new(opts.gbdt.max_rounds as u64, "boosting rounds");
        let (m, r) = gbdt::fit_with_progress(&opts.gbdt, train, Some(valid), &|n| bar.set_position(n))?;
        drop(bar);
        measure(Box::new(m), r, t0.elapsed().as_secs_f64())?;
    }
    if matches!(choice, EngineChoice::Mlp | EngineChoice::Auto) {
        let device = super::sentiment_model::device(opts.device)?;
        let t0 = Instant::now();
        let bar = Bar::new(opts.mlp.epochs as u64, "MLP epochs");
        let (m, r) = mlp::fit_with_progress(&opts.mlp, train, valid, &device, &|n| bar.set_position(n))?;
        drop(bar);
        measure(Box::new(m), r, t0.elapsed().as_secs_f64())?;
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
