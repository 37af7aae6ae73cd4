//! Past escalations joined to the feature snapshot taken just before each opened.

use super::{ResolutionError, rfc3339};
use crate::features::{FeatureError, catalogue, frame_micros, frame_strings};
use crate::risk::matrix::{FromFrame, LearnSchema};
use crate::time::{HOUR_US, units::days};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use vigil_gbdt::{FeatureSchema, Matrix};

/// The oldest snapshot (hours before `opened_at`) that may describe an escalation. The
/// risk model alerts 24–72 h ahead, so a snapshot up to 72 h old is exactly the state a
/// scorer saw when it alerted; with the 24 h cadence the latest snapshot is normally under
/// 24 h old, and one older than 72 h (an account absent from the grid, or inside an earlier
/// escalation that training snapshots leave out) no longer describes the run-up.
pub const MAX_SNAPSHOT_AGE_HOURS: i64 = 72;

/// One past escalation with the account's state before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Escalation id.
    pub escalation_id: String,
    /// Account id.
    pub account_id: String,
    /// Opened, µs since the epoch (UTC).
    pub opened_at: i64,
    /// The snapshot the features come from, µs (strictly before `opened_at`).
    pub snapshot_at: i64,
    /// Resolved, µs (`None` while unresolved).
    pub resolved_at: Option<i64>,
    /// Category as recorded (an unknown category is kept as its own class).
    pub category: String,
    /// Days from opened to resolved (`None` while unresolved).
    pub resolution_days: Option<f64>,
    /// Interventions, in the recorded order (empty when none were recorded).
    pub interventions: Vec<String>,
    /// Feature values in schema order: numbers, categorical level indices, NaN missing.
    #[serde(with = "crate::score::nan_json::vec")]
    pub features: Vec<f64>,
}

/// The cases of a history and the feature schema their vectors follow.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseTable {
    /// Features of every case vector (learned from the feature table).
    pub schema: FeatureSchema,
    /// One per escalation that has a snapshot, in the escalations table's order.
    pub cases: Vec<Case>,
    /// Escalations without a snapshot in the look-back (left out).
    pub without_snapshot: Vec<String>,
}

/// The documented features that describe an account: the catalogue less the data-freshness
/// family (`*_staleness_hours` measure the feeds, the same for every account at one time).
pub fn default_features() -> Vec<&'static str> {
    catalogue()
        .into_iter()
        .map(|s| s.name)
        .filter(|n| !n.ends_with("_staleness_hours"))
        .collect()
}

/// [`cases_within`] with the [`MAX_SNAPSHOT_AGE_HOURS`] look-back.
pub fn cases(
    features: &DataFrame,
    escalations: &DataFrame,
    feature_names: &[&str],
) -> Result<CaseTable, ResolutionError> {
    cases_within(features, escalations, feature_names, MAX_SNAPSHOT_AGE_HOURS)
}

/// For each escalation, the account's latest snapshot strictly before `opened_at` and at
/// most `max_age_hours` older, encoded with a feature schema learned from `features`
/// (one row per `account_id`, `snapshot_at`). Escalations without one are listed in
/// [`CaseTable::without_snapshot`]; a null id, account, time or category, or a
/// `resolved_at` before `opened_at`, is an error naming the row.
pub fn cases_within(
    features: &DataFrame,
    escalations: &DataFrame,
    feature_names: &[&str],
    max_age_hours: i64,
) -> Result<CaseTable, ResolutionError> {
    let names: Vec<String> = feature_names.iter().map(|s| s.to_string()).collect();
    let schema = FeatureSchema::learn(features, &names)?;
    let matrix = Matrix::from_frame(features, &schema, "the feature table")?;
    let snapshots = snapshot_index(features)?;
    let max_age = max_age_hours.max(0) * HOUR_US;
    let esc = EscalationColumns::read(escalations)?;
    let mut cases = Vec::new();
    let mut without_snapshot = Vec::new();
    for row in 0..escalations.height() {
        let id = required(&esc.ids, row, "escalation_id")?;
        let account = required(&esc.accounts, row, "account_id")?;
        let opened_at = esc.opened[row].ok_or_else(|| null_value(row, "opened_at"))?;
        let category = required(&esc.categories, row, "category")?;
        let resolved_at = esc.resolved[row];
        if let Some(r) = resolved_at.filter(|&r| r < opened_at) {
            return Err(ResolutionError::ResolvedBeforeOpened {
                escalation_id: id.to_string(),
                row,
                opened_at: rfc3339(opened_at),
                resolved_at: rfc3339(r),
            });
        }
        let found = snapshots.get(account).and_then(|snaps| {
            let before = snaps.partition_point(|&(at, _)| at < opened_at);
            before
                .checked_sub(1)
                .map(|i| snaps[i])
                .filter(|&(at, _)| opened_at - at <= max_age)
        });
        let Some((snapshot_at, frame_row)) = found else {
            without_snapshot.push(id.to_string());
            continue;
        };
        let interventions = esc.interventions.as_ref().and_then(|v| v[row].as_deref());
        cases.push(Case {
            escalation_id: id.to_string(),
            account_id: account.to_string(),
            opened_at,
            snapshot_at,
            resolved_at,
            category: category.to_string(),
            resolution_days: resolved_at.map(|r| days(r - opened_at)),
            interventions: split_interventions(interventions),
            features: matrix.columns.iter().map(|c| f64::from(c[frame_row])).collect(),
        });
    }
    Ok(CaseTable {
        schema,
        cases,
        without_snapshot,
    })
}

