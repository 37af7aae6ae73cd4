//! The PostgreSQL sink against a real server (Debian's PostgreSQL, started by tests/run.sh on
//! 127.0.0.1): re-publishing a date replaces it, a failure part-way leaves the previous rows,
//! and new frame columns are added to the table. TLS: [`tls`]. PostgreSQL as a source of
//! input tables: [`source`] (the reader) and [`sources`] (`vigil run` on PostgreSQL tables).

mod source;
mod sources;
pub(crate) mod support;
mod tls;

use chrono::NaiveDate;
use polars::prelude::{DataType, NamedFrom, Series};
use support::{Db, date, epoch_days, risk_frame, sink, url, with_column};
use vigil_store::warehouse::postgres::{self, PostgresError};

#[test]
fn republishing_a_date_replaces_it_and_leaves_other_dates() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "replace");
    let mut pg = sink(&url);
    let s = db.schema.as_str();
    assert_eq!(
        pg.replace_partition(
            s,
            "risk_scores",
            date("2026-01-01"),
            &risk_frame(20, "old"),
            "run-a"
        )
        .expect("d1"),
        20
    );
    assert_eq!(
        pg.replace_partition(
            s,
            "risk_scores",
            date("2026-01-02"),
            &risk_frame(50, "first"),
            "run-b"
        )
        .expect("d2"),
        50
    );
    // Same date again, different rows: the second content wins, nothing is duplicated.
    assert_eq!(
        pg.replace_partition(
            s,
            "risk_scores",
            date("2026-01-02"),
            &risk_frame(30, "second"),
            "run-c"
        )
        .expect("again"),
        30
    );
    assert_eq!(db.count("risk_scores", "2026-01-02"), 30);
    assert_eq!(db.run_ids("risk_scores", "2026-01-02"), ["run-c"]);
    let tags = db.rows(&format!(
        "SELECT DISTINCT model_version FROM {s}.risk_scores WHERE run_date = '2026-01-02'"
    ));
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].get::<_, String>(0), "gbdt-second");
    // The other date is untouched.
    assert_eq!(db.count("risk_scores", "2026-01-01"), 20);
    assert_eq!(db.run_ids("risk_scores", "2026-01-01"), ["run-a"]);

    // Values round-trip with their types: nulls, jsonb of nested values, timestamptz, date.
    let row = &db.rows(&format!(
        "SELECT csm_owner, risk_score, alert, top_factors, similar_cases, scored_at::text, due_by::text, \
         pg_typeof(top_factors)::text, pg_typeof(risk_score)::text, arr \
         FROM {s}.risk_scores WHERE account_id = 'second-000000'"
    ))[0];
    assert_eq!(row.get::<_, Option<String>>(0), None, "row 0 has no CSM");
    assert_eq!(row.get::<_, i32>(1), 0);
    assert!(row.get::<_, bool>(2));
    let top: serde_json::Value = row.get(3);
    assert_eq!(
        top[0],
        serde_json::json!({"feature": "tickets_7d", "value": null, "contribution": 0.3, "phrase": "signal 0 rose \"sharply\""})
    );
    assert_eq!(top.as_array().map(Vec::len), Some(3));
    assert_eq!(row.get::<_, serde_json::Value>(4), serde_json::json!(["esc-0"]));
    assert_eq!(row.get::<_, String>(5), "2026-01-01 00:00:00+00");
    assert_eq!(row.get::<_, String>(6), "2026-01-04");
    assert_eq!(
        (row.get::<_, String>(7), row.get::<_, String>(8)),
        ("jsonb".into(), "integer".into())
    );
    assert_eq!(row.get::<_, f64>(9), 1000.0);
    let idx = db.rows(&format!(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = '{s}'"
    ));
    assert_eq!(
        idx.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>(),
        ["risk_scores_run_date_idx"]
    );
}

#[test]
fn failure_mid_copy_leaves_the_previous_rows() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "midcopy");
    let mut pg = sink(&url);
    let s = db.schema.as_str();
    let d = date("2026-02-01");
    pg.replace_partition(s, "risk_scores", d, &risk_frame(1000, "good"), "run-good")
        .expect("first");

    // 100k rows; row 70001 has a date before 4713 BC, which PostgreSQL's date type rejects
    // while receiving the COPY (70,000 rows have already reached the server by then).
    let n = 100_000;
    let bad_row = 70_000;
    let due: Vec<i32> = (0..n)
        .map(|i| {
            if i == bad_row {
                epoch_days(NaiveDate::from_ymd_opt(-5000, 1, 1).expect("date"))
            } else {
                20_000
            }
        })
        .collect();
    let frame = with_column(
        risk_frame(n, "bad"),
        Series::new("due_by".into(), due)
            .cast(&DataType::Date)
            .expect("date"),
    );
    let err = pg
        .replace_partition(s, "risk_scores", d, &frame, "run-bad")
        .expect_err("out-of-range date accepted");
    let msg = err.to_string();
    assert!(
        matches!(&err, PostgresError::Server { step, .. } if step == "copy"),
        "{msg}"
    );
    assert!(msg.contains(&format!("{s}.risk_scores")), "{msg}");
    assert!(
        msg.contains("date out of range") && msg.contains("line 70001") && msg.contains("due_by"),
        "{msg}"
    );
    assert!(!msg.contains(&url), "{msg}");
    assert_eq!(
        db.count("risk_scores", "2026-02-01"),
        1000,
        "previous rows intact"
    );
    assert_eq!(db.run_ids("risk_scores", "2026-02-01"), ["run-good"]);

    // The same sink is usable after the failure.
    pg.replace_partition(s, "risk_scores", d, &risk_frame(5, "after"), "run-after")
        .expect("after failure");
    assert_eq!(db.count("risk_scores", "2026-02-01"), 5);
}

