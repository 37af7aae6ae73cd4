//! Promotion to champion and its one rule: a model that failed its quality gate is never
//! promoted, neither by `vigil train` nor by hand (`vigil models promote`). A rollback
//! (`vigil models rollback`) returns to a champion of an earlier date and is not a promotion.

use super::artifact::{self, Manifest};
use crate::risk::backtest::BacktestReport;
use crate::{Error, Result};
use vigil_store::registry::{AliasEvent, Registry};
use vigil_text::DeviceName;

/// After training: whether the new version becomes champion and why, promoting it when so.
/// It needs the gate passed, `comparison` with the champion saying it is not worse (and
/// why), and `allowed` (no `--no-promote`).
pub(super) fn promote(
    registry: &Registry<'_>,
    manifest: &Manifest,
    report: &BacktestReport,
    (better, comparison): &(bool, String),
    allowed: bool,
) -> Result<(bool, String)> {
    let better = *better;
    let promoted = report.gate_passed && better && allowed;
    let reason = match (report.gate_passed, better, allowed) {
        (false, _, _) => format!("gate failed: {}", report.gate_reason),
        (true, false, _) => format!("gate passed, not promoted: {comparison}"),
        (true, true, false) => format!("gate passed ({comparison}); promotion skipped (--no-promote)"),
        (true, true, true) => format!("gate passed: {}; {comparison}", report.gate_reason),
    };
    if promoted {
        let version = &manifest.version;
        if registry.champion()?.as_deref() == Some(version.as_str()) {
            tracing::info!(%version, "already champion");
        } else {
            registry.promote(version, &manifest.run_date, &reason)?;
        }
    }
    Ok((promoted, reason))
}

/// `vigil models promote`: makes `version` champion as of `run_date`; a usage error (exit 2)
/// when it failed its quality gate.
pub fn promote_by_hand(
    registry: &Registry<'_>,
    version: &str,
    run_date: &str,
    device: DeviceName,
) -> Result<AliasEvent> {
    let model = artifact::load(registry, version, device)?;
    if !model.manifest.gate_passed {
        return Err(Error::Usage(format!(
            "{version} failed its quality gate ({}); it cannot be promoted",
            model.manifest.gate_reason
        )));
    }
    Ok(registry.promote(version, run_date, "promoted by hand (vigil models promote)")?)
}
