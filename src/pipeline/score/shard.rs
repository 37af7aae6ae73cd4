//! Sharded scoring, the scale-out path: `vigil plan --shards n` pins one run of a run date
//! (run id, model version, shard count) in `_staged/run_date=D/_plan.json`; each
//! `vigil score --shard i/n` (an Airflow mapped task or a Kubernetes pod) scores the accounts
//! whose stable hash falls in shard `i` and stages them under `_staged/run_date=D/shards/i-of-n/`;
//! `vigil publish` then commits every shard of the date together, one Delta commit per table
//! (see [`crate::pipeline::publish`]).
//!
//! Every per-account figure — features, score, factors, what changed, category, resolution
//! estimate, actions — depends only on the account's own history and the shared model, so a
//! sharded run publishes the same rows as an unsharded one. Drift is a population figure:
//! each shard stages its bin counts and publishing sums them before computing PSI.

use crate::config::PipelineConfig;
pub use crate::contract::{MAX_SHARDS, Shard, shard_of};
use crate::pipeline::runtime::StageReport;
use crate::time::RunWindow;
use crate::{Error, Result};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use vigil_store::registry::Registry;
use vigil_store::storage::{Location, Storage};

/// The plan file of a sharded run, in the run date's staged folder.
pub const PLAN_FILE: &str = "_plan.json";
/// The folder of the shards, in the run date's staged folder.
pub const SHARDS_DIR: &str = "shards";
/// The completion marker each scoring run writes last into its staged folder.
pub const RUN_FILE: &str = "_run.json";
/// A sharded run of one run date, as `vigil plan` pinned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The run id every shard writes to its rows.
    pub run_id: String,
    /// The scoring instant, RFC 3339.
    pub as_of: String,
    /// The run date (partition).
    pub run_date: String,
    /// The model version every shard scores with (the champion when the plan was made).
    pub model_version: String,
    /// Number of shards.
    pub shards: u32,
}

impl Plan {
    /// The shards as `i/n` arguments for `vigil score --shard` (Airflow `.expand()`).
    pub fn shard_args(&self) -> Vec<String> {
        (0..self.shards).map(|i| format!("{i}/{}", self.shards)).collect()
    }
}

/// Where a run date's staged tables live.
pub fn staged_location(config: &PipelineConfig, run_date: chrono::NaiveDate) -> Result<Location> {
    Ok(Location::parse(&config.resolve(&config.options.warehouse.url))?
        .join(&format!("_staged/run_date={run_date}")))
}

/// Reads the plan of a staged folder, if one was made.
pub fn read_plan(storage: &Storage, staged: &Location) -> Result<Option<Plan>> {
    let file = staged.join(PLAN_FILE);
    if !storage.exists(&file)? {
        return Ok(None);
    }
    let bytes = storage.read(&file)?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::Internal(format!("{file} is not a vigil plan: {e}")))
}

/// `vigil plan`: pins the model version (resolving `champion`), the run id and the shard count
/// of `window`'s run date, after clearing whatever an earlier attempt staged for that date.
pub fn plan(
    storage: &Storage,
    config: &PipelineConfig,
    window: &RunWindow,
    shards: u32,
    model: &str,
    run_id: &str,
) -> Result<(StageReport, Plan)> {
    let started = Instant::now();
    Shard::all(shards).map_err(Error::Usage)?;
    let registry = Registry::new(
        storage,
        Location::parse(&config.resolve(&config.options.risk.registry))?,
    );
    let model_version = match model {
        "champion" => registry.champion()?.ok_or_else(|| {
            Error::Usage(format!(
                "the registry at {} has no champion yet: train one with `vigil train`, or name a version",
                registry.root()
            ))
        })?,
        v if registry.exists(v)? => v.to_string(),
        v => {
            return Err(Error::Usage(format!(
                "model version {v} is not in the registry at {}",
                registry.root()
            )));
        }
    };
    let staged = staged_location(config, window.run_date())?;
    let cleared = storage.delete_prefix(&staged)?;
    let plan = Plan {
        run_id: run_id.to_string(),
        as_of: window.as_of.to_rfc3339(),
        run_date: window.run_date().to_string(),
        model_version,
        shards,
    };
    let json = serde_json::to_vec_pretty(&plan).map_err(|e| Error::Internal(e.to_string()))?;
    storage.write(&staged.join(PLAN_FILE), Bytes::from(json))?;
    let mut stage = StageReport::new("plan", started);
    stage.outputs = vec![staged.join(PLAN_FILE).to_string()];
    stage.record(&PlanMetrics {
        shards: plan.shard_args(),
        shard_count: shards,
        model_version: plan.model_version.clone(),
        staged_files_cleared: cleared,
    })?;
    tracing::info!(shards, model = %plan.model_version, run_date = %plan.run_date, "planned a sharded run");
    Ok((stage, plan))
}

