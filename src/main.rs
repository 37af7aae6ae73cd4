//! The `vigil` binary: parse the command line, set up tracing, run, map the error to an
//! exit code, print the per-stage timing table on stderr and the one-line JSON run summary
//! last on stdout.

use anyhow::Context;
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;
use vigil::cli::{Cli, LogFormat, run};
use vigil::pipeline::runtime::progress::{self, LogWriter};
use vigil::pipeline::{RunSummary, timing_table};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let format = cli.global.log_format;
    init_tracing(format, cli.global.verbose, cli.global.quiet);
    // Bars only for a person at a terminal: never in JSON logs, under Airflow, or with -q.
    progress::enable(format == LogFormat::Pretty && cli.global.quiet == 0 && std::io::stderr().is_terminal());
    let (summary, result) = run(&cli);
    // The timing table is for people: JSON logs carry the same figures in `stage finished`.
    if format == LogFormat::Pretty && cli.global.quiet < 2 {
        eprint!("{}", timing_table(&summary));
    }
    if let Err(e) = &result {
        // In the run's span, so the error's JSON line carries the command and run_id too.
        summary
            .span()
            .in_scope(|| tracing::error!(exit_code = summary.exit_code, "{e:#}"));
        eprintln!("error: {e:#}");
    }
    let code = summary.exit_code;
    if let Err(e) = emit_summary(&summary, cli.global.summary_json.as_deref()) {
        eprintln!("error: {e:#}");
        // A run that failed already keeps its own code (a pre-flight check of the path
        // failed with exit 2); a successful run whose summary is lost is exit 1.
        return ExitCode::from(u8::try_from(code).ok().filter(|c| *c != 0).unwrap_or(1));
    }
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// clap errors: help and version print normally; anything else is exit 2 with a summary.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let _ = e.print();
    let mut summary = RunSummary::new("vigil");
    summary.status = "error";
    summary.exit_code = vigil::ExitCode::Usage.code();
    summary.error = Some(e.kind().to_string());
    let _ = emit_summary(&summary, None);
    ExitCode::from(2)
}

fn init_tracing(format: LogFormat, verbose: u8, quiet: u8) {
    // Dependencies stay at warn unless RUST_LOG says otherwise: their debug output can
    // carry request details we do not vet for secrets.
    let level = match (verbose, quiet) {
        (0, 0) => "info",
        (_, 1) => "warn",
        (_, q) if q >= 2 => "error",
        (1, _) => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(format!("warn,vigil={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(|| LogWriter);
    match format {
        // Every line carries its span list: the run's command and run_id, the stage.
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).init(),
        LogFormat::Pretty => builder.compact().fmt_fields(PrettyFields).init(),
    }
}

/// Pretty log fields: `key=value` like tracing-subscriber's default, without the run span's
/// `command` and `run_id`, which would repeat on every line (JSON logs carry them; a pretty
/// log names the run once, in its `run <id>` line).
struct PrettyFields;

impl<'w> FormatFields<'w> for PrettyFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> std::fmt::Result {
        let mut visitor = PrettyVisitor {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct PrettyVisitor<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: std::fmt::Result,
}

impl Visit for PrettyVisitor<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if self.result.is_err() || matches!(field.name(), "command" | "run_id") {
            return;
        }
        let sep = if std::mem::take(&mut self.first) { "" } else { " " };
        self.result = match field.name() {
            "message" => write!(self.writer, "{sep}{value:?}"),
            name => write!(self.writer, "{sep}{name}={value:?}"),
        };
    }
}

fn emit_summary(summary: &RunSummary, path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let line = summary.to_json_line();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    if let Some(path) = path {
        std::fs::write(path, format!("{line}\n"))
            .with_context(|| format!("cannot write --summary-json {}", path.display()))?;
    }
    Ok(())
}
