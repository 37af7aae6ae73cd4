//! The model registry on the object store: immutable versions and an atomically moved
//! `champion` alias.
//!
//! Layout under the registry root:
//! - `risk/_incomplete/<version>-<nonce>/…` — a version being written: every file goes here
//!   first, invisible to every reader (none lists this prefix);
//! - `risk/versions/<version>/…` — the model's files, server-side copied from the incomplete
//!   folder, then `manifest.json` written **last**: a version without it is incomplete and
//!   every reader ignores it ([`Registry::exists`], [`Registry::versions`], [`Registry::read`]
//!   all go through the manifest); a complete version is never rewritten;
//! - `risk/aliases/champion/<seq>.json` — one event per alias change (promote or rollback),
//!   numbered 1, 2, 3…. Each is written with a conditional create, so two runs moving the
//!   alias at once cannot both win; the current champion is the replay of all events. The
//!   events double as the audit trail (who was champion when, and why).
//!
//! A crash while writing leaves an `_incomplete/` folder (killed before or during the copy)
//! and possibly a `versions/<version>/` folder without `manifest.json` (killed during the
//! copy). Neither is visible; [`Registry::remove_abandoned`] (run by every `vigil train`)
//! deletes those older than [`ABANDONED_AFTER_HOURS`].
//!
//! This module knows nothing of models: it moves bytes and JSON manifests.

use crate::storage::{Location, Storage, StorageError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Errors of the registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The object store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// No complete version of that name.
    #[error("no model version {version:?} in the registry at {root} (see `vigil models list`)")]
    UnknownVersion {
        /// Version asked for.
        version: String,
        /// Registry root.
        root: String,
    },
    /// Nothing to roll back to, or no champion yet.
    #[error("{0}")]
    Alias(String),
    /// A registry file cannot be read.
    #[error("registry file {url} is corrupt: {reason}")]
    Corrupt {
        /// File.
        url: String,
        /// Parser message.
        reason: String,
    },
    /// Another run moved the alias at the same moment.
    #[error("the champion alias was moved by another run while this one tried to; re-run to retry")]
    Conflict,
}

/// One change of the champion alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasEvent {
    /// Sequence number (1, 2, …).
    pub seq: u64,
    /// `promote` or `rollback`.
    pub action: String,
    /// The champion after the change.
    pub version: String,
    /// The champion before it (None for the first).
    pub previous: Option<String>,
    /// Run date of the run that moved it.
    pub run_date: String,
    /// Why.
    pub reason: String,
}

/// A model registry rooted at a URL.
pub struct Registry<'a> {
    storage: &'a Storage,
    root: Location,
}

const MANIFEST: &str = "manifest.json";

/// Where versions are written before they are complete.
const INCOMPLETE: &str = "risk/_incomplete";

/// In-progress folders untouched for this long belong to a crashed writer.
pub const ABANDONED_AFTER_HOURS: i64 = 1;

/// What [`Registry::remove_abandoned`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Abandoned {
    /// In-progress folders (`risk/_incomplete/<version>-<nonce>/`) removed.
    pub incomplete: Vec<String>,
    /// Version folders without a manifest (`risk/versions/<version>/`) removed.
    pub unfinished_versions: Vec<String>,
    /// Objects deleted.
    pub files: usize,
}

impl<'a> Registry<'a> {
    /// Opens the registry at `root` (nothing is read until asked).
    pub fn new(storage: &'a Storage, root: Location) -> Self {
        Self { storage, root }
    }

    /// The registry root.
    pub fn root(&self) -> &Location {
        &self.root
    }

    /// The folder of a version.
    pub fn version_location(&self, version: &str) -> Location {
        self.root.join(&format!("risk/versions/{version}"))
    }

    fn alias_location(&self) -> Location {
        self.root.join("risk/aliases/champion")
    }

    /// Whether a complete version exists.
    pub fn exists(&self, version: &str) -> Result<bool, RegistryError> {
        Ok(self
            .storage
            .exists(&self.version_location(version).join(MANIFEST))?)
    }

