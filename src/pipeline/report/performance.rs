//! The quarterly report's model-performance section: alerts raised, escalations, early
//! detection at 24–72 h, precision, lead times, by month — measured with the backtest's
//! lead-time logic ([`crate::risk::backtest::run`]) on one of two sources:
//!
//! - **published**: the `risk_scores` partitions vigil published in the quarter (what the
//!   CSMs actually saw), used when they cover at least [`MIN_PUBLISHED_COVERAGE`] of the
//!   quarter's days up to the run date (`[report] performance = "auto"`, the default);
//! - **replayed**: the quarter's daily feature snapshots re-scored with today's champion,
//!   when too few days were published (e.g. the demo, which publishes one date).

use crate::config::{PerformanceSource, PipelineConfig};
use crate::pipeline::risk::artifact;
use crate::pipeline::risk::input::Labelled;
use crate::report::quarter::Quarter;
use crate::report::quarterly::Alerted;
use crate::report::render::Performance;
use crate::risk::backtest::{self, BacktestOptions, BacktestReport, Scored, risk_score};
use crate::time::{HOUR_US, units};
use crate::{Error, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use vigil_gbdt::loss::sigmoid;
use vigil_store::registry::Registry;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::WarehouseError;
use vigil_store::warehouse::delta;

/// Share of the quarter's days (up to the run date) with a published `risk_scores` partition
/// from which `auto` measures the published scores rather than replaying.
pub const MIN_PUBLISHED_COVERAGE: f64 = 0.8;

/// Alert runs starting in the quarter: (account, first alert µs, ARR).
pub(super) type Alerts = Vec<(String, i64, f64)>;

/// Scored snapshots of the quarter (and the lead window before it), from either source.
struct QuarterScores {
    ids: Vec<String>,
    time_us: Vec<i64>,
    probability: Vec<f64>,
    raw_probability: Vec<f64>,
    labels: Vec<bool>,
    arr: Vec<Option<f64>>,
    model_version: String,
    replayed: bool,
    in_sample: bool,
    /// Most time between two flagged snapshots of one alert run: a day for published
    /// scores (one partition per run date), the snapshot cadence for replayed ones.
    run_gap_us: i64,
}

/// The performance section and the quarter's alert runs; `None` when there is neither a
/// champion to replay with nor enough published scores.
pub(super) fn performance(
    storage: &Storage,
    config: &PipelineConfig,
    data: &Labelled,
    q: Quarter,
    run_date: NaiveDate,
) -> Result<Option<(Performance, Alerts)>> {
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let table = warehouse.join("risk_scores");
    let lead_days = (i64::from(config.options.risk.lead_max_hours) + 23) / 24;
    let first = q.start() - chrono::TimeDelta::days(lead_days);
    let last = run_date.min(q.end().pred_opt().unwrap_or(q.end()));
    let dates: Vec<NaiveDate> = delta::partitions(storage, &table)
        .map_err(WarehouseError::from)?
        .into_iter()
        .filter(|d| *d >= first && *d <= last)
        .collect();
    let in_quarter = dates.iter().filter(|d| **d >= q.start()).count();
    let days = (last - q.start()).num_days() + 1;
    let coverage = in_quarter as f64 / days.max(1) as f64;
    let use_published = match config.options.report.performance {
        PerformanceSource::Published => true,
        PerformanceSource::Replayed => false,
        PerformanceSource::Auto => coverage >= MIN_PUBLISHED_COVERAGE,
    };
    tracing::info!(
        published_dates = in_quarter,
        coverage = format!("{coverage:.2}"),
        source = if use_published { "published" } else { "replayed" },
        "quarterly performance source"
    );
    let scores = if use_published {
        Some(published(storage, &table, &dates, data)?)
    } else {
        replayed(storage, config, data, q)?
    };
    Ok(scores.map(|s| {
        let (mut p, alerts) = measure(&s, data, q, config);
        p.published_dates = in_quarter;
        (p, alerts)
    }))
}

/// The published `risk_scores` rows of `dates`, each at its run date's last instant, labelled
/// by whether an escalation of the account opened within the label horizon after it.
fn published(
    storage: &Storage,
    table: &Location,
    dates: &[NaiveDate],
    data: &Labelled,
) -> Result<QuarterScores> {
    let mut opened: HashMap<&str, Vec<i64>> = HashMap::new();
    for (a, e) in &data.escalations {
        opened.entry(a.as_str()).or_default().push(*e);
    }
    let horizon = i64::from(data.horizon_hours) * HOUR_US;
    let mut s = QuarterScores {
        ids: Vec::new(),
        time_us: Vec::new(),
        probability: Vec::new(),
        raw_probability: Vec::new(),
        labels: Vec::new(),
        arr: Vec::new(),
        model_version: String::new(),
        replayed: false,
        in_sample: false,
        run_gap_us: 24 * HOUR_US,
    };
    let mut versions = BTreeSet::new();
    for &d in dates {
        let Some(frame) = delta::read_partition(storage, table, d).map_err(WarehouseError::from)? else {
            continue;
        };
        // Scored as of the end of the run date: its last instant keeps the row in the run
        // date's quarter.
        let t = (d + chrono::TimeDelta::days(1))
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_micros()
            - 1;
        let ids = frame.column("account_id")?.str()?.clone();
        let prob = frame.column("probability")?.cast(&DataType::Float64)?;
        let arr = frame.column("arr")?.cast(&DataType::Float64)?;
        if let Ok(v) = frame.column("model_version") {
            versions.extend(v.str()?.iter().flatten().map(str::to_string));
        }
        for ((id, p), a) in ids.iter().zip(prob.f64()?.iter()).zip(arr.f64()?.iter()) {
            let (Some(id), Some(p)) = (id, p) else { continue };
            let label = opened
                .get(id)
                .is_some_and(|es| es.iter().any(|&e| e > t && e <= t + horizon));
            s.ids.push(id.to_string());
            s.time_us.push(t);
            s.probability.push(p);
            s.raw_probability.push(p);
            s.labels.push(label);
            s.arr.push(a);
        }
    }
    s.model_version = versions.into_iter().collect::<Vec<_>>().join(", ");
    Ok(s)
}

/// The quarter's snapshots (and the lead window before it) re-scored with the champion.
fn replayed(
    storage: &Storage,
    config: &PipelineConfig,
    data: &Labelled,
    q: Quarter,
) -> Result<Option<QuarterScores>> {
    let opts = &config.options.risk;
    let registry = Registry::new(storage, Location::parse(&config.resolve(&opts.registry))?);
    if registry.champion()?.is_none() {
        return Ok(None);
    }
    let loaded = artifact::load(&registry, "champion", opts.device)?;
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
    let (_, margin, probability) = loaded.score(&frame, "the quarter's feature snapshots")?;
    let train_end = loaded
        .manifest
        .window
        .train_end
        .as_deref()
        .and_then(|s| crate::time::parse_as_of(s).ok())
        .map(|d| d.timestamp_micros());
    let arr = match frame.column("arr") {
        Ok(c) => c.cast(&DataType::Float64)?.f64()?.iter().collect(),
        Err(_) => vec![None; frame.height()],
    };
    Ok(Some(QuarterScores {
        ids: rows.iter().map(|&i| data.ids[i].clone()).collect(),
        time_us: rows.iter().map(|&i| times[i]).collect(),
        raw_probability: margin.iter().map(|&m| sigmoid(m)).collect(),
        probability,
        labels: rows.iter().map(|&i| data.labels[i]).collect(),
        arr,
        model_version: loaded.manifest.version.clone(),
        replayed: true,
        in_sample: train_end.is_none_or(|e| a < e),
        run_gap_us: i64::from(data.cadence_hours) * HOUR_US,
    }))
}

/// The backtest's lead-time measures over the quarter and each of its months, and the alert
/// runs (first flagged snapshot of each run that starts in the quarter).
fn measure(s: &QuarterScores, data: &Labelled, q: Quarter, config: &PipelineConfig) -> (Performance, Alerts) {
    let opts = &config.options.risk;
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
    let (a, b) = q.bounds_us();
    let whole = backtest_between(s, data, &bt, a, b);
    let monthly = monthly(s, data, &bt, q);
    let alerts = alert_runs(s, opts.alert_threshold, a, b);
    let at = &whole.at_alert_threshold;
    let performance = Performance {
        model_version: s.model_version.clone(),
        replayed: s.replayed,
        in_sample: s.in_sample,
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
    (performance, alerts)
}

/// The backtest over escalations opened in `[from, to)` (the quarter, or one month of it),
/// on the snapshots from the lead window before `from` up to `to`.
fn backtest_between(
    s: &QuarterScores,
    data: &Labelled,
    bt: &BacktestOptions,
    from: i64,
    to: i64,
) -> BacktestReport {
    let t = &s.time_us;
    let lead_max = i64::from(bt.lead_max_hours) * HOUR_US;
    let keep: Vec<usize> = (0..t.len())
        .filter(|&i| t[i] >= from - lead_max && t[i] < to)
        .collect();
    let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let (acc, tt): (Vec<String>, Vec<i64>) = keep.iter().map(|&i| (s.ids[i].clone(), t[i])).unzip();
    let lab: Vec<bool> = keep.iter().map(|&i| s.labels[i]).collect();
    let esc: Vec<(String, i64)> = data
        .escalations
        .iter()
        .filter(|(_, e)| *e >= from && *e < to)
        .cloned()
        .collect();
    let (p, r) = (pick(&s.probability), pick(&s.raw_probability));
    backtest::run(
        &Scored {
            account: &acc,
            time_us: &tt,
            probability: &p,
            raw_probability: &r,
            label: &lab,
        },
        &esc,
        bt,
    )
}

/// Per month of the quarter (`YYYY-MM`): precision when there were alerts, recall when
/// there were eligible escalations.
fn monthly(
    s: &QuarterScores,
    data: &Labelled,
    bt: &BacktestOptions,
    q: Quarter,
) -> Vec<(String, Option<f64>, Option<f64>)> {
    q.months()
        .iter()
        .map(|&(y, m)| {
            let start = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(q.start());
            let end = start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(q.end());
            let r = backtest_between(s, data, bt, units::midnight(start), units::midnight(end));
            let at = &r.at_alert_threshold;
            (
                start.format("%Y-%m").to_string(),
                (at.alerts > 0).then_some(at.precision),
                (r.eligible > 0).then_some(at.recall),
            )
        })
        .collect()
}

/// The alert runs that start in `[a, b)`: per account, the first snapshot at or above
/// `threshold` after one below it (or after a gap longer than the run cadence).
fn alert_runs(s: &QuarterScores, threshold: u32, a: i64, b: i64) -> Alerts {
    let t = &s.time_us;
    let mut order: Vec<usize> = (0..t.len()).collect();
    order.sort_by(|&x, &y| s.ids[x].cmp(&s.ids[y]).then(t[x].cmp(&t[y])));
    let gap = s.run_gap_us;
    let mut alerts: Alerts = Vec::new();
    let mut prev: Option<(usize, bool)> = None;
    for &i in &order {
        let flagged = risk_score(s.probability[i]) >= threshold;
        let continues = prev.is_some_and(|(p, f)| f && s.ids[p] == s.ids[i] && t[i] - t[p] <= gap);
        if flagged && !continues && t[i] >= a && t[i] < b {
            alerts.push((s.ids[i].clone(), t[i], s.arr[i].unwrap_or(0.0)));
        }
        prev = Some((i, flagged));
    }
    alerts
}

/// Each account's first alert in the quarter, with the `prevented` verdicts.
pub(super) fn alerted_accounts(alerts: &Alerts, prevented: &HashSet<String>) -> Vec<Alerted> {
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
