//! `vigil demo`: run the demo pipeline config end to end on an embedded synthetic history.
//!
//! Today that is generate (when the history is absent) → validate → sentiment (every
//! ticket, inbound email and NPS comment labelled by the shipped model) → features
//! (training table with labels) → train (risk model, backtest gate, registry, champion);
//! later stages append themselves here so the demo always shows the whole pipeline.

use super::{
    FeatureMode, FeaturesSettings, GenerateSettings, RunSummary, TrainSettings, ValidateSettings, generate,
    train_on, validate, write_features,
};
use crate::config::PipelineConfig;
use crate::contract::ValidationReport;
use crate::storage::{Location, Storage};
use crate::synth::SynthParams;
use crate::time::{RunWindow, parse_run_date};
use crate::{Error, Result};

/// Resolved settings of `vigil demo`.
#[derive(Debug, Clone)]
pub struct DemoSettings {
    /// Regenerate the history even when it exists.
    pub regenerate: bool,
}

/// Runs the demo pipeline; fills `summary` with the stages it ran.
pub fn demo(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &DemoSettings,
    summary: &mut RunSummary,
) -> Result<ValidationReport> {
    let d = &config.options.demo;
    let base = config.options.sources.base.as_deref().ok_or_else(|| {
        Error::Usage(format!(
            "{}: the demo needs [sources] base = \"<folder for the generated history>\"",
            config.path.display()
        ))
    })?;
    let out = Location::parse(&config.resolve(base))?;
    let end = crate::time::parse_date(&d.end, "demo.end").map_err(Error::Usage)?;
    let as_of = parse_run_date(&d.end).map_err(Error::Usage)?;
    summary.set_window(&RunWindow::new(as_of, config.options.window.lookback_months).map_err(Error::Usage)?);
    if settings.regenerate || !storage.exists(&out.join("accounts.parquet"))? {
        let params = SynthParams {
            accounts: d.accounts,
            months: d.months,
            end,
            seed: d.seed,
        };
        summary.stages.push(generate(
            storage,
            &GenerateSettings {
                params,
                out: out.clone(),
            },
        )?);
    } else {
        tracing::info!(history = %out, "demo history exists; reusing it (pass --regenerate to rebuild)");
    }
    let settings = ValidateSettings::from_config(config, as_of)?;
    let (history, report, stage) = validate(storage, config, &settings)?;
    summary.stages.push(stage);
    summary
        .stages
        .extend(super::text_sentiment::score_history(storage, config, &history)?);
    let out = settings.warehouse.join(&format!(
        "features/mode=train/run_date={}",
        settings.window.run_date()
    ));
    let features = FeaturesSettings {
        window: settings.window,
        mode: FeatureMode::Train,
        out,
    };
    let (stage, _, table) = write_features(storage, config, &history, &features)?;
    summary.stages.push(stage);
    let started = std::time::Instant::now();
    let labelled = super::risk_data::from_table(config, &history, table)?;
    let train = TrainSettings {
        window: settings.window,
        run_id: summary.run_id.clone(),
        engine: None,
        external: None,
        promote: true,
    };
    let (stage, outcome) = train_on(storage, config, &train, labelled, started)?;
    summary.stages.push(stage);
    if !outcome.gate_passed {
        return Err(Error::GateFailed {
            version: outcome.version,
            reason: outcome.backtest.gate_reason,
        });
    }
    Ok(report)
}
