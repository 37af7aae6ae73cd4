//! Deterministic synthetic customer histories.
//!
//! Every later stage (features, sentiment model, risk model and its 24–72 h lead-time
//! backtest) is developed and demonstrated on data from this generator, so it simulates a
//! plausible generative story instead of uniform noise: each account carries a latent
//! daily health that drives a hazard of "trouble episodes"; episodes leave precursors in
//! tickets, usage, communications and NPS (mostly 3–7 days, coming to a head over the
//! last three) and then either escalate or fade.
//! The model is documented in `data/SYNTHETIC.md`.
//!
//! Accounts are simulated independently, each with its own RNG seeded from
//! `(seed, account index)`, in parallel chunks; the output is identical whatever the
//! number of threads. Rows are collected in plain vectors and turned into polars columns
//! once at the end (`frames`).

mod accounts;
mod activity;
mod calendar;
mod catalog;
mod comms;
mod contacts;
mod escalations;
mod feedback;
pub mod foreign;
mod frames;
mod phrases;
mod phrases_areas;
mod phrases_misc;
mod rng;
mod rows;
mod sim;
mod support;
mod text;

#[cfg(test)]
mod tests;

use calendar::Window;
use polars::prelude::{DataFrame, PolarsError};
use rows::Out;

/// Parameters of one generated history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthParams {
    /// Number of accounts (at least 1).
    pub accounts: usize,
    /// Length of the history in calendar months, ending on `end` (at least 1).
    pub months: u32,
    /// Last day of the history (inclusive); nothing is later than `end` 23:59:59 UTC.
    pub end: chrono::NaiveDate,
    /// Seed: the same parameters always give the same tables.
    pub seed: u64,
}

/// Generated tables, in contract order, names equal to contract table names.
#[derive(Debug, Clone)]
pub struct SynthHistory {
    /// `(table name, frame)` pairs in contract order (`accounts` first).
    pub tables: Vec<(&'static str, DataFrame)>,
}

impl SynthHistory {
    /// The frame of one table, if it was generated.
    pub fn table(&self, name: &str) -> Option<&DataFrame> {
        self.tables.iter().find(|(n, _)| *n == name).map(|(_, df)| df)
    }
}

/// Why a history could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The parameters cannot describe a history (no accounts, no months, dates out of range).
    #[error("invalid synthetic-history parameters: {0}")]
    InvalidParams(String),
    /// Building a polars frame failed.
    #[error("building a synthetic table failed: {0}")]
    Polars(#[from] PolarsError),
    /// A generated table has no names in the foreign layout (a bug: add them to
    /// `synth::foreign::names`).
    #[error("the foreign layout has no names for table {0}")]
    NoForeignNames(&'static str),
    /// A generator thread panicked (a bug).
    #[error("a synthetic-history worker thread panicked")]
    Worker,
}

/// Largest number of accounts one call may generate (keeps memory bounded).
const MAX_ACCOUNTS: usize = 1_000_000;
/// Longest history one call may generate, in months.
const MAX_MONTHS: u32 = 120;

/// Shared, read-only context of one generation run.
pub(crate) struct Ctx {
    /// Seed of the run.
    pub seed: u64,
    /// Number of accounts.
    pub accounts: usize,
    /// The simulated calendar window.
    pub window: Window,
    /// Customer success managers `(name, e-mail)`; accounts point into this list.
    pub csms: Vec<(String, String)>,
    /// Multiplier of the account-name permutation (coprime with the name-space size).
    pub name_stride: usize,
    /// Offset of the account-name permutation.
    pub name_offset: usize,
}

/// Generates a complete synthetic history for `params`.
///
/// Deterministic: the same parameters give identical frames; a different seed gives
/// different data. Valid under the input contract by construction.
pub fn generate(params: &SynthParams) -> Result<SynthHistory, SynthError> {
    validate(params)?;
    let ctx = catalog::context(params)?;
    let outs = run_parallel(&ctx, default_threads(ctx.accounts))?;
    let tables = frames::build(&ctx, outs)?;
    Ok(SynthHistory { tables })
}

/// Rejects parameters that cannot describe a history.
fn validate(params: &SynthParams) -> Result<(), SynthError> {
    if params.accounts == 0 || params.months == 0 {
        return Err(SynthError::InvalidParams(format!(
            "accounts and months must be at least 1 (got accounts = {}, months = {})",
            params.accounts, params.months
        )));
    }
    if params.accounts > MAX_ACCOUNTS || params.months > MAX_MONTHS {
        return Err(SynthError::InvalidParams(format!(
            "at most {MAX_ACCOUNTS} accounts and {MAX_MONTHS} months (got {} and {})",
            params.accounts, params.months
        )));
    }
    Ok(())
}

/// Worker threads for `accounts` accounts: the available cores, at most one per 64 accounts.
fn default_threads(accounts: usize) -> usize {
    std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .clamp(1, 16)
        .min(accounts.div_ceil(64).max(1))
}

/// Simulates all accounts in `threads` contiguous chunks, one thread per chunk, and returns
/// the per-chunk outputs in account order (the result does not depend on `threads`).
fn run_parallel(ctx: &Ctx, threads: usize) -> Result<Vec<Out>, SynthError> {
    let n = ctx.accounts;
    let threads = threads.clamp(1, n.max(1));
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let lo = (t * chunk).min(n);
                let hi = ((t + 1) * chunk).min(n);
                scope.spawn(move || {
                    let mut out = Out::default();
                    for idx in lo..hi {
                        sim::simulate(ctx, idx, &mut out);
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| SynthError::Worker))
            .collect()
    })
}
