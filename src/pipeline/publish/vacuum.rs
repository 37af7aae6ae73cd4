//! `vigil vacuum`: removes the data files of every vigil Delta table under the warehouse that
//! no table version within the retention needs (partitions replaced by re-publishing, files a
//! crashed writer left uncommitted), with deltalake's own `VACUUM`; see
//! [`vigil_store::warehouse::delta::vacuum`].
//!
//! The retention defaults to Delta's 168 hours (7 days). A shorter one breaks time travel to
//! the versions it drops — including the table versions an older `runs` row names, and what
//! a reader that opened a version a moment ago is still reading — so it is refused unless
//! forced.

use crate::config::PipelineConfig;
use crate::pipeline::runtime::StageReport;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;
use vigil_store::storage::{Location, Storage};
use vigil_store::warehouse::WarehouseError;
use vigil_store::warehouse::delta;

/// Delta's default retention (`delta.deletedFileRetentionDuration`): 7 days.
pub const DEFAULT_RETAIN_HOURS: u64 = 168;

/// Resolved settings of `vigil vacuum`.
#[derive(Debug, Clone, Copy)]
pub struct VacuumSettings {
    /// Keep every file that a table version of the last this many hours needs.
    pub retain_hours: u64,
    /// Report what would be removed; delete nothing.
    pub dry_run: bool,
    /// Allow a retention below [`DEFAULT_RETAIN_HOURS`].
    pub force: bool,
}

impl VacuumSettings {
    /// The retention as a duration; a usage error when it is below the default without
    /// `force`, or too large to represent.
    pub fn retention(&self) -> Result<chrono::Duration> {
        if self.retain_hours < DEFAULT_RETAIN_HOURS && !self.force {
            return Err(Error::Usage(format!(
                "--retain-hours {} is below Delta's default retention of {DEFAULT_RETAIN_HOURS} hours: it \
                 removes files that time travel to recent versions (and readers still reading them) need; \
                 pass --force to do it anyway",
                self.retain_hours
            )));
        }
        i64::try_from(self.retain_hours)
            .ok()
            .and_then(chrono::Duration::try_hours)
            .ok_or_else(|| Error::Usage(format!("--retain-hours {} is too large", self.retain_hours)))
    }
}

/// Vacuums every Delta table directly under the warehouse. The stage's metrics hold, per table
/// and in total, the files and bytes removed (or, with `dry_run`, that would be).
pub fn vacuum(storage: &Storage, config: &PipelineConfig, settings: &VacuumSettings) -> Result<StageReport> {
    let started = Instant::now();
    let retain = settings.retention()?;
    let root = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    let tables = delta::tables_under(storage, &root).map_err(WarehouseError::from)?;
    let mut stage = StageReport::new("vacuum", started);
    let (mut files, mut bytes) = (0usize, 0u64);
    let mut per_table = BTreeMap::new();
    for table in &tables {
        let report = match delta::vacuum(storage, table, retain, settings.dry_run) {
            Ok(Some(report)) => report,
            Ok(None) => continue,
            // Not vigil's (another partitioning): left alone rather than failing the rest.
            Err(e @ delta::DeltaError::Partitioning { .. }) => {
                tracing::warn!(table = %table, "not vacuumed: {e}");
                stage.warnings.push(format!("not vacuumed: {e}"));
                continue;
            }
            Err(e) => return Err(WarehouseError::from(e).into()),
        };
        files += report.files;
        bytes += report.bytes;
        stage.outputs.push(table.to_string());
        per_table.insert(
            report.table.clone(),
            VacuumedTable {
                files: report.files,
                bytes: report.bytes,
            },
        );
    }
    stage.record(&VacuumMetrics {
        retain_hours: settings.retain_hours,
        dry_run: settings.dry_run,
        tables: per_table,
        files_removed: files,
        bytes_removed: bytes,
    })?;
    stage.rows_in = tables.len() as u64;
    stage.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        tables = tables.len(),
        files,
        bytes,
        dry_run = settings.dry_run,
        "vacuum finished"
    );
    Ok(stage)
}

/// The `vacuum` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct VacuumMetrics {
    /// The retention applied.
    retain_hours: u64,
    /// Whether files were only listed.
    dry_run: bool,
    /// What went, per table name.
    tables: BTreeMap<String, VacuumedTable>,
    /// Files removed over all tables.
    files_removed: usize,
    /// Bytes removed over all tables.
    bytes_removed: u64,
}

/// What vacuuming removed from one table.
#[derive(Debug, Serialize)]
struct VacuumedTable {
    /// Files removed.
    files: usize,
    /// Their bytes.
    bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retention_below_the_default_needs_force() {
        let short = VacuumSettings {
            retain_hours: 0,
            dry_run: false,
            force: false,
        };
        let err = short.retention().expect_err("refused");
        assert_eq!(err.exit_code(), crate::error::ExitCode::Usage);
        assert!(err.to_string().contains("--force"), "{err}");
        let forced = VacuumSettings { force: true, ..short };
        assert_eq!(forced.retention().expect("forced"), chrono::Duration::zero());
        let default = VacuumSettings {
            retain_hours: DEFAULT_RETAIN_HOURS,
            ..short
        };
        assert_eq!(
            default.retention().expect("default"),
            chrono::Duration::hours(168)
        );
        let huge = VacuumSettings {
            retain_hours: u64::MAX,
            ..short
        };
        assert!(huge.retention().is_err());
    }
}
