//! PostgreSQL as a source of a vigil table (`[sources.<table>]` with a `postgres://` URL):
//! a table, view or query read into a polars frame with one binary `COPY … TO STDOUT`.
//!
//! [`read`] connects as the sink does (the same URL forms, `sslmode`, CA and redaction;
//! see [`super::connect_with_ca`]), opens a read-only transaction, prepares
//! `SELECT * FROM <relation>` to learn the column types, and streams
//! `COPY (SELECT <columns, cast where needed> FROM <relation>) TO STDOUT (FORMAT binary)`
//! into one typed builder per column (no per-row value vectors). Types:
//!
//! | PostgreSQL | polars |
//! |---|---|
//! | text, varchar, bpchar, name; uuid, json, jsonb, enums (cast to text by the SELECT) | String |
//! | int2, int4, int8 | Int64 |
//! | float4, float8; numeric (cast to float8 by the SELECT) | Float64 |
//! | bool | Boolean |
//! | date | Date |
//! | timestamp | Datetime(µs), the wall-clock time as stored |
//! | timestamptz | Datetime(µs), the instant in UTC |
//!
//! Both datetimes are naive (no time zone in the dtype): vigil's convention is that naive
//! datetimes are UTC, and its polars build has no time zone support.
//!
//! Any other type is an error naming the column and its type, with the cast to add in a
//! query. A table name is taken as written (case-sensitive, as in the catalog; `schema.name`
//! or a `name` found on the `search_path`) and quoted; a query is read as a subquery (a
//! trailing `;` is dropped).

mod columns;
mod error;

pub use error::PgSourceError;

use std::path::PathBuf;
use std::pin::pin;
use std::time::Instant;

use futures::StreamExt;
use polars::prelude::{DataFrame, PolarsResult};
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyOutStream;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use super::sql::{check_name, quote};
use super::{PgSink, PostgresError, connect_with_ca, server_message};
use crate::secret::Secret;
use columns::{Builder, ColumnPlan};

/// Where a vigil table's rows are in PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgRelation {
    /// A table, view or materialized view: `name` (found on the `search_path`) or
    /// `schema.name`, each part taken as written (case-sensitive).
    Table(String),
    /// A `SELECT` (or `VALUES`, `TABLE …`) whose result is the table; read as a subquery.
    Query(String),
}

impl PgRelation {
    /// The `FROM` item: the quoted name, or the query in parentheses.
    fn sql_from(&self, table: &str) -> Result<String, PgSourceError> {
        match self {
            PgRelation::Table(name) => qualified(table, name),
            PgRelation::Query(query) => {
                let query = query.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
                if query.trim().is_empty() {
                    return Err(PgSourceError::EmptyQuery {
                        table: table.to_string(),
                    });
                }
                // On its own lines, so a trailing `-- comment` cannot swallow the `)`.
                Ok(format!("(\n{query}\n) AS vigil_query"))
            }
        }
    }

    /// What is read, for messages.
    fn describe(&self) -> String {
        match self {
            PgRelation::Table(name) => format!("PostgreSQL relation {name}"),
            PgRelation::Query(_) => "the query".to_string(),
        }
    }
}

/// `name` or `schema.name`, checked and quoted.
fn qualified(table: &str, name: &str) -> Result<String, PgSourceError> {
    let parts: Vec<&str> = name.split('.').collect();
    let what: &[&'static str] = match parts.len() {
        1 => &["table"],
        2 => &["schema", "table"],
        _ => &[],
    };
    let checked = if what.is_empty() {
        Err(PostgresError::InvalidName {
            what: "table",
            name: name.to_string(),
            reason: "it has more than one dot; give schema.table, or read it with a query",
        })
    } else {
        what.iter().zip(&parts).try_for_each(|(w, p)| check_name(w, p))
    };
    checked.map_err(|error| PgSourceError::Name {
        table: table.to_string(),
        error: Box::new(error),
    })?;
    Ok(parts.iter().map(|p| quote(p)).collect::<Vec<_>>().join("."))
}

