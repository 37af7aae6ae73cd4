//! `vigil run`, `vigil score` and `vigil publish` end to end through the real binary: the
//! daily pipeline on a generated history, routing and drafts, what changed since the
//! previous run, idempotent re-runs, template validation at start-up, and the whole run
//! published to S3 (moto) and PostgreSQL when the test servers are up.

use crate::common::{Project, Run, delta_partition, shipped_model, vigil_env};
use polars::prelude::*;

pub(crate) fn templates() -> String {
    format!("{}/pipelines/templates", env!("CARGO_MANIFEST_DIR"))
}

/// Low tiers so that a small history fires every one of them.
const TIERS: &str = r#"
[[tiers.levels]]
name = "moderate"
min_score = 5
actions = ["checkin_draft"]
owner = "csm"
notify = ["csm"]
sla_hours = 48

[[tiers.levels]]
name = "high"
min_score = 12
actions = ["war_room"]
owner = "cs_manager"
notify = ["csm", "cs_manager"]
sla_hours = 24

[[tiers.levels]]
name = "critical"
min_score = 25
actions = ["war_room", "exec_briefing"]
owner = "vp_customer_success"
notify = ["cs_manager", "vp_customer_success"]
sla_hours = 8
"#;

pub(crate) fn config(warehouse: &str, templates_dir: &str, extra: &str) -> String {
    format!(
        "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"{warehouse}\"\n{extra}\n[validation]\nmax_bad_row_share = 0.0\n\
         [sentiment]\nmodel = \"{}\"\n\
         [risk]\nregistry = \"registry\"\nvalidation_weeks = 6\nmin_recall = 0.0\nmin_precision = 0.0\n\
         promote_tolerance = 1.0\nalert_threshold = 3\n[risk.gbdt]\nmax_rounds = 60\n\
         [tiers]\ntemplates = \"{templates_dir}\"\n{TIERS}",
        shipped_model()
    )
}

pub(crate) fn project() -> Project {
    let p = Project::new("");
    p.config(&config("wh", &templates(), ""));
    p.generate("300", "history");
    p
}

pub(crate) fn run_on(p: &Project, date: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["run", "--config", "pipelines/test.toml", "--run-date", date];
    args.extend_from_slice(extra);
    vigil_env(p.path(), &args, env)
}

