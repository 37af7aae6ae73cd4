//! Batch scoring: turns a champion model's probabilities into what a CS team acts on —
//! explained factors, narratives, tiers, routed actions with drafted text, a predicted
//! escalation category and a resolution-time estimate from similar past cases; and drift
//! monitoring of the scored population against the model's training reference ([`drift`]).
//!
//! Pure: data frames and model outputs in, data frames out; the pipeline does the I/O.

pub mod brief;
pub mod category;
pub mod columns;
pub mod context;
pub mod drafts;
pub mod drift;
pub mod factors;
pub mod nan_json;
pub mod resolution;
pub mod resolution_backtest;
pub mod routing;
pub mod tiers;

use crate::contract::columns::{ColumnError, opt_floats, opt_strings};
use crate::features::{FeatureError, facts_all, frame_strings};
use crate::score::tiers::TiersOptions;
use brief::{AccountBrief, ResolutionEstimate};
use chrono::{DateTime, Utc};
use columns::{FeatureContribution, read_contributions};
use context::{Sources, Timelines, timelines};
use drafts::{DraftError, Drafts};
use factors::{Contribution, MIN_CONTRIBUTION, narrative, ranked_facts, top_factors, what_changed};
use polars::prelude::*;
use routing::Action;
use std::collections::{HashMap, HashSet};
use vigil_gbdt::{ColumnKind, Contributions, Matrix};

/// Errors of the scoring stage.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// A feature or history column could not be read.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// Drafting an action's text failed.
    #[error(transparent)]
    Draft(#[from] DraftError),
    /// A frame operation failed.
    #[error("scoring: {0}")]
    Polars(#[from] PolarsError),
    /// The category model or resolution index failed.
    #[error(transparent)]
    Resolution(#[from] resolution::ResolutionError),
    /// Inputs that do not line up (a bug in the caller).
    #[error("scoring: {0}")]
    Mismatch(String),
}

impl From<ColumnError> for ScoreError {
    fn from(e: ColumnError) -> Self {
        ScoreError::Features(e.into())
    }
}

/// Facts shown in a narrative at most.
pub const NARRATIVE_FACTS: usize = 4;
/// Moves listed under "what changed" at most.
pub const CHANGES: usize = 3;

/// Settings of one scoring run.
pub struct ScoringRun<'a> {
    /// Run id (written to every row).
    pub run_id: &'a str,
    /// The scoring moment.
    pub as_of: DateTime<Utc>,
    /// Model version that scored.
    pub model_version: &'a str,
    /// Alert when the risk score is at or above this.
    pub alert_threshold: u32,
    /// Factors per account.
    pub top_k: usize,
    /// Tiers and routing.
    pub tiers: &'a TiersOptions,
    /// Loaded, validated draft templates.
    pub drafts: &'a Drafts,
}

/// Category and resolution estimate of one scored row (alerted accounts only).
#[derive(Debug, Clone, Default)]
pub struct Prediction {
    /// Predicted escalation category and its probability.
    pub category: Option<(String, f64)>,
    /// Resolution estimate from similar past cases.
    pub resolution: Option<ResolutionEstimate>,
}

/// What the model and the history say about the accounts being scored.
pub struct ScoreInputs<'a> {
    /// The score-mode feature table (one row per active account).
    pub features: &'a DataFrame,
    /// The same rows encoded with the model's schema.
    pub matrix: &'a Matrix,
    /// Calibrated probability per row.
    pub probability: &'a [f64],
    /// SHAP contributions per row.
    pub contributions: &'a Contributions,
    /// The `accounts` input table.
    pub accounts: &'a DataFrame,
    /// The previous run's `risk_scores` partition, when there is one.
    pub previous: Option<&'a DataFrame>,
    /// Tables the briefs' timelines come from.
    pub timeline: Sources<'a>,
    /// Category and resolution estimate for a row (called for alerted rows).
    pub predict: Option<&'a (dyn Fn(usize) -> Prediction + Sync)>,
}

