//! Account shards: a stable split of the accounts into `count` parts by a published hash of
//! the account id. Sharded scoring (`vigil score --shard i/n`) and the partitioned feature
//! build (`vigil features --partitions n`) both narrow the input history to one shard.

use super::convert;
use super::schema::{ColumnType, TableSpec};
use crate::time::DAY_US;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Most shards one run may have.
pub const MAX_SHARDS: u32 = 4096;

/// One shard of a run: accounts whose hash modulo `count` is `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Zero-based shard index, below `count`.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// A shard, checked (`index < count`, `1 ≤ count ≤` [`MAX_SHARDS`]).
    pub fn new(index: u32, count: u32) -> std::result::Result<Self, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!("shard count {count} is out of range 1–{MAX_SHARDS}"));
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range: shards of {count} are numbered 0–{}",
                count - 1
            ));
        }
        Ok(Self { index, count })
    }

    /// Every shard of a run of `count`, in order.
    pub fn all(count: u32) -> std::result::Result<Vec<Self>, String> {
        (0..count.max(1)).map(|i| Self::new(i, count)).collect()
    }

    /// Whether `account_id` belongs to this shard.
    pub fn contains(&self, account_id: &str) -> bool {
        shard_of(account_id, self.count) == self.index
    }

    /// The shard's staged folder name, `i-of-n`.
    pub fn dir_name(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }

    /// Parses a staged folder name `i-of-n`.
    pub fn from_dir_name(name: &str) -> Option<Self> {
        let (i, n) = name.split_once("-of-")?;
        Self::new(i.parse().ok()?, n.parse().ok()?).ok()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `i/n`, e.g. `0/4`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("--shard {s:?} is not i/n (e.g. 0/4: the first of four shards)");
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse::<u32>().map_err(|_| bad())?;
        let n = n.trim().parse::<u32>().map_err(|_| bad())?;
        Self::new(i, n).map_err(|e| format!("--shard {s}: {e}"))
    }
}

/// The shard of `account_id` among `count`: XXH3-64 (seed 0) of its UTF-8 bytes modulo
/// `count`. XXH3 is a published, versioned hash, so the assignment is the same on every
/// machine and in every vigil release.
pub fn shard_of(account_id: &str, count: u32) -> u32 {
    (xxhash_rust::xxh3::xxh3_64(account_id.as_bytes()) % u64::from(count.max(1))) as u32
}

impl Shard {
    /// Keeps only this shard's rows of a validated frame with an `account_id` column.
    pub fn filter_frame(&self, frame: &mut DataFrame) -> PolarsResult<()> {
        let mask: BooleanChunked = frame
            .column("account_id")?
            .str()?
            .iter()
            .map(|id| id.is_some_and(|id| self.contains(id)))
            .collect();
        *frame = frame.filter(&mask)?;
        Ok(())
    }

    /// Narrows one input file to this shard before it is typed: the rows whose raw
    /// `account_id` hashes to the shard (rows without one go to shard 0, so each row is
    /// validated, and reported if bad, in exactly one shard). Returns the kept rows, their
    /// 0-based row numbers in the file, and the distinct event times of every row of the
    /// file (unparseable ones left out). A file without `account_id` is kept whole.
    pub(super) fn narrow(
        &self,
        spec: &TableSpec,
        frame: &DataFrame,
    ) -> PolarsResult<(DataFrame, Vec<usize>, Vec<i64>)> {
        let times = event_times(spec, frame)?;
        let Ok(ids) = frame.column("account_id") else {
            return Ok((frame.clone(), (0..frame.height()).collect(), times));
        };
        let ids = ids.cast(&DataType::String)?;
        let mut rows = Vec::new();
        let mask: BooleanChunked = ids
            .str()?
            .iter()
            .enumerate()
            .map(|(row, id)| {
                let keep = id.map_or(self.index == 0, |id| self.contains(id));
                if keep {
                    rows.push(row);
                }
                keep
            })
            .collect();
        Ok((frame.filter(&mask)?, rows, times))
    }
}

/// The distinct values of a file's time column in µs since the epoch (a date is its
/// midnight), typed by the contract's own parser; empty when the table has none.
fn event_times(spec: &TableSpec, frame: &DataFrame) -> PolarsResult<Vec<i64>> {
    let Some(col) = spec.time_column.and_then(|tc| spec.column(tc)) else {
        return Ok(Vec::new());
    };
    let Ok(raw) = frame.column(col.name) else {
        return Ok(Vec::new());
    };
    let mut ignored = vec![None; frame.height()];
    let typed = convert::convert(col, raw, &mut ignored, super::Taxonomy::builtin())?;
    let mut times: Vec<i64> = match col.ty {
        ColumnType::Date => typed
            .cast(&DataType::Int32)?
            .i32()?
            .iter()
            .flatten()
            .map(|d| i64::from(d) * DAY_US)
            .collect(),
        _ => typed.cast(&DataType::Int64)?.i64()?.iter().flatten().collect(),
    };
    times.sort_unstable();
    times.dedup();
    Ok(times)
}