/// A vigil table read from PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgSource {
    /// The connection URL (`postgres://…` or key=value form, with `sslmode`/`sslrootcert`
    /// as for the sink): never logged nor shown in an error.
    pub url: Secret,
    /// What is read.
    pub relation: PgRelation,
    /// The CA's PEM file when the URL names no `sslrootcert` (`ca_file`).
    pub ca_file: Option<PathBuf>,
}

/// Reads `source` into a frame for the vigil table `table` (the name errors carry): one
/// column per result column, typed as the module docs say. Blocks; call it from
/// synchronous code, not from inside a tokio runtime.
pub fn read(source: &PgSource, table: &str) -> Result<DataFrame, PgSourceError> {
    read_rows(source, table, None)
}

/// [`read`] of at most the first `rows` rows (`LIMIT`, in the server's order): a look at a
/// relation's columns and values without reading all of it.
pub fn read_head(source: &PgSource, table: &str, rows: usize) -> Result<DataFrame, PgSourceError> {
    read_rows(source, table, Some(rows))
}

fn read_rows(source: &PgSource, table: &str, limit: Option<usize>) -> Result<DataFrame, PgSourceError> {
    let from = source.relation.sql_from(table)?;
    let PgSink { runtime, mut client } =
        connect_with_ca(&source.url, source.ca_file.as_deref()).map_err(|error| PgSourceError::Connect {
            table: table.to_string(),
            error: Box::new(error),
        })?;
    let started = Instant::now();
    let reader = Reader {
        table,
        relation: &source.relation,
        limit,
    };
    let frame = runtime.block_on(reader.read(&mut client, &from))?;
    let secs = started.elapsed().as_secs_f64();
    tracing::info!(
        table,
        rows = frame.height(),
        columns = frame.width(),
        secs,
        "read PostgreSQL source"
    );
    Ok(frame)
}

/// One read, for the errors' context.
struct Reader<'a> {
    table: &'a str,
    relation: &'a PgRelation,
    /// At most this many rows.
    limit: Option<usize>,
}