/// The scoring stage's outputs.
#[derive(Debug)]
pub struct Scored {
    /// `risk_scores` (without `run_date`, which the publisher adds).
    pub risk_scores: DataFrame,
    /// `actions` (without `run_date`).
    pub actions: DataFrame,
    /// Briefs of the alerted accounts, riskiest first.
    pub briefs: Vec<AccountBrief>,
}

/// `round(100 × probability)`, clamped to 0–100.
pub fn risk_score(probability: f64) -> u32 {
    (probability * 100.0).round().clamp(0.0, 100.0) as u32
}

/// Per-row contributions with values and level names, in schema order.
fn contribution_rows<'a>(x: &'a Matrix, c: &Contributions) -> Vec<Vec<Contribution<'a>>> {
    (0..x.rows)
        .map(|r| {
            x.schema
                .columns
                .iter()
                .enumerate()
                .map(|(j, col)| {
                    let raw = x.columns[j][r];
                    let value = (!raw.is_nan()).then_some(f64::from(raw));
                    let level = match &col.kind {
                        ColumnKind::Categorical { levels } => {
                            value.and_then(|v| levels.get(v as usize)).map(String::as_str)
                        }
                        ColumnKind::Numeric => None,
                    };
                    Contribution {
                        feature: col.name.as_str(),
                        value,
                        level,
                        contribution: c.values[r][j],
                    }
                })
                .collect()
        })
        .collect()
}

/// Previous run's score and contributions per account.
type Previous = HashMap<String, (Option<u32>, Vec<FeatureContribution>)>;

fn previous_scores(previous: Option<&DataFrame>) -> Result<Previous, ScoreError> {
    let Some(p) = previous else {
        return Ok(HashMap::new());
    };
    let ids = frame_strings(p, "risk_scores", "account_id")?;
    let scores = p.column("risk_score")?.cast(&DataType::Int64)?;
    let scores = scores.i64()?;
    let contribs = match p.column("contributions") {
        Ok(c) => read_contributions(c)?,
        Err(_) => vec![Vec::new(); p.height()],
    };
    Ok(ids
        .into_iter()
        .zip(scores.iter())
        .zip(contribs)
        .filter_map(|((id, s), c)| Some((id?, (s.map(|s| s.clamp(0, 100) as u32), c))))
        .collect())
}

/// Scores every row: factors, narrative, tier, what changed, category and resolution
/// estimate, routed actions with drafts.
pub fn score(run: &ScoringRun<'_>, inp: &ScoreInputs<'_>) -> Result<Scored, ScoreError> {
    check_row_counts(inp)?;
    let rows = contribution_rows(inp.matrix, inp.contributions);
    let sources = BriefSources::read(run, inp)?;
    let mut briefs = (0..rows.len())
        .map(|r| sources.brief(run, inp, &rows[r], r))
        .collect::<Result<Vec<_>, _>>()?;
    add_timelines(&mut briefs, inp, run)?;
    let actions = routed_actions(run, &briefs)?;
    let risk_scores = risk_scores_frame(run, &briefs, &stored_contributions(&rows))?;
    let actions = routing::actions_frame(&actions)?;
    Ok(Scored {
        risk_scores,
        actions,
        briefs: alerted_riskiest_first(briefs),
    })
}

/// The feature rows, their encoding, probabilities and explanations must line up.
fn check_row_counts(inp: &ScoreInputs<'_>) -> Result<(), ScoreError> {
    let n = inp.features.height();
    if inp.matrix.rows != n || inp.probability.len() != n || inp.contributions.values.len() != n {
        return Err(ScoreError::Mismatch(format!(
            "{n} feature rows, {} encoded, {} probabilities, {} explanations",
            inp.matrix.rows,
            inp.probability.len(),
            inp.contributions.values.len()
        )));
    }
    Ok(())
}

/// What the briefs read besides the model's outputs: feature columns, facts, the previous
/// run and the `accounts` table, read once for all rows.
struct BriefSources {
    ids: Vec<Option<String>>,
    facts: Vec<Vec<crate::features::Fact>>,
    previous: Previous,
    account: AccountTable,
    arr: Vec<Option<f64>>,
    renewal: Vec<Option<f64>>,
    tenure: Vec<Option<f64>>,
    plan: Vec<Option<String>>,
    as_of: String,
}

