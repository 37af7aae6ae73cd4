//! The data stages: `vigil generate` (a synthetic history), `vigil validate` (the contract
//! gate) and `vigil features` (the point-in-time feature table).

mod features;
mod generate;
mod validate;

pub use features::{FeatureMode, FeatureSummary, FeaturesSettings, feature_table, features, write_features};
pub use generate::{GenerateSettings, generate, write_history};
pub use validate::{ValidateSettings, gate, validate, validate_shard};
