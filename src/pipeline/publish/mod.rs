//! Publishing and upkeep of the warehouse, after scoring: `vigil publish` ([`commit`]: the
//! staged tables of a run date committed to Delta and PostgreSQL, read through `staged`)
//! and `vigil vacuum` ([`vacuum`]: old Delta files removed).
//!
//! A folder of its own rather than part of `score/`: publishing is a separate command and
//! Airflow task that runs after every shard has scored, and it never scores.

pub mod commit;
mod staged;
pub mod vacuum;
