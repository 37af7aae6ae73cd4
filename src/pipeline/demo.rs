//! `vigil demo`: run the demo pipeline config end to end on an embedded synthetic history.
//!
//! generate (when the history is absent), then `vigil run` with a retrain: validate →
//! sentiment (every ticket, inbound email and NPS comment labelled by the shipped model) →
//! features → train (risk model, backtest gate, registry, champion) → score → publish; it
//! ends by printing the ten riskiest accounts.

use super::data::{GenerateSettings, HistoryLayout, generate};
use super::run::{RunSettings, run_pipeline};
use super::runtime::{RunSummary, in_stage};
use super::score::ScoreOutcome;
use crate::config::PipelineConfig;
use crate::synth::SynthParams;
use crate::time::{RunWindow, parse_run_date};
use crate::{Error, Result};
use vigil_store::storage::{Location, Storage};

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
) -> Result<ScoreOutcome> {
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
        let settings = GenerateSettings {
            params,
            out: out.clone(),
            layout: HistoryLayout::Native,
        };
        summary.push_stage(in_stage("generate", || generate(storage, &settings))?);
    } else {
        tracing::info!(history = %out, "demo history exists; reusing it (pass --regenerate to rebuild)");
    }
    let window = RunWindow::new(as_of, config.options.window.lookback_months).map_err(Error::Usage)?;
    run_pipeline(
        storage,
        config,
        &RunSettings {
            window,
            retrain: true,
            top_k: DEMO_FACTORS,
            publish: true,
            fail_on_drift: false,
        },
        summary,
    )
}

/// Factors per account in the demo.
const DEMO_FACTORS: usize = 5;

/// The demo's closing text: the ten riskiest accounts, and where the outputs are.
pub fn demo_report(config: &PipelineConfig, outcome: &ScoreOutcome) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nThe ten riskiest accounts ({} alerted, model {}):\n",
        outcome.briefs.len(),
        outcome.version
    );
    let _ = writeln!(
        out,
        "{:>5}  {:<10}  {:<28}  narrative",
        "score", "tier", "account"
    );
    for b in outcome.briefs.iter().take(10) {
        let name: String = b.name.chars().take(28).collect();
        let _ = writeln!(
            out,
            "{:>5}  {:<10}  {:<28}  {}",
            b.risk_score, b.tier, name, b.narrative
        );
    }
    let wh = config.resolve(&config.options.warehouse.url);
    let _ = writeln!(
        out,
        "\nTables (Delta Lake): {wh}/risk_scores, {wh}/actions, {wh}/model_runs, {wh}/text_sentiment"
    );
    let _ = writeln!(
        out,
        "Model reports: {}/risk/versions/<version>/report.html",
        config.resolve(&config.options.risk.registry)
    );
    out
}
