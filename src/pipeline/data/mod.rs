//! The data stages: `vigil generate` (a synthetic history) and `vigil validate` (the contract
//! gate every stage that reads the history passes first).

mod generate;
mod validate;

pub use generate::{GenerateSettings, HistoryLayout, generate, write_history};
pub use validate::{ValidateSettings, gate, validate, validate_shard};
