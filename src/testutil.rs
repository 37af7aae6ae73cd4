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

/// Backtest figures at one threshold, for chart and gate tests: `recall` and `precision`
/// given, snapshot precision equal to precision, 10 alerts, 5 detected, 1 alert per 100
/// accounts per week.
pub fn at_threshold(threshold: u32, recall: f64, precision: f64) -> crate::risk::backtest::AtThreshold {
    crate::risk::backtest::AtThreshold {
        threshold,
        recall,
        precision,
        snapshot_precision: precision,
        alerts: 10,
        alerts_per_100_accounts_per_week: 1.0,
        detected: 5,
    }
}