    /// Writes a new version: every file under `risk/_incomplete/`, then a server-side copy of
    /// each into the version folder, then the manifest, then the incomplete folder goes.
    /// Returns false (and writes nothing) when a complete version of that name exists
    /// already: versions are immutable.
    pub fn write_version(
        &self,
        version: &str,
        files: &[(&str, Bytes)],
        manifest: &serde_json::Value,
    ) -> Result<bool, RegistryError> {
        if self.exists(version)? {
            return Ok(false);
        }
        let dir = self.version_location(version);
        let json = serde_json::to_vec_pretty(manifest).map_err(|e| RegistryError::Corrupt {
            url: dir.join(MANIFEST).to_string(),
            reason: e.to_string(),
        })?;
        let temp = self
            .root
            .join(&format!("{INCOMPLETE}/{version}-{:016x}", rand::random::<u64>()));
        for (name, bytes) in files {
            self.storage.write(&temp.join(name), bytes.clone())?;
        }
        for (name, _) in files {
            self.copy(&temp.join(name), &dir.join(name))?;
        }
        self.storage.write(&dir.join(MANIFEST), Bytes::from(json))?;
        self.storage.delete_prefix(&temp)?;
        Ok(true)
    }

    fn copy(&self, from: &Location, to: &Location) -> Result<(), RegistryError> {
        let store = self.storage.object_store(from)?;
        self.storage
            .block_on(store.copy(from.path(), to.path()))
            .map_err(|e| {
                RegistryError::Storage(StorageError::Request {
                    op: "copy",
                    url: to.to_string(),
                    attempts: 1,
                    reason: e.to_string(),
                })
            })
    }

