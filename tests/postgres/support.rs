//! Shared by the PostgreSQL tests: the server URL, a checking client, a risk_scores-like frame.

use chrono::NaiveDate;
use polars::prelude::{
    DataFrame, DataType, IntoColumn, IntoSeries, NamedFrom, Series, StructChunked, TimeUnit, TimeZone,
};
use vigil_store::secret::Secret;
use vigil_store::warehouse::postgres::{self, PgSink};

/// URL of the test server, or `None` when run outside tests/run.sh. Under
/// `VIGIL_REQUIRE_SERVERS=1` (set by tests/run.sh and CI) a missing server fails the test.
pub(crate) fn url() -> Option<String> {
    match std::env::var("VIGIL_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("VIGIL_REQUIRE_SERVERS").is_err(),
                "VIGIL_TEST_POSTGRES_URL must be set by tests/run.sh"
            );
            eprintln!("skipping: no PostgreSQL server (run tests/run.sh)");
            None
        }
    }
}

/// A second, plain client for checking what the sink wrote, in a fresh schema per test.
pub(crate) struct Db {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    pub(crate) schema: String,
}

impl Db {
    pub(crate) fn new(url: &str, test: &str) -> Db {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (client, conn) = rt
            .block_on(tokio_postgres::connect(url, tokio_postgres::NoTls))
            .expect("connect");
        rt.spawn(conn);
        let db = Db {
            rt,
            client,
            schema: format!("vt_{test}_{}", std::process::id()),
        };
        db.exec(&format!("DROP SCHEMA IF EXISTS {} CASCADE", db.schema));
        db
    }

    pub(crate) fn exec(&self, sql: &str) {
        self.rt
            .block_on(self.client.batch_execute(sql))
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }

