//! PostgreSQL as a source (`vigil_store::warehouse::postgres::source`) against the test server
//! of tests/run.sh: every supported type with NULLs and non-ASCII text, timestamptz in UTC, a
//! table and a query, TLS with the test CA, the errors (missing relation, unsupported type,
//! a bad query, an infinite timestamp) naming the vigil table and never the password, and
//! 100k rows with the rate measured.

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::{AnyValue, DataFrame, DataType, TimeUnit};
use vigil_store::secret::Secret;
use vigil_store::warehouse::WarehouseError;
use vigil_store::warehouse::postgres::source::{self, PgRelation, PgSource, PgSourceError};

use super::support::{Db, tls_ca, url, with_params};

/// A password in every URL: the test server trusts any, and no message may show it.
const PASSWORD: &str = "src-s3cret-pw";

fn source(url: &str, relation: PgRelation) -> PgSource {
    let url = url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{PASSWORD}@"),
        1,
    );
    PgSource {
        url: Secret::new(url),
        relation,
        ca_file: None,
    }
}

fn read_table(url: &str, name: &str) -> Result<DataFrame, PgSourceError> {
    source::read(&source(url, PgRelation::Table(name.into())), "tickets")
}

fn read_query(url: &str, query: &str) -> Result<DataFrame, PgSourceError> {
    source::read(&source(url, PgRelation::Query(query.into())), "tickets")
}

/// A fresh schema for the test, dropped with `Db`.
fn schema(url: &str, test: &str) -> Db {
    let db = Db::new(url, test);
    db.exec(&format!("CREATE SCHEMA {}", db.schema));
    db
}

fn value<'a>(df: &'a DataFrame, column: &str, row: usize) -> AnyValue<'a> {
    df.column(column)
        .unwrap_or_else(|e| panic!("{column}: {e}"))
        .get(row)
        .unwrap_or_else(|e| panic!("{column}[{row}]: {e}"))
}

fn text(df: &DataFrame, column: &str, row: usize) -> Option<String> {
    match value(df, column, row) {
        AnyValue::Null => None,
        AnyValue::String(s) => Some(s.to_string()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        other => panic!("{column}: not a string: {other:?}"),
    }
}

/// An integer, date (days) or datetime (µs) value as its physical integer.
fn int(df: &DataFrame, column: &str, row: usize) -> Option<i64> {
    match value(df, column, row) {
        AnyValue::Null => None,
        AnyValue::Int64(v) | AnyValue::Datetime(v, _, _) => Some(v),
        AnyValue::Date(d) => Some(i64::from(d)),
        other => panic!("{column}: not an integer: {other:?}"),
    }
}

fn float(df: &DataFrame, column: &str, row: usize) -> Option<f64> {
    match value(df, column, row) {
        AnyValue::Null => None,
        AnyValue::Float64(v) => Some(v),
        other => panic!("{column}: not a float: {other:?}"),
    }
}

fn no_password(e: &PgSourceError) -> String {
    let msg = format!("{e} {e:?}");
    assert!(!msg.contains(PASSWORD), "{msg}");
    e.to_string()
}

#[test]
fn every_type_with_nulls_and_non_ascii_text() {
    let Some(url) = url() else { return };
    let db = schema(&url, "src_types");
    let s = db.schema.as_str();
    db.exec(&format!(
        "CREATE TYPE {s}.mood AS ENUM ('calm', 'angry');
         CREATE TABLE {s}.every_type (
           t text, v varchar(20), c char(4), n name, u uuid, i2 int2, i4 int4, i8 int8,
           f4 float4, f8 float8, num numeric(12, 3), b bool, d date, ts timestamp,
           tstz timestamptz, j json, jb jsonb, m {s}.mood);
         SET TIME ZONE 'America/New_York';
         INSERT INTO {s}.every_type VALUES
           ('Müller – 東京 😀', 'ação', 'ab', 'nm', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', -32768,
            2147483647, 9007199254740993, 1.5, -2.25, 12345.678, true, '2026-02-28',
            '2026-03-01 10:15:30.123456', '2026-03-01 10:00:00+01', '{{\"a\": \"ü\"}}', '{{\"b\": 1}}',
            'angry'),
           (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL, NULL, NULL);"
    ));
    let df = read_table(&url, &format!("{s}.every_type")).expect("read");
    assert_eq!(df.height(), 2);
    let dtypes: Vec<(String, DataType)> = df
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().clone()))
        .collect();
    let us = DataType::Datetime(TimeUnit::Microseconds, None);
    let want = [
        ("t", DataType::String),
        ("v", DataType::String),
        ("c", DataType::String),
        ("n", DataType::String),
        ("u", DataType::String),
        ("i2", DataType::Int64),
        ("i4", DataType::Int64),
        ("i8", DataType::Int64),
        ("f4", DataType::Float64),
        ("f8", DataType::Float64),
        ("num", DataType::Float64),
        ("b", DataType::Boolean),
        ("d", DataType::Date),
        ("ts", us.clone()),
        ("tstz", us),
        ("j", DataType::String),
        ("jb", DataType::String),
        ("m", DataType::String),
    ];
    let want: Vec<(String, DataType)> = want.into_iter().map(|(n, t)| (n.to_string(), t)).collect();
    assert_eq!(dtypes, want);

    let row = (0..2)
        .find(|&r| text(&df, "t", r).is_some())
        .expect("the non-null row");
    let texts = ["t", "v", "c", "n", "u", "j", "jb", "m"].map(|c| text(&df, c, row));
    let texts = texts.map(|t| t.expect("not null"));
    assert_eq!(
        texts,
        [
            "Müller – 東京 😀",
            "ação",
            "ab  ",
            "nm",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "{\"a\": \"ü\"}",
            "{\"b\": 1}",
            "angry"
        ]
    );
    assert_eq!(int(&df, "i2", row), Some(-32768));
    assert_eq!(int(&df, "i4", row), Some(2_147_483_647));
    assert_eq!(
        int(&df, "i8", row),
        Some(9_007_199_254_740_993),
        "int8 exact beyond 2^53"
    );
    assert_eq!(float(&df, "f4", row), Some(1.5));
    assert_eq!(float(&df, "f8", row), Some(-2.25));
    assert_eq!(float(&df, "num", row), Some(12_345.678));
    assert_eq!(value(&df, "b", row), AnyValue::Boolean(true));
    assert_eq!(int(&df, "d", row), Some(20_512), "2026-02-28 as days since 1970");
    // timestamp: 2026-03-01 10:15:30.123456 as written; timestamptz: 10:00+01 is 09:00 UTC
    // whatever the session's zone.
    assert_eq!(int(&df, "ts", row), Some(1_772_360_130_123_456));
    assert_eq!(int(&df, "tstz", row), Some(1_772_355_600_000_000));
    let null_row = 1 - row;
    for c in df.get_column_names() {
        assert_eq!(value(&df, c, null_row), AnyValue::Null, "{c}");
    }
}

