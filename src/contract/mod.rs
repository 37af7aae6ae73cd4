//! The input data contract: schemas, loading every table through storage, validation,
//! quarantine of bad rows and the validation report.
//!
//! `vigil validate` and every later stage load their inputs through [`load_history`], so
//! the same rules apply whether a table is checked on its own or read for training.

pub mod columns;
mod convert;
mod keys;
mod load;
pub mod mapping;
mod options;
mod parse;
mod report;
pub mod schema;
mod shard;
mod table;
pub mod taxonomy;

#[cfg(test)]
mod tests;

use vigil_store::storage::StorageError;

pub use convert::convert as convert_column;
pub use convert::{BadCell, BadKind};
pub use keys::AccountIds;
pub use load::{History, count_accounts, load_history, load_history_part};
pub use load::{Located, load_history_except, locate_tables, read_source_file, read_source_head};
pub use options::{Gates, PostgresRelation, PostgresSource, SourceFormat, Sources, TableSource};
pub use report::{TableReport, ValidationReport, quarantine_frame};
pub use shard::{MAX_SHARDS, Shard, shard_of};
pub use table::{FileStats, OutsideTaxonomy, QuarantineRow, ValidTable};
pub use taxonomy::Taxonomy;

/// Input data that breaks the contract (exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// A required column is missing from a file.
    #[error("table {table}: file {file} has no required column `{column}` (columns found: {found})")]
    MissingColumn {
        /// Table.
        table: String,
        /// File URL.
        file: String,
        /// Missing column.
        column: String,
        /// Columns the file has.
        found: String,
    },
    /// A column that the source's mapping names (`[sources.<table>] columns` or `filter`)
    /// is missing from a file.
    #[error("file {file} has no column `{column}`, which {key} names (columns found: {found})")]
    MissingMappedColumn {
        /// File URL.
        file: String,
        /// Their column.
        column: String,
        /// The config key that names it (`sources.<table>.columns.<column>`), which names
        /// the table.
        key: String,
        /// Columns the file has.
        found: String,
    },
    /// A cell the source's row filter cannot compare.
    #[error("table {table}, file {file}, {cell}")]
    Filter {
        /// Table.
        table: String,
        /// File URL.
        file: String,
        /// Row, their column, the value (redacted for free text) and what the filter needs.
        cell: String,
    },
    /// The mandatory `accounts` table is absent or empty.
    #[error("table {table} is required but {reason} (looked at {url})")]
    MandatoryTable {
        /// Table.
        table: String,
        /// Where it was looked for.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// More bad rows than `max_bad_row_share` allows.
    #[error(
        "table {table}: {bad} of {total} rows are invalid ({share:.2}% > limit {limit:.2}%); first problems:\n  {examples}\nall bad rows are in the quarantine table"
    )]
    TooManyBadRows {
        /// Table.
        table: String,
        /// Bad rows.
        bad: usize,
        /// Rows checked.
        total: usize,
        /// Bad share in percent.
        share: f64,
        /// Limit in percent.
        limit: f64,
        /// First few bad rows, one per line, each naming file, row, column and value.
        examples: String,
    },
    /// Tables whose latest event ends too long before `--as-of` (feeds that stopped arriving).
    #[error("{tables}\nfix the feeds, or pass --allow-stale to run anyway (a warning instead)")]
    Stale {
        /// One line per stale table: its name, latest event, age and limit.
        tables: String,
    },
    /// A data operation failed while validating (e.g. a column polars cannot cast).
    #[error("table {table}: file {file}: {reason}")]
    Polars {
        /// Table.
        table: String,
        /// File URL.
        file: String,
        /// What failed.
        reason: String,
    },
}

/// Why loading a history failed. The application's error keeps each case's exit code and
/// message: contract breaks exit 3, storage errors by their kind, the rest 1.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Input data broke the contract.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// Listing or reading the object store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A polars operation failed unexpectedly.
    #[error("data processing failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
    /// Reading a PostgreSQL source failed.
    #[error(transparent)]
    Postgres(#[from] vigil_store::warehouse::postgres::source::PgSourceError),
    /// A source cannot be read as configured (e.g. its URL's environment variable is unset).
    #[error("{0}")]
    Usage(String),
    /// A broken invariant (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}