impl BriefSources {
    fn read(run: &ScoringRun<'_>, inp: &ScoreInputs<'_>) -> Result<Self, ScoreError> {
        Ok(Self {
            ids: frame_strings(inp.features, "features", "account_id")?,
            facts: facts_all(inp.features)?,
            previous: previous_scores(inp.previous)?,
            account: AccountTable::read(inp.accounts)?,
            arr: opt_floats(inp.features, "features", "arr")?,
            renewal: opt_floats(inp.features, "features", "days_to_renewal")?,
            tenure: opt_floats(inp.features, "features", "tenure_days")?,
            plan: opt_strings(inp.features, "features", "plan")?,
            as_of: run.as_of.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
    }

    /// The brief of feature row `r` (`row` are its contributions), without timelines.
    fn brief(
        &self,
        run: &ScoringRun<'_>,
        inp: &ScoreInputs<'_>,
        row: &[Contribution<'_>],
        r: usize,
    ) -> Result<AccountBrief, ScoreError> {
        let id = self.ids[r]
            .clone()
            .ok_or_else(|| ScoreError::Mismatch(format!("feature row {r} has no account_id")))?;
        let info = self.account.get(&id);
        let probability = inp.probability[r];
        let score = risk_score(probability);
        let alert = score >= run.alert_threshold;
        let tier = routing::tier_name(routing::tier(score, alert, run.tiers)).to_string();
        let ranked = ranked_facts(&self.facts[r], row, NARRATIVE_FACTS);
        let arr_now = self.arr[r].or(info.and_then(|i| i.arr));
        let (score_delta, changed) = self.changes(&id, score, row);
        let prediction = match (alert, inp.predict) {
            (true, Some(p)) => p(r),
            _ => Prediction::default(),
        };
        Ok(AccountBrief {
            account_id: id,
            name: info.and_then(|i| i.name.clone()).unwrap_or_default(),
            segment: info.and_then(|i| i.segment.clone()),
            industry: info.and_then(|i| i.industry.clone()),
            plan: self.plan[r].clone().or_else(|| info.and_then(|i| i.plan.clone())),
            csm_owner: info.and_then(|i| i.csm_owner.clone()),
            csm_email: info.and_then(|i| i.csm_email.clone()),
            arr: arr_now,
            days_to_renewal: self.renewal[r].map(|d| d.ceil() as i64),
            tenure_days: self.tenure[r].map(|d| d.floor() as i64),
            as_of: self.as_of.clone(),
            probability,
            risk_score: score,
            tier,
            alert,
            revenue_at_risk: arr_now.map(|a| (a * probability * 100.0).round() / 100.0),
            factors: top_factors(row, &self.facts[r], run.top_k),
            narrative: narrative(&ranked, score),
            facts: ranked,
            score_delta,
            what_changed: changed,
            recent_tickets: Vec::new(),
            recent_interactions: Vec::new(),
            past_escalations: Vec::new(),
            predicted_category: prediction.category.as_ref().map(|c| c.0.clone()),
            category_probability: prediction.category.as_ref().map(|c| c.1),
            resolution: prediction.resolution,
        })
    }

    /// The score's move since the previous run and the contributions that moved most
    /// (none without a previous score).
    fn changes(&self, id: &str, score: u32, row: &[Contribution<'_>]) -> (Option<i64>, Vec<String>) {
        match self.previous.get(id) {
            Some((prev, contribs)) => (
                prev.map(|p| i64::from(score) - i64::from(p)),
                what_changed(row, contribs, CHANGES),
            ),
            None => (None, Vec::new()),
        }
    }
}

/// The actions of every account that reaches a routing tier, in brief order.
fn routed_actions(run: &ScoringRun<'_>, briefs: &[AccountBrief]) -> Result<Vec<Action>, ScoreError> {
    let mut actions: Vec<Action> = Vec::new();
    for b in briefs {
        if let Some(level) = routing::tier(b.risk_score, b.alert, run.tiers) {
            actions.extend(routing::actions(b, level, run.as_of, run.drafts)?);
        }
    }
    Ok(actions)
}

/// The contributions stored with each row: those of at least [`MIN_CONTRIBUTION`], with
/// the value only for numeric features.
fn stored_contributions(rows: &[Vec<Contribution<'_>>]) -> Vec<Vec<FeatureContribution>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .filter(|c| c.contribution.abs() >= MIN_CONTRIBUTION)
                .map(|c| {
                    (
                        c.feature.to_string(),
                        if c.level.is_some() { None } else { c.value },
                        c.contribution,
                    )
                })
                .collect()
        })
        .collect()
}

/// The alerted accounts' briefs, riskiest first (ties by account id).
fn alerted_riskiest_first(briefs: Vec<AccountBrief>) -> Vec<AccountBrief> {
    let mut alerted: Vec<AccountBrief> = briefs.into_iter().filter(|b| b.alert).collect();
    alerted.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.account_id.cmp(&b.account_id))
    });
    alerted
}

