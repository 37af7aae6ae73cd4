//! vigil: a batch ML job that warns customer-success teams about escalations before they
//! happen.
//!
//! The application crate of a Cargo workspace. The parts that stand alone are crates of
//! their own, so Cargo enforces that they never import the application: `vigil-gbdt` (the
//! gradient-boosted trees over a plain matrix), `vigil-text` (the sentiment model and its
//! baselines) and `vigil-store` (object storage, the model registry, the Delta Lake and
//! PostgreSQL sinks). This crate holds the contract, features, risk, score, report, synth,
//! pipeline and cli, and depends on the three crates, never they on it. Inside it, modules
//! import only downwards: `cli → pipeline → config → report → {score, device} → {risk,
//! features, synth, text_frames} → contract → {time, hash, format}`, with `error` mapping every
//! module's and crate's error to an exit code (ARCHITECTURE.md; `scripts/check-layers.py`
//! checks it). `config` composes the parameter types where they live (`risk::params`,
//! `features::params`, `score::tiers`, and the crates).
//! `main.rs` only parses the command line, sets up tracing and maps errors to exit codes.

pub mod cli;
pub mod config;
pub mod contract;
pub mod device;
pub mod error;
pub mod features;
pub mod format;
pub mod hash;
pub mod pipeline;
pub mod report;
pub mod risk;
pub mod score;
pub mod synth;
pub mod text_frames;
pub mod time;

#[cfg(test)]
mod testutil;

pub use error::{Error, ExitCode, Result};

/// The version `vigil --version` prints and the run summary records: the package version
/// and the commit it was built from with its date, e.g. `0.1.0 (e185a6b 2026-11-29)`
/// (`build.rs`; `unknown` when built without git and without `VIGIL_GIT_COMMIT`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("VIGIL_BUILD_COMMIT"), ")");
