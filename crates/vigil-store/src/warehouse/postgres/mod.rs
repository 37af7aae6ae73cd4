//! Optional PostgreSQL sink (`[warehouse.postgres]`): replaces one `run_date` partition of a
//! table in one transaction, so BI tools that read PostgreSQL see either the previous rows
//! or the new ones, never a mix, and a re-run of a date never duplicates it.
//!
//! One [`PgSink::replace_partition`] call:
//!
//! 1. creates the schema and the table if missing ([`ddl`]), and adds (nullable) any frame
//!    column the table lacks (`ALTER TABLE … ADD COLUMN IF NOT EXISTS`);
//! 2. binary-`COPY`s the frame into a temporary staging table typed like the target;
//! 3. locks the table against other writers, `DELETE`s the date and `INSERT`s the staged
//!    rows; then commits. Any failure rolls everything back: the previous rows stay.
//!
//! The connection URL is a [`Secret`]: it is never logged, and error messages never
//! contain it. TLS is rustls with libpq's `sslmode` semantics (`disable`, `prefer`,
//! `require`, `verify-ca`, `verify-full`) and a CA from `sslrootcert` or
//! `[warehouse.postgres] ca_file` ([`tls`]). See docs/postgres.md.

mod conninfo;
mod encode;
mod error;
pub mod source;
mod sql;
mod tls;
mod types;

pub use error::PostgresError;

use std::path::Path;
use std::pin::pin;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Config, NoTls, Socket, Transaction};

use crate::secret::Secret;
use sql::{FrameColumn, Qualified};
use types::{Cell, Source, Target};

/// Rows encoded per batch (column by column) before they are written row by row.
const BATCH_ROWS: usize = 8192;
/// Connect timeout when the URL sets none.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to PostgreSQL with its own single-threaded runtime; methods block, so call
/// them from synchronous code (as vigil's pipeline does), not from inside a tokio runtime.
pub struct PgSink {
    runtime: tokio::runtime::Runtime,
    client: Client,
}

impl std::fmt::Debug for PgSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSink").finish_non_exhaustive()
    }
}

/// Connects to the server at `url` (`postgres://user:password@host:port/db`, or key=value
/// form) with the TLS the URL's `sslmode` asks for (see [`connect_with_ca`]).
pub fn connect(url: &Secret) -> Result<PgSink, PostgresError> {
    connect_with_ca(url, None)
}

/// Connects to the server at `url`. TLS follows libpq's `sslmode` (`disable`, `prefer` (the
/// default), `require`, `verify-ca`, `verify-full`); the trusted CA is the URL's
/// `sslrootcert`, else `ca_file`, else (verify modes only) the system store. Sets
/// `application_name=vigil` and a 30 s connect timeout unless the URL sets them.
pub fn connect_with_ca(url: &Secret, ca_file: Option<&Path>) -> Result<PgSink, PostgresError> {
    let settings = |e: String| PostgresError::TlsSettings(redact(&e, url));
    let (rest, tls) = conninfo::split(url.expose()).map_err(settings)?;
    let mut config: Config = rest
        .parse()
        .map_err(|e: tokio_postgres::Error| PostgresError::Connect(redact(&e.to_string(), url)))?;
    config.ssl_mode(tls.mode.negotiate());
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("vigil");
    }
    let tls_config = tls::client_config(&tls, ca_file).map_err(settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PostgresError::Runtime(e.to_string()))?;
    let opened = match tls_config {
        None => runtime.block_on(open(&config, NoTls)),
        Some(c) => runtime.block_on(open(&config, tls::MakeRustls::new(c))),
    };
    let client = opened.map_err(|e| match tls_hint(&e) {
        Some(hint) => PostgresError::Tls(redact(&format!("{}{hint}", server_message(&e)), url)),
        None => PostgresError::Connect(redact(&server_message(&e), url)),
    })?;
    tracing::debug!(sslmode = ?tls.mode, "connected to PostgreSQL");
    Ok(PgSink { runtime, client })
}

