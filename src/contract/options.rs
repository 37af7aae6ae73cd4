//! What loading and gating a history need from the caller, as plain values: where the
//! tables are ([`Sources`]) and the input gates' limits ([`Gates`]). The pipeline
//! configuration builds both; this module knows nothing of it.

use std::collections::BTreeMap;

/// Where the input tables are (`[sources]` of the pipeline config), every location already
/// resolved to a URL or absolute path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// Folder that holds one file (`<table>.<ext>`) or folder (`<table>/`) per table.
    pub base: Option<String>,
    /// Explicit location per table name, over `base`.
    pub tables: BTreeMap<String, String>,
}

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
