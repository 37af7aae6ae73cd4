//! `vigil report`: the quarterly escalation-patterns report. Reads the history and the
//! champion, computes the patterns (`crate::report`), writes the `quarterly_patterns` Delta
//! table (partition: the run date) and `<reports>/quarter=YYYYQn/report.{html,md}` + SVGs.
//!
//! Model performance comes from the quarter's daily snapshots re-scored with the champion
//! ("replayed"): the demo publishes one score date, not a quarter of them. The lead-time
//! logic is the backtest's (`crate::risk::backtest::run`).

use super::risk_data::{Labelled, from_history};
use super::{StageReport, risk_model};
use crate::config::PipelineConfig;
use crate::contract::History;
use crate::registry::Registry;
use crate::report::lift::{self, Bands, Snapshot};
use crate::report::quarter::Quarter;
use crate::report::quarterly::{self, Alerted, Escalation};
use crate::report::render::{self, Performance, QuarterlyReport, Rising};
use crate::risk::backtest::{self, BacktestOptions, Scored, risk_score};
use crate::risk::sigmoid;
use crate::storage::{Location, Storage};
use crate::time::RunWindow;
use crate::warehouse::WarehouseError;
use crate::warehouse::delta::{self, CommitContext};
use crate::{Error, Result};
use bytes::Bytes;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

const DAY_US: i64 = 86_400_000_000;
const HOUR_US: i64 = 3_600_000_000;

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
    if q.start() > settings.window.run_date() {
        return Err(Error::Usage(format!(
            "quarter {q} starts after the run date {}: nothing to report yet",
            settings.window.run_date()
        )));
    }
    let (data, history) = from_history(storage, config, settings.window)?;
    let o = &config.options.report;
    let esc = escalations(&history)?;
    let snaps = snapshots(&data)?;
    let changes = quarterly::category_changes(&esc, q);
    let (population, at_escalation) = profiles(&snaps, &esc, q);
    let bands = Bands::of(&population);
    let rising = changes
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
                sentence: quarterly::sentence(c, &lifts, o.min_support),
                change: c.clone(),
                lifts,
            }
        })
        .collect();
    let (feedback, prevented_verdicts) = feedback(&history, q)?;
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let published = delta::partitions(storage, &warehouse.join("risk_scores"))
        .map_err(WarehouseError::from)?
        .into_iter()
        .filter(|d| *d >= q.start() && *d < q.end())
        .count();
    let (performance, alerted) = match replay(storage, config, &data, q)? {
        Some((mut p, alerts)) => {
            p.published_dates = published;
            let alerted = alerted_accounts(&alerts, &prevented_verdicts);
            (Some(p), alerted)
        }
        None => (None, Vec::new()),
    };
    let report = QuarterlyReport {
        quarter: q,
        changes,
        rising,
        min_support: o.min_support,
        performance,
        feedback,
        prevention: quarterly::prevention(&alerted, &esc, o.prevention_days),
        prevention_days: o.prevention_days,
        resolutions: quarterly::resolutions(&esc, q),
    };
    let rows = render::rows(&report);
    let frame = quarterly::patterns_frame(q, &rows)?;
    let table = warehouse.join("quarterly_patterns");
    let run_date = settings.window.run_date();
    delta::replace_partition(
        storage,
        &table,
        run_date,
        &frame,
        &CommitContext::new(&settings.run_id),
    )
    .map_err(WarehouseError::from)?;
    let reports = if o.reports.is_empty() {
        warehouse.join("reports")
    } else {
        Location::parse(&config.resolve(&o.reports))?
    };
    let out = reports.join(&format!("quarter={q}"));
    for (name, body) in render::render(&report) {
        storage.write(&out.join(&name), Bytes::from(body))?;
    }
    let mut stage = StageReport::new("report", started);
    stage.rows_in = data.frame.height() as u64;
    stage.rows_out = frame.height() as u64;
    stage.outputs = vec![table.to_string(), out.join("report.html").to_string()];
    stage
        .metrics
        .insert("quarter".into(), serde_json::json!(q.to_string()));
    stage.metrics.insert(
        "headlines".into(),
        serde_json::json!(
            report
                .rising
                .iter()
                .map(|r| r.sentence.clone())
                .collect::<Vec<_>>()
        ),
    );
    if let Some(p) = &report.performance {
        stage
            .metrics
            .insert("replayed".into(), serde_json::json!(p.replayed));
        stage
            .metrics
            .insert("recall_24_72h".into(), serde_json::json!(p.recall));
        stage
            .metrics
            .insert("precision".into(), serde_json::json!(p.precision));
    }
    Ok((stage, report))
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

fn floats(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    match frame.column(name) {
        Ok(c) => Ok(c.cast(&DataType::Float64)?.f64()?.iter().collect()),
        Err(_) => Ok(vec![None; frame.height()]),
    }
}

fn texts(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    match frame.column(name) {
        Ok(c) => Ok(c
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()),
        Err(_) => Ok(vec![None; frame.height()]),
    }
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
        floats(f, "tenure_days")?,
        floats(f, "arr")?,
        floats(f, "feature_breadth_30d")?,
        floats(f, "champion_departed")?,
    );
    let (segment, industry, plan) = (texts(f, "segment")?, texts(f, "industry")?, texts(f, "plan")?);
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

/// Alert runs starting in the quarter: (account, first alert µs, ARR).
type Alerts = Vec<(String, i64, f64)>;