/// The `plan` stage's figures in the run summary.
#[derive(Debug, Serialize)]
struct PlanMetrics {
    /// The shards as `i/n` arguments for `vigil score --shard`.
    shards: Vec<String>,
    /// Number of shards.
    shard_count: u32,
    /// The model version every shard scores with.
    model_version: String,
    /// Files an earlier attempt had staged for the date, removed.
    staged_files_cleared: usize,
}

/// What a scoring run writes to, and what it must take over from, for `shard`.
pub struct ShardTarget {
    /// The folder this run stages its tables in.
    pub dir: Location,
    /// The plan the shard belongs to, if one was made.
    pub plan: Option<Plan>,
}

/// Resolves where a scoring run of `window` stages its tables and removes what another layout
/// left for the same date, so that publishing never mixes two runs: an unsharded run clears
/// the shards and the plan; a shard clears the unsharded tables and shards of another count.
/// A shard whose count or instant disagrees with the date's plan is refused (exit 2).
pub fn prepare_target(
    storage: &Storage,
    config: &PipelineConfig,
    window: &RunWindow,
    shard: Option<Shard>,
) -> Result<ShardTarget> {
    let staged = staged_location(config, window.run_date())?;
    let Some(shard) = shard else {
        // Everything an earlier attempt staged for the date goes, its `_run.json` included:
        // until this run writes its own marker last, publishing refuses the folder (a run
        // killed mid-scoring never publishes a mix of two runs' tables).
        storage.delete_prefix(&staged)?;
        return Ok(ShardTarget {
            dir: staged,
            plan: None,
        });
    };
    let plan = read_plan(storage, &staged)?;
    if let Some(p) = &plan {
        if p.shards != shard.count {
            return Err(Error::Usage(format!(
                "--shard {shard} does not match the plan of run date {}: it has {} shards (run `vigil plan` \
                 again to change the count)",
                p.run_date, p.shards
            )));
        }
        if p.as_of != window.as_of.to_rfc3339() {
            return Err(Error::Usage(format!(
                "--as-of {} does not match the plan of run date {}, made for {}",
                window.as_of.to_rfc3339(),
                p.run_date,
                p.as_of
            )));
        }
    }
    for file in storage.list(&staged)? {
        let top_level = file.parent() == staged;
        let name = file.file_name().unwrap_or_default();
        if top_level && (name.ends_with(".parquet") || name == RUN_FILE) {
            storage.delete_prefix(&file)?;
        }
    }
    for dir in shard_dirs(storage, &staged)? {
        if dir.0.count != shard.count {
            storage.delete_prefix(&dir.1)?;
        }
    }
    // The shard's own earlier attempt too (same run id: only the marker tells them apart).
    let dir = staged.join(SHARDS_DIR).join(&shard.dir_name());
    storage.delete_prefix(&dir)?;
    Ok(ShardTarget { dir, plan })
}

/// The shard folders present under a staged folder, in shard order.
pub fn shard_dirs(storage: &Storage, staged: &Location) -> Result<Vec<(Shard, Location)>> {
    let root = staged.join(SHARDS_DIR);
    let mut out: Vec<(Shard, Location)> = Vec::new();
    for file in storage.list(&root)? {
        let dir = file.parent();
        if dir.parent() != root {
            continue;
        }
        if let Some(shard) = dir.file_name().and_then(Shard::from_dir_name)
            && !out.iter().any(|(s, _)| *s == shard)
        {
            out.push((shard, dir));
        }
    }
    out.sort_by_key(|(s, _)| (s.count, s.index));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_shards() {
        let s: Shard = "1/4".parse().expect("1/4");
        assert_eq!((s.index, s.count), (1, 4));
        assert_eq!(s.to_string(), "1/4");
        assert_eq!(Shard::from_dir_name(&s.dir_name()), Some(s));
        for bad in ["4/4", "1", "a/b", "0/0", "-1/3", "0/5000"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!("4/4".parse::<Shard>().unwrap_err().contains("0–3"));
    }

    #[test]
    fn assignment_is_stable_and_balanced() {
        // XXH3-64 (seed 0) values from the reference implementation (Python `xxhash`
        // 3.x, `xxh3_64_intdigest`): an accidental change of hash fails here.
        assert_eq!(
            xxhash_rust::xxh3::xxh3_64(b"acct-000001"),
            5_499_276_293_877_714_103
        );
        assert_eq!(shard_of("acct-000001", 4), 3);
        assert_eq!(shard_of("A-00042", 7), 1);
        let mut counts = [0u32; 4];
        for i in 0..4000 {
            counts[shard_of(&format!("acct-{i:06}"), 4) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (900..1100).contains(&c)), "{counts:?}");
        let shards = Shard::all(4).expect("4");
        for i in 0..100 {
            let id = format!("a{i}");
            assert_eq!(shards.iter().filter(|s| s.contains(&id)).count(), 1, "{id}");
        }
    }
}
