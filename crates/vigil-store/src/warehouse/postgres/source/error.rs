//! The PostgreSQL source's error type and which of its errors are the user's to fix.

use crate::warehouse::postgres::PostgresError;

/// What can go wrong reading a vigil table from PostgreSQL. Every message names the vigil
/// table; never the URL or password, and never a value read (it may be customer text).
#[derive(Debug, thiserror::Error)]
pub enum PgSourceError {
    /// The connection failed: a malformed URL, an unreachable server, a refused login, or
    /// TLS settings or a handshake that failed.
    #[error("table {table}: {error}")]
    Connect {
        /// The vigil table.
        table: String,
        /// The connection error (its message never shows the URL); boxed, as is
        /// [`PgSourceError::Name`]'s, to keep this error small.
        #[source]
        error: Box<PostgresError>,
    },
    /// The configured `table` is not a name PostgreSQL can hold.
    #[error("table {table}: {error}")]
    Name {
        /// The vigil table.
        table: String,
        /// What is wrong with the name.
        #[source]
        error: Box<PostgresError>,
    },
    /// The configured `query` is empty.
    #[error("table {table}: the PostgreSQL query is empty")]
    EmptyQuery {
        /// The vigil table.
        table: String,
    },
    /// The configured `table` does not exist (or is not visible to the user).
    #[error("table {table}: PostgreSQL relation {relation} does not exist")]
    MissingRelation {
        /// The vigil table.
        table: String,
        /// The relation as configured (`schema.table` or `table`).
        relation: String,
    },
    /// A column of a type vigil does not read.
    #[error(
        "table {table}: column {column} has PostgreSQL type {pg_type}, which vigil cannot read; cast it in \
         a query, e.g. query = \"SELECT …, {cast} FROM …\" (text, integers, float4/8, numeric, boolean, date, \
         timestamp, timestamptz, uuid, json and jsonb are read as they are)"
    )]
    UnsupportedType {
        /// The vigil table.
        table: String,
        /// The column's name in the result.
        column: String,
        /// Its PostgreSQL type.
        pg_type: String,
        /// The select-list item that casts it to text (`location::text AS location`).
        cast: String,
    },
    /// The result has two columns of the same name (a query joining tables).
    #[error(
        "table {table}: the result has more than one column named {column}; give each its own name in the \
         query (… AS …)"
    )]
    DuplicateColumn {
        /// The vigil table.
        table: String,
        /// The repeated name.
        column: String,
    },
    /// The server refused the statement, or the connection broke while reading.
    #[error("table {table}: reading {what} failed: {message}")]
    Server {
        /// The vigil table.
        table: String,
        /// `PostgreSQL relation schema.table` or `the query`.
        what: String,
        /// The server's message: severity, SQLSTATE, text, where and hint (never its
        /// `detail`, which can quote row values); or the client's error.
        message: String,
        /// The SQLSTATE, when the server sent one.
        sqlstate: Option<String>,
    },
    /// A value vigil cannot represent (an infinite timestamp or date).
    #[error("table {table}, column {column}, row {row}: {problem}")]
    BadValue {
        /// The vigil table.
        table: String,
        /// The column's name in the result.
        column: String,
        /// 1-based row of the result.
        row: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// The columns read could not be assembled into a data frame.
    #[error("table {table}: cannot build the data frame: {message}")]
    Frame {
        /// The vigil table.
        table: String,
        /// The polars error.
        message: String,
    },
}

impl PgSourceError {
    /// Whether the configuration is the user's to fix (exit 2): TLS settings or a failed
    /// handshake, a bad or missing table name, an unsupported column type, repeated column
    /// names, and a query the server rejects as invalid (SQLSTATE class 42: syntax, unknown
    /// names, missing privileges; 0A: not supported; 3F: unknown schema).
    pub fn is_usage(&self) -> bool {
        match self {
            PgSourceError::Connect { error, .. } => {
                matches!(**error, PostgresError::TlsSettings(_) | PostgresError::Tls(_))
            }
            PgSourceError::Name { .. }
            | PgSourceError::EmptyQuery { .. }
            | PgSourceError::MissingRelation { .. }
            | PgSourceError::UnsupportedType { .. }
            | PgSourceError::DuplicateColumn { .. } => true,
            PgSourceError::Server { sqlstate, .. } => {
                sqlstate_class(sqlstate).is_some_and(|c| matches!(c, "42" | "0A" | "3F"))
            }
            PgSourceError::BadValue { .. } | PgSourceError::Frame { .. } => false,
        }
    }

    /// Whether the data itself is at fault (exit 3): a value vigil cannot represent, or a
    /// data exception raised while the server computed the result (SQLSTATE class 22, e.g.
    /// a cast of a value that does not convert).
    pub fn is_input_problem(&self) -> bool {
        match self {
            PgSourceError::BadValue { .. } => true,
            PgSourceError::Server { sqlstate, .. } => sqlstate_class(sqlstate) == Some("22"),
            _ => false,
        }
    }
}

/// The two-character class of a SQLSTATE.
fn sqlstate_class(sqlstate: &Option<String>) -> Option<&str> {
    sqlstate.as_deref().and_then(|s| s.get(..2))
}
