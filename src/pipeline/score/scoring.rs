//! `vigil score`: every active account at `--as-of` scored by the champion (or a named
//! model) — probability, 0–100 score, tier, explained factors, narrative, what changed,
//! category and resolution estimate, routed actions with drafted text — staged for
//! `vigil publish` under `<warehouse>/_staged/run_date=D/`.

use super::monitoring::{DriftMetrics, Monitoring};
use crate::config::PipelineConfig;
use crate::contract::History;
use crate::pipeline::features::{FeatureMode, feature_table};
use crate::pipeline::risk::artifact;
use crate::pipeline::runtime::StageReport;
use crate::risk::matrix::FromFrame;
use crate::score::brief::AccountBrief;
use crate::score::category::CategoryModel;
use crate::score::context::Sources;
use crate::score::drafts::Drafts;
use crate::score::resolution::ResolutionIndex;
use crate::score::{Prediction, ScoreError, ScoreInputs, Scored, ScoringRun};
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;
use vigil_gbdt::{Contributions, Matrix};
use vigil_store::registry::Registry;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::delta;

/// Similar past cases per resolution estimate.
pub const SIMILAR_CASES: usize = crate::score::resolution::DEFAULT_K;

/// Resolved settings of `vigil score`.
#[derive(Debug, Clone)]
pub struct ScoreSettings {
    /// The run window (`as_of` is the scoring moment).
    pub window: RunWindow,
    /// Run id written to every row.
    pub run_id: String,
    /// Model version, or `champion`.
    pub model: String,
    /// Factors per account.
    pub top_k: usize,
    /// Fail (exit 4, nothing staged) when a feature or the score drifted past PSI 0.2.
    pub fail_on_drift: bool,
    /// Where the tables are staged: the run date's staged folder, or a shard's folder in it
    /// (see [`super::shard::prepare_target`]).
    pub staged: Location,
    /// The shard scored (`None`: every account).
    pub shard: Option<super::shard::Shard>,
}

/// What scoring produced, beyond its stage report.
#[derive(Debug)]
pub struct ScoreOutcome {
    /// Model version that scored.
    pub version: String,
    /// Briefs of the alerted accounts, riskiest first.
    pub briefs: Vec<AccountBrief>,
    /// Where the staged tables are.
    pub staged: Location,
}

/// Loads and validates the draft templates (a missing variable fails here, before any
/// scoring work).
pub fn load_drafts(config: &PipelineConfig) -> Result<Drafts> {
    let dir = config.resolve(&config.options.tiers.templates);
    Ok(crate::score::drafts::load(
        Path::new(&dir),
        &config.options.tiers,
        &config.taxonomy,
    )?)
}

/// Scores a loaded history and stages `risk_scores` and `actions`.
pub fn score_on(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &ScoreSettings,
    history: &History,
    drafts: &Drafts,
) -> Result<(StageReport, ScoreOutcome)> {
    let started = Instant::now();
    let opts = &config.options.risk;
    let registry = Registry::new(storage, Location::parse(&config.resolve(&opts.registry))?);
    let loaded = artifact::load(&registry, &settings.model, opts.device)?;
    let version = loaded.manifest.version.clone();
    let mut warnings = Vec::new();
    let text_sentiment = read_text_sentiment(storage, config, &settings.window, &mut warnings)?;
    let features = feature_table(config, history, FeatureMode::Score, text_sentiment.as_ref())?;
    let (x, _, probability) = loaded.score(&features, "the scoring feature table")?;
    let monitoring = super::monitoring::measure(
        storage,
        &registry,
        &version,
        &settings.run_id,
        &x,
        &probability,
        settings.fail_on_drift,
        &mut warnings,
    )?;
    let t_explain = Instant::now();
    let contributions = loaded.model.contributions(&x)?;
    let explain_seconds = t_explain.elapsed().as_secs_f64();
    let model = ModelScores {
        version: &version,
        alert_threshold: loaded.manifest.alert_threshold.unwrap_or(opts.alert_threshold),
        features: &features,
        matrix: &x,
        probability: &probability,
        contributions: &contributions,
    };
    let job = Job {
        storage,
        config,
        registry: &registry,
        settings,
        history,
        drafts,
    };
    let previous = previous_scores(storage, config, &settings.window)?;
    let mut scored = score_accounts(
        &job,
        &model,
        previous.as_ref(),
        text_sentiment.as_ref(),
        &mut warnings,
    )?;
    let drift = stage_tables(storage, settings, &version, &mut scored, monitoring)?;
    let mut stage = StageReport::new("score", started);
    stage.rows_in = features.height() as u64;
    stage.rows_out = scored.risk_scores.height() as u64;
    stage.outputs = vec![settings.staged.to_string()];
    stage.warnings = warnings;
    stage.record(&ScoreMetrics {
        model_version: &version,
        shard: settings.shard.map(|s| s.to_string()),
        accounts: features.height(),
        alerts: scored.briefs.len(),
        actions: scored.actions.height(),
        drift,
        tiers: per_tier(&scored.risk_scores)?,
        previous_run_date: previous.as_ref().map(|p| p.0.to_string()),
        explain_rows_per_second: (features.height() as f64 / explain_seconds.max(1e-9)).round(),
    })?;
    tracing::info!(
        accounts = features.height(),
        alerts = scored.briefs.len(),
        actions = scored.actions.height(),
        model = %version,
        "scored"
    );
    Ok((
        stage,
        ScoreOutcome {
            version,
            briefs: std::mem::take(&mut scored.briefs),
            staged: settings.staged.clone(),
        },
    ))
}

