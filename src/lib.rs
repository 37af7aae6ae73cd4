//! vigil: a batch ML job that warns customer-success teams about escalations before they
//! happen.
//!
//! The crate is one library with modules that could become crates; dependencies point one
//! way: `cli → pipeline → {contract, synth} → {storage, config} → error`.
//! `main.rs` only parses the command line, sets up tracing and maps errors to exit codes.

pub mod cli;
pub mod config;
pub mod contract;
pub mod device;
pub mod error;
pub mod features;
pub mod pipeline;
pub mod registry;
pub mod report;
pub mod risk;
pub mod score;
pub mod storage;
pub mod synth;
pub mod text;
pub mod time;
pub mod warehouse;

#[cfg(test)]
mod testutil;

pub use error::{Error, ExitCode, Result};

/// The version `vigil --version` prints and the run summary records: the package version
/// and the commit it was built from with its date, e.g. `0.1.0 (e185a6b 2026-11-29)`
/// (`build.rs`; `unknown` when built without git and without `VIGIL_GIT_COMMIT`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("VIGIL_BUILD_COMMIT"), ")");
