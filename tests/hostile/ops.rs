//! Operator errors, secrets and storage: each case is a mistake an operator makes (a broken
//! config line, a wrong option, no credentials, a missing bucket, a read-only key, an
//! unwritable summary path) and asserts the documented exit code, that the message names
//! the key, file or URL, that no planted secret reaches stderr, stdout or the summary file
//! in either log format at `-vv`, and that nothing was written.
//!
//! Storage cases run against real servers started by tests/run.sh: moto on 127.0.0.1
//! (`VIGIL_TEST_S3_ENDPOINT`), a second moto that enforces IAM (`VIGIL_TEST_S3_IAM_*`: a
//! bucket and the keys of a user without any policy), and a closed port for unreachable.

use crate::common::{Project, Run, vigil_command};
use std::time::{Duration, Instant};

const PLANTED: &str = "planted-Ops-S3cret-9731";
const USAGE: i32 = 2;
const BAD_DATA: i32 = 3;
const INTERNAL: i32 = 1;

/// Environment variables of the cloud builders and the caller's config, removed so the
/// machine running the tests cannot lend credentials to a case.
const CLOUD_PREFIXES: [&str; 3] = ["AWS_", "GOOGLE_", "AZURE_"];

/// Runs vigil with a clean cloud environment plus `env`.
fn vigil_clean(p: &Project, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = vigil_command(p.path(), args);
    for (k, _) in std::env::vars() {
        if CLOUD_PREFIXES.iter().any(|pre| k.starts_with(pre)) {
            cmd.env_remove(k);
        }
    }
    // Never the real metadata service, even if a regression fell back to it.
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    cmd.envs(env.iter().copied());
    cmd.output().expect("spawn vigil").into()
}

/// Runs `command` at `-vv` in both log formats with `--summary-json`, and asserts each run
/// fails with `code`, names every needle, leaks no secret, and wrote nothing under `wh/`.
/// Returns the pretty run.
fn expect_clean_failure(
    p: &Project,
    command: &str,
    env: &[(&str, &str)],
    code: i32,
    needles: &[&str],
) -> Run {
    let mut pretty = None;
    for format in ["pretty", "json"] {
        let summary = p.file(&format!("summary-{format}.json"));
        let summary_arg = summary.to_string_lossy().into_owned();
        let run = vigil_clean(
            p,
            &[
                command,
                "--config",
                "pipelines/test.toml",
                "--run-date",
                "2026-06-30",
                "-vv",
                "--log-format",
                format,
                "--summary-json",
                &summary_arg,
            ],
            env,
        );
        run.expect_failure(code, needles).expect_absent(PLANTED);
        let written = std::fs::read_to_string(&summary).expect("summary file written");
        assert!(
            !written.contains(PLANTED),
            "secret in the summary file: {written}"
        );
        assert!(written.contains(&format!("\"exit_code\":{code}")), "{written}");
        assert_eq!(p.files_under("wh"), Vec::<String>::new(), "output written");
        pretty.get_or_insert(run);
    }
    pretty.expect("ran")
}

/// A config with a local history and warehouse and `storage` appended.
fn local_config(p: &Project, storage: &str) {
    p.config(&format!(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n[validation]\nmax_bad_row_share = 0.0\n{storage}"
    ));
}

/// Credentials with the planted secret, for cases that must get past the credentials check.
fn planted_keys() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIDVIGILTEST"),
        ("AWS_SECRET_ACCESS_KEY", PLANTED),
        ("VIGIL_TEST_PLANTED", PLANTED),
    ]
}

// --- config errors ------------------------------------------------------------------------

#[test]
fn toml_syntax_error_on_an_options_line_names_line_and_key_not_the_value() {
    // toml's own message quotes the broken line, secret included.
    let p = Project::new("");
    p.small_history();
    local_config(
        &p,
        &format!("[storage.options]\naws_region = \"us-east-1\"\naws_secret_access_key = \"{PLANTED}\n"),
    );
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &[
            "pipelines/test.toml",
            "line 9",
            "storage.options.aws_secret_access_key",
        ],
    );
}