/// Opens the connection and spawns its task, which runs whenever the sink blocks on a query.
async fn open<T>(config: &Config, tls: T) -> Result<Client, tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "PostgreSQL connection ended with an error");
        }
    });
    Ok(client)
}

/// For a failed TLS handshake, what to change; `None` for any other connect error.
fn tls_hint(e: &tokio_postgres::Error) -> Option<&'static str> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut rustls_error = None;
    while let Some(s) = source {
        let inner = s.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref());
        rustls_error = rustls_error.or(inner.and_then(|i| i.downcast_ref::<rustls::Error>()));
        source = s.source();
    }
    use rustls::CertificateError as C;
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature)) => Some(
            " (the server's certificate is not signed by a trusted CA: set sslrootcert in the URL or \
             [warehouse.postgres] ca_file to the CA's PEM file)",
        ),
        Some(rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. })) => {
            Some(
                " (sslmode=verify-full: the certificate does not name the host of the URL; connect by a \
             name the certificate holds, or use sslmode=verify-ca to check the chain only)",
            )
        }
        Some(_) => Some(""),
        None if server_message(e).contains("server does not support TLS") => Some(
            " (sslmode=require, verify-ca and verify-full need a server with TLS on; \
             sslmode=prefer or disable connect without it)",
        ),
        None if e.to_string().starts_with("error performing TLS handshake") => Some(""),
        None => None,
    }
}

impl PgSink {
    /// Replaces the rows of `run_date` in `schema.table` with `frame` (plus `run_date` and
    /// `run_id` columns), in one transaction; creates the schema, table and `run_date` index
    /// if missing and adds missing columns. Returns the rows written. On any error nothing
    /// changes, and the sink can be used again unless the connection itself was lost.
    pub fn replace_partition(
        &mut self,
        schema: &str,
        table: &str,
        run_date: NaiveDate,
        frame: &DataFrame,
        run_id: &str,
    ) -> Result<u64, PostgresError> {
        let rows = self.replace_partitions(schema, run_date, &[(table, frame)], run_id)?;
        Ok(rows.first().copied().unwrap_or_default())
    }

    /// [`Self::replace_partition`] for several tables in **one** transaction, in the order
    /// given (pass them in a fixed order, e.g. by name with `runs` last, so concurrent
    /// publishers lock tables in the same order and queue rather than deadlock). Returns the
    /// rows written per table. On any error nothing changes in any table.
    pub fn replace_partitions(
        &mut self,
        schema: &str,
        run_date: NaiveDate,
        tables: &[(&str, &DataFrame)],
        run_id: &str,
    ) -> Result<Vec<u64>, PostgresError> {
        let names = tables
            .iter()
            .map(|(t, _)| Qualified::new(schema, t))
            .collect::<Result<Vec<_>, _>>()?;
        let cols = names
            .iter()
            .zip(tables)
            .map(|(q, (_, frame))| sql::frame_columns(q, frame))
            .collect::<Result<Vec<_>, _>>()?;
        if run_id.contains('\0') {
            let reason = "it contains a NUL byte";
            return Err(PostgresError::InvalidName {
                what: "run id",
                name: run_id.into(),
                reason,
            });
        }
        let jobs: Vec<Publish<'_>> = names
            .iter()
            .zip(&cols)
            .zip(tables)
            .map(|((q, cols), (_, frame))| Publish {
                q,
                cols,
                run_date,
                run_id,
                height: frame.height(),
            })
            .collect();
        let started = Instant::now();
        let rows = self.runtime.block_on(run_together(&jobs, &mut self.client))?;
        let secs = started.elapsed().as_secs_f64();
        tracing::info!(tables = jobs.len(), %run_date, secs, "replaced PostgreSQL partitions in one transaction");
        Ok(rows)
    }
}