fn stages(run: &Run) -> Vec<String> {
    run.summary()["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .filter_map(|s| s["stage"].as_str().map(str::to_string))
        .collect()
}

fn strs(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    df.column(col)
        .expect(col)
        .str()
        .expect("str")
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

fn tier_of(score: i64, alert: bool) -> &'static str {
    match score {
        s if s >= 25 => "critical",
        s if s >= 12 => "high",
        s if s >= 5 => "moderate",
        _ if alert => "watch",
        _ => "low",
    }
}

#[test]
fn run_scores_routes_drafts_and_publishes_then_tells_what_changed() {
    let p = project();
    let first = run_on(&p, "2026-06-30", &[], &[]);
    first.expect_code(0);
    let names = stages(&first);
    for s in ["validate", "sentiment", "features", "train", "score"] {
        assert!(names.iter().any(|n| n == s), "stage {s} missing from {names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("publish")), "{names:?}");
    let wh = p.file("wh").to_string_lossy().into_owned();
    let scores = delta_partition(&format!("{wh}/risk_scores"), "2026-06-30").expect("risk_scores partition");
    let score_stage = &first.summary()["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == "score")
        .expect("score stage")
        .clone();
    assert_eq!(
        scores.height() as u64,
        score_stage["metrics"]["accounts"].as_u64().expect("accounts")
    );
    let ids = strs(&scores, "account_id");
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "one row per account");

    // Every row: the score is the rounded calibrated probability, the tier and alert follow
    // from it, the narrative ends with it, and revenue at risk is ARR × probability.
    let prob = scores
        .column("probability")
        .expect("p")
        .f64()
        .expect("f64")
        .clone();
    let score = scores
        .column("risk_score")
        .expect("s")
        .cast(&DataType::Int64)
        .expect("i64");
    let score = score.i64().expect("i64");
    let alert = scores
        .column("alert")
        .expect("alert")
        .bool()
        .expect("bool")
        .clone();
    let tier = strs(&scores, "tier");
    let narrative = strs(&scores, "narrative");
    let arr = scores.column("arr").expect("arr").f64().expect("f64").clone();
    let risk = scores
        .column("revenue_at_risk")
        .expect("rar")
        .f64()
        .expect("f64")
        .clone();
    let category = strs(&scores, "predicted_category");
    let summary = strs(&scores, "resolution_summary");
    let mut alerted = 0;
    for r in 0..scores.height() {
        let p_ = prob.get(r).expect("probability");
        let s = score.get(r).expect("score");
        assert!((0.0..=1.0).contains(&p_));
        assert_eq!(s, (p_ * 100.0).round() as i64, "row {r}");
        let a = alert.get(r).expect("alert");
        assert_eq!(a, s >= 3, "row {r}: alert threshold 3");
        assert_eq!(tier[r].as_deref(), Some(tier_of(s, a)), "row {r} score {s}");
        let n = narrative[r].as_deref().expect("narrative");
        assert!(n.ends_with(&format!("— {s}% escalation risk")), "{n}");
        if let (Some(arr), Some(v)) = (arr.get(r), risk.get(r)) {
            assert!((v - arr * p_).abs() < 0.01, "row {r}: {v} vs {arr} × {p_}");
        }
        if a {
            alerted += 1;
            assert!(category[r].is_some(), "alerted row {r} has a predicted category");
            let text = summary[r].as_deref().expect("resolution summary");
            assert!(text.starts_with("comparable to "), "{text}");
        } else {
            assert!(category[r].is_none());
        }
    }
    assert!(alerted > 0, "the low threshold alerts some of 300 accounts");
    let factors = scores
        .column("top_factors")
        .expect("top_factors")
        .list()
        .expect("list")
        .clone();
    assert!(factors.lst_lengths().iter().all(|l| l.is_some_and(|l| l <= 5)));

    // Actions: the tiers fire exactly their configured actions, drafted where a template
    // exists, due by the as-of time plus the tier's SLA.
    let actions = delta_partition(&format!("{wh}/actions"), "2026-06-30").expect("actions partition");
    let a_ids = strs(&actions, "account_id");
    let a_kind = strs(&actions, "action");
    let a_body = strs(&actions, "body");
    let a_tier = strs(&actions, "tier");
    for (r, id) in ids.iter().enumerate() {
        let mut got: Vec<&str> = a_ids
            .iter()
            .zip(&a_kind)
            .filter(|(a, _)| *a == id)
            .filter_map(|(_, k)| k.as_deref())
            .collect();
        got.sort_unstable();
        let want: &[&str] = match tier[r].as_deref() {
            Some("critical") => &["exec_briefing", "war_room"],
            Some("high") => &["war_room"],
            Some("moderate") => &["checkin_draft"],
            Some("watch") => &["watchlist"],
            _ => &[],
        };
        assert_eq!(got, want, "account {id:?} tier {:?}", tier[r]);
    }
    for ((kind, body), tier) in a_kind.iter().zip(&a_body).zip(&a_tier) {
        match kind.as_deref() {
            Some("watchlist") => assert!(body.is_none()),
            _ => {
                let b = body.as_deref().expect("drafted body");
                assert!(b.len() > 100, "{kind:?}: {b}");
                assert!(!b.contains("{{") && !b.contains("undefined"), "{b}");
                assert!(tier.is_some());
            }
        }
    }
    let due = actions
        .column("due_by")
        .expect("due_by")
        .cast(&DataType::Int64)
        .expect("i64");
    let as_of_us = chrono::DateTime::parse_from_rfc3339("2026-06-30T23:59:59.999999Z")
        .expect("date")
        .timestamp_micros();
    for (d, t) in due.i64().expect("i64").iter().zip(&a_tier) {
        let sla = match t.as_deref() {
            Some("critical") => 8,
            Some("high") => 24,
            Some("moderate") => 48,
            _ => 72,
        };
        let hours = (d.expect("due_by") - as_of_us) as f64 / 3.6e9;
        assert!(
            (hours - f64::from(sla)).abs() < 0.01,
            "due {hours} h, SLA {sla} h"
        );
    }

    // The next day: the champion is re-proven (no training), every account has a score
    // delta, and the riskiest ones say what moved.
    let second = run_on(&p, "2026-07-01", &[], &[]);
    second.expect_code(0);
    let names = stages(&second);
    assert!(
        names.iter().any(|n| n == "backtest") && !names.iter().any(|n| n == "train"),
        "{names:?}"
    );
    let next = delta_partition(&format!("{wh}/risk_scores"), "2026-07-01").expect("second partition");
    let deltas = next.column("score_delta").expect("score_delta");
    assert!(
        deltas.null_count() < next.height() / 10,
        "most accounts were scored yesterday"
    );
    let changed = next
        .column("what_changed")
        .expect("what_changed")
        .list()
        .expect("list")
        .clone();
    assert!(
        changed.lst_lengths().iter().flatten().any(|l| l > 0),
        "some scores moved"
    );

    // Re-running a date replaces its partition: same rows, no duplicates.
    run_on(&p, "2026-07-01", &["--top-k", "3"], &[]).expect_code(0);
    let again = delta_partition(&format!("{wh}/risk_scores"), "2026-07-01").expect("re-run partition");
    assert_eq!(again.height(), next.height());
    let first_day = delta_partition(&format!("{wh}/risk_scores"), "2026-06-30").expect("first partition");
    assert_eq!(first_day.height(), scores.height(), "other dates untouched");
}

#[test]
fn a_template_with_a_missing_variable_fails_before_any_work() {
    let p = Project::new("");
    let dir = p.file("templates");
    std::fs::create_dir_all(dir.join("scenarios")).expect("mkdir");
    for entry in walk(std::path::Path::new(&templates())) {
        let rel = entry.strip_prefix(templates()).expect("prefix").to_path_buf();
        let target = dir.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::copy(&entry, &target).expect("copy");
    }
    let checkin = dir.join("checkin_draft.j2");
    let text = std::fs::read_to_string(&checkin).expect("template");
    std::fs::write(&checkin, format!("{text}\nSee you, {{{{ csm_nickname }}}}\n")).expect("write");
    p.config(&config("wh", &dir.to_string_lossy(), ""));
    let run = p.dated(&["score"], &[], &[]);
    run.expect_code(2)
        .expect_stderr(&["checkin_draft.j2", "csm_nickname"]);
    assert!(!p.file("wh/_staged").exists(), "nothing staged");
    let run = p.dated(&["run"], &[], &[]);
    run.expect_code(2).expect_stderr(&["csm_nickname"]);
    assert!(!p.file("wh/risk_scores").exists(), "nothing published");
}

#[test]
fn score_without_a_champion_is_a_usage_error() {
    let p = project();
    let run = p.dated(&["score"], &[], &[]);
    run.expect_code(2).expect_stderr(&["no champion"]);
    assert!(!p.file("wh/_staged").exists());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The whole run with its warehouse on S3 (moto) and the PostgreSQL sink on: both hold the
/// same rows, and a re-run of the date leaves no duplicates in either.
#[test]
fn run_publishes_to_s3_and_postgres() {
    let Some(ep) = crate::object_store::s3::endpoint() else {
        return;
    };
    let Ok(pg) = std::env::var("VIGIL_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("VIGIL_REQUIRE_SERVERS").is_err(),
            "VIGIL_TEST_POSTGRES_URL must be set"
        );
        return;
    };
    let bucket = std::env::var("VIGIL_TEST_S3_BUCKET").unwrap_or_else(|_| "vigil-test".into());
    let wh = format!("s3://{bucket}/wh-score-{}", std::process::id());
    let schema = format!("vigil_run_{}", std::process::id());
    let p = project();
    p.config(&config(
        &wh,
        &templates(),
        &format!(
            "[warehouse.postgres]\nurl_env = \"VIGIL_TEST_PG\"\nschema = \"{schema}\"\n\
             [storage.options]\naws_conditional_put = \"etag\"\n"
        ),
    ));
    let env = crate::object_store::s3::s3_env(&ep);
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("VIGIL_TEST_PG", pg.as_str()));
    run_on(&p, "2026-06-30", &[], &env).expect_code(0);
    run_on(&p, "2026-06-30", &[], &env).expect_code(0);
    let db = crate::postgres::support::Db::new(&pg, "score");
    for table in ["risk_scores", "actions"] {
        let n = db.rows(&format!(
            "SELECT count(*) FROM {schema}.{table} WHERE run_date = DATE '2026-06-30'"
        ))[0]
            .get::<_, i64>(0);
        assert!(n > 0, "{table} empty in PostgreSQL");
        let storage = vigil_store::storage::Storage::new(
            vigil_store::storage::RetryPolicy::default(),
            vec![
                (
                    "aws_endpoint".into(),
                    vigil_store::secret::Secret::new(ep.clone()),
                ),
                (
                    "aws_allow_http".into(),
                    vigil_store::secret::Secret::new("true".into()),
                ),
                (
                    "aws_access_key_id".into(),
                    vigil_store::secret::Secret::new("testing".into()),
                ),
                (
                    "aws_secret_access_key".into(),
                    vigil_store::secret::Secret::new("testing".into()),
                ),
                (
                    "aws_region".into(),
                    vigil_store::secret::Secret::new("us-east-1".into()),
                ),
            ],
        )
        .expect("storage");
        let loc = vigil_store::storage::Location::parse(&format!("{wh}/{table}")).expect("url");
        let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        let delta = vigil_store::warehouse::delta::read_partition(&storage, &loc, date)
            .expect("read Delta on S3")
            .expect("partition");
        assert_eq!(
            delta.height() as i64,
            n,
            "{table}: Delta on S3 and PostgreSQL agree"
        );
    }
    db.exec(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}
