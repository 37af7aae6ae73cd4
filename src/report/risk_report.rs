//! The model (backtest) report each registry version and each `vigil backtest` carries:
//! `report.html` and its Markdown twin `report.md`, both rendered from one view of the
//! backtest (templates `model.html` and `model.md`), with the figures of
//! `report::figures::model` written beside them as SVG files and inlined into the HTML.

use super::figures::{self, Figure};
use super::page;
use crate::format;
use crate::risk::backtest::{AtThreshold, BacktestOptions, BacktestReport};
use crate::risk::metrics::ReliabilityBin;
use minijinja::{Environment, Value};
use serde::Serialize;

/// The HTML page.
const HTML: &str = include_str!("templates/model.html");
/// The Markdown twin.
const MARKDOWN: &str = include_str!("templates/model.md");

/// Renders `report.md`, `report.html` and the charts (one file per figure, in the order
/// `figures::model` returns them).
/// `drivers`: features by mean |contribution| (log-odds) on validation rows (may be empty).
pub fn render(
    version: &str,
    r: &BacktestReport,
    o: &BacktestOptions,
    drivers: &[(String, f64)],
) -> Result<Vec<(&'static str, String)>, minijinja::Error> {
    let figs = figures::model(r, o);
    let view = ModelView::new(version, r, o, drivers, &figs);
    let env = environment()?;
    let charts: Vec<Value> = figs.iter().map(|f| page::inline_svg(&f.svg)).collect();
    let html = page::render(&env, "model.html", &view, minijinja::context! { charts })?;
    let md = page::render(&env, "model.md", &view, minijinja::context! {})?;
    let mut out = vec![("report.md", md), ("report.html", html)];
    out.extend(figs.into_iter().map(|f| (f.file, f.svg)));
    Ok(out)
}

/// The page environment with the model templates.
fn environment() -> Result<Environment<'static>, minijinja::Error> {
    page::environment(&[("model.html", HTML), ("model.md", MARKDOWN)])
}

/// Everything the model report shows, in the order it shows it.
#[derive(Debug, Serialize)]
pub struct ModelView {
    /// Registry version.
    pub version: String,
    /// The quality gate's verdict.
    pub gate: Gate,
    /// One sentence saying what the headline figures mean for the team that gets the alerts.
    pub meaning: String,
    /// What was scored.
    pub scope: Scope,
    /// Results at the alert threshold.
    pub alert: AtThreshold,
    /// Median lead time of detected escalations (hours).
    pub median_lead_hours: Option<f64>,
    /// Snapshot ROC-AUC.
    pub roc_auc: f64,
    /// Snapshot PR-AUC.
    pub pr_auc: f64,
    /// Brier score before calibration.
    pub brier_before: f64,
    /// Brier score after calibration.
    pub brier_after: f64,
    /// The threshold that reaches the target recall.
    pub target: Target,
    /// Results at each tier threshold.
    pub tiers: Vec<AtThreshold>,
    /// Predicted against observed per probability bin.
    pub reliability: Vec<Reliability>,
    /// The features that drive the model, largest first (empty when not explained).
    pub drivers: Vec<Driver>,
    /// The figures, in page order (the SVG itself is passed to the HTML beside the view).
    pub figures: Vec<FigureRef>,
}

/// The quality gate's verdict.
#[derive(Debug, Serialize)]
pub struct Gate {
    /// Whether it passed.
    pub passed: bool,
    /// `passed` or `failed`.
    pub verdict: &'static str,
    /// Why, in one sentence.
    pub reason: String,
}

/// What the backtest scored.
#[derive(Debug, Serialize)]
pub struct Scope {
    /// Snapshots scored.
    pub snapshots: usize,
    /// Accounts scored.
    pub accounts: usize,
    /// Weeks covered.
    pub weeks: f64,
    /// Escalations opened in the period.
    pub escalations: usize,
    /// Of those, eligible (lead window covered and scorable).
    pub eligible: usize,
    /// Lead window, `24–72 h`.
    pub lead_window: String,
}

/// The target recall and the highest threshold that reaches it.
#[derive(Debug, Serialize)]
pub struct Target {
    /// Recall the gate asks for.
    pub recall: f64,
    /// Highest threshold whose recall reaches it (none: no threshold does).
    pub threshold: Option<u32>,
    /// Alert precision at that threshold.
    pub precision: Option<f64>,
}