#[test]
fn wrong_type_in_options_drops_the_value() {
    // serde echoes the value of a wrong type: `invalid type: integer `…``.
    let p = Project::new("");
    p.small_history();
    local_config(
        &p,
        "[storage.options]\naws_secret_access_key = 9731973197319731\n",
    );
    let run = expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &["storage.options.aws_secret_access_key", "invalid type: integer"],
    );
    run.expect_absent("9731973197319731");
}

#[test]
fn duplicate_option_key_names_the_line_not_the_value() {
    let p = Project::new("");
    p.small_history();
    local_config(
        &p,
        &format!(
            "[storage.options]\naws_secret_access_key = \"{PLANTED}\"\naws_secret_access_key = \"{PLANTED}\"\n"
        ),
    );
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &[
            "pipelines/test.toml",
            "line 9",
            "storage.options.aws_secret_access_key",
        ],
    );
}

#[test]
fn wrong_type_of_a_storage_setting_next_to_a_secret() {
    let p = Project::new("");
    p.small_history();
    local_config(
        &p,
        &format!(
            "[storage]\nmax_retries = \"{PLANTED}\"\n[storage.options]\naws_secret_access_key = \"{PLANTED}\"\n"
        ),
    );
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &["storage.max_retries", "invalid type: string"],
    );
}

#[test]
fn unknown_option_key_is_an_error_naming_the_key() {
    // A misspelt key was ignored: the store ran without the secret the operator meant to set.
    let p = Project::new("");
    p.small_history();
    local_config(
        &p,
        &format!("[storage.options]\naws_secret_acess_key = \"{PLANTED}\"\n"),
    );
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &[
            "pipelines/test.toml",
            "storage.options.aws_secret_acess_key",
            "unknown object-store option",
        ],
    );
}

#[test]
fn unknown_option_key_via_env_is_an_error_too() {
    let p = Project::new("");
    p.small_history();
    local_config(&p, "[storage.options]\nsecret_key = \"${VIGIL_TEST_PLANTED}\"\n");
    expect_clean_failure(
        &p,
        "validate",
        &[("VIGIL_TEST_PLANTED", PLANTED)],
        USAGE,
        &["storage.options.secret_key", "unknown object-store option"],
    );
}

#[test]
fn missing_env_var_names_the_variable_not_other_secrets() {
    let p = Project::new("");
    p.small_history();
    local_config(
        &p,
        &format!(
            "[storage.options]\naws_access_key_id = \"{PLANTED}\"\naws_secret_access_key = \"${{VIGIL_TEST_UNSET_VAR_9731}}\"\n"
        ),
    );
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &[
            "storage.options.aws_secret_access_key",
            "VIGIL_TEST_UNSET_VAR_9731",
            "not set",
        ],
    );
}

#[test]
fn out_of_range_retries_next_to_a_secret() {
    let p = Project::new("");
    p.small_history();
    local_config(
        &p,
        &format!("[storage]\nmax_retries = 50\n[storage.options]\naws_secret_access_key = \"{PLANTED}\"\n"),
    );
    expect_clean_failure(&p, "validate", &[], USAGE, &["storage.max_retries", "0 to 20"]);
}

#[test]
fn out_of_range_backoff_is_an_error() {
    let p = Project::new("");
    p.small_history();
    local_config(&p, "[storage]\nretry_backoff_ms = 600000\n");
    expect_clean_failure(&p, "validate", &[], USAGE, &["storage.retry_backoff_ms", "60000"]);
}

#[test]
fn unknown_credentials_mode_is_an_error() {
    let p = Project::new("");
    p.small_history();
    local_config(&p, "[storage]\ncredentials = \"instances\"\n");
    expect_clean_failure(&p, "validate", &[], USAGE, &["storage.credentials", "instance"]);
}

#[test]
fn bad_boolean_option_from_env_names_the_key_not_the_value() {
    // object_store's message is `failed to parse "<value>" as boolean`.
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"s3://vigil-nowhere/wh\"\n\
         [storage.options]\naws_allow_http = \"${VIGIL_TEST_PLANTED}\"\naws_endpoint = \"http://127.0.0.1:9\"\n",
    );
    expect_clean_failure(
        &p,
        "validate",
        &planted_keys(),
        USAGE,
        &["s3://vigil-nowhere", "aws_allow_http", "boolean"],
    );
}

