//! The sink's error type.

/// What can go wrong publishing to PostgreSQL. Messages name the table, column and row; never
/// the URL or password, and never a text value (it may be customer text).
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    /// The client's async runtime could not start.
    #[error("cannot start the PostgreSQL client runtime: {0}")]
    Runtime(String),
    /// The URL is malformed, or the server cannot be reached or refuses the login.
    #[error("cannot connect to PostgreSQL (URL not shown): {0}")]
    Connect(String),
    /// The connection string's TLS settings (`sslmode`, `sslrootcert`) or the CA file are
    /// invalid or unreadable.
    #[error("invalid PostgreSQL TLS settings (URL not shown): {0}")]
    TlsSettings(String),
    /// The TLS handshake failed: the server has no TLS, or its certificate is not trusted.
    #[error("PostgreSQL TLS handshake failed (URL not shown): {0}")]
    Tls(String),
    /// A schema, table, index or column name PostgreSQL cannot hold as given.
    #[error("invalid PostgreSQL {what} name {name:?}: {reason}")]
    InvalidName {
        /// schema, table, index or column.
        what: &'static str,
        /// The name.
        name: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// A frame column of a dtype the sink does not write.
    #[error(
        "table {table}, column {column}: dtype {dtype} cannot be written to PostgreSQL (supported: String, \
         Boolean, integers, Float32/64, Date, Datetime, and List/Struct of those as jsonb)"
    )]
    UnsupportedType {
        /// `schema.table`.
        table: String,
        /// Column name.
        column: String,
        /// The polars dtype.
        dtype: String,
    },
    /// The frame has a column the sink adds itself.
    #[error(
        "table {table}: the frame has a column {column}, which the sink adds itself; drop it from the frame"
    )]
    ReservedColumn {
        /// `schema.table`.
        table: String,
        /// `run_date` or `run_id`.
        column: String,
    },
    /// An existing table column whose type the frame column cannot be written into.
    #[error(
        "table {table}, column {column}: the column is {table_type} in PostgreSQL but {frame_type} in the \
         frame; vigil only adds columns, so alter or drop this one yourself"
    )]
    ColumnType {
        /// `schema.table`.
        table: String,
        /// Column name.
        column: String,
        /// The column's type in PostgreSQL.
        table_type: String,
        /// What the frame would write (a polars dtype, or the type vigil expects).
        frame_type: String,
    },
    /// The name is taken by something vigil did not create and cannot write.
    #[error("table {table} exists but vigil cannot write it: {reason}; drop it or choose another schema")]
    NotVigilTable {
        /// `schema.table`.
        table: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A value PostgreSQL cannot store; nothing was changed.
    #[error("table {table}, column {column}, row {row}: {problem}")]
    BadValue {
        /// `schema.table`.
        table: String,
        /// Column name, with the path inside a nested value (`top_factors[].phrase`).
        column: String,
        /// 1-based row of the frame.
        row: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A frame column could not be read as its dtype says.
    #[error("table {table}, column {column}: cannot read the frame column: {message}")]
    Frame {
        /// `schema.table`.
        table: String,
        /// Column name.
        column: String,
        /// The polars error.
        message: String,
    },
    /// The server refused a step, or the connection broke; the transaction was rolled back.
    #[error("table {table}: {step} failed: {message}")]
    Server {
        /// `schema.table`.
        table: String,
        /// The step (`create table`, `copy`, `delete`, `insert`, `commit`, …).
        step: String,
        /// The server's message: severity, SQLSTATE, text, where (for COPY: the line, which is
        /// the 1-based row, and the column) and hint; never its `detail`, which can quote row
        /// values.
        message: String,
    },
}
