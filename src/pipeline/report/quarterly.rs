//! `vigil report`: the quarterly escalation-patterns report. Reads the history and the
//! champion, computes the patterns (`crate::report`), writes the `quarterly_patterns` Delta
//! table (partition: the run date) and `<reports>/quarter=YYYYQn/report.{html,md}` + SVGs.
//!
//! Model performance comes from the scores published in the quarter, or from the quarter's
//! daily snapshots re-scored with the champion when too few were published (see
//! [`super::performance`]).

use super::performance::{alerted_accounts, performance};
use crate::config::{PipelineConfig, ReportOptions};
use crate::contract::columns::{opt_floats, opt_strings};
use crate::contract::{History, Taxonomy};
use crate::pipeline::risk::input::{Labelled, from_history};
use crate::pipeline::runtime::StageReport;
use crate::report::lift::{self, Bands, Snapshot};
use crate::report::quarter::Quarter;
use crate::report::quarterly::{self, CategoryChange, Escalation};
use crate::report::render::{self, QuarterlyReport, Rising};
use crate::time::DAY_US;
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::WarehouseError;
use vigil_store::warehouse::delta::{self, CommitContext};

/// Resolved settings of `vigil report`.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// The run window (the history read ends at its `as_of`).
    pub window: RunWindow,
    /// The quarter reported.
    pub quarter: Quarter,
    /// Run id, recorded in the Delta commit.
    pub run_id: String,
}

/// Builds the report, writes the table and the files; returns the stage report and the
/// report's content.
pub fn report(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &ReportSettings,
) -> Result<(StageReport, QuarterlyReport)> {
    let started = Instant::now();
    let q = settings.quarter;
    let run_date = settings.window.run_date();
    if q.start() > run_date {
        return Err(Error::Usage(format!(
            "quarter {q} starts after the run date {run_date}: nothing to report yet"
        )));
    }
    let (data, history) = from_history(storage, config, settings.window)?;
    let report = build(storage, config, &data, &history, q, run_date)?;
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let (table, rows) = write_patterns(storage, &warehouse, &report, run_date, &settings.run_id)?;
    let html = write_files(storage, config, &warehouse, &report)?;
    let mut stage = StageReport::new("report", started);
    stage.rows_in = data.frame.height() as u64;
    stage.rows_out = rows as u64;
    stage.outputs = vec![table.to_string(), html.to_string()];
    stage.record(&ReportMetrics {
        quarter: q.to_string(),
        headlines: report.rising.iter().map(|r| r.sentence.clone()).collect(),
        performance: report.performance.as_ref().map(|p| PerformanceFigures {
            replayed: p.replayed,
            recall_24_72h: p.recall,
            precision: p.precision,
            alerts: p.alerts,
            published_dates: p.published_dates,
        }),
    })?;
    Ok((stage, report))
}

/// The `report` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct ReportMetrics {
    /// The quarter, `YYYYQn`.
    quarter: String,
    /// One sentence per rising escalation category.
    headlines: Vec<String>,
    /// The model-performance section's figures, when it has one.
    #[serde(flatten)]
    performance: Option<PerformanceFigures>,
}

/// The model-performance figures of the `report` stage.
#[derive(Debug, Serialize)]
struct PerformanceFigures {
    /// Measured on replayed snapshots rather than published scores.
    replayed: bool,
    recall_24_72h: f64,
    precision: f64,
    alerts: usize,
    published_dates: usize,
}

/// The quarter's report: escalation categories that rose with what their accounts had in
/// common, feedback, model performance, prevention and resolutions.
fn build(
    storage: &Storage,
    config: &PipelineConfig,
    data: &Labelled,
    history: &History,
    q: Quarter,
    run_date: NaiveDate,
) -> Result<QuarterlyReport> {
    let o = &config.options.report;
    let esc = escalations(history)?;
    let snaps = snapshots(data)?;
    let taxonomy = &history.taxonomy;
    let changes = quarterly::category_changes(&esc, q, taxonomy);
    let rising = rising(&changes, &snaps, &esc, q, o, taxonomy);
    let (feedback, prevented_verdicts) = feedback(history, q)?;
    let (performance, alerted) = match performance(storage, config, data, q, run_date)? {
        Some((p, alerts)) => {
            let alerted = alerted_accounts(&alerts, &prevented_verdicts);
            (Some(p), alerted)
        }
        None => (None, Vec::new()),
    };
    Ok(QuarterlyReport {
        quarter: q,
        changes,
        rising,
        min_support: o.min_support,
        performance,
        feedback,
        prevention: quarterly::prevention(&alerted, &esc, o.prevention_days),
        prevention_days: o.prevention_days,
        resolutions: quarterly::resolutions(&esc, q, taxonomy),
    })
}