#[test]
fn bad_duration_option_written_literally_names_the_key_not_the_value() {
    let p = Project::new("");
    p.small_history();
    p.config(&format!(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"s3://vigil-nowhere/wh\"\n\
         [storage.options]\nconnect_timeout = \"{PLANTED}\"\naws_endpoint = \"http://127.0.0.1:9\"\n"
    ));
    expect_clean_failure(
        &p,
        "validate",
        &planted_keys(),
        USAGE,
        &["s3://vigil-nowhere", "connect_timeout", "Duration"],
    );
}

#[test]
fn unordered_tier_thresholds_are_rejected() {
    let p = Project::new("");
    p.small_history();
    local_config(&p, "[risk]\ntier_thresholds = [60, 90, 80]\n");
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &["risk.tier_thresholds", "ascending", "90 is followed by 80"],
    );
}

#[test]
fn duplicate_tier_thresholds_are_rejected() {
    let p = Project::new("");
    p.small_history();
    local_config(&p, "[risk]\ntier_thresholds = [60, 70, 70, 95]\n");
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &["risk.tier_thresholds", "without duplicates"],
    );
}

#[test]
fn tier_levels_out_of_order_are_rejected() {
    let p = Project::new("");
    p.small_history();
    let level = |name: &str, min: u32| {
        format!(
            "[[tiers.levels]]\nname = \"{name}\"\nmin_score = {min}\nactions = [\"checkin_draft\"]\nowner = \"csm\"\nsla_hours = 24\n"
        )
    };
    local_config(&p, &format!("{}{}", level("high", 80), level("low", 60)));
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &["tiers.levels[1].min_score", "ascending"],
    );
}

// --- credentials --------------------------------------------------------------------------

#[test]
fn s3_without_credentials_fails_before_any_request() {
    // The metadata endpoint points at a closed port: a fallback would show as a connect error.
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"s3://vigil-nocreds/wh\"\n\
         [storage.options]\naws_endpoint = \"http://127.0.0.1:9\"\naws_allow_http = \"true\"\n\
         aws_metadata_endpoint = \"http://127.0.0.1:9\"\n",
    );
    let started = Instant::now();
    let run = expect_clean_failure(
        &p,
        "validate",
        &[("VIGIL_TEST_PLANTED", PLANTED)],
        USAGE,
        &[
            "no credentials for s3://vigil-nocreds",
            "AWS_ACCESS_KEY_ID",
            "credentials = \"instance\"",
        ],
    );
    assert!(!run.stderr.contains("error sending request"), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn empty_credential_variables_count_as_none() {
    // `export AWS_ACCESS_KEY_ID=` from an unset CI secret: still no credentials.
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"s3://vigil-nocreds/history\"\n[warehouse]\nurl = \"wh\"\n\
         [storage.options]\naws_endpoint = \"http://127.0.0.1:9\"\naws_metadata_endpoint = \"http://127.0.0.1:9\"\n",
    );
    expect_clean_failure(
        &p,
        "validate",
        &[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", " ")],
        USAGE,
        &["no credentials for s3://vigil-nocreds", "AWS_ACCESS_KEY_ID"],
    );
}

#[test]
fn instance_credentials_are_an_explicit_opt_in() {
    // With the opt-in, the metadata service is asked (here a closed port on 127.0.0.1, never
    // the real 169.254.169.254), and its failure is a retried transient error (exit 1).
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"s3://vigil-instance/wh\"\n\
         [storage]\ncredentials = \"instance\"\nmax_retries = 1\nretry_backoff_ms = 1\ntimeout_secs = 2\n\
         [storage.options]\naws_endpoint = \"http://127.0.0.1:9\"\naws_allow_http = \"true\"\n\
         aws_metadata_endpoint = \"http://127.0.0.1:9\"\n",
    );
    let run = expect_clean_failure(
        &p,
        "validate",
        &[("VIGIL_TEST_PLANTED", PLANTED)],
        INTERNAL,
        &[
            "s3://vigil-instance/wh",
            "127.0.0.1:9/latest/api/token",
            "after 1 retries",
        ],
    );
    assert!(!run.stderr.contains("no credentials"), "{}", run.stderr);
}