/// The `score` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct ScoreMetrics<'a> {
    model_version: &'a str,
    /// The shard scored, `i/n` (`None`: every account).
    shard: Option<String>,
    accounts: usize,
    alerts: usize,
    actions: usize,
    /// Drift against the training reference (`None`: the model has no reference).
    drift: Option<DriftMetrics>,
    /// Accounts per tier.
    tiers: BTreeMap<String, u64>,
    /// The run date whose scores "what changed" compares against.
    previous_run_date: Option<String>,
    explain_rows_per_second: f64,
}

/// One scoring run: where it reads and stages, its settings, the history and the templates.
struct Job<'a> {
    storage: &'a Storage,
    config: &'a PipelineConfig,
    registry: &'a Registry<'a>,
    settings: &'a ScoreSettings,
    history: &'a History,
    drafts: &'a Drafts,
}

/// What the model made of today's feature table.
struct ModelScores<'a> {
    version: &'a str,
    /// The model's own alert threshold, else `[risk] alert_threshold`.
    alert_threshold: u32,
    features: &'a DataFrame,
    matrix: &'a Matrix,
    probability: &'a [f64],
    contributions: &'a Contributions,
}

/// The sentiment stage's output for the run date; without it a warning (tone features fall
/// back to the lexicon).
fn read_text_sentiment(
    storage: &Storage,
    config: &PipelineConfig,
    window: &RunWindow,
    warnings: &mut Vec<String>,
) -> Result<Option<DataFrame>> {
    let text_sentiment = crate::pipeline::sentiment::stage::read_output(storage, config, window)?;
    if text_sentiment.is_none() {
        warnings
            .push("no text_sentiment for this run date: tone features use the lexicon fallback".to_string());
    }
    Ok(text_sentiment)
}

/// The latest published `risk_scores` partition before the run date, with its date.
fn previous_scores(
    storage: &Storage,
    config: &PipelineConfig,
    window: &RunWindow,
) -> Result<Option<(NaiveDate, DataFrame)>> {
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    Ok(
        delta::latest_partition_before(storage, &warehouse.join("risk_scores"), window.run_date())
            .map_err(vigil_store::warehouse::WarehouseError::from)?,
    )
}

/// Every account's score, tier, factors, narrative, what changed, category and resolution
/// estimate and routed actions with drafts ([`crate::score::score`]).
fn score_accounts(
    job: &Job<'_>,
    model: &ModelScores<'_>,
    previous: Option<&(NaiveDate, DataFrame)>,
    text_sentiment: Option<&DataFrame>,
    warnings: &mut Vec<String>,
) -> Result<Scored> {
    let (category, resolution) = side_models(job.storage, job.registry, model.version, warnings)?;
    let predictions = predict_alerted(
        model.features,
        model.probability,
        model.alert_threshold,
        category.as_ref(),
        resolution.as_ref(),
    )?;
    let predict = |r: usize| predictions.get(&r).cloned().unwrap_or_default();
    let tone = ticket_tone(text_sentiment)?;
    let table = |n: &str| job.history.tables.get(n).map(|t| &t.frame);
    let accounts = table("accounts").ok_or_else(|| Error::Internal("accounts not loaded".into()))?;
    let run = ScoringRun {
        run_id: &job.settings.run_id,
        as_of: job.settings.window.as_of,
        model_version: model.version,
        alert_threshold: model.alert_threshold,
        top_k: job.settings.top_k,
        tiers: &job.config.options.tiers,
        drafts: job.drafts,
    };
    let inputs = ScoreInputs {
        features: model.features,
        matrix: model.matrix,
        probability: model.probability,
        contributions: model.contributions,
        accounts,
        previous: previous.map(|p| &p.1),
        timeline: Sources {
            tickets: table("tickets"),
            communications: table("communications"),
            nps: table("nps_responses"),
            escalations: table("escalations"),
            ticket_tone: &tone,
        },
        predict: Some(&predict),
    };
    Ok(crate::score::score(&run, &inputs)?)
}

