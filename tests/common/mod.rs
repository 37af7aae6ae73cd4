//! Helpers: run the binary, write configs and small valid histories to mutate.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Result of one `vigil` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON run summary: the last stdout line.
    pub fn summary(&self) -> serde_json::Value {
        let last = self.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last).unwrap_or_else(|e| {
            panic!(
                "last stdout line is not JSON ({e}): {last:?}\nstderr: {}",
                self.stderr
            )
        })
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the run failed cleanly: exit `code`, every needle in stderr, no panic,
    /// and a JSON run summary on the last stdout line that carries the same exit code.
    pub fn expect_failure(&self, code: i32, needles: &[&str]) -> &Self {
        self.expect_code(code).expect_stderr(needles);
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        assert_eq!(self.summary()["exit_code"], code, "summary:\n{}", self.stdout);
        self
    }

    /// Panics if `needle` (a planted secret or customer text) appears in stdout or stderr.
    pub fn expect_absent(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle) && !self.stdout.contains(needle),
            "{needle:?} leaked\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless stderr contains every needle.
    pub fn expect_stderr(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}\n--- stderr\n{}",
                self.stderr
            );
        }
        self
    }
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The `vigil` binary with `args` in `cwd`, without the caller's `RUST_LOG` and
/// `VIGIL_CONFIG` (for tests that spawn, kill or tweak the process themselves).
pub fn vigil_command(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil"));
    cmd.current_dir(cwd)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("VIGIL_CONFIG");
    cmd
}

/// Runs `vigil` with `args` in `cwd` with extra environment variables.
pub fn vigil_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = vigil_command(cwd, args);
    cmd.envs(env.iter().copied());
    cmd.output().expect("spawn vigil").into()
}

/// The shipped default sentiment model (absolute path, for configs in scratch projects).
pub fn shipped_model() -> String {
    format!("{}/models/sentiment/default", env!("CARGO_MANIFEST_DIR"))
}

/// The rows of one `run_date` partition of a Delta table vigil wrote (a folder or URL),
/// read through the Delta log; `None` when the table or the partition does not exist.
pub fn delta_partition(table: &str, run_date: &str) -> Option<polars::prelude::DataFrame> {
    let storage =
        vigil_store::storage::Storage::new(vigil_store::storage::RetryPolicy::default(), Vec::new())
            .expect("storage");
    let loc = vigil_store::storage::Location::parse(table).expect("table location");
    let date = chrono::NaiveDate::parse_from_str(run_date, "%Y-%m-%d").expect("run date");
    vigil_store::warehouse::delta::read_partition(&storage, &loc, date).expect("read the Delta table")
}

/// The validation report `vigil validate` wrote for a run date (under `wh/`).
pub fn validation_report(p: &Project, date: &str) -> serde_json::Value {
    let path = p.file(&format!("wh/validation/run_date={date}/report.json"));
    serde_json::from_slice(&std::fs::read(path).expect("report")).expect("json")
}

/// One table's section of a validation report.
pub fn report_table<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["table"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {report}"))
}

/// Whether `python3` can import `module`. When it cannot, a test that needs it returns early,
/// unless `VIGIL_REQUIRE_SERVERS` is set (CI), where this panics.
pub fn python_has(module: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found || std::env::var("VIGIL_REQUIRE_SERVERS").is_err(),
        "python3 -c 'import {module}' failed"
    );
    found
}

/// Runs `vigil` with `args` in `cwd`.
pub fn vigil(cwd: &Path, args: &[&str]) -> Run {
    vigil_env(cwd, args, &[])
}