#[test]
fn gcs_without_credentials_fails_before_any_request() {
    let p = Project::new("");
    p.small_history();
    p.config("[sources]\nbase = \"gs://vigil-nocreds/history\"\n[warehouse]\nurl = \"wh\"\n");
    // HOME without a gcloud credentials file.
    let home = p.file("home");
    std::fs::create_dir_all(&home).expect("home");
    let home = home.to_string_lossy().into_owned();
    expect_clean_failure(
        &p,
        "validate",
        &[("HOME", &home)],
        USAGE,
        &["no credentials for gs://vigil-nocreds", "GOOGLE_SERVICE_ACCOUNT"],
    );
}

#[test]
fn azure_without_credentials_fails_before_any_request() {
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"az://vigil-nocreds/history\"\n[warehouse]\nurl = \"wh\"\n\
         [storage.options]\nazure_storage_account_name = \"vigilacct\"\n",
    );
    expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &[
            "no credentials for az://vigil-nocreds",
            "AZURE_STORAGE_ACCOUNT_KEY",
        ],
    );
}

// --- pre-flight ---------------------------------------------------------------------------

#[test]
fn unwritable_summary_path_fails_before_any_work() {
    let p = Project::new("");
    p.small_history();
    let run = vigil_clean(
        &p,
        &[
            "validate",
            "--config",
            "pipelines/test.toml",
            "--run-date",
            "2026-06-30",
            "--summary-json",
            "no/such/folder/xcom.json",
        ],
        &[],
    );
    run.expect_failure(
        USAGE,
        &["--summary-json no/such/folder/xcom.json", "nothing was run"],
    );
    assert!(
        run.summary()["stages"].as_array().is_none_or(Vec::is_empty),
        "{}",
        run.stdout
    );
    assert_eq!(p.files_under("wh"), Vec::<String>::new());
}

#[test]
fn warehouse_that_is_a_file_fails_before_any_work() {
    let p = Project::new("");
    p.small_history();
    p.config("[sources]\nbase = \"history\"\n[warehouse]\nurl = \"history/accounts.csv/wh\"\n");
    let run = expect_clean_failure(
        &p,
        "validate",
        &[],
        USAGE,
        &["cannot write the warehouse", "accounts.csv", "is a file"],
    );
    assert!(
        !run.stderr.contains("table loaded"),
        "work started:\n{}",
        run.stderr
    );
}

/// An `http://` S3 endpoint without `aws_allow_http` was an opaque "builder error" (exit 1)
/// after the first request; it is a configuration error before any request.
#[test]
fn plain_http_endpoint_without_allow_http_is_a_config_error() {
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"s3://vigil-nowhere/history\"\n[warehouse]\nurl = \"wh\"\n\
         [storage.options]\naws_endpoint = \"http://127.0.0.1:9\"\naws_region = \"us-east-1\"\n",
    );
    expect_clean_failure(
        &p,
        "validate",
        &planted_keys(),
        USAGE,
        &["s3://vigil-nowhere", "plain http://", "aws_allow_http"],
    );
}

/// `plan`, `vacuum` and `sentiment run` write the warehouse and `models promote`/`rollback`
/// the registry: each checks that before any work, as the pipeline commands do.
#[test]
fn every_writing_command_checks_its_target_first() {
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"history/accounts.csv/wh\"\n\
         [risk]\nregistry = \"history/tickets.csv/registry\"\n",
    );
    let cases: [(&[&str], &str); 5] = [
        (
            &["plan", "--run-date", "2026-06-30", "--shards", "2"],
            "cannot write the warehouse",
        ),
        (&["vacuum"], "cannot write the warehouse"),
        (
            &["sentiment", "run", "--run-date", "2026-06-30"],
            "cannot write the warehouse",
        ),
        (
            &["models", "promote", "v1", "--run-date", "2026-06-30"],
            "cannot write the registry",
        ),
        (
            &["models", "rollback", "--run-date", "2026-06-30"],
            "cannot write the registry",
        ),
    ];
    for (args, needle) in cases {
        let mut full = args.to_vec();
        full.extend_from_slice(&["--config", "pipelines/test.toml"]);
        let run = vigil_clean(&p, &full, &[]);
        run.expect_failure(USAGE, &[needle, "is a file"]);
        assert!(p.files_under("wh").is_empty(), "{args:?} wrote output");
    }
}

// --- storage errors on real servers -------------------------------------------------------