#[test]
fn a_query_is_read_as_a_subquery() {
    let Some(url) = url() else { return };
    let db = schema(&url, "src_query");
    let s = db.schema.as_str();
    db.exec(&format!(
        "CREATE TABLE {s}.\"Incidents\" (id int4, amount numeric, created timestamptz, status text);
         INSERT INTO {s}.\"Incidents\"
           SELECT i, i * 1.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
                  CASE WHEN i % 4 = 0 THEN 'deleted' ELSE 'open' END
           FROM generate_series(1, 40) i;"
    ));
    let query = format!(
        "SELECT id AS escalation_id, amount, created AS opened_at\n  FROM {s}.\"Incidents\"\n  \
         WHERE status <> 'deleted' ORDER BY id DESC -- newest first\n;\n"
    );
    let df = read_query(&url, &query).expect("query");
    assert_eq!(df.get_column_names(), ["escalation_id", "amount", "opened_at"]);
    assert_eq!(df.height(), 30);
    assert_eq!(int(&df, "escalation_id", 0), Some(39));
    assert_eq!(float(&df, "amount", 0), Some(48.75));
    assert_eq!(
        int(&df, "opened_at", 0),
        Some(1_767_225_600_000_000 + 39 * 3_600_000_000)
    );
    // The table by its case-sensitive name, unqualified through the search_path.
    let by_name = source::read(
        &source(
            &with_params(&url, &format!("options=-csearch_path%3D{s}")),
            PgRelation::Table("Incidents".into()),
        ),
        "escalations",
    )
    .expect("table on the search_path");
    assert_eq!((by_name.height(), by_name.width()), (40, 4));
    // An empty result still has its columns and types.
    let empty = read_query(&url, &format!("SELECT * FROM {s}.\"Incidents\" WHERE false")).expect("empty");
    assert_eq!((empty.height(), empty.width()), (0, 4));
    assert_eq!(
        empty.column("amount").expect("amount").dtype(),
        &DataType::Float64
    );
}

#[test]
fn tls_with_the_ca_verifies_the_server() {
    let (Some(url), Some(ca)) = (url(), tls_ca()) else {
        return;
    };
    let query =
        PgRelation::Query("SELECT 'ü'::text AS t, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()".into());
    let verify_full = with_params(&url, "sslmode=verify-full");
    let mut with_ca = source(&verify_full, query.clone());
    with_ca.ca_file = Some(PathBuf::from(&ca));
    let df = source::read(&with_ca, "tickets").expect("verify-full with the CA");
    assert_eq!(text(&df, "t", 0).as_deref(), Some("ü"));
    assert_eq!(
        value(&df, "ssl", 0),
        AnyValue::Boolean(true),
        "the session is encrypted"
    );
    // Without the CA the system store does not trust the throwaway CA: exit 2, URL not shown.
    let e = source::read(&source(&verify_full, query), "tickets").expect_err("untrusted");
    let msg = no_password(&e);
    assert!(
        msg.starts_with("table tickets: PostgreSQL TLS handshake failed") && msg.contains("ca_file"),
        "{msg}"
    );
    assert!(e.is_usage());
}

