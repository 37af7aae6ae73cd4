//! Helpers shared by unit tests.

/// Asserts that a generated document under the crate root matches `want`; with
/// `VIGIL_UPDATE_DOCS=1` it rewrites the file first. `test` names the test to rerun.
pub fn assert_doc_current(rel_path: &str, want: &str, test: &str) -> std::io::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel_path);
    if std::env::var("VIGIL_UPDATE_DOCS").is_ok() {
        std::fs::write(&path, want)?;
    }
    let have = std::fs::read_to_string(&path)?;
    assert!(
        have == want,
        "{rel_path} is stale: run VIGIL_UPDATE_DOCS=1 cargo test {test}"
    );
    Ok(())
}
