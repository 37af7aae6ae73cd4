//! Whether the lead-time gate looks reachable: a quick estimate on a sample of accounts.
//!
//! The history is narrowed to one account shard of about [`SAMPLE_ACCOUNTS`] accounts; the
//! feature stage builds its labelled snapshots at the configured cadence (tone features from
//! the lexicon: no sentiment model runs); `vigil train`'s split, sampling, GBDT, calibration
//! and backtest ([`crate::pipeline::risk::quick_backtest`]) run with few boosting rounds and
//! report recall and precision at the alert threshold and at a few other thresholds.

use crate::config::PipelineConfig;
use crate::contract::{History, MAX_SHARDS, Shard};
use crate::format;
use crate::pipeline::features::{FeatureMode, feature_table};
use crate::pipeline::risk::input::from_table;
use crate::pipeline::risk::quick_backtest;
use crate::report::doctor::{GateEstimate, GateResult};
use crate::risk::backtest::{AtThreshold, BacktestReport};
use crate::risk::params::EngineChoice;
use crate::{Error, ExitCode, Result};

/// Accounts the estimate samples (about: a whole shard of the accounts).
pub const SAMPLE_ACCOUNTS: usize = 500;

/// Boosting rounds of the quick GBDT (fewer when `[risk.gbdt] max_rounds` is lower).
const ROUNDS: usize = 60;

/// Learning rate of the quick GBDT (higher when `[risk.gbdt] learning_rate` is), so few
/// rounds still fit.
const LEARNING_RATE: f64 = 0.1;

/// Rounds without improvement on the validation rows before the quick GBDT stops (fewer when
/// `[risk.gbdt] early_stopping_rounds` is lower).
const PATIENCE: usize = 10;

/// Thresholds of the recall/precision curve, besides the configured alert threshold.
const CURVE: [u32; 8] = [2, 3, 5, 10, 15, 20, 30, 50];

/// Estimates the gate on a sample of `history`'s accounts (the history is narrowed in place).
/// Data that cannot train a model (no escalations, too few positives) is an estimate with a
/// problem, not an error.
pub fn estimate(config: &PipelineConfig, history: &mut History) -> Result<GateEstimate> {
    let total_accounts = accounts(history);
    let shards = u32::try_from(total_accounts.div_ceil(SAMPLE_ACCOUNTS))
        .unwrap_or(MAX_SHARDS)
        .clamp(1, MAX_SHARDS);
    let shard = Shard::new(0, shards).map_err(Error::Internal)?;
    for t in history.tables.values_mut() {
        if t.frame.column("account_id").is_ok() {
            shard.filter_frame(&mut t.frame)?;
        }
    }
    let quick = quick_config(config);
    let r = &quick.options.risk;
    let mut est = GateEstimate {
        sample_accounts: accounts(history),
        total_accounts,
        snapshots: 0,
        positives: 0,
        rounds: r.gbdt.max_rounds,
        learning_rate: r.gbdt.learning_rate,
        alert_threshold: r.alert_threshold,
        lead_hours: (r.lead_min_hours, r.lead_max_hours),
        min_recall: r.min_recall,
        min_precision: r.min_precision,
        result: None,
        problem: None,
        verdict: String::new(),
    };
    let outcome = feature_table(&quick, history, FeatureMode::Train, None)
        .and_then(|table| from_table(&quick, history, table))
        .and_then(|data| {
            est.snapshots = data.labels.len();
            est.positives = data.labels.iter().filter(|l| **l).count();
            quick_backtest(&quick, data)
        });
    match outcome {
        Ok(report) => est.result = Some(result(&est, &report)),
        Err(e) if e.exit_code() == ExitCode::InvalidInput => est.problem = Some(e.to_string()),
        Err(e) => return Err(e),
    }
    est.verdict = verdict(&est);
    Ok(est)
}

fn accounts(history: &History) -> usize {
    history.tables.get("accounts").map_or(0, |t| t.frame.height())
}

/// The config the estimate trains with: the GBDT with few rounds and early stopping, the
/// curve's thresholds.
fn quick_config(config: &PipelineConfig) -> PipelineConfig {
    let mut quick = config.clone();
    let r = &mut quick.options.risk;
    r.engine = EngineChoice::Gbdt;
    r.gbdt.max_rounds = r.gbdt.max_rounds.min(ROUNDS);
    r.gbdt.early_stopping_rounds = r.gbdt.early_stopping_rounds.min(PATIENCE);
    r.gbdt.learning_rate = r.gbdt.learning_rate.max(LEARNING_RATE);
    let mut thresholds: Vec<u32> = CURVE.to_vec();
    thresholds.push(r.alert_threshold);
    thresholds.sort_unstable();
    thresholds.dedup();
    r.tier_thresholds = thresholds;
    quick
}

/// Half-width of the 95% normal interval of a proportion `p` measured over `n` cases.
fn margin(p: f64, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    1.96 * (p * (1.0 - p) / n as f64).sqrt()
}

/// Whether each minimum the sample misses at `at` is within the sample's margin of it.
fn within_margins(est: &GateEstimate, at: &AtThreshold, eligible: usize) -> bool {
    eligible > 0
        && at.recall + margin(at.recall, eligible) >= est.min_recall
        && at.precision + margin(at.precision, at.alerts) >= est.min_precision
}