#[test]
fn a_missing_relation_or_a_bad_query_names_the_table() {
    let Some(url) = url() else { return };
    let db = schema(&url, "src_missing");
    let s = db.schema.as_str();
    let e = read_table(&url, &format!("{s}.tickets")).expect_err("missing");
    assert_eq!(
        no_password(&e),
        format!("table tickets: PostgreSQL relation {s}.tickets does not exist")
    );
    assert!(WarehouseError::from(e).is_usage(), "exit 2");
    let e = read_table(&url, "no_such_schema.tickets").expect_err("missing schema");
    assert!(matches!(e, PgSourceError::MissingRelation { .. }), "{e}");

    let e = read_query(&url, "SELEC id FROM somewhere").expect_err("syntax");
    let msg = no_password(&e);
    assert!(
        msg.starts_with("table tickets: reading the query failed: ERROR 42601: syntax error"),
        "{msg}"
    );
    assert!(e.is_usage());
    let e = read_query(&url, &format!("SELECT id FROM {s}.nothing")).expect_err("missing in a query");
    assert!(
        no_password(&e).contains(&format!("relation \"{s}.nothing\" does not exist")),
        "{e}"
    );
    // A data error while the server computes the rows (half-way through the COPY): exit 3.
    let e =
        read_query(&url, "SELECT 1 / (i - 3000) AS x FROM generate_series(1, 5000) i").expect_err("div 0");
    assert!(no_password(&e).contains("ERROR 22012: division by zero"), "{e}");
    let e = WarehouseError::from(e);
    assert!(e.is_input_problem() && !e.is_usage(), "exit 3");
}

#[test]
fn unsupported_types_and_infinite_timestamps_are_named() {
    let Some(url) = url() else { return };
    let db = schema(&url, "src_unsupported");
    let s = db.schema.as_str();
    db.exec(&format!(
        "CREATE TABLE {s}.places (id int4, loc point, seen timestamptz);
         INSERT INTO {s}.places VALUES (1, '(1,2)', now()), (2, '(3,4)', 'infinity');"
    ));
    let e = read_table(&url, &format!("{s}.places")).expect_err("point");
    let msg = no_password(&e);
    assert!(
        msg.starts_with("table tickets: column loc has PostgreSQL type point, which vigil cannot read")
            && msg.contains("loc::text AS loc"),
        "{msg}"
    );
    assert!(e.is_usage());
    // The cast the message suggests works; the infinite timestamp is then the problem.
    let q = format!("SELECT id, loc::text AS loc, seen FROM {s}.places ORDER BY id");
    let e = read_query(&url, &q).expect_err("infinity");
    let msg = no_password(&e);
    assert!(
        msg.starts_with("table tickets, column seen, row 2: the value is infinity or -infinity"),
        "{msg}"
    );
    assert!(WarehouseError::from(e).is_input_problem(), "exit 3");
    let q = format!("SELECT id, loc::text AS loc FROM {s}.places ORDER BY id");
    let df = read_query(&url, &q).expect("cast to text");
    assert_eq!(text(&df, "loc", 1).as_deref(), Some("(3,4)"));
    // A join's repeated names must be aliased.
    let e = read_query(
        &url,
        &format!("SELECT a.id, b.id FROM {s}.places a JOIN {s}.places b USING (id)"),
    )
    .expect_err("two id columns");
    assert!(no_password(&e).contains("more than one column named id"), "{e}");
}

#[test]
fn a_hundred_thousand_rows_stream_in() {
    let Some(url) = url() else { return };
    let db = schema(&url, "src_100k");
    let s = db.schema.as_str();
    let n: i64 = 100_000;
    db.exec(&format!(
        "CREATE TABLE {s}.usage AS
           SELECT i::int8 AS id, 'acct-' || (i % 5000) AS account_id,
                  timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' AS at,
                  (i % 97)::float8 / 7 AS value, i % 7 = 0 AS flag, (i % 1000)::numeric / 4 AS amount,
                  CASE WHEN i % 10 = 0 THEN NULL ELSE 'event ' || i END AS note
           FROM generate_series(1, {n}) i;
         ANALYZE {s}.usage;"
    ));
    let started = Instant::now();
    let df = read_table(&url, &format!("{s}.usage")).expect("100k rows");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!((df.height(), df.width()), (n as usize, 7));
    let ids = df.column("id").expect("id").i64().expect("i64");
    assert_eq!(ids.iter().flatten().sum::<i64>(), n * (n + 1) / 2);
    let notes = df.column("note").expect("note");
    assert_eq!(notes.null_count(), (n / 10) as usize);
    let flags = df.column("flag").expect("flag").bool().expect("bool");
    assert_eq!(
        flags.iter().filter(|f| *f == Some(true)).count(),
        (n / 7) as usize
    );
    eprintln!(
        "read {n} rows x 7 columns from PostgreSQL in {secs:.3} s: {:.0} rows/s",
        n as f64 / secs
    );
    // A look at the head reads only those rows, with the same columns.
    let relation = PgRelation::Table(format!("{s}.usage"));
    let head = source::read_head(&source(&url, relation), "tickets", 200).expect("head");
    assert_eq!((head.height(), head.width()), (200, 7));
    assert_eq!(head.schema(), df.schema());
}
