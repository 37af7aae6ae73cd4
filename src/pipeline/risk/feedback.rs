//! CSM feedback: the `feedback` table's verdicts (read with the risk input,
//! [`super::input::read_verdicts`]) for retraining, and the `feedback_summary`
//! table — feedback-based precision of the published alerts by month and tier.
//!
//! `feedback_summary` is written by `vigil run` (when `[risk.feedback] enabled`) after
//! scoring, with one `replace_partition` commit at `<warehouse>/feedback_summary`,
//! partition `run_date`: every verdict of the history window joined to the published
//! `risk_scores` row of its account on `run_date = alert_date`. A verdict whose alert was
//! never published under this warehouse counts under tier `unpublished`.

use super::input::{Labelled, read_verdicts};
use crate::Result;
use crate::config::PipelineConfig;
use crate::contract::History;
use crate::pipeline::runtime::StageReport;
use crate::risk::backtest::{AtThreshold, BacktestReport};
use crate::risk::feedback::{Adjustment, FeedbackParams, Verdict, plan};
use crate::risk::params::RiskOptions;
use crate::time::RunWindow;
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::WarehouseError;
use vigil_store::warehouse::delta::{self, CommitContext};

/// Plans the verdicts of `data.feedback` on the training rows (relabelling `data.labels` of
/// missed escalations' lead windows). Without snapshot times nothing matches.
pub fn plan_training(data: &mut Labelled, training: &[usize], opts: &RiskOptions) -> Adjustment {
    let f = &opts.feedback;
    let params = FeedbackParams {
        // Relative to an ordinary training row of the same class after down-sampling.
        false_positive_weight: (f.false_positive_weight / opts.negative_sample_rate.clamp(1e-6, 1.0)) as f32,
        missed_weight: (f.missed_weight * opts.positive_weight) as f32,
        lead_max_hours: opts.lead_max_hours,
        lead_min_hours: opts.lead_min_hours,
    };
    match &data.times {
        Some(times) => plan(
            &data.ids,
            times,
            &mut data.labels,
            training,
            &data.escalations,
            &data.feedback,
            &params,
        ),
        None => {
            let mut adj = Adjustment::default();
            adj.stats.rows_read = data.feedback.len();
            adj.stats.unmatched = data.feedback.len();
            adj
        }
    }
}

/// The training summary's `feedback` entry: what the verdicts changed, and the alert
/// threshold before and after re-tuning (`tuned`: the new threshold and the results at the
/// configured one).
pub fn describe(
    adj: &Adjustment,
    tuned: Option<&(u32, AtThreshold)>,
    report: &BacktestReport,
    opts: &RiskOptions,
) -> serde_json::Value {
    let s = &adj.stats;
    let mut why = format!(
        "{} verdicts read, {} matched training snapshots ({} unmatched); {} snapshots confirmed negative (weight ×{}), {} relabelled and {} re-weighted positive before missed escalations (weight ×{}), {} prevented negatives left out, {} false_positive verdicts conflict with an escalation in the history (history kept)",
        s.rows_read,
        s.matched,
        s.unmatched,
        s.negatives_confirmed,
        opts.feedback.false_positive_weight,
        s.relabelled_positive,
        s.positives_reweighted,
        opts.feedback.missed_weight,
        s.prevented_excluded,
        s.conflicting,
    );
    let threshold = match tuned {
        Some((t, before)) => {
            why.push_str(&format!(
                "; alert threshold {} → {t}: the highest whose 24–72 h validation recall reaches {} (recall {:.3} → {:.3}, precision {:.3} → {:.3})",
                before.threshold,
                opts.min_recall,
                before.recall,
                report.at_alert_threshold.recall,
                before.precision,
                report.at_alert_threshold.precision,
            ));
            serde_json::json!({
                "before": before.threshold, "after": t,
                "recall_before": before.recall, "recall_after": report.at_alert_threshold.recall,
                "precision_before": before.precision, "precision_after": report.at_alert_threshold.precision,
            })
        }
        None => {
            why.push_str(&format!(
                "; alert threshold kept at {} ({})",
                report.at_alert_threshold.threshold,
                if !opts.feedback.retune_threshold {
                    "re-tuning is off"
                } else if opts.min_recall <= 0.0 {
                    "min_recall is 0: no recall target to tune to"
                } else {
                    "no threshold reaches the recall target"
                }
            ));
            serde_json::Value::Null
        }
    };
    serde_json::json!({
        "stats": s,
        "alert_threshold": threshold,
        "summary": why,
    })
}

