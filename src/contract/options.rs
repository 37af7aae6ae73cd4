//! What loading and gating a history need from the caller, as plain values: where the
//! tables are and how each is read and mapped ([`Sources`], [`TableSource`]) and the input
//! gates' limits ([`Gates`]). The pipeline configuration builds them; this module knows
//! nothing of it.

use super::mapping::TableMapping;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use vigil_store::secret::Secret;
use vigil_store::storage::{CsvOptions, DeltaPin, FileFormat, ReadOptions};

/// Where the input tables are (`[sources]` of the pipeline config), every location already
/// resolved to a URL or absolute path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sources {
    /// Folder that holds one file (`<table>.<ext>`) or folder (`<table>/`) per table.
    pub base: Option<String>,
    /// Explicitly placed tables by name, over `base`.
    pub tables: BTreeMap<String, TableSource>,
}

/// One explicitly placed table (`[sources] <table> = "url"` or `[sources.<table>]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableSource {
    /// Location of its files (resolved); `None` for a PostgreSQL source, whose URL is in
    /// [`PostgresSource`].
    pub url: Option<String>,
    /// Format as configured (`None`: detected from the location); a `postgres://` URL or
    /// `url_env` makes it [`SourceFormat::Postgres`].
    pub format: Option<SourceFormat>,
    /// Row filter, column names, value maps and text-time parsing applied to each file frame.
    pub mapping: TableMapping,
    /// CSV field delimiter (one byte; `None`: `,`).
    pub csv_delimiter: Option<u8>,
    /// Whether CSV files have a header row (`None`: yes); without one the columns are named
    /// `column_1`, `column_2`, ….
    pub csv_header: Option<bool>,
    /// Delta only: the table version to read.
    pub delta_version: Option<i64>,
    /// Delta only: read the latest version committed at or before this instant.
    pub delta_as_of: Option<DateTime<Utc>>,
    /// PostgreSQL only: where and what to read.
    pub postgres: Option<PostgresSource>,
}

impl TableSource {
    /// A table at a location with nothing else configured (a bare `[sources]` URL string).
    pub fn at(url: String) -> Self {
        Self {
            url: Some(url),
            ..Self::default()
        }
    }

    /// How the table's files are found and decoded: the configured format (detected when
    /// unset), CSV delimiter and header, and the Delta version pin.
    pub fn read_options(&self) -> ReadOptions {
        let defaults = CsvOptions::default();
        ReadOptions {
            format: self.format.filter(|f| *f != FileFormat::Postgres),
            csv: CsvOptions {
                delimiter: self.csv_delimiter.unwrap_or(defaults.delimiter),
                has_header: self.csv_header.unwrap_or(defaults.has_header),
            },
            delta: DeltaPin {
                version: self.delta_version,
                as_of: self.delta_as_of,
            },
        }
    }
}

/// How a table is stored (`[sources.<table>] format`): the storage layer's format, whose
/// `Postgres` is a relation read by the PostgreSQL reader rather than files.
pub use vigil_store::storage::FileFormat as SourceFormat;

/// A PostgreSQL source: the connection and the one relation (`table` or `query`) it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresSource {
    /// The connection URL when given as `url` (a secret, never logged).
    pub url: Option<Secret>,
    /// Name of the environment variable that holds the URL, when given as `url_env`.
    pub url_env: Option<String>,
    /// What to read.
    pub relation: PostgresRelation,
    /// PEM file of the CA that signed the server's certificate (resolved path).
    pub ca_file: Option<String>,
}

/// The rows a PostgreSQL source reads: a whole table or the result of a query (the reader's
/// own type).
pub use vigil_store::warehouse::postgres::source::PgRelation as PostgresRelation;

/// The limits of [`crate::contract::History::check`]: bad-row share and freshness.
#[derive(Debug, Clone, PartialEq)]
pub struct Gates {
    /// Largest share of bad rows per table (0–1) before the run fails.
    pub max_bad_row_share: f64,
    /// Freshness limit in hours per table that has a freshness gate; a table not listed has none.
    pub staleness_hours: BTreeMap<&'static str, u32>,
    /// A failed freshness gate is a warning instead of an error.
    pub allow_stale: bool,
}

impl Gates {
    /// The freshness limit of `table` in hours; `None` when it has no gate.
    pub fn staleness_limit(&self, table: &str) -> Option<u32> {
        self.staleness_hours.get(table).copied()
    }
}
