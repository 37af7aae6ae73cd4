//! `vigil score`: every active account at `--as-of` scored by the champion (or a named
//! model) — probability, 0–100 score, tier, explained factors, narrative, what changed,
//! category and resolution estimate, routed actions with drafted text — staged for
//! `vigil publish` under `<warehouse>/_staged/run_date=D/`.

use super::features::{FeatureMode, feature_table};
use super::{StageReport, risk_model};
use crate::config::PipelineConfig;
use crate::contract::History;
use crate::risk::matrix::FromFrame;
use crate::score::brief::AccountBrief;
use crate::score::category::CategoryModel;
use crate::score::context::Sources;
use crate::score::drafts::Drafts;
use crate::score::resolution::ResolutionIndex;
use crate::score::{Prediction, ScoreError, ScoreInputs, ScoringRun};
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use polars::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;
use vigil_gbdt::Matrix;
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

/// Where a run date's staged tables live.
pub fn staged_location(config: &PipelineConfig, run_date: chrono::NaiveDate) -> Result<Location> {
    Ok(Location::parse(&config.resolve(&config.options.warehouse.url))?
        .join(&format!("_staged/run_date={run_date}")))
}

/// Loads and validates the draft templates (a missing variable fails here, before any
/// scoring work).
pub fn load_drafts(config: &PipelineConfig) -> Result<Drafts> {
    let dir = config.resolve(&config.options.tiers.templates);
    Ok(crate::score::drafts::load(
        Path::new(&dir),
        &config.options.tiers,
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
    let window = &settings.window;
    let registry = Registry::new(storage, Location::parse(&config.resolve(&opts.registry))?);
    let loaded = risk_model::load(&registry, &settings.model, opts.device)?;
    let version = loaded.manifest.version.clone();
    let alert_threshold = loaded.manifest.alert_threshold.unwrap_or(opts.alert_threshold);
    let text_sentiment = super::text_sentiment::read_output(storage, config, window)?;
    let mut warnings = Vec::new();
    if text_sentiment.is_none() {
        warnings
            .push("no text_sentiment for this run date: tone features use the lexicon fallback".to_string());
    }
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
    let (category, resolution) = side_models(storage, &registry, &version, &mut warnings)?;
    let predictions = predict_alerted(
        &features,
        &probability,
        alert_threshold,
        category.as_ref(),
        resolution.as_ref(),
    )?;
    let predict = |r: usize| predictions.get(&r).cloned().unwrap_or_default();
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let previous = delta::latest_partition_before(storage, &warehouse.join("risk_scores"), window.run_date())
        .map_err(vigil_store::warehouse::WarehouseError::from)?;
    let tone = ticket_tone(text_sentiment.as_ref())?;
    let table = |n: &str| history.tables.get(n).map(|t| &t.frame);
    let accounts = table("accounts").ok_or_else(|| Error::Internal("accounts not loaded".into()))?;
    let run = ScoringRun {
        run_id: &settings.run_id,
        as_of: window.as_of,
        model_version: &version,
        alert_threshold,
        top_k: settings.top_k,
        tiers: &config.options.tiers,
        drafts,
    };
    let inputs = ScoreInputs {
        features: &features,
        matrix: &x,
        probability: &probability,
        contributions: &contributions,
        accounts,
        previous: previous.as_ref().map(|p| &p.1),
        timeline: Sources {
            tickets: table("tickets"),
            communications: table("communications"),
            nps: table("nps_responses"),
            escalations: table("escalations"),
            ticket_tone: &tone,
        },
        predict: Some(&predict),
    };
    let mut scored = crate::score::score(&run, &inputs)?;
    let staged = settings.staged.clone();
    storage.write_parquet(&staged.join("risk_scores.parquet"), &mut scored.risk_scores)?;
    storage.write_parquet(&staged.join("actions.parquet"), &mut scored.actions)?;
    let drift = match monitoring {
        Some(mut m) => {
            storage.write_parquet(&staged.join("monitoring.parquet"), &mut m.frame)?;
            m.metrics
        }
        None => serde_json::Value::Null,
    };
    // The marker goes last: a staged folder without it is unfinished.
    let run_json = serde_json::json!({
        "run_id": settings.run_id,
        "as_of": window.as_of.to_rfc3339(),
        "model_version": version,
        "shard": settings.shard.map(|s| s.to_string()),
        "accounts": scored.risk_scores.height(),
    });
    storage.write(
        &staged.join(super::shard::RUN_FILE),
        Bytes::from(run_json.to_string()),
    )?;

    let mut stage = StageReport::new("score", started);
    stage.rows_in = features.height() as u64;
    stage.rows_out = scored.risk_scores.height() as u64;
    stage.outputs = vec![staged.to_string()];
    stage.warnings = warnings;
    let tiers = scored.risk_scores.column("tier")?.str()?.clone();
    let mut per_tier: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for t in tiers.iter().flatten() {
        *per_tier.entry(t.to_string()).or_default() += 1;
    }
    let m = &mut stage.metrics;
    m.insert("model_version".into(), version.clone().into());
    m.insert("shard".into(), settings.shard.map(|s| s.to_string()).into());
    m.insert("accounts".into(), features.height().into());
    m.insert("alerts".into(), scored.briefs.len().into());
    m.insert("actions".into(), scored.actions.height().into());
    m.insert("drift".into(), drift);
    m.insert("tiers".into(), serde_json::json!(per_tier));
    m.insert(
        "previous_run_date".into(),
        previous.as_ref().map(|p| p.0.to_string()).into(),
    );
    m.insert(
        "explain_rows_per_second".into(),
        (features.height() as f64 / explain_seconds.max(1e-9))
            .round()
            .into(),
    );
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
            staged,
        },
    ))
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