/// Fills the timelines of the accounts that get a brief (alerted ones).
fn add_timelines(
    briefs: &mut [AccountBrief],
    inp: &ScoreInputs<'_>,
    run: &ScoringRun<'_>,
) -> Result<(), ScoreError> {
    let wanted: HashSet<&str> = briefs
        .iter()
        .filter(|b| b.alert)
        .map(|b| b.account_id.as_str())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let Timelines {
        mut tickets,
        mut interactions,
        mut escalations,
    } = timelines(&inp.timeline, &wanted, run.as_of.timestamp_micros())?;
    for b in briefs.iter_mut().filter(|b| b.alert) {
        b.recent_tickets = tickets.remove(&b.account_id).unwrap_or_default();
        b.recent_interactions = interactions.remove(&b.account_id).unwrap_or_default();
        b.past_escalations = escalations.remove(&b.account_id).unwrap_or_default();
    }
    Ok(())
}

/// The `accounts` columns a brief shows, by account id.
struct AccountTable {
    rows: HashMap<String, AccountInfo>,
}

struct AccountInfo {
    name: Option<String>,
    segment: Option<String>,
    industry: Option<String>,
    plan: Option<String>,
    csm_owner: Option<String>,
    csm_email: Option<String>,
    arr: Option<f64>,
}

impl AccountTable {
    fn read(df: &DataFrame) -> Result<Self, ScoreError> {
        let ids = frame_strings(df, "accounts", "account_id")?;
        let name = opt_strings(df, "accounts", "name")?;
        let segment = opt_strings(df, "accounts", "segment")?;
        let industry = opt_strings(df, "accounts", "industry")?;
        let plan = opt_strings(df, "accounts", "plan")?;
        let owner = opt_strings(df, "accounts", "csm_owner")?;
        let email = opt_strings(df, "accounts", "csm_email")?;
        let arr = opt_floats(df, "accounts", "arr")?;
        let mut rows = HashMap::with_capacity(ids.len());
        for (r, id) in ids.into_iter().enumerate() {
            let Some(id) = id else { continue };
            rows.insert(
                id,
                AccountInfo {
                    name: name[r].clone(),
                    segment: segment[r].clone(),
                    industry: industry[r].clone(),
                    plan: plan[r].clone(),
                    csm_owner: owner[r].clone(),
                    csm_email: email[r].clone(),
                    arr: arr[r],
                },
            );
        }
        Ok(Self { rows })
    }

    fn get(&self, id: &str) -> Option<&AccountInfo> {
        self.rows.get(id)
    }
}