/// Counts of one (month, tier) cell.
#[derive(Default)]
struct Cell {
    counts: [u32; 4],
}

fn slot(v: Verdict) -> usize {
    match v {
        Verdict::Accurate => 0,
        Verdict::FalsePositive => 1,
        Verdict::Missed => 2,
        Verdict::Prevented => 3,
    }
}

/// Builds and writes the `feedback_summary` partition of the run date.
pub fn write_summary(
    storage: &Storage,
    config: &PipelineConfig,
    history: &History,
    window: &RunWindow,
    run_id: &str,
) -> Result<StageReport> {
    let started = Instant::now();
    let verdicts = read_verdicts(history)?;
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let scores = warehouse.join("risk_scores");
    let published = delta::partitions(storage, &scores).map_err(WarehouseError::from)?;
    let mut tiers: HashMap<NaiveDate, HashMap<String, String>> = HashMap::new();
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut joined = 0u64;
    for f in &verdicts {
        let Some(date) = crate::time::units::instant(f.alert_day_us).map(|t| t.date_naive()) else {
            continue;
        };
        if !tiers.contains_key(&date) && published.binary_search(&date).is_ok() {
            let frame = delta::read_partition(storage, &scores, date)
                .map_err(WarehouseError::from)?
                .unwrap_or_default();
            tiers.insert(date, tier_map(&frame)?);
        }
        let tier = match tiers.get(&date).and_then(|m| m.get(&f.account)) {
            Some(tier) => {
                joined += 1;
                tier.clone()
            }
            None => "unpublished".to_string(),
        };
        let month = format!("{:04}-{:02}", date.year(), date.month());
        cells.entry((month, tier)).or_default().counts[slot(f.verdict)] += 1;
    }
    let frame = summary_frame(&cells)?;
    let table = warehouse.join("feedback_summary");
    let commit = delta::replace_partition(
        storage,
        &table,
        window.run_date(),
        &frame,
        &CommitContext::new(run_id),
    )
    .map_err(WarehouseError::from)?;
    let mut stage = StageReport::new("feedback_summary", started);
    stage.rows_in = verdicts.len() as u64;
    stage.rows_out = frame.height() as u64;
    stage.outputs = vec![table.to_string()];
    stage.record(&FeedbackSummaryMetrics {
        verdicts_joined_to_risk_scores: joined,
        delta_version: commit.version,
    })?;
    Ok(stage)
}

/// The `feedback_summary` stage's figures in the run summary.
#[derive(Debug, serde::Serialize)]
struct FeedbackSummaryMetrics {
    /// Verdicts whose alert was found among the published `risk_scores`.
    verdicts_joined_to_risk_scores: u64,
    /// The `feedback_summary` table's new Delta version.
    delta_version: i64,
}

/// account → tier of one `risk_scores` partition.
fn tier_map(frame: &DataFrame) -> Result<HashMap<String, String>> {
    if frame.height() == 0 {
        return Ok(HashMap::new());
    }
    let ids = crate::features::frame_strings(frame, "risk_scores", "account_id")?;
    let tier = crate::features::frame_strings(frame, "risk_scores", "tier")?;
    Ok(ids
        .into_iter()
        .zip(tier)
        .filter_map(|(a, t)| Some((a?, t.unwrap_or_default())))
        .collect())
}

fn summary_frame(cells: &BTreeMap<(String, String), Cell>) -> Result<DataFrame> {
    let col = |i: usize| {
        cells
            .values()
            .map(|c| i64::from(c.counts[i]))
            .collect::<Vec<i64>>()
    };
    let precision: Vec<Option<f64>> = cells
        .values()
        .map(|c| {
            let judged = c.counts[0] + c.counts[1];
            (judged > 0).then(|| f64::from(c.counts[0]) / f64::from(judged))
        })
        .collect();
    Ok(df!(
        "month" => cells.keys().map(|k| k.0.clone()).collect::<Vec<_>>(),
        "tier" => cells.keys().map(|k| k.1.clone()).collect::<Vec<_>>(),
        "accurate" => col(0),
        "false_positive" => col(1),
        "missed" => col(2),
        "prevented" => col(3),
        "precision" => precision,
    )?)
}