#[test]
fn nul_byte_in_text_is_rejected_naming_column_and_row() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "nul");
    let mut pg = sink(&url);
    let s = db.schema.as_str();
    let d = date("2026-03-01");
    pg.replace_partition(s, "risk_scores", d, &risk_frame(10, "good"), "run-good")
        .expect("first");
    // PostgreSQL's text (and jsonb) cannot hold U+0000; the sink says where instead of letting
    // the server fail with an encoding error, and never prints the (customer) text.
    let narrative: Vec<String> = (0..50)
        .map(|i| {
            if i == 42 {
                "private\0words".into()
            } else {
                format!("ok {i}")
            }
        })
        .collect();
    let frame = with_column(risk_frame(50, "nul"), Series::new("narrative".into(), narrative));
    let err = pg
        .replace_partition(s, "risk_scores", d, &frame, "run-nul")
        .expect_err("NUL accepted");
    let msg = err.to_string();
    assert!(
        matches!(&err, PostgresError::BadValue { column, row: 43, .. } if column == "narrative"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("{s}.risk_scores")) && !msg.contains("private"),
        "{msg}"
    );
    assert_eq!(db.count("risk_scores", "2026-03-01"), 10);
}

#[test]
fn constraint_failure_after_the_delete_rolls_the_delete_back() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "check");
    let mut pg = sink(&url);
    let s = db.schema.as_str();
    let d = date("2026-04-01");
    pg.replace_partition(s, "risk_scores", d, &risk_frame(100, "good"), "run-good")
        .expect("first");
    // A constraint the staging table does not have: the INSERT fails after the DELETE ran.
    db.exec(&format!(
        "ALTER TABLE {s}.risk_scores ADD CONSTRAINT score_range CHECK (risk_score <= 100)"
    ));
    let scores: Vec<i32> = (0..100).map(|i| if i == 60 { 150 } else { 50 }).collect();
    let frame = with_column(risk_frame(100, "bad"), Series::new("risk_score".into(), scores));
    let err = pg
        .replace_partition(s, "risk_scores", d, &frame, "run-bad")
        .expect_err("constraint ignored");
    let msg = err.to_string();
    assert!(
        msg.contains("insert") && msg.contains("score_range") && msg.contains("23514"),
        "{msg}"
    );
    assert!(
        !msg.contains("Failing row"),
        "the server's detail (row values) is not repeated: {msg}"
    );
    assert_eq!(db.count("risk_scores", "2026-04-01"), 100);
    assert_eq!(db.run_ids("risk_scores", "2026-04-01"), ["run-good"]);
}

#[test]
fn new_nullable_column_is_added_on_a_later_publish() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "evolve");
    let mut pg = sink(&url);
    let s = db.schema.as_str();
    pg.replace_partition(
        s,
        "risk_scores",
        date("2026-05-01"),
        &risk_frame(10, "v1"),
        "run-1",
    )
    .expect("v1");
    let extra = Series::new(
        "churn_probability".into(),
        (0..10).map(|i| Some(i as f64 / 10.0)).collect::<Vec<_>>(),
    );
    let frame = with_column(risk_frame(10, "v2"), extra);
    pg.replace_partition(s, "risk_scores", date("2026-05-02"), &frame, "run-2")
        .expect("v2 with a new column");
    let col = db.rows(&format!(
        "SELECT data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = '{s}' AND table_name = 'risk_scores' AND column_name = 'churn_probability'"
    ));
    assert_eq!(col.len(), 1, "column added");
    assert_eq!(
        (col[0].get::<_, String>(0), col[0].get::<_, String>(1)),
        ("double precision".into(), "YES".into())
    );
    let sums = db.rows(&format!(
        "SELECT run_date::text, count(churn_probability), sum(churn_probability) FROM {s}.risk_scores GROUP BY 1 ORDER BY 1"
    ));
    assert_eq!(sums[0].get::<_, i64>(1), 0, "older rows have NULL");
    assert!((sums[1].get::<_, f64>(2) - 4.5).abs() < 1e-9);
    // An older frame without the column still publishes (the column is NULL).
    pg.replace_partition(
        s,
        "risk_scores",
        date("2026-05-02"),
        &risk_frame(3, "v1"),
        "run-3",
    )
    .expect("old shape");
    assert_eq!(db.count("risk_scores", "2026-05-02"), 3);
}