/// Row-major feature rows of a matrix (schema order, NaN missing): what
/// [`super::ResolutionIndex::estimate`] and [`crate::score::category::CategoryModel::predict`]
/// take. Encode a scoring frame with `Matrix::from_frame(frame, &model.schema, …)` first.
pub fn rows(matrix: &Matrix) -> Vec<Vec<f64>> {
    (0..matrix.rows)
        .map(|r| matrix.columns.iter().map(|c| f64::from(c[r])).collect())
        .collect()
}

/// Encodes a feature frame (e.g. the scoring table) with a fitted model's schema
/// ([`super::ResolutionIndex::schema`], [`crate::score::category::CategoryModel::schema`]):
/// one row per frame row. `context` names the frame in errors.
pub fn encode(
    frame: &DataFrame,
    schema: &FeatureSchema,
    context: &str,
) -> Result<Vec<Vec<f64>>, ResolutionError> {
    Ok(rows(&Matrix::from_frame(frame, schema, context)?))
}

/// `"a;b; c"` → `["a", "b", "c"]` (empty parts dropped).
fn split_interventions(raw: Option<&str>) -> Vec<String> {
    raw.map(|s| {
        s.split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// Per account, its snapshots `(snapshot_at, frame row)` sorted by time.
fn snapshot_index(features: &DataFrame) -> Result<HashMap<String, Vec<(i64, usize)>>, ResolutionError> {
    let accounts = frame_strings(features, "features", "account_id").map_err(column_error)?;
    let times = frame_micros(features, "features", "snapshot_at").map_err(column_error)?;
    let mut index: HashMap<String, Vec<(i64, usize)>> = HashMap::new();
    for (row, (account, at)) in accounts.into_iter().zip(times).enumerate() {
        let (Some(account), Some(at)) = (account, at) else {
            return Err(ResolutionError::Value {
                table: "features".into(),
                column: "account_id, snapshot_at".into(),
                row,
                value: "null".into(),
                reason: "must not be null".into(),
            });
        };
        index.entry(account).or_default().push((at, row));
    }
    for snaps in index.values_mut() {
        snaps.sort_unstable();
    }
    Ok(index)
}

/// The escalation columns this module reads.
struct EscalationColumns {
    ids: Vec<Option<String>>,
    accounts: Vec<Option<String>>,
    opened: Vec<Option<i64>>,
    categories: Vec<Option<String>>,
    resolved: Vec<Option<i64>>,
    interventions: Option<Vec<Option<String>>>,
}

impl EscalationColumns {
    fn read(df: &DataFrame) -> Result<Self, ResolutionError> {
        let t = "escalations";
        let n = df.height();
        let resolved = if df.schema().contains("resolved_at") {
            frame_micros(df, t, "resolved_at").map_err(column_error)?
        } else {
            vec![None; n]
        };
        let interventions = if df.schema().contains("interventions") {
            Some(frame_strings(df, t, "interventions").map_err(column_error)?)
        } else {
            None
        };
        Ok(Self {
            ids: frame_strings(df, t, "escalation_id").map_err(column_error)?,
            accounts: frame_strings(df, t, "account_id").map_err(column_error)?,
            opened: frame_micros(df, t, "opened_at").map_err(column_error)?,
            categories: frame_strings(df, t, "category").map_err(column_error)?,
            resolved,
            interventions,
        })
    }
}

fn required<'a>(values: &'a [Option<String>], row: usize, column: &str) -> Result<&'a str, ResolutionError> {
    values[row].as_deref().ok_or_else(|| null_value(row, column))
}

fn null_value(row: usize, column: &str) -> ResolutionError {
    ResolutionError::Value {
        table: "escalations".into(),
        column: column.into(),
        row,
        value: "null".into(),
        reason: "is required".into(),
    }
}

fn column_error(e: FeatureError) -> ResolutionError {
    match e {
        FeatureError::Column {
            table,
            column,
            reason,
        } => ResolutionError::Column {
            table: table.into(),
            column: column.into(),
            reason,
        },
        other => ResolutionError::Data(other.to_string()),
    }
}
