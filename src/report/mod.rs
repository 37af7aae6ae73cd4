//! Reports over the published history: the quarterly escalation-patterns report (what rose,
//! among which accounts, how the model did, what was prevented). Pure code: frames and
//! plain values in, tables and text out; the I/O lives in `pipeline::report`.

pub mod charts;
pub mod drift;
pub mod drift_merge;
pub mod lift;
pub mod quarter;
pub mod quarterly;
pub mod render;

#[cfg(test)]
mod tests;
