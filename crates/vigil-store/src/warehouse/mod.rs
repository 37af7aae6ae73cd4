//! Output tables: their schemas, and the sinks that publish them — Delta Lake on any
//! object-store URL, and optionally PostgreSQL (which can also be a source of input tables:
//! [`postgres::source`]).
//!
//! Every sink replaces one `run_date` partition per table in one atomic step, so a re-run
//! of the same date replaces, never duplicates, and a crash leaves the previous version. The
//! `runs` table ([`runs`]) is committed last and says which versions form a complete run.

pub mod delta;
pub mod postgres;
pub mod runs;

/// An error of one of the warehouse sinks.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// The Delta Lake sink failed.
    #[error(transparent)]
    Delta(#[from] delta::DeltaError),
    /// The PostgreSQL sink failed.
    #[error(transparent)]
    Postgres(#[from] postgres::PostgresError),
    /// Reading a table from a PostgreSQL source failed (boxed: the error stays small).
    #[error(transparent)]
    PgSource(Box<postgres::source::PgSourceError>),
}

impl From<postgres::source::PgSourceError> for WarehouseError {
    fn from(e: postgres::source::PgSourceError) -> Self {
        WarehouseError::PgSource(Box::new(e))
    }
}

impl WarehouseError {
    /// Whether the caller can fix it (a bad URL or name, an incompatible existing table, TLS
    /// settings the server does not meet): exit 2 rather than 1.
    pub fn is_usage(&self) -> bool {
        match self {
            WarehouseError::Delta(e) => e.is_usage(),
            WarehouseError::Postgres(e) => matches!(
                e,
                postgres::PostgresError::InvalidName { .. }
                    | postgres::PostgresError::ColumnType { .. }
                    | postgres::PostgresError::TlsSettings(_)
                    | postgres::PostgresError::Tls(_)
            ),
            WarehouseError::PgSource(e) => e.is_usage(),
        }
    }

    /// Whether the input data is at fault (exit 3): a PostgreSQL source's value vigil cannot
    /// read, or a data exception while the server computed it.
    pub fn is_input_problem(&self) -> bool {
        matches!(self, WarehouseError::PgSource(e) if e.is_input_problem())
    }
}
