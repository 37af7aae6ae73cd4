//! `vigil doctor`: reads the sources as configured and says what vigil can make of them,
//! before anything runs: per table whether it was found, where, its rows, time span, the
//! accounts it covers and its columns (with a suggested mapping for those not found); per
//! feature family whether its signals are available; escalations per month and category;
//! whether the lead-time gate looks reachable (a quick estimate); and a config snippet for
//! what is missing.
//!
//! It is a diagnosis: problems are findings, not failures. It writes only `doctor.json` and
//! `doctor.html` in its report folder, and fails (exit 3) only when `accounts` cannot be
//! read, after writing the report.

mod columns;
mod escalations;
mod families;
mod gate;
mod tables;

use crate::config::PipelineConfig;
use crate::contract::{ContractError, History, Taxonomy};
use crate::pipeline::runtime::StageReport;
use crate::report::doctor::{Diagnosis, FamilyState, TableStatus, config_snippet, render_html};
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use serde::Serialize;
use std::time::Instant;
use vigil_store::storage::{Location, Storage};

pub use gate::SAMPLE_ACCOUNTS;

/// Resolved settings of `vigil doctor`.
#[derive(Debug, Clone)]
pub struct DoctorSettings {
    /// The run window the sources are read for.
    pub window: RunWindow,
    /// Report folder; `None`: `<reports>/doctor/run_date=D/` (`[report] reports`, by default
    /// the warehouse's `reports`).
    pub out: Option<Location>,
}

/// The doctor's figures in the run summary.
#[derive(Debug, Serialize)]
struct DoctorMetrics {
    tables_present: usize,
    tables_absent: Vec<&'static str>,
    tables_unusable: Vec<&'static str>,
    families_lost: Vec<&'static str>,
    /// Whether the quick estimate reaches the gate at the alert threshold (`None`: not estimated).
    gate_reachable: Option<bool>,
    /// Not reached on the sample but within its sampling margins (`None`: not estimated).
    gate_borderline: Option<bool>,
}

/// Diagnoses the sources and writes `doctor.json` and `doctor.html`; returns the stage
/// report and the diagnosis (see [`check_readable`] for the exit code).
pub fn doctor(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &DoctorSettings,
) -> Result<(StageReport, Diagnosis)> {
    let started = Instant::now();
    let out = match &settings.out {
        Some(out) => out.clone(),
        None => default_folder(config, &settings.window)?,
    };
    let examined = tables::examine(storage, &config.sources(), &config.taxonomy, settings.window)?;
    let mut diagnosis = Diagnosis {
        config: config.path.display().to_string(),
        as_of: settings.window.as_of.to_rfc3339(),
        window_start: settings.window.start.to_rfc3339(),
        readable: examined.history.is_some(),
        families: families::families(&examined.tables),
        snippet: config_snippet(&examined.tables),
        tables: examined.tables,
        findings: Vec::new(),
        escalations: None,
        gate: None,
    };
    if let Some(mut history) = examined.history {
        diagnosis.findings = findings(config, &history);
        diagnosis.escalations = escalations::escalation_counts(&history)?;
        diagnosis.gate = Some(gate::estimate(config, &mut history)?);
    }
    let outputs = write(storage, &out, &diagnosis, &config.taxonomy)?;
    let mut stage = StageReport::new("doctor", started);
    stage.outputs = outputs.iter().map(ToString::to_string).collect();
    stage.record(&metrics(&diagnosis))?;
    Ok((stage, diagnosis))
}

/// Exit 3 when `accounts` could not be read (nothing can run); the report is written first.
pub fn check_readable(diagnosis: &Diagnosis) -> Result<()> {
    if diagnosis.readable {
        return Ok(());
    }
    let accounts = diagnosis.tables.iter().find(|t| t.table == "accounts");
    Err(ContractError::MandatoryTable {
        table: "accounts".into(),
        url: accounts.and_then(|t| t.location.clone()).unwrap_or_default(),
        reason: accounts
            .and_then(|t| t.problem.clone())
            .unwrap_or_else(|| "cannot be read".into()),
    }
    .into())
}

/// `<reports>/doctor/run_date=D/`.
fn default_folder(config: &PipelineConfig, window: &RunWindow) -> Result<Location> {
    let warehouse = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let reports = crate::pipeline::report::quarterly::reports_root(config, &warehouse)?;
    Ok(reports
        .join("doctor")
        .join(&format!("run_date={}", window.run_date())))
}

/// What `vigil run` would stop on or warn about: tables over the bad-row limit, stale feeds
/// (with the config's `allow_stale`), dropped duplicates, rows of quarantined accounts and
/// files that belong to no table.
fn findings(config: &PipelineConfig, history: &History) -> Vec<String> {
    let gates = config.options.validation.gates();
    let mut out = Vec::new();
    for t in history.tables.values() {
        if t.bad_rows() > 0 && t.bad_share() > gates.max_bad_row_share {
            let first = t.bad.first().map(|q| q.describe(t.spec.name)).unwrap_or_default();
            out.push(format!(
                "table {}: {:.2}% of its rows are invalid, over [validation] max_bad_row_share ({:.2}%): vigil run stops (exit 3); first: {first}",
                t.spec.name,
                100.0 * t.bad_share(),
                100.0 * gates.max_bad_row_share
            ));
        }
    }
    let stale_outcome = if gates.allow_stale {
        "a warning (allow_stale)"
    } else {
        "vigil run stops (exit 3) unless --allow-stale"
    };
    out.extend(
        history
            .stale_tables(&gates)
            .into_iter()
            .map(|s| format!("{s}: {stale_outcome}")),
    );
    out.extend(history.notes());
    out.extend(
        history
            .ignored_files
            .iter()
            .map(|f| format!("file {f} belongs to no input table: ignored")),
    );
    out
}

/// Writes `doctor.json` and `doctor.html` (categories by their `taxonomy` titles) under
/// `out`; returns their locations.
fn write(
    storage: &Storage,
    out: &Location,
    diagnosis: &Diagnosis,
    taxonomy: &Taxonomy,
) -> Result<[Location; 2]> {
    let json = serde_json::to_vec_pretty(diagnosis).map_err(|e| Error::Internal(e.to_string()))?;
    let html = render_html(diagnosis, taxonomy).map_err(|e| Error::Internal(format!("doctor page: {e}")))?;
    let (json_loc, html_loc) = (out.join("doctor.json"), out.join("doctor.html"));
    storage.write(&json_loc, Bytes::from(json))?;
    storage.write(&html_loc, Bytes::from(html))?;
    Ok([json_loc, html_loc])
}

fn metrics(d: &Diagnosis) -> DoctorMetrics {
    let gate = d.gate.as_ref().and_then(|g| g.result.as_ref());
    let named = |status: TableStatus| -> Vec<&'static str> {
        d.tables
            .iter()
            .filter(|t| t.status == status)
            .map(|t| t.table)
            .collect()
    };
    DoctorMetrics {
        tables_present: named(TableStatus::Present).len(),
        tables_absent: named(TableStatus::Absent),
        tables_unusable: named(TableStatus::Unusable),
        families_lost: d
            .families
            .iter()
            .filter(|f| f.state == FamilyState::Lost)
            .map(|f| f.family)
            .collect(),
        gate_reachable: gate.map(|r| r.reachable),
        gate_borderline: gate.map(|r| r.borderline),
    }
}