    pub(crate) fn rows(&self, sql: &str) -> Vec<tokio_postgres::Row> {
        self.rt
            .block_on(self.client.query(sql, &[]))
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    pub(crate) fn count(&self, table: &str, run_date: &str) -> i64 {
        let sql = format!(
            "SELECT count(*) FROM {}.{table} WHERE run_date = '{run_date}'",
            self.schema
        );
        self.rows(&sql)[0].get(0)
    }

    pub(crate) fn run_ids(&self, table: &str, run_date: &str) -> Vec<String> {
        let sql = format!(
            "SELECT DISTINCT run_id FROM {}.{table} WHERE run_date = '{run_date}' ORDER BY 1",
            self.schema
        );
        self.rows(&sql).iter().map(|r| r.get(0)).collect()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        let _ = self.rt.block_on(self.client.batch_execute(&sql));
    }
}

pub(crate) fn sink(url: &str) -> PgSink {
    postgres::connect(&Secret::new(url.to_string())).expect("connect")
}

pub(crate) fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Days since 1970-01-01.
pub(crate) fn epoch_days(d: NaiveDate) -> i32 {
    (d - date("1970-01-01")).num_days() as i32
}

/// A frame shaped like `risk_scores`: `n` accounts named `{tag}-000000`…, with nulls,
/// a list-of-struct `top_factors`, a list `similar_cases`, a UTC datetime and a date.
pub(crate) fn risk_frame(n: usize, tag: &str) -> DataFrame {
    let ids: Vec<String> = (0..n).map(|i| format!("{tag}-{i:06}")).collect();
    let f = 3 * n;
    let feature: Vec<String> = (0..f)
        .map(|k| ["tickets_7d", "nps_last", "logins_trend"][k % 3].into())
        .collect();
    let value: Vec<Option<f64>> = (0..f).map(|k| (k % 5 != 0).then_some(k as f64 / 7.0)).collect();
    let contribution: Vec<f64> = (0..f).map(|k| 0.3 - (k % 3) as f64 * 0.1).collect();
    let phrase: Vec<String> = (0..f).map(|k| format!("signal {k} rose \"sharply\"")).collect();
    let fields = [
        Series::new("feature".into(), feature),
        Series::new("value".into(), value),
        Series::new("contribution".into(), contribution),
        Series::new("phrase".into(), phrase),
    ];
    let flat = StructChunked::from_series("f".into(), f, fields.iter())
        .expect("struct")
        .into_series();
    let top: Vec<Series> = (0..n).map(|i| flat.slice(3 * i as i64, 3)).collect();
    let similar: Vec<Series> = (0..n)
        .map(|i| Series::new("s".into(), [format!("esc-{}", i % 11)]))
        .collect();
    let scored = 1_767_225_600_000_000i64; // 2026-01-01T00:00:00Z
    let due = epoch_days(date("2026-01-04"));
    let cols = vec![
        Series::new("account_id".into(), ids.clone()),
        Series::new(
            "csm_owner".into(),
            (0..n)
                .map(|i| (i % 7 != 0).then(|| format!("csm{}", i % 9)))
                .collect::<Vec<_>>(),
        ),
        Series::new(
            "arr".into(),
            (0..n).map(|i| 1000.0 + i as f64).collect::<Vec<_>>(),
        ),
        Series::new(
            "probability".into(),
            (0..n).map(|i| (i % 100) as f64 / 100.0).collect::<Vec<_>>(),
        ),
        Series::new(
            "risk_score".into(),
            (0..n).map(|i| (i % 101) as i32).collect::<Vec<_>>(),
        ),
        Series::new(
            "tier".into(),
            (0..n)
                .map(|i| ["low", "medium", "high"][i % 3])
                .collect::<Vec<_>>(),
        ),
        Series::new("alert".into(), (0..n).map(|i| i % 4 == 0).collect::<Vec<_>>()),
        Series::new("top_factors".into(), top),
        Series::new(
            "narrative".into(),
            (0..n)
                .map(|i| format!("Account {i} — tickets up; NPS down"))
                .collect::<Vec<_>>(),
        ),
        Series::new("similar_cases".into(), similar),
        Series::new("model_version".into(), vec![format!("gbdt-{tag}"); n]),
        Series::new("scored_at".into(), vec![scored; n])
            .cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))
            .expect("datetime"),
        Series::new("due_by".into(), vec![due; n])
            .cast(&DataType::Date)
            .expect("date"),
    ];
    DataFrame::new(n, cols.into_iter().map(IntoColumn::into_column).collect()).expect("frame")
}

/// Replaces `frame`'s column `name` with `s`.
pub(crate) fn with_column(mut frame: DataFrame, s: Series) -> DataFrame {
    frame.with_column(s.into_column()).expect("column");
    frame
}

/// The PEM file of the CA that signed the test server's certificate (for IP 127.0.0.1 only),
/// made by tests/run.sh; `None` (or a failure under `VIGIL_REQUIRE_SERVERS=1`) without it.
pub(crate) fn tls_ca() -> Option<String> {
    env_or_skip("VIGIL_TEST_POSTGRES_CA", "the test server's CA file")
}

/// URL of a second test server that has TLS off.
pub(crate) fn plain_url() -> Option<String> {
    env_or_skip("VIGIL_TEST_POSTGRES_PLAIN_URL", "a PostgreSQL server without TLS")
}

fn env_or_skip(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var("VIGIL_REQUIRE_SERVERS").is_err(),
                "{var} must be set by tests/run.sh"
            );
            eprintln!("skipping: no {what} (run tests/run.sh)");
            None
        }
    }
}

/// `url` with `params` appended to its query string.
pub(crate) fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

impl Db {
    /// Whether the session named `application_name` is encrypted, and its TLS version.
    pub(crate) fn session_tls(&self, application_name: &str) -> Option<(bool, Option<String>)> {
        let sql = format!(
            "SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = '{application_name}'"
        );
        self.rows(&sql).first().map(|r| (r.get(0), r.get(1)))
    }
}
