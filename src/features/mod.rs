//! Point-in-time snapshots and early-detection labels.
//!
//! A snapshot is an (account, instant t) pair; everything computed for it may use only
//! data strictly before t, and its label looks only at (t, t + horizon]. This module does
//! no I/O: it takes validated frames (see [`crate::contract`]) and returns frames.
//!
//! Snapshots and labels are computed with per-account sweeps over time-sorted vectors
//! rather than polars joins: the boundaries (`<` vs `<=`) are then explicit in one place
//! and unit-tested, and the cost is O(rows · log rows) without polars' `asof_join` and
//! `dynamic_group_by` features, which would add minutes to every cold build.
//!
//! Families: tickets, usage, adoption, stakeholders, NPS, contract, escalation history and
//! data freshness; [`catalogue`] lists every feature with its definition.

mod adoption;
mod build;
mod catalogue;
mod contract;
mod freshness;
mod grid;
mod history;
mod labels;
mod lexicon;
mod narrative;
mod nps;
pub mod params;
mod spec;
mod stakeholders;
mod tickets;
mod timeline;
mod tone;
mod usage;

#[cfg(test)]
mod tests;

use crate::contract::columns::{self, ColumnError};
use polars::prelude::DataFrame;

pub use crate::contract::columns::timestamp_column;
pub use build::{Features, Inputs, build_features};
pub use catalogue::{catalogue, families, spec};
pub use grid::{Lifetime, lifetimes, scoring_grid, training_grid};
pub use labels::label;
pub use lexicon::is_negative;
pub use narrative::{Fact, facts, facts_all, sentence};
pub use spec::FeatureSpec;
pub use tone::{Tone, nps_text_id};

/// Errors of the feature stage.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// A frame lacks a column this stage needs (a bug upstream: validation adds every
    /// contract column).
    #[error("table {table} has no column {column}: {reason}")]
    Column {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
        /// What polars said.
        reason: String,
    },
    /// Training needs labels and there is no `escalations` table.
    #[error("no escalations table: labels (and so training and backtests) need past escalations")]
    NoLabels,
    /// A feature thread panicked (a bug).
    #[error("a feature worker thread panicked")]
    Worker,
    /// A polars operation failed.
    #[error("building snapshots failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

impl From<ColumnError> for FeatureError {
    fn from(e: ColumnError) -> Self {
        FeatureError::Column {
            table: e.table,
            column: e.column,
            reason: e.reason,
        }
    }
}

/// [`columns::strings`] with the feature stage's error, for stages that read feature and
/// input frames.
pub fn frame_strings(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<String>>, FeatureError> {
    Ok(columns::strings(df, table, column)?)
}

/// [`columns::micros`] with the feature stage's error.
pub fn frame_micros(
    df: &DataFrame,
    table: &'static str,
    column: &'static str,
) -> Result<Vec<Option<i64>>, FeatureError> {
    Ok(columns::micros(df, table, column)?)
}
