//! What a scheduler reads: with `--log-format json` every stderr line is JSON and carries the
//! run (command, run_id) and stage it belongs to, each stage ends with one `stage finished`
//! event; people get a timing table instead; stdout's last line stays the JSON summary, which
//! names the build like `vigil --version` does.

use crate::common::{Project, vigil};
use serde_json::Value;

/// Every stderr line as JSON (panics on a line that is not: a log collector would choke).
fn json_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stderr line is not JSON ({e}): {l:?}")))
        .collect()
}

/// The `name` span of a JSON log line's span list.
fn span<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    line["spans"].as_array()?.iter().find(|s| s["name"] == name)
}

#[test]
fn json_logs_carry_run_id_and_stage_and_end_each_stage_with_its_figures() {
    let p = Project::new("");
    p.small_history();
    let run = p.validate_with(&["--log-format", "json"], &[]);
    run.expect_code(0);
    let summary = run.summary();
    let run_id = summary["run_id"].as_str().expect("run_id in the summary");
    let lines = json_lines(&run.stderr);

    // Logged inside the stage: the stage span under the run span.
    let inside = lines
        .iter()
        .find(|l| span(l, "stage").is_some_and(|s| s["stage"] == "validate"))
        .unwrap_or_else(|| panic!("no line logged inside the validate stage:\n{}", run.stderr));
    let root = span(inside, "run").expect("run span");
    assert_eq!(root["command"], "validate", "{inside}");
    assert_eq!(root["run_id"], run_id, "{inside}");

    // One `stage finished` event per stage, with the summary's figures.
    let finished: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "stage finished")
        .collect();
    assert_eq!(finished.len(), 1, "{}", run.stderr);
    let (event, stage) = (&finished[0]["fields"], &summary["stages"][0]);
    assert_eq!(event["stage"], "validate");
    assert!(stage["rows_in"].as_u64().is_some_and(|n| n > 0), "{stage}");
    for key in ["rows_in", "rows_out", "duration_ms"] {
        assert_eq!(event[key], stage[key], "{key}: {event} vs {stage}");
    }
    assert_eq!(span(finished[0], "run").expect("run span")["run_id"], run_id);

    // The summary names the build, as `vigil --version` does.
    let version = summary["version"].as_str().expect("version in the summary");
    assert!(version.starts_with(env!("CARGO_PKG_VERSION")), "{version}");
}

#[test]
fn pretty_runs_end_with_a_timing_table_on_stderr_that_minus_qq_removes() {
    let p = Project::new("");
    p.small_history();
    let run = p.validate();
    run.expect_code(0)
        .expect_stderr(&["rows in", "rows out", "seconds", "share"]);
    let table: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("stage "))
        .collect();
    assert!(table.len() == 3, "header, validate, total:\n{}", run.stderr);
    assert!(
        table[1].starts_with("validate ") && table[2].starts_with("total "),
        "{table:?}"
    );
    assert!(!run.stdout.contains("rows in"), "the table never goes to stdout");
    run.summary();

    let quiet = p.validate_with(&["-qq"], &[]);
    quiet.expect_code(0);
    assert!(!quiet.stderr.contains("rows in"), "{}", quiet.stderr);
    quiet.summary();
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = vigil(dir.path(), &["--version"]);
    run.expect_code(0);
    let line = run.stdout.trim();
    let prefix = format!("vigil {} (", env!("CARGO_PKG_VERSION"));
    let inner = line
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("`vigil --version` printed {line:?}"));
    let commit = inner.split(' ').next().unwrap_or_default();
    // From a checkout, the commit is HEAD's (build.rs reruns when HEAD moves).
    let head = std::process::Command::new("git")
        .args(["log", "-1", "--format=%h"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(head) => assert_eq!(commit, head, "{line}"),
        None => assert!(!commit.is_empty(), "{line}"),
    }
}
