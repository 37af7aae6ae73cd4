//! The risk model's input: the labelled snapshot table (vigil's own feature stage, or an
//! external feature table), the columns the model uses, the escalations the backtest
//! measures lead time against, and the CSM verdicts of the `feedback` table.

use crate::config::PipelineConfig;
use crate::contract::{History, load_history};
use crate::risk::feedback::{FeedbackRow, Verdict};
use crate::time::{DAY_US, RunWindow};
use crate::{Error, Result};
use polars::prelude::*;
use vigil_store::storage::{Location, ReadOptions, Storage};

/// An external feature table given to `vigil train --features`.
#[derive(Debug, Clone)]
pub struct ExternalFeatures {
    /// Table location (file or folder; Parquet, CSV or NDJSON).
    pub url: Location,
    /// Label column (boolean or 0/1).
    pub label_col: String,
    /// Snapshot time column (enables the out-of-time split and the lead-time backtest).
    pub time_col: Option<String>,
    /// Entity id column (group split; lead-time backtest).
    pub id_col: Option<String>,
    /// Escalations (`account_id`/id, `opened_at`) for the lead-time backtest.
    pub escalations: Option<Location>,
}

/// Labelled snapshots ready for splitting.
pub struct Labelled {
    /// The frame with every feature column.
    pub frame: DataFrame,
    /// Feature columns, model order.
    pub features: Vec<String>,
    /// Entity id per row (`row <i>` without an id column).
    pub ids: Vec<String>,
    /// Snapshot time per row (µs), when known.
    pub times: Option<Vec<i64>>,
    /// Label per row.
    pub labels: Vec<bool>,
    /// Escalations `(id, opened_at µs)` for the lead-time backtest.
    pub escalations: Vec<(String, i64)>,
    /// The history's `escalations` table (categories, resolutions, interventions), for the
    /// category model and the resolution estimate; `None` with an external feature table.
    pub escalation_table: Option<DataFrame>,
    /// Whether the escalations are known (else the lead-time gate cannot be proven).
    pub has_escalations: bool,
    /// Label horizon in hours.
    pub horizon_hours: u32,
    /// Hours between snapshots.
    pub cadence_hours: u32,
    /// CSM verdicts of the history's `feedback` table (empty for external tables).
    pub feedback: Vec<crate::risk::feedback::FeedbackRow>,
}

/// Columns of vigil's feature table that are not features.
const NOT_FEATURES: [&str; 7] = [
    "account_id",
    "snapshot_at",
    "escalates_within_h",
    "hours_to_next_escalation",
    "next_escalation_category",
    "in_open_escalation",
    "label_complete",
];

/// Builds the labelled snapshots of vigil's own feature stage for the window.
pub fn from_history(
    storage: &Storage,
    config: &PipelineConfig,
    window: RunWindow,
) -> Result<(Labelled, History)> {
    let history = load_history(storage, &config.sources(), &config.taxonomy, window)?;
    crate::pipeline::data::gate(&history, &config.options.validation)?;
    let text_sentiment = crate::pipeline::sentiment::stage::read_output(storage, config, &history.window)?;
    let table = crate::pipeline::features::feature_table(
        config,
        &history,
        crate::pipeline::features::FeatureMode::Train,
        text_sentiment.as_ref(),
    )?;
    Ok((from_table(config, &history, table)?, history))
}