/// The rising categories, each with the lifts of what its escalated accounts had in common
/// against the quarter's population, and its headline sentence.
fn rising(
    changes: &[CategoryChange],
    snaps: &[(i64, Snapshot)],
    esc: &[Escalation],
    q: Quarter,
    o: &ReportOptions,
    taxonomy: &Taxonomy,
) -> Vec<Rising> {
    let (population, at_escalation) = profiles(snaps, esc, q);
    let bands = Bands::of(&population);
    changes
        .iter()
        .filter(|c| c.rising())
        .map(|c| {
            let escalated: Vec<Snapshot> = at_escalation
                .iter()
                .filter(|(cat, _)| cat == &c.category)
                .map(|(_, s)| s.clone())
                .collect();
            let lifts = lift::lifts(&population, &escalated, &bands, o.min_support, o.lift_top);
            Rising {
                sentence: quarterly::sentence(c, &lifts, o.min_support, taxonomy),
                change: c.clone(),
                lifts,
            }
        })
        .collect()
}

/// Replaces the run date's partition of the `quarterly_patterns` table: the table and the
/// rows written.
fn write_patterns(
    storage: &Storage,
    warehouse: &Location,
    report: &QuarterlyReport,
    run_date: NaiveDate,
    run_id: &str,
) -> Result<(Location, usize)> {
    let rows = render::rows(report);
    let frame = quarterly::patterns_frame(report.quarter, &rows)?;
    let table = warehouse.join("quarterly_patterns");
    delta::replace_partition(storage, &table, run_date, &frame, &CommitContext::new(run_id))
        .map_err(WarehouseError::from)?;
    Ok((table, frame.height()))
}

/// Writes `report.{html,md}` and the charts under `<reports>/quarter=YYYYQn/` (`[report]
/// reports`, by default the warehouse's `reports`): the HTML file.
fn write_files(
    storage: &Storage,
    config: &PipelineConfig,
    warehouse: &Location,
    report: &QuarterlyReport,
) -> Result<Location> {
    let out = reports_root(config, warehouse)?.join(&format!("quarter={}", report.quarter));
    let files = render::render(report).map_err(|e| Error::Internal(format!("quarterly report page: {e}")))?;
    for (name, body) in files {
        storage.write(&out.join(&name), Bytes::from(body))?;
    }
    Ok(out.join("report.html"))
}

/// Where reports go: `[report] reports`, by default the warehouse's `reports` folder.
pub fn reports_root(config: &PipelineConfig, warehouse: &Location) -> Result<Location> {
    let o = &config.options.report;
    Ok(if o.reports.is_empty() {
        warehouse.join("reports")
    } else {
        Location::parse(&config.resolve(&o.reports))?
    })
}

fn escalations(history: &History) -> Result<Vec<Escalation>> {
    let Some(t) = history.tables.get("escalations") else {
        return Ok(Vec::new());
    };
    let f = &t.frame;
    let s = |c: &'static str| crate::features::frame_strings(f, "escalations", c);
    let (account, category) = (s("account_id")?, s("category")?);
    let opened = crate::features::frame_micros(f, "escalations", "opened_at")?;
    let resolved = match f.column("resolved_at") {
        Ok(_) => crate::features::frame_micros(f, "escalations", "resolved_at")?,
        Err(_) => vec![None; f.height()],
    };
    let interventions = match f.column("interventions") {
        Ok(_) => s("interventions")?,
        Err(_) => vec![None; f.height()],
    };
    Ok((0..f.height())
        .filter_map(|i| {
            Some(Escalation {
                account: account[i].clone()?,
                category: category[i].clone()?,
                opened_us: opened[i]?,
                resolved_us: resolved[i],
                intervened: interventions[i].as_deref().is_some_and(|v| !v.trim().is_empty()),
            })
        })
        .collect())
}