impl Reader<'_> {
    /// Learns the columns, then COPYs the rows, in one read-only transaction.
    async fn read(&self, client: &mut Client, from: &str) -> Result<DataFrame, PgSourceError> {
        let tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .map_err(|e| self.server(&e))?;
        let described = tx
            .prepare(&format!("SELECT * FROM {from}"))
            .await
            .map_err(|e| self.prepare_error(&e))?;
        let result: Vec<(String, Type)> = described
            .columns()
            .iter()
            .map(|c| (c.name().to_string(), c.type_().clone()))
            .collect();
        let plans = columns::plan(self.table, &result)?;
        tracing::debug!(table = self.table, columns = ?plans, "reading PostgreSQL source");
        let limit = self.limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
        let copy = format!(
            "COPY ({}{limit}) TO STDOUT (FORMAT binary)",
            columns::select(&plans, from)
        );
        let stream = tx.copy_out(&copy).await.map_err(|e| self.server(&e))?;
        let rows = BinaryCopyOutStream::new(stream, &columns::wire_types(&plans));
        let frame = self.collect(rows, &plans).await?;
        tx.commit().await.map_err(|e| self.server(&e))?;
        Ok(frame)
    }

    /// Appends every row's values to the columns' builders; the finished frame.
    async fn collect(
        &self,
        rows: BinaryCopyOutStream,
        plans: &[ColumnPlan],
    ) -> Result<DataFrame, PgSourceError> {
        let mut rows = pin!(rows);
        let mut builders: Vec<Builder> = plans.iter().map(Builder::new).collect();
        let mut height = 0;
        while let Some(row) = rows.next().await {
            let row = row.map_err(|e| self.server(&e))?;
            for (idx, (builder, plan)) in builders.iter_mut().zip(plans).enumerate() {
                builder
                    .push(&row, idx)
                    .map_err(|e| self.bad_value(&plan.name, height + 1, &e))?;
            }
            height += 1;
        }
        let frame_error = |e: polars::error::PolarsError| PgSourceError::Frame {
            table: self.table.to_string(),
            message: e.to_string(),
        };
        let cols = builders
            .into_iter()
            .map(Builder::finish)
            .collect::<PolarsResult<Vec<_>>>()
            .map_err(frame_error)?;
        DataFrame::new(height, cols).map_err(frame_error)
    }

    /// A missing table reads as such; anything else as the server said it.
    fn prepare_error(&self, e: &tokio_postgres::Error) -> PgSourceError {
        match self.relation {
            PgRelation::Table(name) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => {
                PgSourceError::MissingRelation {
                    table: self.table.to_string(),
                    relation: name.clone(),
                }
            }
            _ => self.server(e),
        }
    }

    fn server(&self, e: &tokio_postgres::Error) -> PgSourceError {
        PgSourceError::Server {
            table: self.table.to_string(),
            what: self.relation.describe(),
            message: server_message(e),
            sqlstate: e.code().map(|c| c.code().to_string()),
        }
    }

    fn bad_value(&self, column: &str, row: usize, e: &tokio_postgres::Error) -> PgSourceError {
        // The decoder's own message, without tokio-postgres's "error deserializing column N".
        let problem = std::error::Error::source(e).map_or_else(|| e.to_string(), ToString::to_string);
        PgSourceError::BadValue {
            table: self.table.to_string(),
            column: column.to_string(),
            row,
            problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_quoted_and_queries_wrapped() {
        let from = |r: PgRelation| r.sql_from("tickets");
        assert_eq!(
            from(PgRelation::Table("crm.Tickets".into())).expect("qualified"),
            "\"crm\".\"Tickets\""
        );
        assert_eq!(
            from(PgRelation::Table("t\"x".into())).expect("quote doubled"),
            "\"t\"\"x\""
        );
        assert_eq!(
            from(PgRelation::Query("SELECT 1 AS a -- one\n; ;\n".into())).expect("query"),
            "(\nSELECT 1 AS a -- one\n) AS vigil_query"
        );
        for bad in ["a.b.c", "", "crm.", &"x".repeat(64)] {
            let e = from(PgRelation::Table(bad.into())).expect_err(bad);
            assert!(
                e.to_string().starts_with("table tickets: invalid PostgreSQL "),
                "{e}"
            );
            assert!(e.is_usage());
        }
        let e = from(PgRelation::Query(" ;\n".into())).expect_err("empty");
        assert_eq!(e.to_string(), "table tickets: the PostgreSQL query is empty");
    }

    #[test]
    fn connect_errors_name_the_table_never_the_password() {
        let source = PgSource {
            url: Secret::new("postgres://vigil:s3cret-pw@127.0.0.1:1/db?connect_timeout=2".into()),
            relation: PgRelation::Table("crm.tickets".into()),
            ca_file: None,
        };
        let e = read(&source, "tickets").expect_err("nothing listens on port 1");
        let msg = format!("{e} {e:?} {source:?}");
        assert!(!msg.contains("s3cret-pw"), "{msg}");
        assert!(e.to_string().starts_with("table tickets: cannot connect"), "{e}");
        assert!(
            !e.is_usage() && !e.is_input_problem(),
            "a connection failure is exit 1"
        );
        let tls = PgSource {
            url: Secret::new("postgres://vigil:s3cret-pw@127.0.0.1:1/db?sslmode=verify".into()),
            ..source
        };
        let e = read(&tls, "tickets").expect_err("bad sslmode");
        assert!(e.is_usage() && !e.to_string().contains("s3cret-pw"), "{e}");
    }

    #[test]
    fn server_errors_are_classed_by_sqlstate() {
        let server = |code: Option<&str>| PgSourceError::Server {
            table: "t".into(),
            what: "the query".into(),
            message: String::new(),
            sqlstate: code.map(str::to_string),
        };
        assert!(server(Some("42601")).is_usage(), "syntax error");
        assert!(server(Some("42501")).is_usage(), "permission denied");
        assert!(server(Some("22012")).is_input_problem(), "division by zero");
        let lost = server(None);
        assert!(
            !lost.is_usage() && !lost.is_input_problem(),
            "a broken connection is exit 1"
        );
        assert!(!server(Some("57014")).is_usage(), "query cancelled");
    }
}
