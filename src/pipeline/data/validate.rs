//! `vigil validate`: load every input table for the window, check it against the contract,
//! write the quarantine and the validation report (`report.json`, `report.txt`, and the
//! pages `report.html` and `report.md` with the gates' verdict), and fail (exit 3) past the
//! bad-row limit.

use crate::Result;
use crate::config::{PipelineConfig, ValidationOptions};
use crate::contract::{History, Shard, ValidationReport, load_history, load_history_part, quarantine_frame};
use crate::pipeline::runtime::StageReport;
use crate::report::validation::{self, Verdict};
use crate::time::RunWindow;
use bytes::Bytes;
use std::time::Instant;
use vigil_store::storage::{Location, Storage};

/// Resolved settings of `vigil validate`.
#[derive(Debug, Clone)]
pub struct ValidateSettings {
    /// The run window.
    pub window: RunWindow,
    /// Bad-row and freshness limits (`[validation]`, with `--allow-stale` applied).
    pub limits: ValidationOptions,
    /// Warehouse root for the quarantine and report.
    pub warehouse: Location,
}

impl ValidateSettings {
    /// Settings from a config and an `--as-of` instant.
    pub fn from_config(config: &PipelineConfig, as_of: chrono::DateTime<chrono::Utc>) -> Result<Self> {
        let window =
            RunWindow::new(as_of, config.options.window.lookback_months).map_err(crate::Error::Usage)?;
        Ok(Self {
            window,
            limits: config.options.validation.clone(),
            warehouse: Location::parse(&config.resolve(&config.options.warehouse.url))?,
        })
    }
}

/// Validates the inputs. Returns the loaded history (for later stages), the report and
/// the stage report; the quarantine and report are written even when the bad-row limit
/// fails the run, so the data engineer can see every bad row.
pub fn validate(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &ValidateSettings,
) -> Result<(History, ValidationReport, StageReport)> {
    let started = Instant::now();
    let history = load_history(storage, &config.sources(), &config.taxonomy, settings.window)?;
    let report = ValidationReport::new(&history)?;
    let partition = format!("run_date={}", settings.window.run_date());
    let mut quarantine = quarantine_frame(&history)?;
    let q_loc = settings
        .warehouse
        .join("quarantine")
        .join(&partition)
        .join("part-0.parquet");
    storage.write_parquet(&q_loc, &mut quarantine)?;
    let r_loc = settings.warehouse.join("validation").join(&partition);
    let gates = settings.limits.gates();
    let checked = history.check(&gates);
    let verdict = match &checked {
        Ok(_) => Verdict::passed(&history.stale_tables(&gates)),
        Err(e) => Verdict::failed(&e.to_string()),
    };
    write_report(storage, &r_loc, &report, &verdict)?;
    let mut stage = StageReport::new("validate", started);
    stage.rows_in = report.tables.iter().map(|t| t.rows_read as u64).sum();
    stage.rows_out = report.tables.iter().map(|t| t.rows_valid as u64).sum();
    stage.outputs = vec![q_loc.to_string(), r_loc.to_string()];
    if report.quarantined_rows > 0 {
        stage
            .warnings
            .push(format!("{} rows quarantined at {q_loc}", report.quarantined_rows));
    }
    stage
        .warnings
        .extend(report.signals_missing.iter().map(|s| format!("absent table {s}")));
    stage.warnings.extend(
        report
            .ignored_files
            .iter()
            .map(|f| format!("ignored file {f}: matches no input table")),
    );
    stage.warnings.extend(logged(checked?));
    Ok((history, report, stage))
}

/// Writes the validation report into `dir`: `report.json`, `report.txt`, and the pages
/// `report.html` and `report.md` with the gates' verdict.
fn write_report(
    storage: &Storage,
    dir: &Location,
    report: &ValidationReport,
    verdict: &Verdict,
) -> Result<()> {
    let json = serde_json::to_vec_pretty(report).map_err(|e| crate::Error::Internal(e.to_string()))?;
    storage.write(&dir.join("report.json"), Bytes::from(json))?;
    storage.write(&dir.join("report.txt"), Bytes::from(report.to_string()))?;
    let pages = validation::render(report, verdict)
        .map_err(|e| crate::Error::Internal(format!("validation report: {e}")))?;
    for (name, body) in pages {
        storage.write(&dir.join(name), Bytes::from(body))?;
    }
    Ok(())
}

/// Validates one shard's rows only, for `vigil score --shard`: each input file is narrowed
/// to the shard as it is read, so time and memory scale with the shard. No quarantine or
/// report is written (shards would overwrite each other's): the run's `vigil validate`
/// task writes them for every row. The bad-row limit applies to the shard's rows.
pub fn validate_shard(
    storage: &Storage,
    config: &PipelineConfig,
    settings: &ValidateSettings,
    shard: Shard,
) -> Result<(History, StageReport)> {
    let started = Instant::now();
    let history = load_history_part(
        storage,
        &config.sources(),
        &config.taxonomy,
        settings.window,
        Some(shard),
    )?;
    let mut stage = StageReport::new("validate", started);
    stage.rows_in = history.tables.values().map(|t| t.rows_read as u64).sum();
    stage.rows_out = history.tables.values().map(|t| t.frame.height() as u64).sum();
    let bad: usize = history.tables.values().map(|t| t.bad_rows()).sum();
    if bad > 0 {
        stage.warnings.push(format!(
            "{bad} bad rows in shard {shard} (the quarantine is written by `vigil validate`)"
        ));
    }
    stage
        .warnings
        .extend(history.absent.iter().map(|s| format!("absent table {s}")));
    stage.warnings.extend(gate(&history, &settings.limits)?);
    tracing::info!(
        shard = %shard,
        accounts = history.tables.get("accounts").map_or(0, |t| t.frame.height()),
        "shard validated"
    );
    Ok((history, stage))
}

/// The gates every command that loads the history applies: the bad-row share, then
/// freshness (a warning instead with `allow_stale`). Returns the warnings for the stage
/// report (duplicates dropped, rows of quarantined accounts, stale tables allowed), each
/// also logged.
pub fn gate(history: &History, limits: &ValidationOptions) -> Result<Vec<String>> {
    Ok(logged(history.check(&limits.gates())?))
}

/// The gates' warnings, each logged.
fn logged(warnings: Vec<String>) -> Vec<String> {
    for w in &warnings {
        tracing::warn!("{w}");
    }
    warnings
}
