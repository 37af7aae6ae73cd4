//! The run summary: one JSON object per run, the last line on stdout; and the tracing
//! context of a run: a root `run` span (command, run id) and one `stage` span per stage, so
//! every log line says which run and stage wrote it, and one `stage finished` event per
//! stage with its rows and duration.

use crate::{Error, Result};
use serde::Serialize;
use std::time::Instant;
use tracing::Span;

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
    /// Stage-specific figures (model version, metrics, throughput): each stage's own metrics
    /// struct, serialised by [`StageReport::record`] (an object with sorted keys).
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

    /// Records the stage's figures: `metrics` (a stage's `#[derive(Serialize)]` metrics
    /// struct) becomes the fields of the summary's `metrics` object, over any recorded before.
    pub fn record<T: Serialize>(&mut self, metrics: &T) -> Result<()> {
        match serde_json::to_value(metrics) {
            Ok(serde_json::Value::Object(fields)) => {
                self.metrics.extend(fields);
                Ok(())
            }
            Ok(other) => Err(Error::Internal(format!(
                "the metrics of stage {} are not a JSON object: {other}",
                self.stage
            ))),
            Err(e) => Err(Error::Internal(format!(
                "the metrics of stage {} cannot be encoded: {e}",
                self.stage
            ))),
        }
    }
}

/// Runs `f` inside the tracing span of stage `name`: every event it logs carries
/// `stage = name` (nested under the run's span, which carries `command` and `run_id`).
///
/// Wrap the call that does a stage's work and hand the report it returns to
/// [`RunSummary::push_stage`], which logs the stage's end:
/// `summary.push_stage(in_stage("score", || score(&storage, &settings))?)`.
pub fn in_stage<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    tracing::info_span!("stage", stage = name).in_scope(f)
}

/// The summary of one `vigil` invocation.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// Command name.
    pub command: String,
    /// Version and commit of the binary ([`crate::VERSION`]).
    pub version: &'static str,
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
    /// The run's root span: `command`, and `run_id` once the window is set.
    #[serde(skip)]
    span: Span,
    /// How many of `stages` have had their `stage finished` event.
    #[serde(skip)]
    logged: usize,
}

impl RunSummary {
    /// An empty successful summary for `command`.
    pub fn new(command: &str) -> Self {
        Self {
            command: command.to_string(),
            version: crate::VERSION,
            status: "ok",
            exit_code: 0,
            run_id: None,
            as_of: None,
            run_date: None,
            duration_ms: 0,
            stages: Vec::new(),
            error: None,
            span: tracing::info_span!("run", command, run_id = tracing::field::Empty),
            logged: 0,
        }
    }

    /// The run's root span; `cli::run` enters it for the whole command, so it is the parent
    /// of every stage span.
    pub fn span(&self) -> Span {
        self.span.clone()
    }

    /// Sets the window fields and a fresh run id (recorded into the run's span).
    pub fn set_window(&mut self, window: &crate::time::RunWindow) {
        let run_date = window.run_date().to_string();
        let run_id = format!("{run_date}-{:08x}", rand::random::<u32>());
        self.span.record("run_id", run_id.as_str());
        tracing::info!(as_of = %window.as_of.to_rfc3339(), "run {run_id}");
        self.run_id = Some(run_id);
        self.as_of = Some(window.as_of.to_rfc3339());
        self.run_date = Some(run_date);
    }

    /// Adopts a run id pinned elsewhere (a sharded run's plan), recorded into the run's span.
    pub fn adopt_run_id(&mut self, run_id: &str) {
        self.span.record("run_id", run_id);
        self.run_id = Some(run_id.to_string());
    }

    /// Appends a finished stage and logs its `stage finished` event.
    pub fn push_stage(&mut self, stage: StageReport) {
        self.stages.push(stage);
        self.log_finished_stages();
    }

    /// Appends finished stages (in order) and logs their `stage finished` events.
    pub fn extend_stages(&mut self, stages: impl IntoIterator<Item = StageReport>) {
        self.stages.extend(stages);
        self.log_finished_stages();
    }

    /// Logs one `stage finished` event (stage, rows in and out, duration, outputs) for each
    /// stage not logged yet: stages pushed straight onto `stages` get theirs here, at the
    /// latest when the command ends (`cli::run` calls this), so every stage is logged once.
    pub fn log_finished_stages(&mut self) {
        for s in self.stages.iter().skip(self.logged) {
            tracing::info!(
                stage = s.stage,
                rows_in = s.rows_in,
                rows_out = s.rows_out,
                duration_ms = s.duration_ms,
                outputs = %s.outputs.join(","),
                warnings = s.warnings.len(),
                "stage finished"
            );
        }
        self.logged = self.stages.len();
    }

    /// One-line JSON.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!("{{\"status\":\"error\",\"error\":\"summary encoding failed: {e}\"}}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_puts_a_metrics_struct_into_the_summary_as_its_fields_in_key_order() {
        #[derive(Serialize)]
        struct Figures {
            zeta: u32,
            alpha: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
        }
        let mut stage = StageReport::new("x", Instant::now());
        stage.metrics.insert("earlier".into(), 1.into());
        let figures = Figures {
            zeta: 2,
            alpha: None,
            skipped: None,
        };
        stage.record(&figures).expect("an object");
        assert_eq!(
            serde_json::to_string(&stage.metrics).expect("json"),
            r#"{"alpha":null,"earlier":1,"zeta":2}"#
        );
        assert!(stage.record(&3).is_err(), "a number is not a metrics object");
    }

    #[test]
    fn version_is_the_package_version_and_the_build_commit() {
        let inner = crate::VERSION
            .strip_prefix(concat!(env!("CARGO_PKG_VERSION"), " ("))
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{}", crate::VERSION));
        let commit = inner.split(' ').next().unwrap_or_default();
        assert!(
            commit == "unknown" || commit.chars().all(|c| c.is_ascii_alphanumeric()) && commit.len() >= 4,
            "{inner}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&RunSummary::new("generate").to_json_line()).expect("json");
        assert_eq!(json["version"], crate::VERSION);
    }

    // Regression guard: a stage pushed straight onto `stages` (not through `push_stage`)
    // must still get its one `stage finished` event, and no stage may get two.
    #[test]
    fn every_stage_is_logged_once_however_it_was_added() {
        let stage = |name| StageReport::new(name, Instant::now());
        let mut summary = RunSummary::new("run");
        summary.push_stage(stage("validate"));
        assert_eq!(summary.logged, 1);
        summary.stages.push(stage("features"));
        summary.extend_stages([stage("train"), stage("score")]);
        assert_eq!(summary.logged, 4);
        summary.stages.push(stage("publish"));
        summary.log_finished_stages();
        summary.log_finished_stages();
        assert_eq!((summary.logged, summary.stages.len()), (5, 5));
    }
}