    /// Removes what crashed writers left: `_incomplete/` folders and manifest-less version
    /// folders whose newest object is older than `older_than` at `now` (younger ones may
    /// belong to a writer still running).
    pub fn remove_abandoned(
        &self,
        older_than: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<Abandoned, RegistryError> {
        let mut out = Abandoned::default();
        let cutoff = now - older_than;
        let incomplete = self.root.join(INCOMPLETE);
        for (folder, (newest, _)) in self.folders(&incomplete)? {
            if newest < cutoff {
                out.files += self.storage.delete_prefix(&incomplete.join(&folder))?;
                out.incomplete.push(folder);
            }
        }
        let versions = self.root.join("risk/versions");
        for (folder, (newest, has_manifest)) in self.folders(&versions)? {
            if !has_manifest && newest < cutoff {
                out.files += self.storage.delete_prefix(&versions.join(&folder))?;
                out.unfinished_versions.push(folder);
            }
        }
        if out.files > 0 {
            tracing::info!(
                incomplete = ?out.incomplete,
                unfinished_versions = ?out.unfinished_versions,
                files = out.files,
                "removed what crashed registry writers left"
            );
        }
        Ok(out)
    }

    /// The folders directly under `prefix`: newest object time and whether a manifest is
    /// among their direct files.
    fn folders(&self, prefix: &Location) -> Result<BTreeMap<String, (DateTime<Utc>, bool)>, RegistryError> {
        let store = self.storage.object_store(prefix)?;
        let path = prefix.path().clone();
        let objects = self
            .storage
            .block_on(async { store.list(Some(&path)).try_collect::<Vec<_>>().await })
            .map_err(|e| {
                RegistryError::Storage(StorageError::Request {
                    op: "list",
                    url: prefix.to_string(),
                    attempts: 1,
                    reason: e.to_string(),
                })
            })?;
        let mut out: BTreeMap<String, (DateTime<Utc>, bool)> = BTreeMap::new();
        for meta in objects {
            let rel: Vec<_> = meta.location.prefix_match(&path).into_iter().flatten().collect();
            let Some(folder) = rel.first() else { continue };
            let entry = out
                .entry(folder.as_ref().to_string())
                .or_insert((meta.last_modified, false));
            entry.0 = entry.0.max(meta.last_modified);
            entry.1 |= rel.len() == 2 && rel[1].as_ref() == MANIFEST;
        }
        Ok(out)
    }

    /// Reads a file of a version.
    pub fn read(&self, version: &str, file: &str) -> Result<Bytes, RegistryError> {
        if !self.exists(version)? {
            return Err(self.unknown(version));
        }
        Ok(self.storage.read(&self.version_location(version).join(file))?)
    }

    /// A version's manifest.
    pub fn manifest(&self, version: &str) -> Result<serde_json::Value, RegistryError> {
        let bytes = self.read(version, MANIFEST)?;
        serde_json::from_slice(&bytes).map_err(|e| RegistryError::Corrupt {
            url: self.version_location(version).join(MANIFEST).to_string(),
            reason: e.to_string(),
        })
    }

    /// Complete versions, oldest name first (names start with the run date).
    pub fn versions(&self) -> Result<Vec<String>, RegistryError> {
        let prefix = self.root.join("risk/versions");
        let mut out: Vec<String> = self
            .storage
            .list(&prefix)?
            .into_iter()
            .filter(|l| l.file_name() == Some(MANIFEST))
            .filter_map(|l| l.parent().file_name().map(str::to_string))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Every alias event, in order.
    pub fn history(&self) -> Result<Vec<AliasEvent>, RegistryError> {
        let mut events = Vec::new();
        for loc in self.storage.list(&self.alias_location())? {
            if !loc.file_name().is_some_and(|n| n.ends_with(".json")) {
                continue;
            }
            let bytes = self.storage.read(&loc)?;
            let event: AliasEvent = serde_json::from_slice(&bytes).map_err(|e| RegistryError::Corrupt {
                url: loc.to_string(),
                reason: e.to_string(),
            })?;
            events.push(event);
        }
        events.sort_by_key(|e| e.seq);
        Ok(events)
    }

    /// The champion stack after replaying the events: promotions push, rollbacks pop.
    fn stack(events: &[AliasEvent]) -> Vec<String> {
        let mut stack: Vec<String> = Vec::new();
        for e in events {
            if e.action == "rollback" {
                stack.pop();
                if stack.last() != Some(&e.version) {
                    stack.push(e.version.clone());
                }
            } else {
                stack.push(e.version.clone());
            }
        }
        stack
    }

    /// The current champion, if any.
    pub fn champion(&self) -> Result<Option<String>, RegistryError> {
        Ok(Self::stack(&self.history()?).last().cloned())
    }

    /// Makes `version` the champion.
    pub fn promote(&self, version: &str, run_date: &str, reason: &str) -> Result<AliasEvent, RegistryError> {
        if !self.exists(version)? {
            return Err(self.unknown(version));
        }
        self.append("promote", version.to_string(), run_date, reason)
    }

    /// Moves the champion back to the one before it.
    pub fn rollback(&self, run_date: &str, reason: &str) -> Result<AliasEvent, RegistryError> {
        let stack = Self::stack(&self.history()?);
        if stack.len() < 2 {
            return Err(RegistryError::Alias(match stack.last() {
                Some(v) => format!("{v} is the only champion there has been: nothing to roll back to"),
                None => "there is no champion yet: nothing to roll back".into(),
            }));
        }
        self.append("rollback", stack[stack.len() - 2].clone(), run_date, reason)
    }

    fn append(
        &self,
        action: &str,
        version: String,
        run_date: &str,
        reason: &str,
    ) -> Result<AliasEvent, RegistryError> {
        let events = self.history()?;
        let event = AliasEvent {
            seq: events.last().map_or(1, |e| e.seq + 1),
            action: action.into(),
            version,
            previous: Self::stack(&events).last().cloned(),
            run_date: run_date.into(),
            reason: reason.into(),
        };
        let loc = self.alias_location().join(&format!("{:010}.json", event.seq));
        let json = serde_json::to_vec_pretty(&event).map_err(|e| RegistryError::Corrupt {
            url: loc.to_string(),
            reason: e.to_string(),
        })?;
        if self.storage.create(&loc, Bytes::from(json))? {
            Ok(event)
        } else {
            Err(RegistryError::Conflict)
        }
    }

    fn unknown(&self, version: &str) -> RegistryError {
        RegistryError::UnknownVersion {
            version: version.into(),
            root: self.root.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RetryPolicy;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn versions_are_immutable_and_the_alias_promotes_and_rolls_back() -> TestResult {
        let storage = Storage::new(RetryPolicy::default(), Vec::new())?;
        let dir = tempfile::tempdir()?;
        let reg = Registry::new(&storage, Location::parse(&dir.path().to_string_lossy())?);
        let manifest = serde_json::json!({"version": "v1"});
        assert!(reg.write_version("v1", &[("model.bin", Bytes::from_static(b"one"))], &manifest)?);
        assert!(!reg.write_version("v1", &[("model.bin", Bytes::from_static(b"two"))], &manifest)?);
        assert_eq!(reg.read("v1", "model.bin")?, Bytes::from_static(b"one"));
        reg.write_version("v2", &[("model.bin", Bytes::from_static(b"2"))], &manifest)?;
        reg.write_version("v3", &[("model.bin", Bytes::from_static(b"3"))], &manifest)?;
        assert_eq!(reg.versions()?, vec!["v1", "v2", "v3"]);
        assert_eq!(reg.champion()?, None);
        assert!(reg.rollback("2026-01-01", "test").is_err());
        assert!(matches!(
            reg.promote("v9", "d", "r"),
            Err(RegistryError::UnknownVersion { .. })
        ));
        reg.promote("v1", "d", "first")?;
        assert!(reg.rollback("d", "only one").is_err());
        reg.promote("v2", "d", "better")?;
        reg.promote("v3", "d", "better")?;
        let back = reg.rollback("d", "v3 misbehaves")?;
        assert_eq!(
            (back.version.as_str(), back.previous.as_deref()),
            ("v2", Some("v3"))
        );
        assert_eq!(reg.champion()?.as_deref(), Some("v2"));
        reg.rollback("d", "v2 too")?;
        assert_eq!(reg.champion()?.as_deref(), Some("v1"));
        assert_eq!(reg.history()?.len(), 5);
        // A stale writer that lost the race for sequence number 5 is refused.
        let taken = reg.alias_location().join("0000000005.json");
        assert!(!storage.create(&taken, Bytes::from_static(b"{}"))?);
        Ok(())
    }

    #[test]
    fn crashed_writes_stay_invisible_and_are_removed_once_abandoned() -> TestResult {
        let storage = Storage::new(RetryPolicy::default(), Vec::new())?;
        let dir = tempfile::tempdir()?;
        let reg = Registry::new(&storage, Location::parse(&dir.path().to_string_lossy())?);
        let manifest = serde_json::json!({"version": "v1"});
        reg.write_version("v1", &[("model.bin", Bytes::from_static(b"one"))], &manifest)?;
        assert!(
            storage.list(&reg.root.join(INCOMPLETE))?.is_empty(),
            "nothing left in progress"
        );
        // What a kill leaves: an in-progress folder, and a version folder without manifest.
        let half = reg
            .root
            .join(&format!("{INCOMPLETE}/v2-00000000000000ab/model.bin"));
        storage.write(&half, Bytes::from_static(b"two"))?;
        storage.write(
            &reg.version_location("v3").join("model.bin"),
            Bytes::from_static(b"3"),
        )?;
        assert_eq!(reg.versions()?, vec!["v1"]);
        assert!(!reg.exists("v3")?);
        assert!(matches!(
            reg.read("v3", "model.bin"),
            Err(RegistryError::UnknownVersion { .. })
        ));
        assert!(matches!(
            reg.promote("v3", "d", "r"),
            Err(RegistryError::UnknownVersion { .. })
        ));
        // Young leftovers may belong to a running writer: kept.
        let hour = chrono::Duration::hours(ABANDONED_AFTER_HOURS);
        assert_eq!(reg.remove_abandoned(hour, Utc::now())?, Abandoned::default());
        let later = Utc::now() + chrono::Duration::hours(2);
        let removed = reg.remove_abandoned(hour, later)?;
        assert_eq!(removed.incomplete, vec!["v2-00000000000000ab"]);
        assert_eq!(removed.unfinished_versions, vec!["v3"]);
        assert_eq!(removed.files, 2);
        assert_eq!(reg.versions()?, vec!["v1"]);
        assert_eq!(reg.read("v1", "model.bin")?, Bytes::from_static(b"one"));
        Ok(())
    }
}
