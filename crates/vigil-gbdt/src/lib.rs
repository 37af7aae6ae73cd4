//! vigil-gbdt: histogram gradient-boosted trees for a binary label.
//!
//! Written for vigil rather than taken from a crate (the decision and its benchmark against
//! LightGBM are in benches/README.md): leaf-wise trees on 255-bin histograms with the
//! sibling-subtraction trick, missing values routed to the better side, categorical splits
//! on categories ordered by gradient ratio, sample weights, per-feature monotone constraints,
//! early stopping on a validation set, and exact TreeSHAP (per-leaf tables computed once per
//! tree, checked against the recursive algorithm and brute force). Threads come from a rayon
//! pool of `threads` workers.
//!
//! It works on a plain column-major `f32` [`Matrix`] with its [`FeatureSchema`], and must
//! not depend on polars, burn, the object stores or the application crate `vigil`: turning
//! a data frame into a matrix is the caller's job, so the trees can be benchmarked and
//! tested alone.

mod bins;
mod data;
mod error;
mod grow;
mod hist;
pub mod loss;
mod model;
mod params;
mod route;
mod shap;
pub mod tree;

#[cfg(test)]
mod tests;

pub use data::{ColumnKind, Dataset, FeatureSchema, MAX_LEVELS, Matrix, SchemaColumn};
pub use error::GbdtError;
pub use model::{Contributions, FitReport, Gbdt, fit, fit_with_progress};
pub use params::GbdtParams;
