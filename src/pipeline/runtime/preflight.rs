//! Pre-flight checks: what a command will write to is proven writable before any work, so
//! a wrong place fails in seconds with exit 2 instead of after the whole run.

use super::setup::open_storage;
use crate::config::PipelineConfig;
use crate::{Error, Result};
use std::path::Path;
use vigil_store::storage::{Location, Storage};

/// Opens storage for a command that writes the warehouse (and the model registry when
/// `registry`), and checks before any work that it can write there: a missing bucket, a
/// read-only credential or a folder path that is a file fails now, with exit 2.
pub fn open_output_storage(config: &PipelineConfig, registry: bool) -> Result<Storage> {
    let storage: Storage = open_storage(Some(config))?;
    check_warehouse_writable(&storage, config)?;
    if registry {
        check_registry_writable(&storage, config)?;
    }
    Ok(storage)
}

/// Checks before any work that the warehouse can be written (exit 2 when it cannot).
pub fn check_warehouse_writable(storage: &Storage, config: &PipelineConfig) -> Result<()> {
    let loc = Location::parse(&config.resolve(&config.options.warehouse.url))?;
    Ok(storage.check_writable(&loc, "warehouse")?)
}

/// Checks before any work that the model registry can be written (exit 2 when it cannot):
/// training, and moving the champion alias.
pub fn check_registry_writable(storage: &Storage, config: &PipelineConfig) -> Result<()> {
    let loc = Location::parse(&config.resolve(&config.options.risk.registry))?;
    Ok(storage.check_writable(&loc, "registry")?)
}

/// Checks that `--summary-json PATH` can be written: its folder exists and accepts a new
/// file (an existing file is opened for writing, not truncated; a probe file is removed).
pub fn check_summary_path(path: &Path) -> Result<()> {
    let fail = |reason: String| {
        Error::Usage(format!(
            "cannot write --summary-json {}: {reason}; nothing was run",
            path.display()
        ))
    };
    if path.is_dir() {
        return Err(fail("it is a folder".into()));
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| fail(e.to_string()))?;
    if !existed {
        std::fs::remove_file(path).map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
}
