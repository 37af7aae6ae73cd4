//! The scoring stage: `vigil score` ([`scoring`]: every active account scored, explained,
//! routed and staged for publishing), `vigil plan` and sharded scoring ([`shard`]: where a
//! run stages its tables), and drift monitoring against the champion's training reference
//! (`monitoring`).

mod monitoring;
pub mod scoring;
pub mod shard;

pub use scoring::{ScoreOutcome, ScoreSettings, load_drafts, score_on};