/// Verdict counts with alert dates in the quarter, and accounts with a `prevented` verdict.
fn feedback(history: &History, q: Quarter) -> Result<(BTreeMap<String, usize>, HashSet<String>)> {
    let (mut counts, mut prevented) = (BTreeMap::new(), HashSet::new());
    let Some(t) = history.tables.get("feedback") else {
        return Ok((counts, prevented));
    };
    let f = &t.frame;
    let account = crate::features::frame_strings(f, "feedback", "account_id")?;
    let verdict = crate::features::frame_strings(f, "feedback", "verdict")?;
    let date = crate::features::frame_micros(f, "feedback", "alert_date")?;
    let (a, b) = q.bounds_us();
    for i in 0..f.height() {
        let (Some(acc), Some(v), Some(d)) = (&account[i], &verdict[i], date[i]) else {
            continue;
        };
        if d < a || d >= b {
            continue;
        }
        *counts.entry(v.clone()).or_default() += 1;
        if v == "prevented" {
            prevented.insert(acc.clone());
        }
    }
    Ok((counts, prevented))
}

/// Per snapshot row: time and characteristics (champion_changed: the 45-day flag of this
/// row; widened to 90 days in `profiles`).
fn snapshots(data: &Labelled) -> Result<Vec<(i64, Snapshot)>> {
    let f = &data.frame;
    let times = data
        .times
        .as_ref()
        .ok_or_else(|| Error::Internal("feature table without snapshot times".into()))?;
    let (tenure, arr, breadth, champ) = (
        opt_floats(f, "features", "tenure_days")?,
        opt_floats(f, "features", "arr")?,
        opt_floats(f, "features", "feature_breadth_30d")?,
        opt_floats(f, "features", "champion_departed")?,
    );
    let text = |c| opt_strings(f, "features", c);
    let (segment, industry, plan) = (text("segment")?, text("industry")?, text("plan")?);
    Ok((0..f.height())
        .map(|i| {
            (
                times[i],
                Snapshot {
                    account: data.ids[i].clone(),
                    tenure_days: tenure[i],
                    arr: arr[i],
                    segment: segment[i].clone(),
                    industry: industry[i].clone(),
                    plan: plan[i].clone(),
                    feature_breadth: breadth[i],
                    champion_changed: champ[i].is_some_and(|v| v > 0.5),
                },
            )
        })
        .collect())
}

/// The population (every account with a snapshot in the quarter, as of the snapshot
/// nearest the quarter's middle) and, per escalation category, each escalated account as of
/// its last snapshot at or before its first escalation of that category in the quarter.
fn profiles(
    snaps: &[(i64, Snapshot)],
    esc: &[Escalation],
    q: Quarter,
) -> (Vec<Snapshot>, Vec<(String, Snapshot)>) {
    let (a, b) = q.bounds_us();
    let mut by_account: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, s)) in snaps.iter().enumerate() {
        by_account.entry(s.account.as_str()).or_default().push(i);
    }
    for v in by_account.values_mut() {
        v.sort_by_key(|&i| snaps[i].0);
    }
    // The snapshot at index `i`, its champion flag widened to the 90 days before.
    let profile = |rows: &[usize], i: usize| {
        let t = snaps[i].0;
        let mut s = snaps[i].1.clone();
        s.champion_changed = rows
            .iter()
            .any(|&j| snaps[j].0 <= t && snaps[j].0 > t - 90 * DAY_US && snaps[j].1.champion_changed);
        s
    };
    let mid = a + (b - a) / 2;
    let mut population = Vec::new();
    let mut accounts: Vec<&&str> = by_account.keys().collect();
    accounts.sort();
    for acc in accounts {
        let rows = &by_account[*acc];
        if let Some(&i) = rows
            .iter()
            .filter(|&&i| snaps[i].0 >= a && snaps[i].0 < b)
            .min_by_key(|&&i| (snaps[i].0 - mid).abs())
        {
            population.push(profile(rows, i));
        }
    }
    let mut first: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for e in esc.iter().filter(|e| e.opened_us >= a && e.opened_us < b) {
        let t = first
            .entry((e.category.as_str(), e.account.as_str()))
            .or_insert(e.opened_us);
        *t = (*t).min(e.opened_us);
    }
    let mut escalated = Vec::new();
    for ((cat, acc), t) in first {
        let Some(rows) = by_account.get(acc) else { continue };
        if let Some(&i) = rows.iter().rev().find(|&&i| snaps[i].0 <= t) {
            escalated.push((cat.to_string(), profile(rows, i)));
        }
    }
    (population, escalated)
}
