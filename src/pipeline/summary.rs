//! The run summary: one JSON object per run, the last line on stdout.

use serde::Serialize;
use std::time::Instant;

/// What one stage did.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    /// Stage name.
    pub stage: &'static str,
    /// Rows read.
    pub rows_in: u64,
    /// Rows written or kept.
    pub rows_out: u64,
    /// Wall time of the stage in milliseconds.
    pub duration_ms: u64,
    /// Things a user should know (absent tables, quarantined rows).
    pub warnings: Vec<String>,
    /// Where outputs went.
    pub outputs: Vec<String>,
    /// Stage-specific figures (model version, metrics, throughput).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub metrics: serde_json::Map<String, serde_json::Value>,
}

impl StageReport {
    /// A report for `stage` started at `started`.
    pub fn new(stage: &'static str, started: Instant) -> Self {
        Self {
            stage,
            rows_in: 0,
            rows_out: 0,
            duration_ms: started.elapsed().as_millis() as u64,
            warnings: Vec::new(),
            outputs: Vec::new(),
            metrics: serde_json::Map::new(),
        }
    }
}

/// The summary of one `vigil` invocation.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// Command name.
    pub command: String,
    /// `ok` or `error`.
    pub status: &'static str,
    /// Process exit code.
    pub exit_code: i32,
    /// Run id: run date plus a random suffix.
    pub run_id: Option<String>,
    /// `--as-of` of the run, RFC 3339.
    pub as_of: Option<String>,
    /// Partition date of the outputs.
    pub run_date: Option<String>,
    /// Total wall time in milliseconds.
    pub duration_ms: u64,
    /// Stage reports in order.
    pub stages: Vec<StageReport>,
    /// Error message (the full chain) when the run failed.
    pub error: Option<String>,
}

impl RunSummary {
    /// An empty successful summary for `command`.
    pub fn new(command: &str) -> Self {
        Self {
            command: command.to_string(),
            status: "ok",
            exit_code: 0,
            run_id: None,
            as_of: None,
            run_date: None,
            duration_ms: 0,
            stages: Vec::new(),
            error: None,
        }
    }

    /// Sets the window fields and a fresh run id.
    pub fn set_window(&mut self, window: &crate::time::RunWindow) {
        let run_date = window.run_date().to_string();
        self.run_id = Some(format!("{run_date}-{:08x}", rand::random::<u32>()));
        self.as_of = Some(window.as_of.to_rfc3339());
        self.run_date = Some(run_date);
    }

    /// One-line JSON.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!("{{\"status\":\"error\",\"error\":\"summary encoding failed: {e}\"}}")
        })
    }
}