/// Re-scores the quarter's snapshots with the champion and measures them with the
/// backtest's lead-time logic. None without a champion.
fn replay(
    storage: &Storage,
    config: &PipelineConfig,
    data: &Labelled,
    q: Quarter,
) -> Result<Option<(Performance, Alerts)>> {
    let opts = &config.options.risk;
    let registry = Registry::new(storage, Location::parse(&config.resolve(&opts.registry))?);
    if registry.champion()?.is_none() {
        return Ok(None);
    }
    let loaded = risk_model::load(&registry, "champion", opts.device)?;
    let times = data
        .times
        .as_ref()
        .ok_or_else(|| Error::Internal("feature table without snapshot times".into()))?;
    let (a, b) = q.bounds_us();
    let lead_max = i64::from(opts.lead_max_hours) * HOUR_US;
    let rows: Vec<usize> = (0..times.len())
        .filter(|&i| times[i] >= a - lead_max && times[i] < b)
        .collect();
    let idx = UInt32Chunked::from_vec("idx".into(), rows.iter().map(|&i| i as u32).collect());
    let frame = data.frame.take(&idx)?;
    let (_, margin, prob) = loaded.score(&frame, "the quarter's feature snapshots")?;
    let raw: Vec<f64> = margin.iter().map(|&m| sigmoid(m)).collect();
    let ids: Vec<String> = rows.iter().map(|&i| data.ids[i].clone()).collect();
    let t: Vec<i64> = rows.iter().map(|&i| times[i]).collect();
    let labels: Vec<bool> = rows.iter().map(|&i| data.labels[i]).collect();
    let bt = BacktestOptions {
        alert_threshold: opts.alert_threshold,
        lead_max_hours: opts.lead_max_hours,
        lead_min_hours: opts.lead_min_hours,
        horizon_hours: data.horizon_hours,
        cadence_hours: data.cadence_hours,
        tier_thresholds: Vec::new(),
        min_recall: opts.min_recall,
        min_precision: opts.min_precision,
    };
    // Escalations opened in [from, to): the quarter, or one month of it.
    let run = |from: i64, to: i64| {
        let keep: Vec<usize> = (0..t.len())
            .filter(|&i| t[i] >= from - lead_max && t[i] < to)
            .collect();
        let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let (acc, tt): (Vec<String>, Vec<i64>) = keep.iter().map(|&i| (ids[i].clone(), t[i])).unzip();
        let lab: Vec<bool> = keep.iter().map(|&i| labels[i]).collect();
        let esc: Vec<(String, i64)> = data
            .escalations
            .iter()
            .filter(|(_, e)| *e >= from && *e < to)
            .cloned()
            .collect();
        let (p, r) = (pick(&prob), pick(&raw));
        backtest::run(
            &Scored {
                account: &acc,
                time_us: &tt,
                probability: &p,
                raw_probability: &r,
                label: &lab,
            },
            &esc,
            &bt,
        )
    };
    let whole = run(a, b);
    let monthly = q
        .months()
        .iter()
        .map(|&(y, m)| {
            let start = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(q.start());
            let end = start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(q.end());
            let us = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_micros();
            let r = run(us(start), us(end));
            let at = &r.at_alert_threshold;
            (
                start.format("%Y-%m").to_string(),
                (at.alerts > 0).then_some(at.precision),
                (r.eligible > 0).then_some(at.recall),
            )
        })
        .collect();
    // Alert runs: the first flagged snapshot of each run that starts in the quarter.
    let arr = floats(&frame, "arr")?;
    let mut order: Vec<usize> = (0..t.len()).collect();
    order.sort_by(|&x, &y| ids[x].cmp(&ids[y]).then(t[x].cmp(&t[y])));
    let gap = i64::from(data.cadence_hours) * HOUR_US;
    let mut alerts: Alerts = Vec::new();
    let mut prev: Option<(usize, bool)> = None;
    for &i in &order {
        let flagged = risk_score(prob[i]) >= opts.alert_threshold;
        let continues = prev.is_some_and(|(p, f)| f && ids[p] == ids[i] && t[i] - t[p] <= gap);
        if flagged && !continues && t[i] >= a && t[i] < b {
            alerts.push((ids[i].clone(), t[i], arr[i].unwrap_or(0.0)));
        }
        prev = Some((i, flagged));
    }
    let train_end = loaded
        .manifest
        .window
        .train_end
        .as_deref()
        .and_then(|s| crate::time::parse_as_of(s).ok())
        .map(|d| d.timestamp_micros());
    let at = &whole.at_alert_threshold;
    let performance = Performance {
        model_version: loaded.manifest.version.clone(),
        replayed: true,
        in_sample: train_end.is_none_or(|e| a < e),
        published_dates: 0,
        alerts: at.alerts,
        eligible: whole.eligible,
        detected: at.detected,
        recall: at.recall,
        precision: at.precision,
        median_lead_hours: whole.median_lead_hours,
        lead_hours: whole.lead_hours.clone(),
        monthly,
        reliability: whole.reliability_after.clone(),
        lead_window: (opts.lead_min_hours, opts.lead_max_hours),
    };
    Ok(Some((performance, alerts)))
}

/// Each account's first alert in the quarter, with the `prevented` verdicts.
fn alerted_accounts(alerts: &Alerts, prevented: &HashSet<String>) -> Vec<Alerted> {
    let mut first: BTreeMap<&str, (i64, f64)> = BTreeMap::new();
    for (acc, t, arr) in alerts {
        let e = first.entry(acc.as_str()).or_insert((*t, *arr));
        if *t < e.0 {
            *e = (*t, *arr);
        }
    }
    first
        .into_iter()
        .map(|(account, (alert_us, arr))| Alerted {
            prevented_verdict: prevented.contains(account),
            account: account.to_string(),
            alert_us,
            arr,
        })
        .collect()
}
