//! `[report]`: the quarterly escalation-patterns report (`vigil report`).

use serde::{Deserialize, Serialize};

/// The `[report]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportOptions {
    /// A characteristic is reported for a rising category only when at least this many of
    /// the category's escalated accounts have it (small numbers are not over-read).
    pub min_support: usize,
    /// Characteristics (highest lift first) reported per rising category.
    pub lift_top: usize,
    /// Days after an alert without an escalation for the alert to count as prevented.
    pub prevention_days: u32,
    /// Where reports are written (a folder or object-store URL, relative to the project
    /// root); empty: `<warehouse>/reports`.
    pub reports: String,
    /// Which scores the performance section measures: `auto` (the published `risk_scores`
    /// when they cover at least 80% of the quarter's days, else replayed), `published` or
    /// `replayed` (the quarter's snapshots re-scored with today's champion).
    pub performance: PerformanceSource,
}

/// The scores the quarterly report's performance section measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PerformanceSource {
    /// Published when they cover most of the quarter, else replayed.
    #[default]
    Auto,
    /// The published `risk_scores` partitions of the quarter.
    Published,
    /// The quarter's feature snapshots re-scored with today's champion.
    Replayed,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            min_support: 5,
            lift_top: 3,
            prevention_days: 30,
            reports: String::new(),
            performance: PerformanceSource::Auto,
        }
    }
}
