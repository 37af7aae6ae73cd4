//! The per-stage timing table a run ends with on stderr (never stdout: the last stdout line
//! is the JSON summary): rows in and out, seconds and share of the run's wall time per stage.

use super::RunSummary;
use crate::format::thousands;
use std::fmt::Write as _;

/// The timing table of a run, one line per stage and a `total` line; empty when no stage
/// ran. Shares are of the whole command's wall time, so they need not add up to 100 %
/// (setup between stages is in the total only).
pub fn timing_table(summary: &RunSummary) -> String {
    if summary.stages.is_empty() {
        return String::new();
    }
    let width = summary
        .stages
        .iter()
        .map(|s| s.stage.len())
        .chain(["stage".len(), "total".len()])
        .max()
        .unwrap_or(5);
    let total = summary.duration_ms;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>12}  {:>12}  {:>9}  {:>6}",
        "stage", "rows in", "rows out", "seconds", "share"
    );
    for s in &summary.stages {
        let _ = writeln!(
            out,
            "{:<width$}  {:>12}  {:>12}  {:>9}  {:>6}",
            s.stage,
            thousands(s.rows_in as i64),
            thousands(s.rows_out as i64),
            seconds(s.duration_ms),
            share(s.duration_ms, total)
        );
    }
    let _ = writeln!(
        out,
        "{:<width$}  {:>12}  {:>12}  {:>9}  {:>6}",
        "total",
        "",
        "",
        seconds(total),
        share(total, total)
    );
    out
}

fn seconds(ms: u64) -> String {
    format!("{:.2}", ms as f64 / 1000.0)
}

/// Percent of `total`, one decimal; `-` when the total is 0.
fn share(ms: u64, total: u64) -> String {
    if total == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * ms as f64 / total as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::super::StageReport;
    use super::*;
    use std::time::Instant;

    fn stage(name: &'static str, rows_in: u64, rows_out: u64, ms: u64) -> StageReport {
        let mut s = StageReport::new(name, Instant::now());
        s.rows_in = rows_in;
        s.rows_out = rows_out;
        s.duration_ms = ms;
        s
    }

    #[test]
    fn table_has_a_row_per_stage_and_a_total() {
        let mut summary = RunSummary::new("run");
        summary
            .stages
            .push(stage("validate", 1_234_567, 1_234_000, 1_500));
        summary.stages.push(stage("sentiment_train", 0, 0, 6_000));
        summary.duration_ms = 10_000;
        let table = timing_table(&summary);
        let expected = "\
stage                 rows in      rows out    seconds   share
validate            1,234,567     1,234,000       1.50   15.0%
sentiment_train             0             0       6.00   60.0%
total                                            10.00  100.0%
";
        assert_eq!(table, expected);
    }

    #[test]
    fn no_stage_no_table_and_a_zero_total_has_no_share() {
        let mut summary = RunSummary::new("models list");
        assert_eq!(timing_table(&summary), "");
        summary.stages.push(stage("models", 0, 3, 0));
        let table = timing_table(&summary);
        assert!(
            table.lines().nth(1).is_some_and(|l| l.ends_with("  -")),
            "{table}"
        );
    }
}
