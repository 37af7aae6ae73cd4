//! TLS to PostgreSQL (rustls, libpq's `sslmode`) against the test servers of tests/run.sh:
//! one with TLS on and a certificate for IP 127.0.0.1 signed by a throwaway CA, one without
//! TLS. Each case checks what the server saw (`pg_stat_ssl`) or that the connection was
//! refused with the right error, and never shows the URL's password.

use super::support::{Db, date, plain_url, risk_frame, tls_ca, url, with_params};
use crate::common::Project;
use std::path::Path;
use vigil_store::secret::Secret;
use vigil_store::warehouse::postgres::{self, PgSink, PostgresError};

/// A password in every URL: the test servers trust any, and no message may show it.
const PASSWORD: &str = "tls-s3cret-pw";

/// `url` with [`PASSWORD`], a unique application name and `params`.
fn tls_url(url: &str, app: &str, params: &str) -> String {
    let url = url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{PASSWORD}@"),
        1,
    );
    with_params(&url, &format!("application_name={app}&{params}"))
}

fn connect(url: &str, ca_file: Option<&str>) -> Result<PgSink, PostgresError> {
    postgres::connect_with_ca(&Secret::new(url.to_string()), ca_file.map(Path::new))
}

/// Publishes one partition through `pg` and returns what the server says of the session.
fn publish_and_inspect(pg: &mut PgSink, db: &Db, app: &str) -> (bool, Option<String>) {
    let rows = pg
        .replace_partition(
            &db.schema,
            "risk_scores",
            date("2026-09-01"),
            &risk_frame(25, app),
            "run-tls",
        )
        .expect("publish over the connection");
    assert_eq!(rows, 25);
    assert_eq!(db.count("risk_scores", "2026-09-01"), 25);
    db.session_tls(app).expect("the sink's session is listed")
}

fn unique(name: &str) -> String {
    format!("vigil_{name}_{}", std::process::id())
}

#[test]
fn require_encrypts_without_a_ca() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "tls_require");
    let app = unique("require");
    let mut pg = connect(&tls_url(&url, &app, "sslmode=require"), None).expect("sslmode=require");
    let (ssl, version) = publish_and_inspect(&mut pg, &db, &app);
    assert!(ssl, "sslmode=require: the session is encrypted");
    assert!(
        version.is_some_and(|v| v.starts_with("TLSv1.")),
        "TLS version reported"
    );
}

#[test]
fn verify_full_with_the_ca_from_the_url_or_the_config() {
    let (Some(url), Some(ca)) = (url(), tls_ca()) else {
        return;
    };
    let db = Db::new(&url, "tls_full");
    // The CA as the URL's sslrootcert (percent-encoded), then as the configured ca_file.
    let encoded = ca.replace('%', "%25").replace('/', "%2F");
    let app = unique("full_url");
    let by_url = tls_url(&url, &app, &format!("sslmode=verify-full&sslrootcert={encoded}"));
    let mut pg = connect(&by_url, None).expect("verify-full, sslrootcert");
    assert!(publish_and_inspect(&mut pg, &db, &app).0);
    let app = unique("full_cfg");
    let mut pg =
        connect(&tls_url(&url, &app, "sslmode=verify-full"), Some(&ca)).expect("verify-full, ca_file");
    assert!(publish_and_inspect(&mut pg, &db, &app).0);
    // The key=value form works the same.
    let port = url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .expect("port");
    let app = unique("full_kv");
    let kv = format!(
        "host=127.0.0.1 port={port} user=postgres password='{PASSWORD}' dbname=vigil_test \
         application_name={app} sslmode=verify-full sslrootcert='{ca}'"
    );
    let mut pg = connect(&kv, None).expect("key=value form");
    assert!(publish_and_inspect(&mut pg, &db, &app).0);
}

#[test]
fn verify_full_without_the_ca_is_refused() {
    let Some(url) = url() else { return };
    // Neither sslrootcert nor ca_file: the system trust store, which does not hold the test CA.
    let err = connect(&tls_url(&url, &unique("noca"), "sslmode=verify-full"), None)
        .expect_err("a self-signed CA is not trusted by default");
    let msg = err.to_string();
    assert!(
        matches!(err, PostgresError::Tls(_) | PostgresError::TlsSettings(_)),
        "{msg}"
    );
    assert!(
        msg.contains("sslrootcert") && msg.contains("ca_file"),
        "names the fix: {msg}"
    );
    assert!(!msg.contains(PASSWORD), "{msg}");
}

#[test]
fn verify_full_refuses_a_host_name_the_certificate_lacks_and_verify_ca_accepts_it() {
    let (Some(url), Some(ca)) = (url(), tls_ca()) else {
        return;
    };
    // The certificate is for IP 127.0.0.1 only; `localhost` reaches the same server.
    let by_name = url.replacen("@127.0.0.1:", "@localhost:", 1);
    let app = unique("wrong_host");
    let err = connect(&tls_url(&by_name, &app, "sslmode=verify-full"), Some(&ca))
        .expect_err("host name not in the certificate");
    let msg = err.to_string();
    assert!(matches!(err, PostgresError::Tls(_)), "{msg}");
    assert!(
        msg.contains("TLS handshake failed")
            && msg.contains("does not name the host")
            && msg.contains("verify-ca"),
        "{msg}"
    );
    assert!(!msg.contains(PASSWORD), "{msg}");
    let db = Db::new(&url, "tls_ca_only");
    let app = unique("verify_ca");
    let mut pg = connect(&tls_url(&by_name, &app, "sslmode=verify-ca"), Some(&ca))
        .expect("verify-ca checks the chain only");
    assert!(publish_and_inspect(&mut pg, &db, &app).0);
}