/// A scratch project folder with `pipelines/test.toml` pointing at `history/` and `wh/`.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A project whose config fails on any bad row (`max_bad_row_share = 0`), plus `extra_config`.
    pub fn new(extra_config: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("pipelines")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("history")).expect("mkdir");
        let p = Self { dir };
        p.config(&format!(
            "[sources]\nbase = \"history\"\n\n[warehouse]\nurl = \"wh\"\n{extra_config}"
        ));
        if !extra_config.contains("[validation]") {
            let text = std::fs::read_to_string(p.path().join("pipelines/test.toml")).expect("config");
            p.config(&format!("{text}\n[validation]\nmax_bad_row_share = 0.0\n"));
        }
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self, text: &str) {
        std::fs::write(self.path().join("pipelines/test.toml"), text).expect("write config");
    }

    /// Every file under `rel`, as paths relative to it, sorted; empty when `rel` does not exist.
    /// Tests use it to assert that a failed run wrote no output.
    pub fn files_under(&self, rel: &str) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.to_string_lossy().into_owned());
                }
            }
        }
        let root = self.file(rel);
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.file(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, bytes).expect("write");
    }

    /// Writes a small valid history as CSV: 100 accounts, 200 tickets (up to 2026-06-28),
    /// usage (2026-06-28..30), NPS (May): fresh as of the end of 2026-06-30.
    pub fn small_history(&self) {
        let mut accounts = String::from("account_id,name,segment,arr,renewal_date,csm_owner\n");
        for i in 0..100 {
            let seg = ["smb", "mid-market", "enterprise"][i % 3];
            accounts += &format!(
                "a{i:03},Account {i},{seg},{}.5,2026-12-31,csm{}\n",
                1000 * (i + 1),
                i % 5
            );
        }
        self.write("history/accounts.csv", accounts.as_bytes());
        let mut tickets = String::from("ticket_id,account_id,created_at,priority,subject,body,csat\n");
        for i in 0..200 {
            let pri = ["low", "normal", "high", "urgent"][i % 4];
            tickets += &format!(
                "t{i:04},a{:03},2026-06-{:02}T10:00:00Z,{pri},Subject {i},\"Body, with comma {i}\",{}\n",
                i % 100,
                1 + i % 28,
                1 + i % 5
            );
        }
        self.write("history/tickets.csv", tickets.as_bytes());
        // Usage on the last three days up to the run date (2026-06-30), so the history is fresh
        // under the default freshness limit of usage_daily (72 hours).
        let mut usage = String::from("account_id,date,active_users,logins\n");
        for i in 0..100 {
            for d in 28..=30 {
                usage += &format!("a{i:03},2026-06-{d:02},{},{}\n", 5 + i % 7, 10 + i % 11);
            }
        }
        self.write("history/usage_daily/2026-06.csv", usage.as_bytes());
        let mut nps = String::from("account_id,responded_at,score,comment\n");
        for i in 0..100 {
            nps += &format!("a{i:03},2026-05-{:02} 09:30:00,{},fine\n", 1 + i % 28, i % 11);
        }
        self.write("history/nps_responses.csv", nps.as_bytes());
    }

    /// `vigil generate` of `accounts` accounts × 6 months under `out`.
    pub fn generate(&self, accounts: &str, out: &str) {
        vigil(
            self.path(),
            &["generate", "--accounts", accounts, "--months", "6", "--out", out],
        )
        .expect_code(0);
    }

    /// Replaces `from` with `to` once in a history file.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let p = self.file(rel);
        let text = std::fs::read_to_string(&p).expect("read");
        assert!(text.contains(from), "{rel} lacks {from:?}");
        std::fs::write(p, text.replacen(from, to, 1)).expect("write");
    }

    /// `vigil validate` on this project as of the end of 2026-06-30.
    pub fn validate(&self) -> Run {
        self.validate_with(&[], &[])
    }

    /// `vigil validate` as of the end of 2026-06-30 with extra flags and environment.
    pub fn validate_with(&self, extra: &[&str], env: &[(&str, &str)]) -> Run {
        self.dated(&["validate"], extra, env)
    }

    /// `vigil <command…> --config pipelines/test.toml --run-date 2026-06-30 <extra…>`.
    pub fn dated(&self, command: &[&str], extra: &[&str], env: &[(&str, &str)]) -> Run {
        let mut args = command.to_vec();
        args.extend_from_slice(&["--config", "pipelines/test.toml", "--run-date", "2026-06-30"]);
        args.extend_from_slice(extra);
        vigil_env(self.path(), &args, env)
    }
}