/// Labelled snapshots from vigil's training feature table (rows whose label window is not
/// complete yet are left out) and the history's escalations.
pub fn from_table(config: &PipelineConfig, history: &History, table: DataFrame) -> Result<Labelled> {
    let complete = table
        .column("label_complete")?
        .bool()?
        .fill_null_with_values(false)?;
    let frame = table.filter(&complete)?;
    let names: Vec<String> = crate::features::catalogue()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    let features = choose(
        config,
        names
            .into_iter()
            .filter(|n| !NOT_FEATURES.contains(&n.as_str()))
            .collect(),
    )?;
    let ids = crate::features::frame_strings(&frame, "features", "account_id")?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let times = crate::features::frame_micros(&frame, "features", "snapshot_at")?
        .into_iter()
        .map(|t| t.unwrap_or(i64::MIN))
        .collect();
    let labels = bools(&frame, "escalates_within_h", "the feature table")?;
    let mut escalations = Vec::new();
    if let Some(esc) = history.tables.get("escalations") {
        let a = crate::features::frame_strings(&esc.frame, "escalations", "account_id")?;
        let t = crate::features::frame_micros(&esc.frame, "escalations", "opened_at")?;
        escalations = a.into_iter().zip(t).filter_map(|(a, t)| Some((a?, t?))).collect();
    }
    let o = &config.options.features;
    Ok(Labelled {
        frame,
        features,
        ids,
        times: Some(times),
        labels,
        has_escalations: history.tables.contains_key("escalations"),
        escalation_table: history.tables.get("escalations").map(|t| t.frame.clone()),
        escalations,
        horizon_hours: o.horizon_hours,
        cadence_hours: o.cadence_hours,
        feedback: read_verdicts(history)?,
    })
}

/// Reads an external feature table.
pub fn from_external(storage: &Storage, config: &PipelineConfig, ext: &ExternalFeatures) -> Result<Labelled> {
    let frame = storage.read_table("feature table", &ext.url, &ReadOptions::default())?;
    let what = format!("feature table {}", ext.url);
    let labels = bools(&frame, &ext.label_col, &what)?;
    let ids: Vec<String> = match &ext.id_col {
        Some(c) => string_column(&frame, c, &what)?,
        None => (0..frame.height()).map(|i| format!("row {i}")).collect(),
    };
    let times = match &ext.time_col {
        Some(c) => Some(time_column(&frame, c, &what)?),
        None => None,
    };
    let mut skip: Vec<&str> = vec![ext.label_col.as_str()];
    skip.extend(ext.time_col.as_deref());
    skip.extend(ext.id_col.as_deref());
    let names = frame
        .get_column_names()
        .into_iter()
        .map(|n| n.to_string())
        .filter(|n| !skip.contains(&n.as_str()))
        .collect();
    let features = choose(config, names)?;
    let (mut escalations, mut has_escalations) = (Vec::new(), false);
    if let Some(loc) = &ext.escalations {
        let esc = storage.read_table("escalations", loc, &ReadOptions::default())?;
        let what = format!("escalations table {loc}");
        let id_col = ext.id_col.as_deref().unwrap_or("account_id");
        let id_col = if esc.column(id_col).is_ok() {
            id_col
        } else {
            "account_id"
        };
        let a = string_column(&esc, id_col, &what)?;
        let t = time_column(&esc, "opened_at", &what)?;
        escalations = a.into_iter().zip(t).collect();
        has_escalations = true;
    }
    let o = &config.options.features;
    Ok(Labelled {
        frame,
        features,
        ids,
        times,
        labels,
        escalations,
        escalation_table: None,
        has_escalations,
        horizon_hours: o.horizon_hours,
        cadence_hours: o.cadence_hours,
        feedback: Vec::new(),
    })
}

/// The history's verdicts (empty when it has no `feedback` table).
pub fn read_verdicts(history: &History) -> Result<Vec<FeedbackRow>> {
    let Some(t) = history.tables.get("feedback") else {
        return Ok(Vec::new());
    };
    let accounts = crate::features::frame_strings(&t.frame, "feedback", "account_id")?;
    let dates = crate::features::frame_micros(&t.frame, "feedback", "alert_date")?;
    let verdicts = crate::features::frame_strings(&t.frame, "feedback", "verdict")?;
    let mut out = Vec::with_capacity(accounts.len());
    for (row, ((a, d), v)) in accounts.into_iter().zip(dates).zip(verdicts).enumerate() {
        let (Some(account), Some(day), Some(v)) = (a, d, v) else {
            continue;
        };
        let verdict = Verdict::parse(&v).ok_or_else(|| {
            Error::Risk(crate::risk::RiskError::Data(format!(
                "table feedback, column verdict, row {row}: {v:?} is not one of accurate, false_positive, missed, prevented"
            )))
        })?;
        out.push(FeedbackRow {
            account,
            alert_day_us: day.div_euclid(DAY_US) * DAY_US,
            verdict,
        });
    }
    Ok(out)
}