/// The `risk_scores` frame: one row per brief, in brief order.
fn risk_scores_frame(
    run: &ScoringRun<'_>,
    briefs: &[AccountBrief],
    contributions: &[Vec<FeatureContribution>],
) -> Result<DataFrame, ScoreError> {
    let n = briefs.len();
    let as_of = crate::features::timestamp_column("as_of", vec![run.as_of.timestamp_micros(); n])?.cast(
        &DataType::Datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC)),
    )?;
    let mut cols = vec![Column::new("run_id".into(), vec![run.run_id; n]), as_of];
    cols.extend(assessment_columns(briefs)?);
    cols.extend(prediction_columns(briefs)?);
    cols.push(columns::contributions("contributions", contributions)?);
    cols.push(Column::new("model_version".into(), vec![run.model_version; n]));
    Ok(DataFrame::new(n, cols)?)
}

/// A text column of the briefs.
fn text_column(briefs: &[AccountBrief], name: &str, f: impl Fn(&AccountBrief) -> Option<&str>) -> Column {
    Column::new(name.into(), briefs.iter().map(f).collect::<Vec<_>>())
}

/// `account_id` … `what_changed`: who the account is and what the model says about it.
fn assessment_columns(briefs: &[AccountBrief]) -> Result<Vec<Column>, ScoreError> {
    Ok(vec![
        text_column(briefs, "account_id", |b| Some(b.account_id.as_str())),
        text_column(briefs, "name", |b| Some(b.name.as_str())),
        text_column(briefs, "segment", |b| b.segment.as_deref()),
        text_column(briefs, "csm_owner", |b| b.csm_owner.as_deref()),
        Column::new("arr".into(), briefs.iter().map(|b| b.arr).collect::<Vec<_>>()),
        Column::new(
            "probability".into(),
            briefs.iter().map(|b| b.probability).collect::<Vec<_>>(),
        ),
        Column::new(
            "risk_score".into(),
            briefs.iter().map(|b| b.risk_score as i32).collect::<Vec<_>>(),
        ),
        text_column(briefs, "tier", |b| Some(b.tier.as_str())),
        Column::new("alert".into(), briefs.iter().map(|b| b.alert).collect::<Vec<_>>()),
        Column::new(
            "revenue_at_risk".into(),
            briefs.iter().map(|b| b.revenue_at_risk).collect::<Vec<_>>(),
        ),
        columns::factors(
            "top_factors",
            &briefs.iter().map(|b| b.factors.clone()).collect::<Vec<_>>(),
        )?,
        text_column(briefs, "narrative", |b| Some(b.narrative.as_str())),
        Column::new(
            "score_delta".into(),
            briefs.iter().map(|b| b.score_delta).collect::<Vec<_>>(),
        ),
        columns::strings(
            "what_changed",
            &briefs.iter().map(|b| b.what_changed.clone()).collect::<Vec<_>>(),
        ),
    ])
}

/// `predicted_category` … `similar_cases`: the category and resolution predictions.
fn prediction_columns(briefs: &[AccountBrief]) -> Result<Vec<Column>, ScoreError> {
    let resolution = |name: &str, f: fn(&ResolutionEstimate) -> f64| {
        Column::new(
            name.into(),
            briefs
                .iter()
                .map(|b| b.resolution.as_ref().map(f))
                .collect::<Vec<_>>(),
        )
    };
    let resolution_text = |name: &str, f: fn(&ResolutionEstimate) -> &str| {
        text_column(briefs, name, move |b| b.resolution.as_ref().map(f))
    };
    Ok(vec![
        text_column(briefs, "predicted_category", |b| b.predicted_category.as_deref()),
        Column::new(
            "category_probability".into(),
            briefs.iter().map(|b| b.category_probability).collect::<Vec<_>>(),
        ),
        resolution("predicted_resolution_days", |r| r.predicted_days),
        resolution_text("resolution_method", |r| r.method.as_str()),
        resolution("similar_cases_mean_days", |r| r.mean_days),
        resolution("resolution_spread_days", |r| r.spread_days),
        resolution_text("resolution_summary", |r| r.summary.as_str()),
        columns::similar_cases(
            "similar_cases",
            &briefs
                .iter()
                .map(|b| b.resolution.as_ref().map(|r| r.cases.clone()).unwrap_or_default())
                .collect::<Vec<_>>(),
        )?,
    ])
}