/// moto's endpoint and bucket, or `None` outside tests/run.sh.
fn s3() -> Option<(String, String)> {
    let ep = crate::object_store::s3::endpoint()?;
    let bucket = std::env::var("VIGIL_TEST_S3_BUCKET").unwrap_or_else(|_| "vigil-test".into());
    Some((ep, bucket))
}

/// The IAM-enforcing moto: endpoint, bucket, and the key id and secret of a user without
/// any policy. `None` outside tests/run.sh (a failure under `VIGIL_REQUIRE_SERVERS`).
fn s3_iam() -> Option<[String; 4]> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        get("VIGIL_TEST_S3_IAM_ENDPOINT"),
        get("VIGIL_TEST_S3_IAM_BUCKET"),
        get("VIGIL_TEST_S3_IAM_KEY_ID"),
        get("VIGIL_TEST_S3_IAM_SECRET"),
    ) {
        (Some(e), Some(b), Some(k), Some(s)) => Some([e, b, k, s]),
        _ => {
            assert!(
                std::env::var("VIGIL_REQUIRE_SERVERS").is_err(),
                "VIGIL_TEST_S3_IAM_* must be set by tests/run.sh"
            );
            eprintln!("skipping: no IAM-enforcing S3 server (run tests/run.sh)");
            None
        }
    }
}

fn s3_env<'a>(endpoint: &'a str, key_id: &'a str, secret: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("AWS_ENDPOINT", endpoint),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", key_id),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_REGION", "us-east-1"),
    ]
}

/// Asserts that a failure was not retried, by object_store or by vigil.
fn assert_not_retried(run: &Run) {
    assert!(
        !run.stderr.contains("retries, max_retries"),
        "retried:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("transient storage error"),
        "retried:\n{}",
        run.stderr
    );
}

#[test]
fn missing_bucket_on_input_is_bad_input_without_retries() {
    let Some((ep, _)) = s3() else { return };
    let p = Project::new("");
    p.config(
        "[sources]\nbase = \"s3://vigil-no-such-bucket/history\"\n[warehouse]\nurl = \"wh\"\n\
         [storage]\nmax_retries = 3\nretry_backoff_ms = 1\ntimeout_secs = 10\n",
    );
    let run = expect_clean_failure(
        &p,
        "validate",
        &s3_env(&ep, "testing", PLANTED),
        BAD_DATA,
        &["s3://vigil-no-such-bucket", "does not exist"],
    );
    assert_not_retried(&run);
}

