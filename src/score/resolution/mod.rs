//! Resolution-time estimate from similar past escalations.
//!
//! A past escalation becomes a [`Case`]: the account's feature snapshot taken shortly
//! before it opened (the state a scorer would have seen when alerting), its category, the
//! days it took to resolve and the interventions used. For an alerted account, the
//! [`ResolutionIndex`] finds the k most similar resolved cases (same category first, then
//! others to fill k), averages their resolution days and names the interventions most
//! common among the fastest half of them. `score::resolution_backtest` measures that
//! estimate on held-out time against a per-category median.
//!
//! Pure: frames in, plain structures out; the pipeline reads inputs and stores the fitted
//! index (JSON) in the model registry.

mod cases;
mod index;
mod phrases;
mod space;

#[cfg(test)]
mod report;
#[cfg(test)]
mod tests;

pub use cases::{
    Case, CaseTable, MAX_SNAPSHOT_AGE_HOURS, cases, cases_within, default_features, encode, rows,
};
pub use index::{DEFAULT_K, Estimator, IndexedCase, ResolutionIndex, summary_sentence};
pub use phrases::{category_phrase, intervention_phrase};
pub use space::FeatureSpace;

/// Errors of the category model and the resolution estimate.
#[derive(Debug, thiserror::Error)]
pub enum ResolutionError {
    /// A table lacks a column, or the column has the wrong type.
    #[error("table {table} has no usable column {column}: {reason}")]
    Column {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A required value is null or invalid.
    #[error("table {table}, column {column}, row {row}: value {value:?} {reason}")]
    Value {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Row (0-based).
        row: usize,
        /// The value as text.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An escalation is resolved before it opened.
    #[error(
        "table escalations, escalation {escalation_id:?} (row {row}): resolved_at {resolved_at} is before \
         opened_at {opened_at}; fix the source or leave resolved_at empty"
    )]
    ResolvedBeforeOpened {
        /// Escalation id.
        escalation_id: String,
        /// Row (0-based).
        row: usize,
        /// Opened, RFC 3339.
        opened_at: String,
        /// Resolved, RFC 3339.
        resolved_at: String,
    },
    /// A feature row does not match the model's feature schema.
    #[error("a feature row has {found} values; the model was fitted on {expected} features")]
    Width {
        /// Features the model expects.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// There is nothing to fit on.
    #[error("cannot fit: {0}")]
    Data(String),
    /// Encoding the feature table failed (missing or retyped column).
    #[error(transparent)]
    Risk(#[from] crate::risk::RiskError),
    /// A polars operation failed.
    #[error("resolution data processing failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// Formats microseconds since the epoch as RFC 3339 (for messages).
pub(crate) fn rfc3339(us: i64) -> String {
    crate::time::units::rfc3339(us).unwrap_or_else(|| format!("{us} µs"))
}
