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
//! Status: the snapshot grid and the labels exist; the feature catalogue is being built
//! on top of them (issue #3).

mod frame;
mod grid;
mod labels;

#[cfg(test)]
mod tests;

pub use crate::config::FeatureOptions;
pub use grid::{Lifetime, lifetimes, scoring_grid, training_grid};
pub use labels::label;

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
    /// A polars operation failed.
    #[error("building snapshots failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
}
