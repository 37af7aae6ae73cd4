//! vigil's integration tests, one binary (each extra binary relinks polars).
//!
//! They run the real `vigil` binary on generated data through local folders, `memory://`
//! and real servers that `tests/run.sh` starts on 127.0.0.1 (S3, Azure and GCS emulators,
//! PostgreSQL with and without TLS).

mod common;

mod doctor;
mod drift;
mod features;
mod feedback;
mod foreign;
mod formats;
mod generate;
mod hostile;
mod logs;
mod mapping;
mod object_store;
mod postgres;
mod publish;
mod report;
mod risk;
mod score;
mod sentiment;
mod shard;
mod taxonomy;
