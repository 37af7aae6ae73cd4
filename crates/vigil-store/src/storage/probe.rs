//! Pre-flight write checks: a command that will write the warehouse or the registry first
//! proves it can, so a wrong URL, a missing bucket or a read-only credential fails in
//! seconds, before any work, instead of after the whole run.
//!
//! The check is the cheapest one that is reliable on every backend: on object stores a
//! probe object is created and deleted under the location (a bucket policy can allow
//! listing but not writing, so only a write proves a write); on the local file system a
//! probe file is created and removed in the nearest existing folder of the location (the
//! folders below it are created by the first real write).

use super::{Location, Storage, StorageError};
use bytes::Bytes;

/// Name of the probe object written under a location and deleted at once.
const PROBE_NAME: &str = "_vigil_write_probe";

impl Storage {
    /// Fails unless objects can be written at `loc` (see the module docs for how); `what`
    /// names the location in the message ("warehouse", "registry").
    pub fn check_writable(&self, loc: &Location, what: &str) -> Result<(), StorageError> {
        if loc.is_local_or_memory() {
            if loc.store_key() == "file://" {
                return check_local(loc, what);
            }
            return Ok(());
        }
        // Opening the store first names the location itself in an option or credentials error.
        self.object_store(loc)?;
        let probe = loc.join(&format!("{PROBE_NAME}-{}", std::process::id()));
        self.write(&probe, Bytes::from_static(b"vigil write probe\n"))?;
        self.delete_object(&probe)?;
        tracing::debug!(url = %loc, what, "pre-flight: writable");
        Ok(())
    }
}

/// The local check: the nearest existing ancestor of the folder must be a folder in which a
/// file can be created.
fn check_local(loc: &Location, what: &str) -> Result<(), StorageError> {
    let path = std::path::PathBuf::from(loc.to_string());
    let unwritable = |reason: String| StorageError::Unwritable {
        what: what.to_string(),
        url: loc.to_string(),
        reason,
    };
    let mut dir = path.as_path();
    while !dir.exists() {
        dir = dir
            .parent()
            .ok_or_else(|| unwritable("no existing parent folder".into()))?;
    }
    if !dir.is_dir() {
        return Err(unwritable(format!("{} is a file, not a folder", dir.display())));
    }
    let probe = dir.join(format!(".{PROBE_NAME}-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| unwritable(format!("cannot create a file in {}: {e}", dir.display())))?;
    std::fs::remove_file(&probe)
        .map_err(|e| unwritable(format!("cannot remove {}: {e}", probe.display())))?;
    Ok(())
}