#[test]
fn incompatible_column_type_is_a_clear_error() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "types");
    let mut pg = sink(&url);
    let s = db.schema.as_str();
    let d = date("2026-06-01");
    pg.replace_partition(s, "risk_scores", d, &risk_frame(4, "a"), "run-a")
        .expect("first");
    let frame = with_column(risk_frame(4, "b"), Series::new("risk_score".into(), ["high"; 4]));
    let err = pg
        .replace_partition(s, "risk_scores", d, &frame, "run-b")
        .expect_err("text into integer");
    assert!(
        matches!(&err, PostgresError::ColumnType { column, table_type, .. } if column == "risk_score" && table_type == "integer"),
        "{err}"
    );
    // Widening is fine: Int32 values into a bigint column.
    db.exec(&format!(
        "ALTER TABLE {s}.risk_scores ALTER COLUMN risk_score TYPE bigint"
    ));
    pg.replace_partition(s, "risk_scores", d, &risk_frame(4, "c"), "run-c")
        .expect("int into bigint");
    assert_eq!(db.run_ids("risk_scores", "2026-06-01"), ["run-c"]);
}

#[test]
fn a_foreign_relation_of_the_same_name_is_refused() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "foreign");
    let mut pg = sink(&url);
    let s = db.schema.as_str();
    let d = date("2026-06-15");
    db.exec(&format!("CREATE SCHEMA {s}; CREATE TABLE {s}.actions (x integer); CREATE VIEW {s}.risk_scores AS SELECT 1 AS x"));
    for table in ["actions", "risk_scores"] {
        let err = pg
            .replace_partition(s, table, d, &risk_frame(2, "f"), "run-f")
            .expect_err("foreign table");
        assert!(
            matches!(&err, PostgresError::NotVigilTable { .. }),
            "{table}: {err}"
        );
        assert!(err.to_string().contains(&format!("{s}.{table}")), "{err}");
    }
    // Nothing was changed: the table did not gain the frame's columns.
    let cols = db.rows(&format!("SELECT count(*) FROM information_schema.columns WHERE table_schema = '{s}' AND table_name = 'actions'"));
    assert_eq!(cols[0].get::<_, i64>(0), 1);
}

#[test]
fn concurrent_publishers_of_one_date_never_duplicate() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "concurrent");
    let s = db.schema.clone();
    // Create the table first (two first-ever CREATE TABLEs can race in PostgreSQL itself).
    sink(&url)
        .replace_partition(
            &s,
            "risk_scores",
            date("2026-07-01"),
            &risk_frame(1, "x"),
            "run-0",
        )
        .expect("create");
    let (workers, rounds) = (3, 4);
    // Each round all workers publish the same date at once; then the main thread checks.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(workers + 1));
    let (errors_tx, errors) = std::sync::mpsc::channel::<String>();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let (url, s, barrier, errors_tx) = (url.clone(), s.clone(), barrier.clone(), errors_tx.clone());
            std::thread::spawn(move || {
                let mut pg = sink(&url);
                for k in 0..rounds {
                    let frame = risk_frame(2000, &format!("w{w}k{k}"));
                    barrier.wait();
                    let run = format!("run-{w}-{k}");
                    // No panic here: the other threads wait at the barrier.
                    if let Err(e) = pg.replace_partition(&s, "risk_scores", date("2026-07-01"), &frame, &run)
                    {
                        let _ = errors_tx.send(e.to_string());
                    }
                    barrier.wait();
                }
            })
        })
        .collect();
    for k in 0..rounds {
        barrier.wait();
        barrier.wait();
        assert_eq!(
            errors.try_iter().collect::<Vec<_>>(),
            Vec::<String>::new(),
            "round {k}"
        );
        assert_eq!(db.count("risk_scores", "2026-07-01"), 2000, "round {k}");
        assert_eq!(
            db.run_ids("risk_scores", "2026-07-01").len(),
            1,
            "round {k}: one run's rows, not a mix"
        );
    }
    for h in handles {
        h.join().expect("worker");
    }
}

#[test]
fn documented_ddl_matches_the_created_table() {
    let Some(url) = url() else { return };
    let db = Db::new(&url, "ddl");
    let frame = risk_frame(2, "d");
    db.exec(&format!("CREATE SCHEMA {}", db.schema));
    // A DBA can create the table from the documented DDL; the sink then writes into it.
    db.exec(&postgres::ddl(&db.schema, "risk_scores", &frame).expect("ddl"));
    let mut pg = sink(&url);
    pg.replace_partition(&db.schema, "risk_scores", date("2026-08-01"), &frame, "run-1")
        .expect("into DBA table");
    assert_eq!(db.count("risk_scores", "2026-08-01"), 2);
}
