//! `vigil run` with tables read from PostgreSQL (`[sources.<table>]` with `url_env` and
//! `table` or `query`) against the test server of tests/run.sh: the same history scores the
//! same as from files, a mapped query is validated in the user's names, and a missing URL
//! variable is a usage error that names the variable, never a value.

use super::support::{Db, date, sink, url};
use crate::common::{Project, delta_partition, report_table, validation_report};
use crate::score::{config, run_on, templates};
use polars::prelude::*;

const RUN_DATE: &str = "2026-06-30";
const URL_VAR: &str = "VIGIL_TEST_SOURCE_PG_URL";

/// A generated history with `tables` copied into `db`'s schema (through the sink, which adds
/// `run_date`/`run_id` columns vigil then ignores) and removed from the files.
fn history_in_postgres(p: &Project, db: &Db, url: &str, tables: &[&str]) {
    let mut pg = sink(url);
    for table in tables {
        let path = p.file(&format!("history/{table}.parquet"));
        let file = std::fs::File::open(&path).expect(table);
        let frame = ParquetReader::new(file).finish().expect("parquet");
        pg.replace_partition(&db.schema, table, date(RUN_DATE), &frame, "source")
            .expect("copy into postgres");
        std::fs::remove_file(&path).expect("remove");
    }
}

fn probabilities(p: &Project) -> Vec<(String, f64)> {
    let wh = p.file("wh").to_string_lossy().into_owned();
    let scores = delta_partition(&format!("{wh}/risk_scores"), RUN_DATE).expect("risk_scores");
    let ids = scores
        .column("account_id")
        .expect("id")
        .str()
        .expect("str")
        .clone();
    let probs = scores
        .column("probability")
        .expect("p")
        .f64()
        .expect("f64")
        .clone();
    let mut out: Vec<(String, f64)> = ids
        .iter()
        .zip(probs.iter())
        .map(|(a, b)| (a.expect("id").to_string(), b.expect("probability")))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_run_on_postgres_tables_scores_like_the_same_history_in_files() {
    let Some(url) = url() else { return };
    let files = crate::score::project();
    run_on(&files, RUN_DATE, &[], &[]).expect_code(0);

    let db = Db::new(&url, "sources");
    let p = Project::new("");
    let s = &db.schema;
    let sources = format!(
        "[sources.tickets]\nurl_env = \"{URL_VAR}\"\ntable = \"{s}.tickets\"\n\
         [sources.escalations]\nurl_env = \"{URL_VAR}\"\n\
         query = \"SELECT escalation_id AS id, account_id, opened_at, category, severity, resolved_at, \
         interventions, outcome, arr_at_risk FROM {s}.escalations\"\n\
         columns = {{ escalation_id = \"id\" }}\n"
    );
    p.config(&config("wh", &templates(), &sources));
    p.generate("300", "history");
    history_in_postgres(&p, &db, &url, &["tickets", "escalations"]);

    let run = run_on(&p, RUN_DATE, &[], &[(URL_VAR, url.as_str())]);
    run.expect_code(0);
    let pg = probabilities(&p);
    assert!(!pg.is_empty(), "accounts scored");
    assert_eq!(
        probabilities(&files),
        pg,
        "identical probabilities from PostgreSQL and files"
    );
    let report = validation_report(&p, RUN_DATE);
    let tickets = report_table(&report, "tickets");
    assert!(
        tickets["files"][0]["url"]
            .as_str()
            .is_some_and(|u| u == format!("postgres:{s}.tickets")),
        "{tickets:#}"
    );

    // The doctor reads the same sources: found, mapped, validated, named by relation.
    p.dated(&["doctor"], &[], &[(URL_VAR, url.as_str())])
        .expect_code(0);
    let json = std::fs::read(p.file(&format!("wh/reports/doctor/run_date={RUN_DATE}/doctor.json")));
    let doctor: serde_json::Value = serde_json::from_slice(&json.expect("doctor.json")).expect("JSON");
    let tables = doctor["tables"].as_array().expect("tables");
    for (name, location) in [
        ("tickets", format!("postgres:{s}.tickets")),
        ("escalations", "postgres:query".into()),
    ] {
        let t = tables.iter().find(|t| t["table"] == name).expect(name);
        assert_eq!(
            (t["status"].as_str(), t["location"].as_str()),
            (Some("present"), Some(location.as_str())),
            "{t}"
        );
        assert_eq!(t["validation"]["bad_rows"], 0, "{t}");
    }

    // Without the variable: a usage error naming it, before anything is read or written.
    let q = Project::new("");
    q.config(&config("wh", &templates(), &sources));
    q.generate("300", "history");
    let missing = run_on(&q, RUN_DATE, &[], &[]);
    missing.expect_code(2);
    assert!(missing.stderr.contains(URL_VAR), "{}", missing.stderr);
    assert!(!q.file("wh/risk_scores").exists());
}