/// One reliability bin, before and after calibration.
#[derive(Debug, Serialize)]
pub struct Reliability {
    /// Lower edge of predicted probability.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Rows in the bin (after calibration).
    pub rows: usize,
    /// The bin before calibration (none: no row fell into it).
    pub before: Option<ReliabilityBin>,
    /// The bin after calibration.
    pub after: ReliabilityBin,
}

/// One feature among the model's drivers.
#[derive(Debug, Serialize)]
pub struct Driver {
    /// Feature column name.
    pub id: String,
    /// What it measures (the catalogue's description without its Markdown code marks; none
    /// for a column the catalogue does not list).
    pub description: Option<String>,
    /// Mean absolute contribution to the log-odds.
    pub contribution: f64,
}

/// A figure as the pages name it: its file beside the report and its caption.
#[derive(Debug, Serialize)]
pub struct FigureRef {
    /// File name beside the report.
    pub file: &'static str,
    /// Caption and alt text.
    pub caption: String,
}

impl ModelView {
    /// The view of a backtest of `version`.
    pub fn new(
        version: &str,
        r: &BacktestReport,
        o: &BacktestOptions,
        drivers: &[(String, f64)],
        figs: &[Figure],
    ) -> Self {
        Self {
            version: version.to_string(),
            gate: Gate {
                passed: r.gate_passed,
                verdict: if r.gate_passed { "passed" } else { "failed" },
                reason: r.gate_reason.clone(),
            },
            meaning: meaning(r, o),
            scope: Scope {
                snapshots: r.snapshots,
                accounts: r.accounts,
                weeks: r.weeks,
                escalations: r.escalations,
                eligible: r.eligible,
                lead_window: format!("{}–{} h", o.lead_min_hours, o.lead_max_hours),
            },
            alert: r.at_alert_threshold.clone(),
            median_lead_hours: r.median_lead_hours,
            roc_auc: r.roc_auc,
            pr_auc: r.pr_auc,
            brier_before: r.brier_uncalibrated,
            brier_after: r.brier,
            target: Target {
                recall: o.min_recall,
                threshold: r.threshold_for_target_recall,
                precision: r.precision_at_target_recall,
            },
            tiers: r.at_tiers.clone(),
            reliability: reliability(r),
            drivers: drivers.iter().map(driver).collect(),
            figures: figs
                .iter()
                .map(|f| FigureRef {
                    file: f.file,
                    caption: f.caption.clone(),
                })
                .collect(),
        }
    }
}

/// What the figures at the alert threshold mean for the team that gets the alerts.
fn meaning(r: &BacktestReport, o: &BacktestOptions) -> String {
    let a = &r.at_alert_threshold;
    if r.eligible == 0 {
        return "No escalation in the validation weeks had a scorable lead window, so these figures prove nothing yet.".into();
    }
    format!(
        "Alerting at risk score {} or above, vigil would have warned about {} of {} escalations \
         ({}) {}–{} hours before they opened; {} of its alerts were followed by an escalation, \
         at {} alerts per 100 accounts a week.",
        a.threshold,
        format::count(a.detected),
        format::count(r.eligible),
        format::pct_auto(a.recall),
        o.lead_min_hours,
        o.lead_max_hours,
        format::pct_auto(a.precision),
        format::decimal(a.alerts_per_100_accounts_per_week, 2),
    )
}

/// The bins after calibration, each with the bin of the same edges before calibration.
fn reliability(r: &BacktestReport) -> Vec<Reliability> {
    r.reliability_after
        .iter()
        .map(|after| Reliability {
            lower: after.lower,
            upper: after.upper,
            rows: after.rows,
            before: r
                .reliability_before
                .iter()
                .find(|b| b.lower == after.lower)
                .copied(),
            after: *after,
        })
        .collect()
}

/// A driver with its catalogue description.
fn driver((id, contribution): &(String, f64)) -> Driver {
    Driver {
        id: id.clone(),
        description: crate::features::spec(id).map(|s| s.description.replace('`', "")),
        contribution: *contribution,
    }
}

#[cfg(test)]
mod tests;