/// Writes `risk_scores`, `actions` and (when measured) `monitoring` to the staged folder,
/// then, last, the `_run.json` marker (a staged folder without it is unfinished): the drift
/// figures for the stage's metrics.
fn stage_tables(
    storage: &Storage,
    settings: &ScoreSettings,
    version: &str,
    scored: &mut Scored,
    monitoring: Option<Monitoring>,
) -> Result<Option<DriftMetrics>> {
    let staged = &settings.staged;
    storage.write_parquet(&staged.join("risk_scores.parquet"), &mut scored.risk_scores)?;
    storage.write_parquet(&staged.join("actions.parquet"), &mut scored.actions)?;
    let drift = match monitoring {
        Some(mut m) => {
            storage.write_parquet(&staged.join("monitoring.parquet"), &mut m.frame)?;
            Some(m.metrics)
        }
        None => None,
    };
    // The marker goes last: a staged folder without it is unfinished.
    let run_json = serde_json::json!({
        "run_id": settings.run_id,
        "as_of": settings.window.as_of.to_rfc3339(),
        "model_version": version,
        "shard": settings.shard.map(|s| s.to_string()),
        "accounts": scored.risk_scores.height(),
    });
    storage.write(
        &staged.join(super::shard::RUN_FILE),
        Bytes::from(run_json.to_string()),
    )?;
    Ok(drift)
}

/// Accounts per tier of the `risk_scores` table.
fn per_tier(risk_scores: &DataFrame) -> Result<BTreeMap<String, u64>> {
    let tiers = risk_scores.column("tier")?.str()?.clone();
    let mut per_tier = BTreeMap::new();
    for t in tiers.iter().flatten() {
        *per_tier.entry(t.to_string()).or_default() += 1;
    }
    Ok(per_tier)
}

/// The category model and resolution index saved with the model version, when present
/// (versions trained before they existed score without them, with a warning).
fn side_models(
    storage: &Storage,
    registry: &Registry<'_>,
    version: &str,
    warnings: &mut Vec<String>,
) -> Result<(Option<CategoryModel>, Option<ResolutionIndex>)> {
    let read = |file: &str| -> Result<Option<Bytes>> {
        let loc = registry.version_location(version).join(file);
        if storage.exists(&loc)? {
            Ok(Some(registry.read(version, file)?))
        } else {
            Ok(None)
        }
    };
    let category = match read("category.json")? {
        Some(b) => Some(
            serde_json::from_slice(&b)
                .map_err(|e| Error::Internal(format!("model {version}: category.json is unreadable: {e}")))?,
        ),
        None => None,
    };
    let resolution =
        match read("resolution.json")? {
            Some(b) => Some(serde_json::from_slice(&b).map_err(|e| {
                Error::Internal(format!("model {version}: resolution.json is unreadable: {e}"))
            })?),
            None => None,
        };
    if category.is_none() || resolution.is_none() {
        warnings.push(format!(
            "model {version} has no category model or resolution index: alerts get no category or resolution estimate"
        ));
    }
    Ok((category, resolution))
}

/// The sentiment stage's label per ticket id.
fn ticket_tone(text_sentiment: Option<&DataFrame>) -> Result<HashMap<String, String>> {
    let Some(ts) = text_sentiment else {
        return Ok(HashMap::new());
    };
    let source = ts.column("source_table")?.str()?;
    let id = ts.column("text_id")?.str()?;
    let label = ts.column("label")?.str()?;
    Ok(source
        .iter()
        .zip(id.iter())
        .zip(label.iter())
        .filter(|((s, _), _)| *s == Some("tickets"))
        .filter_map(|((_, i), l)| Some((i?.to_string(), l?.to_string())))
        .collect())
}

/// Category and resolution estimate of every alerted row (each side model reads the
/// feature table through its own schema).
fn predict_alerted(
    features: &DataFrame,
    probability: &[f64],
    alert_threshold: u32,
    category: Option<&CategoryModel>,
    resolution: Option<&ResolutionIndex>,
) -> Result<HashMap<usize, Prediction>> {
    let alerted: Vec<usize> = (0..probability.len())
        .filter(|&r| crate::score::risk_score(probability[r]) >= alert_threshold)
        .collect();
    let mut out = HashMap::with_capacity(alerted.len());
    let Some(category) = category else {
        return Ok(out);
    };
    let take = UInt32Chunked::from_vec("idx".into(), alerted.iter().map(|&r| r as u32).collect());
    let frame = features.take(&take)?;
    let cat_x = Matrix::from_frame(
        &frame,
        &category.schema,
        "the scoring feature table (category model)",
    )?;
    let res_x = resolution
        .map(|i| Matrix::from_frame(&frame, &i.schema, "the scoring feature table (resolution index)"))
        .transpose()?;
    let row = |x: &Matrix, i: usize| -> Vec<f64> { x.columns.iter().map(|c| f64::from(c[i])).collect() };
    for (i, &r) in alerted.iter().enumerate() {
        let best = category
            .predict(&row(&cat_x, i))
            .map_err(ScoreError::from)?
            .into_iter()
            .next();
        let estimate = match (resolution, &res_x, &best) {
            (Some(index), Some(x), Some((cat, _))) => index
                .estimate(&row(x, i), cat, SIMILAR_CASES)
                .map_err(ScoreError::from)?,
            _ => None,
        };
        out.insert(
            r,
            Prediction {
                category: best,
                resolution: estimate,
            },
        );
    }
    Ok(out)
}