#[test]
fn missing_bucket_for_the_warehouse_is_a_config_error_before_any_work() {
    // It said "object not found" with exit 3, after all the work.
    let Some((ep, bucket)) = s3() else { return };
    let p = Project::new("");
    p.small_history();
    p.config(&format!(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"s3://vigil-no-such-bucket/wh\"\n\
         [storage]\nmax_retries = 3\nretry_backoff_ms = 1\ntimeout_secs = 10\n\
         [risk]\nregistry = \"s3://{bucket}/registry\"\n"
    ));
    let run = expect_clean_failure(
        &p,
        "validate",
        &s3_env(&ep, "testing", PLANTED),
        USAGE,
        &["s3://vigil-no-such-bucket", "does not exist"],
    );
    assert_not_retried(&run);
    assert!(!run.stderr.contains("object not found"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("table loaded"),
        "work started:\n{}",
        run.stderr
    );
}

#[test]
fn unreachable_endpoint_is_retried_as_configured_then_fails() {
    let p = Project::new("");
    p.small_history();
    p.config(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"s3://vigil-unreachable/wh\"\n\
         [storage]\nmax_retries = 2\nretry_backoff_ms = 1\ntimeout_secs = 2\n",
    );
    let started = Instant::now();
    let run = expect_clean_failure(
        &p,
        "validate",
        &s3_env("http://127.0.0.1:9", "AKIDVIGILTEST", PLANTED),
        INTERNAL,
        &["s3://vigil-unreachable/wh", "after 2 retries", "max_retries: 2"],
    );
    // Retried by object_store only: vigil's layer does not multiply the attempts.
    assert!(!run.stderr.contains("transient storage error"), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn bad_credentials_on_input_are_access_denied_without_retries() {
    let Some([ep, bucket, _, _]) = s3_iam() else {
        return;
    };
    let p = Project::new("");
    p.config(&format!(
        "[sources]\nbase = \"s3://{bucket}/history\"\n[warehouse]\nurl = \"wh\"\n\
         [storage]\nmax_retries = 3\nretry_backoff_ms = 1\ntimeout_secs = 10\n"
    ));
    let run = expect_clean_failure(
        &p,
        "validate",
        &s3_env(&ep, "AKIDUNKNOWNVIGIL", PLANTED),
        BAD_DATA,
        &[&format!("s3://{bucket}/history"), "access denied"],
    );
    assert_not_retried(&run);
}

#[test]
fn permission_denied_on_input_is_bad_input_without_retries() {
    let Some([ep, bucket, key, secret]) = s3_iam() else {
        return;
    };
    let p = Project::new("");
    p.config(&format!(
        "[sources]\nbase = \"s3://{bucket}/history\"\n[warehouse]\nurl = \"wh\"\n\
         [storage]\nmax_retries = 3\nretry_backoff_ms = 1\ntimeout_secs = 10\n"
    ));
    let run = expect_clean_failure(
        &p,
        "validate",
        &s3_env(&ep, &key, &secret),
        BAD_DATA,
        &[&format!("s3://{bucket}/history"), "access denied"],
    );
    run.expect_absent(&secret);
    assert_not_retried(&run);
}

#[test]
fn permission_denied_on_the_warehouse_is_a_config_error_before_any_work() {
    let Some([ep, bucket, key, secret]) = s3_iam() else {
        return;
    };
    let p = Project::new("");
    p.small_history();
    p.config(&format!(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"s3://{bucket}/wh\"\n\
         [storage]\nmax_retries = 3\nretry_backoff_ms = 1\ntimeout_secs = 10\n"
    ));
    let run = expect_clean_failure(
        &p,
        "validate",
        &s3_env(&ep, &key, &secret),
        USAGE,
        &[&format!("s3://{bucket}/wh"), "access denied"],
    );
    run.expect_absent(&secret);
    assert_not_retried(&run);
    assert!(
        !run.stderr.contains("table loaded"),
        "work started:\n{}",
        run.stderr
    );
}

#[test]
fn warehouse_on_s3_passes_the_preflight_probe_and_leaves_no_probe_behind() {
    // The probe object is created and deleted: a real run still writes its outputs.
    let Some((ep, bucket)) = s3() else { return };
    let p = Project::new("");
    p.small_history();
    let wh = format!("s3://{bucket}/preflight-{}/wh", std::process::id());
    p.config(&format!(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"{wh}\"\n[validation]\nmax_bad_row_share = 0.0\n\
         [storage]\nmax_retries = 2\nretry_backoff_ms = 1\ntimeout_secs = 10\n"
    ));
    let run = vigil_clean(
        &p,
        &[
            "validate",
            "--config",
            "pipelines/test.toml",
            "--run-date",
            "2026-06-30",
        ],
        &s3_env(&ep, "testing", "testing"),
    );
    run.expect_code(0);
    // The test process may lack AWS_* variables: list through moto with explicit options.
    let opts = vec![
        (
            "aws_endpoint".to_string(),
            vigil_store::secret::Secret::new(ep.clone()),
        ),
        (
            "aws_allow_http".to_string(),
            vigil_store::secret::Secret::new("true".into()),
        ),
        (
            "aws_access_key_id".to_string(),
            vigil_store::secret::Secret::new("testing".into()),
        ),
        (
            "aws_secret_access_key".to_string(),
            vigil_store::secret::Secret::new("testing".into()),
        ),
        (
            "aws_region".to_string(),
            vigil_store::secret::Secret::new("us-east-1".into()),
        ),
    ];
    let storage = vigil_store::storage::Storage::new(vigil_store::storage::RetryPolicy::default(), opts)
        .expect("storage");
    let objects = storage
        .list(&vigil_store::storage::Location::parse(&wh).expect("url"))
        .expect("list the warehouse");
    assert!(!objects.is_empty(), "validate wrote its outputs");
    assert!(
        objects
            .iter()
            .all(|o| !o.to_string().contains("_vigil_write_probe")),
        "{objects:?}"
    );
}
