//! S3 specifics on a real S3-compatible server (moto, started by tests/run.sh on 127.0.0.1):
//! the server's address for the other modules, and the model registry's conditional writes.
//! The round trip, Delta commits and concurrent writers run on S3, Azure and GCS alike in
//! the parent module, `object_store`.

use crate::common::{Project, vigil_env};

/// Endpoint of the S3 server, or `None` when run outside tests/run.sh. Under
/// `VIGIL_REQUIRE_SERVERS=1` (set by tests/run.sh and CI) a missing server fails the test.
pub(crate) fn endpoint() -> Option<String> {
    match std::env::var("VIGIL_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => Some(e),
        _ => {
            assert!(
                std::env::var("VIGIL_REQUIRE_SERVERS").is_err(),
                "VIGIL_TEST_S3_ENDPOINT must be set by tests/run.sh"
            );
            eprintln!("skipping: no S3 server (run tests/run.sh)");
            None
        }
    }
}

pub(crate) fn s3_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT", endpoint.to_string()),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
}

/// The model registry on S3: versions written there, and the champion alias moved with
/// conditional creates (`aws_conditional_put = "etag"`), then rolled back.
#[test]
fn s3_registry_promotes_and_rolls_back_with_conditional_writes() {
    let Some(ep) = endpoint() else { return };
    let bucket = std::env::var("VIGIL_TEST_S3_BUCKET").unwrap_or_else(|_| "vigil-test".into());
    let env = s3_env(&ep);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = Project::new("");
    let registry = format!("s3://{bucket}/registry-{}", std::process::id());
    let config = |rounds: u32| {
        format!(
            "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n[storage]\nmax_retries = 2\ntimeout_secs = 20\n\
             [storage.options]\naws_conditional_put = \"etag\"\n\
             [risk]\nregistry = \"{registry}\"\nvalidation_weeks = 6\nmin_recall = 0.0\nmin_precision = 0.0\npromote_tolerance = 1.0\n\
             [risk.gbdt]\nmax_rounds = {rounds}\n"
        )
    };
    p.generate("200", "history");
    let mut versions = Vec::new();
    for rounds in [40, 20] {
        p.config(&config(rounds));
        let run = p.dated(&["train"], &[], &env);
        run.expect_code(0);
        let m = &run.summary()["stages"][0]["metrics"];
        assert_eq!(m["promoted"], true, "{m}");
        versions.push(m["model_version"].as_str().expect("version").to_string());
    }
    let champion = |env: &[(&str, &str)]| {
        let run = vigil_env(
            p.path(),
            &["models", "list", "--config", "pipelines/test.toml"],
            env,
        );
        run.expect_code(0);
        run.summary()["stages"][0]["metrics"]["champion"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(champion(&env).as_deref(), Some(versions[1].as_str()));
    vigil_env(
        p.path(),
        &[
            "models",
            "rollback",
            "--run-date",
            "2026-07-01",
            "--config",
            "pipelines/test.toml",
        ],
        &env,
    )
    .expect_code(0);
    assert_eq!(champion(&env).as_deref(), Some(versions[0].as_str()));
}
