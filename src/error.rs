//! The crate-level error type and its mapping to the documented exit codes.
//!
//! Each module has its own thiserror enum carrying context (table, file, column, row,
//! value, URL); this type gathers them and decides which exit code Airflow sees.

use crate::{
    config::ConfigError, contract::ContractError, features::FeatureError, risk::RiskError, score::ScoreError,
    score::resolution::ResolutionError, synth::SynthError,
};
use vigil_store::{registry::RegistryError, storage::StorageError, warehouse::WarehouseError};
use vigil_text::TextError;

/// Exit codes of the `vigil` binary (DESIGN.md, CLI contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success.
    Ok = 0,
    /// Internal error (a bug, or an unexpected failure of a dependency).
    Internal = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// Input data invalid.
    InvalidInput = 3,
    /// Quality gate failed (model not promoted).
    GateFailed = 4,
    /// Nothing to do.
    NothingToDo = 99,
}

impl ExitCode {
    /// The numeric process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Any error a vigil command can end with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Command-line usage error (bad or missing flag value).
    #[error("usage error: {0}")]
    Usage(String),
    /// Pipeline configuration error.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading or writing the object store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Input data broke the contract.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// The feature stage failed.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// The synthetic generator failed.
    #[error(transparent)]
    Synth(#[from] SynthError),
    /// The text model failed, or its input or options were invalid.
    #[error(transparent)]
    Text(#[from] TextError),
    /// The risk model failed, or its input or options were invalid.
    #[error(transparent)]
    Risk(#[from] RiskError),
    /// The model registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Scoring failed, or a draft template is invalid.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// Publishing to the warehouse (Delta Lake, PostgreSQL) failed.
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    /// A staged run cannot be published as it is: a shard is missing or unfinished, or the
    /// shards disagree (exit 3).
    #[error("staged run incomplete: {0}")]
    IncompleteRun(String),
    /// There was nothing to do (e.g. nothing staged to publish for the run date).
    #[error("nothing to do: {0}")]
    NothingToDo(String),
    /// The backtest's quality gate failed: the model was not promoted.
    #[error("quality gate failed, model {version} not promoted: {reason}")]
    GateFailed {
        /// The model version (registered, but not champion).
        version: String,
        /// Which criterion failed.
        reason: String,
    },
    /// `--fail-on-drift` and a feature or the score drifted past the PSI threshold: nothing
    /// was staged for the run date.
    #[error(
        "drift gate failed (--fail-on-drift): model {version}: PSI above {threshold} for {features}; nothing staged for this run date"
    )]
    DriftGate {
        /// The model version that would have scored.
        version: String,
        /// The PSI threshold.
        threshold: f64,
        /// The drifted features with their PSI (`name=psi`, comma-separated).
        features: String,
    },
    /// A polars operation failed unexpectedly.
    #[error("data processing failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
    /// Anything else that indicates a bug.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::Config(_) => ExitCode::Usage,
            Error::Synth(SynthError::InvalidParams(_)) => ExitCode::Usage,
            Error::Features(FeatureError::NoLabels) => ExitCode::InvalidInput,
            Error::Contract(_) => ExitCode::InvalidInput,
            Error::Text(TextError::InvalidOption(_)) => ExitCode::Usage,
            Error::Text(TextError::InvalidInput(_)) => ExitCode::InvalidInput,
            Error::Storage(e) if e.is_config_problem() => ExitCode::Usage,
            Error::Storage(e) if e.is_input_problem() => ExitCode::InvalidInput,
            Error::GateFailed { .. } | Error::DriftGate { .. } => ExitCode::GateFailed,
            Error::NothingToDo(_) => ExitCode::NothingToDo,
            Error::IncompleteRun(_) => ExitCode::InvalidInput,
            // A template that fails validation is the user's to fix, like a bad config.
            Error::Score(ScoreError::Draft(_)) => ExitCode::Usage,
            Error::Score(ScoreError::Features(_)) => ExitCode::InvalidInput,
            Error::Score(ScoreError::Resolution(
                ResolutionError::Column { .. }
                | ResolutionError::Value { .. }
                | ResolutionError::ResolvedBeforeOpened { .. }
                | ResolutionError::Risk(_),
            )) => ExitCode::InvalidInput,
            Error::Warehouse(e) if e.is_usage() => ExitCode::Usage,
            Error::Warehouse(e) if e.is_input_problem() => ExitCode::InvalidInput,
            Error::Risk(RiskError::InvalidOption(_)) => ExitCode::Usage,
            Error::Risk(
                RiskError::MissingColumn { .. }
                | RiskError::SchemaMismatch { .. }
                | RiskError::UnsupportedType { .. }
                | RiskError::TooManyLevels { .. }
                | RiskError::Data(_),
            ) => ExitCode::InvalidInput,
            Error::Registry(RegistryError::UnknownVersion { .. } | RegistryError::Alias(_)) => {
                ExitCode::Usage
            }
            Error::Registry(RegistryError::Storage(e)) if e.is_config_problem() => ExitCode::Usage,
            Error::Registry(RegistryError::Storage(e)) if e.is_input_problem() => ExitCode::InvalidInput,
            Error::Storage(_)
            | Error::Synth(_)
            | Error::Features(_)
            | Error::Text(_)
            | Error::Risk(_)
            | Error::Registry(_)
            | Error::Warehouse(_)
            | Error::Score(_)
            | Error::Polars(_)
            | Error::Internal(_) => ExitCode::Internal,
        }
    }
}

/// Result with the crate's error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::score::drafts::DraftError> for Error {
    fn from(e: crate::score::drafts::DraftError) -> Self {
        Error::Score(ScoreError::Draft(e))
    }
}

impl From<vigil_gbdt::GbdtError> for Error {
    /// A GBDT error is a risk-model error (same message and exit code as before the trees
    /// became their own crate).
    fn from(e: vigil_gbdt::GbdtError) -> Self {
        Error::Risk(RiskError::from(e))
    }
}

impl From<crate::contract::LoadError> for Error {
    /// Each case becomes the variant it was before loading had its own error type, so exit
    /// codes and messages are unchanged.
    fn from(e: crate::contract::LoadError) -> Self {
        use crate::contract::LoadError;
        match e {
            LoadError::Contract(e) => Error::Contract(e),
            LoadError::Storage(e) => Error::Storage(e),
            LoadError::Polars(e) => Error::Polars(e),
            LoadError::Postgres(e) => Error::Warehouse(e.into()),
            LoadError::Usage(reason) => Error::Usage(reason),
            LoadError::Internal(reason) => Error::Internal(reason),
        }
    }
}

impl From<crate::contract::columns::ColumnError> for Error {
    /// A column read outside a stage with its own error: reported like the feature stage's
    /// column errors.
    fn from(e: crate::contract::columns::ColumnError) -> Self {
        Error::Features(e.into())
    }
}
