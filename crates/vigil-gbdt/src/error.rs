//! The GBDT's error type.

/// Why the GBDT cannot train or predict.
#[derive(Debug, thiserror::Error)]
pub enum GbdtError {
    /// A hyper-parameter is out of range, or names a feature the data does not have.
    #[error("{0}")]
    InvalidOption(String),
    /// The training data cannot train a model (no rows, one class, bad labels or weights).
    #[error("cannot train: {0}")]
    Data(String),
    /// The matrix given to a model has another schema than the model was trained on.
    #[error("the matrix has schema {found}, the model expects schema {expected}")]
    SchemaMismatch {
        /// Fingerprint of the model's schema.
        expected: String,
        /// Fingerprint of the matrix's schema.
        found: String,
    },
    /// A saved model cannot be read or written.
    #[error("cannot read model: {0}")]
    Corrupt(String),
}