/// Applies `[risk] features` / `exclude_features`.
fn choose(config: &PipelineConfig, available: Vec<String>) -> Result<Vec<String>> {
    let o = &config.options.risk;
    let chosen: Vec<String> = if o.features.is_empty() {
        available
    } else {
        if let Some(missing) = o.features.iter().find(|f| !available.contains(f)) {
            return Err(Error::Usage(format!(
                "[risk] features names {missing:?}, which the feature table does not have"
            )));
        }
        o.features.clone()
    };
    let chosen: Vec<String> = chosen
        .into_iter()
        .filter(|f| !o.exclude_features.contains(f))
        .collect();
    if chosen.is_empty() {
        return Err(Error::Usage("[risk] leaves no feature for the model".into()));
    }
    Ok(chosen)
}

fn bools(frame: &DataFrame, col: &str, what: &str) -> Result<Vec<bool>> {
    let c = frame.column(col).map_err(|_| missing(col, what))?;
    let as_f = c
        .cast(&DataType::Float64)
        .map_err(|e| bad(col, what, &e.to_string()))?;
    let mut out = Vec::with_capacity(c.len());
    for (i, v) in as_f.f64()?.iter().enumerate() {
        match v {
            Some(0.0) => out.push(false),
            Some(1.0) => out.push(true),
            other => {
                let value = other.map_or("null".to_string(), |x| x.to_string());
                return Err(bad(
                    col,
                    what,
                    &format!("row {i} has label {value}; labels must be 0/1 or true/false"),
                ));
            }
        }
    }
    Ok(out)
}

fn string_column(frame: &DataFrame, col: &str, what: &str) -> Result<Vec<String>> {
    let c = frame.column(col).map_err(|_| missing(col, what))?;
    let s = c
        .cast(&DataType::String)
        .map_err(|e| bad(col, what, &e.to_string()))?;
    let mut out = Vec::with_capacity(s.len());
    for (i, v) in s.str()?.iter().enumerate() {
        out.push(
            v.map(str::to_string)
                .ok_or_else(|| bad(col, what, &format!("row {i} is null")))?,
        );
    }
    Ok(out)
}

fn time_column(frame: &DataFrame, col: &str, what: &str) -> Result<Vec<i64>> {
    let c = frame.column(col).map_err(|_| missing(col, what))?;
    let parsed = match c.dtype() {
        DataType::String => c
            .str()?
            .as_datetime(
                None,
                TimeUnit::Microseconds,
                false,
                false,
                None,
                &StringChunked::from_iter([Some("raise")]),
            )
            .map(|d| d.into_column())
            .map_err(|e| bad(col, what, &format!("not a timestamp: {e}")))?,
        _ => c.clone(),
    };
    let cast = parsed
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .and_then(|d| d.cast(&DataType::Int64))
        .map_err(|e| bad(col, what, &format!("not a timestamp: {e}")))?;
    let mut out = Vec::with_capacity(cast.len());
    for (i, v) in cast.i64()?.iter().enumerate() {
        out.push(v.ok_or_else(|| bad(col, what, &format!("row {i} has no time")))?);
    }
    Ok(out)
}

fn missing(col: &str, what: &str) -> Error {
    Error::Risk(crate::risk::RiskError::MissingColumn {
        column: col.to_string(),
        context: what.to_string(),
    })
}

fn bad(col: &str, what: &str, reason: &str) -> Error {
    Error::Risk(crate::risk::RiskError::Data(format!(
        "{what}, column {col:?}: {reason}"
    )))
}