#[test]
fn require_against_a_server_without_tls_fails_and_prefer_falls_back() {
    let Some(plain) = plain_url() else { return };
    let err = connect(&tls_url(&plain, &unique("plain_req"), "sslmode=require"), None)
        .expect_err("no TLS on the server");
    let msg = err.to_string();
    assert!(matches!(err, PostgresError::Tls(_)), "{msg}");
    assert!(
        msg.contains("server does not support TLS") && msg.contains("sslmode=prefer"),
        "{msg}"
    );
    assert!(!msg.contains(PASSWORD), "{msg}");
    // The default (prefer) connects in clear text to it.
    let db = Db::new(&plain, "tls_prefer_plain");
    let app = unique("plain_prefer");
    let mut pg = connect(&tls_url(&plain, &app, "connect_timeout=10"), None).expect("prefer");
    assert!(!publish_and_inspect(&mut pg, &db, &app).0);
}

#[test]
fn prefer_encrypts_when_offered_and_disable_does_not() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "tls_prefer");
    let app = unique("prefer");
    let mut pg = connect(&tls_url(&url, &app, "connect_timeout=10"), None).expect("default sslmode");
    assert!(
        publish_and_inspect(&mut pg, &db, &app).0,
        "prefer takes TLS when the server has it"
    );
    drop(pg);
    let app = unique("disable");
    let mut pg = connect(
        &tls_url(&url, &app, "sslmode=disable"),
        Some("/nonexistent/ca.pem"),
    )
    .expect("disable");
    assert!(!publish_and_inspect(&mut pg, &db, &app).0);
}

#[test]
fn bad_tls_settings_are_named_without_the_url() {
    let Some(url) = url() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let not_pem = dir.path().join("not-a-ca.pem");
    std::fs::write(&not_pem, "hello\n").expect("write");
    let not_pem = not_pem.to_string_lossy().into_owned();
    for (params, ca_file, needle) in [
        ("sslmode=verify", None, "invalid sslmode \"verify\""),
        ("sslmode=allow", None, "sslmode=allow is not supported"),
        (
            "sslmode=verify-full",
            Some("/nonexistent/vigil-ca.pem"),
            "cannot read the CA file /nonexistent/vigil-ca.pem",
        ),
        (
            "sslmode=verify-ca",
            Some(not_pem.as_str()),
            "no usable CA certificate",
        ),
    ] {
        let err = connect(&tls_url(&url, "bad", params), ca_file).expect_err(params);
        let msg = err.to_string();
        assert!(matches!(err, PostgresError::TlsSettings(_)), "{params}: {msg}");
        assert!(msg.contains(needle) && !msg.contains(PASSWORD), "{params}: {msg}");
    }
}

/// `vigil publish` with the sink over verify-full and the configured `ca_file`; then with a
/// URL the certificate does not match: exit 2 before any Delta commit, the URL never shown.
#[test]
fn publish_over_verify_full_and_refused_before_any_commit() {
    let (Some(url), Some(ca)) = (url(), tls_ca()) else {
        return;
    };
    let schema = unique("publish_tls");
    let db = Db::new(&url, "publish_tls");
    let p = Project::new("");
    let config = |ca_file: &str| {
        format!(
            "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n\
             [warehouse.postgres]\nurl_env = \"VIGIL_TEST_PG_TLS\"\nschema = \"{schema}\"\nca_file = \"{ca_file}\"\n"
        )
    };
    // A relative ca_file is resolved against the project root.
    std::fs::copy(&ca, p.file("test-ca.pem")).expect("copy CA");
    p.config(&config("test-ca.pem"));
    let storage =
        vigil_store::storage::Storage::new(vigil_store::storage::RetryPolicy::default(), Vec::new())
            .expect("storage");
    let warehouse = p.file("wh").to_string_lossy().into_owned();
    crate::publish::stage(&storage, &warehouse, "tls-run", 40);
    let good = tls_url(&url, &unique("publish_ok"), "sslmode=verify-full");
    let run = p.dated(&["publish"], &[], &[("VIGIL_TEST_PG_TLS", &good)]);
    run.expect_code(0).expect_absent(PASSWORD);
    let n: i64 = db.rows(&format!("SELECT count(*) FROM {schema}.risk_scores"))[0].get(0);
    assert_eq!(n, 40, "risk_scores published over TLS");

    // Same staged run into a fresh warehouse, the sink's URL by a name the certificate lacks.
    let p2 = Project::new("");
    std::fs::copy(&ca, p2.file("test-ca.pem")).expect("copy CA");
    p2.config(&config("test-ca.pem"));
    crate::publish::stage(&storage, &p2.file("wh").to_string_lossy(), "tls-run", 40);
    let before = p2.files_under("wh/risk_scores");
    let wrong = tls_url(
        &url.replacen("@127.0.0.1:", "@localhost:", 1),
        "publish_bad",
        "sslmode=verify-full",
    );
    p2.dated(&["publish"], &[], &[("VIGIL_TEST_PG_TLS", &wrong)])
        .expect_failure(2, &["TLS handshake failed", "does not name the host"])
        .expect_absent(PASSWORD)
        .expect_absent(&wrong);
    assert_eq!(
        p2.files_under("wh/risk_scores"),
        before,
        "no Delta commit before the sink connected"
    );
    // A missing ca_file is a usage error naming the file.
    p2.config(&config("missing-ca.pem"));
    p2.dated(&["publish"], &[], &[("VIGIL_TEST_PG_TLS", &good)])
        .expect_failure(2, &["cannot read the CA file", "missing-ca.pem"])
        .expect_absent(PASSWORD);
    db.exec(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}