/// Runs the jobs' steps in one transaction: commit after the last, roll back on any error.
async fn run_together(jobs: &[Publish<'_>], client: &mut Client) -> Result<Vec<u64>, PostgresError> {
    let Some(first) = jobs.first() else {
        return Ok(Vec::new());
    };
    let tx = client
        .transaction()
        .await
        .map_err(|e| first.server("begin", &e))?;
    let mut rows = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job.steps(&tx).await {
            Ok(n) => rows.push(n),
            Err(e) => {
                if let Err(r) = tx.rollback().await {
                    tracing::warn!(table = %job.q.display(), error = %server_message(&r), "rollback failed");
                }
                return Err(e);
            }
        }
    }
    let last = jobs.last().unwrap_or(first);
    tx.commit().await.map_err(|e| last.server("commit", &e))?;
    Ok(rows)
}

/// The documented DDL of the table vigil creates for `frame`: `run_date date NOT NULL`,
/// `run_id text`, then one column per frame column (String → text, Boolean → boolean,
/// Int8/16/32 and UInt8/16 → integer, Int64/UInt32/UInt64 → bigint, Float32/64 → double
/// precision, Date → date, Datetime → timestamptz (naive values are UTC), List/Struct →
/// jsonb), all nullable; and an index on `run_date`.
pub fn ddl(schema: &str, table: &str, frame: &DataFrame) -> Result<String, PostgresError> {
    let q = Qualified::new(schema, table)?;
    let cols = sql::frame_columns(&q, frame)?;
    Ok(sql::create_table(&q, &cols))
}

/// A column of an existing table: name, type oid, type as SQL.
type TableColumn = (String, u32, String);

/// One partition replacement.
struct Publish<'a> {
    q: &'a Qualified,
    cols: &'a [FrameColumn<'a>],
    run_date: NaiveDate,
    run_id: &'a str,
    height: usize,
}

