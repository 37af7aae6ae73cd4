//! Build script: records which commit the binary was built from, for `vigil --version` and
//! the run summary's `version` (Airflow's XCom then says which build ran).
//!
//! The commit comes from `git` when the sources are a checkout; a build without `.git` (a
//! Docker build context) passes it as the `VIGIL_GIT_COMMIT` environment variable; else it is
//! `unknown`. The script reruns only when HEAD moves (or that variable changes), never on
//! every build.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=VIGIL_GIT_COMMIT");
    let info = match git(&["log", "-1", "--format=%h %cs"]) {
        Some(line) => {
            watch_head();
            line
        }
        None => std::env::var("VIGIL_GIT_COMMIT")
            .ok()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "unknown".to_string()),
    };
    println!("cargo:rustc-env=VIGIL_BUILD_COMMIT={info}");
}

/// One line of `git` output, or `None` when git or the repository is absent.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.trim();
    (out.status.success() && !line.is_empty()).then(|| line.to_string())
}

/// Reruns the script when HEAD moves: HEAD itself (a checkout), the branch it points to (a
/// commit) and packed-refs (`git gc`). `--git-path` resolves worktrees and the common folder.
fn watch_head() {
    let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]).map(PathBuf::from) else {
        return;
    };
    println!("cargo:rerun-if-changed={}", head.display());
    if let Some(packed) = git(&["rev-parse", "--git-path", "packed-refs"])
        && PathBuf::from(&packed).exists()
    {
        println!("cargo:rerun-if-changed={packed}");
    }
    let target = std::fs::read_to_string(&head).unwrap_or_default();
    if let Some(reference) = target.trim().strip_prefix("ref: ")
        && let Some(path) = git(&["rev-parse", "--git-path", reference])
        && PathBuf::from(&path).exists()
    {
        println!("cargo:rerun-if-changed={path}");
    }
}
