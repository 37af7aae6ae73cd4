//! vigil's integration tests, one binary (each extra binary relinks polars).
//!
//! They run the real `vigil` binary on generated data through local folders, `memory://`
//! and a real S3-compatible server that `tests/run.sh` starts on 127.0.0.1.

mod common;

mod bad_input;
mod features;
mod generate;
mod object_store_s3;
mod risk;
mod secrets;
mod sentiment;