fn result(est: &GateEstimate, report: &BacktestReport) -> GateResult {
    let meets = |t: &AtThreshold| t.recall >= est.min_recall && t.precision >= est.min_precision;
    let at = report.at_alert_threshold.clone();
    let reachable = report.eligible > 0 && meets(&at);
    GateResult {
        eligible: report.eligible,
        reachable,
        recall_margin: margin(at.recall, report.eligible),
        precision_margin: margin(at.precision, at.alerts),
        borderline: !reachable && within_margins(est, &at, report.eligible),
        reachable_at: report
            .at_tiers
            .iter()
            .filter(|t| report.eligible > 0 && meets(t))
            .map(|t| t.threshold)
            .min(),
        at_alert_threshold: at,
        curve: report.at_tiers.clone(),
        pr_auc: report.pr_auc,
    }
}

/// The estimate in one sentence.
fn verdict(est: &GateEstimate) -> String {
    let Some(r) = &est.result else {
        return format!(
            "The gate could not be estimated: {}",
            est.problem.as_deref().unwrap_or("no result")
        );
    };
    let at = &r.at_alert_threshold;
    let measured = format!(
        "recall {:.2} (gate {:.2}) and precision {:.2} (gate {:.2}) at alert threshold {}",
        at.recall, est.min_recall, at.precision, est.min_precision, est.alert_threshold
    );
    let sample = format!(
        "on {} of {} accounts, {} eligible escalations; `vigil train` backtests every account",
        format::count(est.sample_accounts),
        format::count(est.total_accounts),
        format::count(r.eligible)
    );
    let measured = format!(
        "{measured}; on this sample recall is ± {:.2} and precision ± {:.2} (95%)",
        r.recall_margin, r.precision_margin
    );
    match (r.reachable, r.reachable_at) {
        (true, _) => format!("The gate looks reachable: {measured} ({sample})."),
        (false, Some(t)) => format!(
            "Not at the configured threshold ({measured}), but both are reached at threshold {t}: consider [risk] alert_threshold = {t} ({sample})."
        ),
        (false, None) if r.borderline => format!(
            "Borderline: {measured}, so the sample cannot tell ({sample}); run `vigil backtest` to decide."
        ),
        (false, None) => format!(
            "The gate does not look reachable: {measured} ({sample}); missing tables or mappings, or more history, may help."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::at_threshold as at;

    fn estimate(result: Option<GateResult>) -> GateEstimate {
        GateEstimate {
            sample_accounts: 500,
            total_accounts: 2000,
            snapshots: 1000,
            positives: 10,
            rounds: ROUNDS,
            learning_rate: LEARNING_RATE,
            alert_threshold: 7,
            lead_hours: (24, 72),
            min_recall: 0.8,
            min_precision: 0.3,
            result,
            problem: Some("no escalations table".into()),
            verdict: String::new(),
        }
    }

    fn gate(curve: Vec<AtThreshold>) -> String {
        let mut est = estimate(None);
        let at_alert = curve
            .iter()
            .find(|t| t.threshold == 7)
            .cloned()
            .expect("alert threshold");
        let meets = |t: &AtThreshold| t.recall >= 0.8 && t.precision >= 0.3;
        est.result = Some(GateResult {
            eligible: 40,
            reachable: meets(&at_alert),
            recall_margin: margin(at_alert.recall, 40),
            precision_margin: margin(at_alert.precision, at_alert.alerts),
            borderline: !meets(&at_alert) && within_margins(&est, &at_alert, 40),
            reachable_at: curve.iter().filter(|t| meets(t)).map(|t| t.threshold).min(),
            at_alert_threshold: at_alert,
            curve,
            pr_auc: 0.3,
        });
        verdict(&est)
    }

    #[test]
    fn the_verdict_says_whether_and_where_the_gate_is_reached() {
        let v = gate(vec![at(5, 0.9, 0.25), at(7, 0.85, 0.35)]);
        assert!(
            v.starts_with("The gate looks reachable") && v.contains("40 eligible"),
            "{v}"
        );
        let v = gate(vec![at(7, 0.9, 0.2), at(10, 0.82, 0.31), at(15, 0.81, 0.4)]);
        assert!(v.contains("consider [risk] alert_threshold = 10"), "{v}");
        let v = gate(vec![at(7, 0.5, 0.2)]);
        assert!(v.starts_with("The gate does not look reachable"), "{v}");
        let v = gate(vec![at(7, 0.78, 0.31)]);
        assert!(v.starts_with("Borderline") && v.contains("vigil backtest"), "{v}");
        assert!(verdict(&estimate(None)).contains("could not be estimated: no escalations table"));
    }

    #[test]
    fn margins_shrink_with_the_cases_measured() {
        assert!((margin(0.8, 28) - 0.148).abs() < 1e-3, "{}", margin(0.8, 28));
        assert!(margin(0.8, 2800) < 0.015);
        assert_eq!(margin(0.5, 0), 1.0);
    }

    #[test]
    fn the_quick_config_caps_rounds_and_adds_the_alert_threshold_to_the_curve() {
        let config = PipelineConfig::from_toml(
            std::path::Path::new("p.toml"),
            "[warehouse]\nurl = \"wh\"\n[risk]\nalert_threshold = 12\n",
        )
        .expect("config");
        let quick = quick_config(&config);
        let r = &quick.options.risk;
        assert_eq!((r.engine, r.gbdt.max_rounds), (EngineChoice::Gbdt, ROUNDS));
        assert!(r.gbdt.learning_rate >= LEARNING_RATE && r.gbdt.early_stopping_rounds <= PATIENCE);
        assert!(r.tier_thresholds.contains(&12) && r.tier_thresholds.windows(2).all(|w| w[0] < w[1]));
    }
}
