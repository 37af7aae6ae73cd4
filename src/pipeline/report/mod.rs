//! `vigil report`: the quarterly escalation-patterns report ([`quarterly`]) and its
//! model-performance section (`performance`); the pure rendering lives in `crate::report`.

mod performance;
pub mod quarterly;