impl Publish<'_> {
    async fn steps(&self, tx: &Transaction<'_>) -> Result<u64, PostgresError> {
        let types = self.prepare_table(tx).await?;
        tx.batch_execute(&sql::create_staging(self.q, self.cols))
            .await
            .map_err(|e| self.server("create staging table", &e))?;
        let copied = self.copy(tx, &types).await?;
        tx.batch_execute(&sql::lock(self.q))
            .await
            .map_err(|e| self.server("lock", &e))?;
        let deleted = tx
            .execute(&sql::delete_partition(self.q), &[&self.run_date])
            .await
            .map_err(|e| self.server("delete", &e))?;
        let inserted = tx
            .execute(&sql::insert_staged(self.q, self.cols), &[])
            .await
            .map_err(|e| self.server("insert", &e))?;
        // The next table of the same transaction stages into a fresh table of the same name.
        tx.batch_execute(&sql::drop_staging())
            .await
            .map_err(|e| self.server("drop staging table", &e))?;
        tracing::debug!(table = %self.q.display(), copied, deleted, inserted, "partition swapped");
        Ok(inserted)
    }

    /// Creates the schema/table or adds missing columns; returns each COPY column's type and
    /// how the frame's values are encoded into it.
    async fn prepare_table(&self, tx: &Transaction<'_>) -> Result<Vec<(Type, Target)>, PostgresError> {
        let exists: bool = tx
            .query_one(sql::SCHEMA_EXISTS, &[&self.q.schema])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(|e| self.server("read catalog", &e))?;
        if !exists {
            let create = format!("CREATE SCHEMA IF NOT EXISTS {}", sql::quote(&self.q.schema));
            tx.batch_execute(&create)
                .await
                .map_err(|e| self.server("create schema", &e))?;
        }
        let kind: Option<String> = tx
            .query_opt(sql::RELATION_KIND, &[&self.q.schema, &self.q.table])
            .await
            .and_then(|r| r.map(|r| r.try_get(0)).transpose())
            .map_err(|e| self.server("read catalog", &e))?;
        let existing = match kind.as_deref() {
            None => {
                let ddl = sql::create_table(self.q, self.cols);
                tx.batch_execute(&ddl)
                    .await
                    .map_err(|e| self.server("create table", &e))?;
                tracing::info!(table = %self.q.display(), "created PostgreSQL table");
                self.table_columns(tx).await?
            }
            Some("r" | "p") => self.add_missing_columns(tx).await?,
            Some(other) => return Err(self.foreign(&format!("it is a {}", sql::relation_kind(other)))),
        };
        let wanted = [
            (sql::RUN_DATE, Source::Date, "date"),
            (sql::RUN_ID, Source::Text, "text"),
        ]
        .into_iter()
        .chain(self.cols.iter().map(|c| (c.name, c.source, "")));
        wanted
            .map(|(name, source, fixed)| {
                let found = existing.iter().find(|e| e.0 == name);
                let frame_type = || {
                    let col = self.cols.iter().find(|c| c.name == name);
                    col.map_or(fixed.to_string(), |c| c.series.dtype().to_string())
                };
                let Some((_, oid, sql_type)) = found else {
                    // Unreachable: frame columns were added above and vigil's own checked.
                    return Err(self.foreign(&format!("it has no {name} column")));
                };
                let typed = Type::from_oid(*oid).and_then(|t| source.target(&t).map(|target| (t, target)));
                typed.ok_or_else(|| self.column_type(name, sql_type, frame_type()))
            })
            .collect()
    }

    /// Adds the frame columns the table lacks; returns the table's columns.
    async fn add_missing_columns(&self, tx: &Transaction<'_>) -> Result<Vec<TableColumn>, PostgresError> {
        let existing = self.table_columns(tx).await?;
        // Not a table vigil created: leave it alone rather than adding columns to it.
        for own in [sql::RUN_DATE, sql::RUN_ID] {
            if !existing.iter().any(|e| e.0 == own) {
                return Err(self.foreign(&format!("it has no {own} column")));
            }
        }
        let missing: Vec<&FrameColumn<'_>> = self
            .cols
            .iter()
            .filter(|c| !existing.iter().any(|e| e.0 == c.name))
            .collect();
        if missing.is_empty() {
            return Ok(existing);
        }
        let names: Vec<&str> = missing.iter().map(|c| c.name).collect();
        tx.batch_execute(&sql::add_columns(self.q, &missing))
            .await
            .map_err(|e| self.server("add column", &e))?;
        tracing::info!(table = %self.q.display(), columns = ?names, "added PostgreSQL columns");
        self.table_columns(tx).await
    }

    /// (name, type oid, SQL type) of every column; empty when the table does not exist.
    async fn table_columns(&self, tx: &Transaction<'_>) -> Result<Vec<TableColumn>, PostgresError> {
        let rows = tx
            .query(sql::TABLE_COLUMNS, &[&self.q.schema, &self.q.table])
            .await
            .map_err(|e| self.server("read catalog", &e))?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(|e| self.server("read catalog", &e))
    }

    /// Binary COPY of every row into the staging table, batch by batch.
    async fn copy(&self, tx: &Transaction<'_>, types: &[(Type, Target)]) -> Result<u64, PostgresError> {
        let sink = tx
            .copy_in(&sql::copy_in(self.cols))
            .await
            .map_err(|e| self.server("copy", &e))?;
        let pg_types: Vec<Type> = types.iter().map(|t| t.0.clone()).collect();
        let mut writer = pin!(BinaryCopyInWriter::new(sink, &pg_types));
        let run_date = Cell::Date(self.run_date);
        let run_id = Cell::Text(self.run_id);
        let frame_targets = types.get(2..).unwrap_or_default();
        for start in (0..self.height).step_by(BATCH_ROWS) {
            let len = BATCH_ROWS.min(self.height - start);
            let slices: Vec<_> = self
                .cols
                .iter()
                .map(|c| c.series.slice(start as i64, len))
                .collect();
            let batch = self
                .cols
                .iter()
                .zip(&slices)
                .zip(frame_targets)
                .map(|((c, s), (_, target))| {
                    encode::cells(s, *target).map_err(|e| self.value_error(c.name, start, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            for r in 0..len {
                let mut row: Vec<&Cell<'_>> = Vec::with_capacity(batch.len() + 2);
                row.push(&run_date);
                row.push(&run_id);
                row.extend(batch.iter().map(|col| &col[r]));
                writer
                    .as_mut()
                    .write_raw(row)
                    .await
                    .map_err(|e| self.server("copy", &e))?;
            }
        }
        writer
            .as_mut()
            .finish()
            .await
            .map_err(|e| self.server("copy", &e))
    }

    fn server(&self, step: &str, e: &tokio_postgres::Error) -> PostgresError {
        PostgresError::Server {
            table: self.q.display(),
            step: step.to_string(),
            message: server_message(e),
        }
    }

    fn foreign(&self, reason: &str) -> PostgresError {
        PostgresError::NotVigilTable {
            table: self.q.display(),
            reason: reason.to_string(),
        }
    }

    fn column_type(&self, column: &str, table_type: &str, frame_type: String) -> PostgresError {
        PostgresError::ColumnType {
            table: self.q.display(),
            column: column.to_string(),
            table_type: table_type.to_string(),
            frame_type,
        }
    }

    fn value_error(&self, column: &str, offset: usize, e: encode::ValueError) -> PostgresError {
        match e.row {
            Some(row) => bad_value(
                self.q,
                &format!("{column}{}", e.path),
                offset + row + 1,
                e.problem,
            ),
            None => PostgresError::Frame {
                table: self.q.display(),
                column: format!("{column}{}", e.path),
                message: e.problem,
            },
        }
    }
}

fn bad_value(q: &Qualified, column: &str, row: usize, problem: String) -> PostgresError {
    PostgresError::BadValue {
        table: q.display(),
        column: column.to_string(),
        row,
        problem,
    }
}

/// A server error without its `detail` (which can quote row values): severity, SQLSTATE,
/// message, where and hint; other errors as tokio-postgres prints them.
fn server_message(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        let mut m = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            m.push_str(&format!(": {s}"));
            source = s.source();
        }
        return m;
    };
    let mut m = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    if let Some(w) = db.where_() {
        m.push_str(&format!(" (at {w})"));
    }
    if let Some(h) = db.hint() {
        m.push_str(&format!("; hint: {h}"));
    }
    m
}

/// Removes the URL and its password from a message, should a library ever echo them.
fn redact(message: &str, url: &Secret) -> String {
    let mut m = message.replace(url.expose(), "[redacted]");
    // Without the TLS settings tokio-postgres does not know (verify-full, sslrootcert).
    let known = conninfo::split(url.expose()).map_or_else(|_| url.expose().to_string(), |(rest, _)| rest);
    if let Ok(config) = known.parse::<Config>()
        && let Some(pw) = config.get_password().and_then(|p| std::str::from_utf8(p).ok())
        && !pw.is_empty()
    {
        m = m.replace(pw, "[redacted]");
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_never_show_the_password() {
        let url = Secret::new("postgres://vigil:s3cret-pw@127.0.0.1:1/db?connect_timeout=2".into());
        let e = connect(&url).expect_err("nothing listens on port 1");
        let msg = format!("{e} {e:?}");
        assert!(!msg.contains("s3cret-pw"), "{msg}");
        assert!(msg.contains("cannot connect"), "{msg}");
        let bad = Secret::new("postgres://vigil:s3cret-pw@127.0.0.1:notaport/db".into());
        let e = connect(&bad).expect_err("malformed");
        assert!(!format!("{e} {e:?}").contains("s3cret-pw"), "{e}");
        assert_eq!(redact("x s3cret-pw y", &url), "x [redacted] y");
        let tls =
            Secret::new("postgres://vigil:s3cret-pw@db/x?sslmode=verify-full&sslrootcert=/ca.pem".into());
        assert_eq!(redact("x s3cret-pw y", &tls), "x [redacted] y");
    }
}
