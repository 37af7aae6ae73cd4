//! Secrets and customer text never reach logs or the summary, even at the highest verbosity
//! and on failure paths.

use crate::common::Project;

const PLANTED: &str = "planted-S3cret-value-4242";

#[test]
fn planted_secret_never_logged() {
    let p = Project::new("");
    // The store is unreachable (closed port), so the run fails through the error path too.
    p.config(
        "[sources]\nbase = \"s3://nowhere/history\"\n[warehouse]\nurl = \"s3://nowhere/wh\"\n\
         [storage]\nmax_retries = 1\nretry_backoff_ms = 1\ntimeout_secs = 2\n\
         [storage.options]\naws_secret_access_key = \"${VIGIL_TEST_PLANTED}\"\naws_access_key_id = \"AKIDTEST\"\n\
         aws_endpoint = \"http://127.0.0.1:9\"\naws_allow_http = \"true\"\naws_region = \"us-east-1\"\n",
    );
    for format in ["pretty", "json"] {
        let run = p.validate_with(
            &["-vv", "--log-format", format],
            &[
                ("VIGIL_TEST_PLANTED", PLANTED),
                ("AWS_SECRET_ACCESS_KEY", PLANTED),
            ],
        );
        assert_ne!(run.code, 0, "unreachable store must fail");
        assert!(
            run.stderr.contains("127.0.0.1:9") || run.stderr.contains("nowhere"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains(PLANTED) && !run.stdout.contains(PLANTED),
            "secret leaked:\n{}\n{}",
            run.stderr,
            run.stdout
        );
    }
}

#[test]
fn ticket_text_never_logged() {
    let p = Project::new("");
    p.small_history();
    p.edit(
        "history/tickets.csv",
        "\"Body, with comma 3\"",
        "\"The CONFIDENTIAL-BODY-77 text\"",
    );
    p.edit("history/tickets.csv", "t0003,a003", "t0003,a999");
    let run = p.validate_with(&["-vv"], &[]);
    run.expect_code(3);
    assert!(
        !run.stderr.contains("CONFIDENTIAL-BODY-77") && !run.stdout.contains("CONFIDENTIAL-BODY-77"),
        "{}",
        run.stderr
    );
}
