//! The `vigil` binary: parse the command line, set up tracing, run, map the error to an
//! exit code, and print the one-line JSON run summary last on stdout.

use anyhow::Context;
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;
use vigil::cli::{Cli, LogFormat, run};
use vigil::pipeline::RunSummary;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    init_tracing(cli.global.log_format, cli.global.verbose, cli.global.quiet);
    let (summary, result) = run(&cli);
    if let Err(e) = &result {
        tracing::error!(exit_code = summary.exit_code, "{e:#}");
        eprintln!("error: {e:#}");
    }
    let code = summary.exit_code;
    if let Err(e) = emit_summary(&summary, cli.global.summary_json.as_deref()) {
        eprintln!("error: {e:#}");
        return ExitCode::from(1);
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
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.compact().init(),
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
