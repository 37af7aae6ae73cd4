//! Per-account event timelines: row indices sorted by time, for windowed lookups.
//!
//! Every window is half-open, `[lo, hi)`: a feature at snapshot t uses `hi = t`, so an
//! event stamped exactly at t is never seen (it is not strictly before t).

use super::FeatureError;
use crate::contract::columns::{micros, str_column};
use polars::prelude::*;

/// The snapshots being featurised: account index and instant per row, in grid order.
#[derive(Debug)]
pub struct Snapshots {
    /// Account index of each snapshot.
    pub account: Vec<usize>,
    /// Instant of each snapshot (µs since the epoch).
    pub at: Vec<i64>,
    /// Account id → index.
    pub index: PlHashMap<String, usize>,
    /// Index → account id.
    pub ids: Vec<String>,
}

impl Snapshots {
    /// Reads `(account_id, snapshot_at)` from a grid.
    pub fn from_grid(grid: &DataFrame) -> Result<Self, FeatureError> {
        let ids = str_column(grid, "snapshots", "account_id")?;
        let at = micros(grid, "snapshots", "snapshot_at")?;
        let mut index = PlHashMap::new();
        let mut names = Vec::new();
        let mut account = Vec::with_capacity(ids.len());
        // A grid lists each account's snapshots together: look an id up once per run.
        let mut last: Option<(&str, usize)> = None;
        for id in ids.iter() {
            let id = id.unwrap_or_default();
            let i = match last {
                Some((prev, i)) if prev == id => i,
                _ => {
                    let next = index.len();
                    *index.entry(id.to_string()).or_insert_with(|| {
                        names.push(id.to_string());
                        next
                    })
                }
            };
            last = Some((id, i));
            account.push(i);
        }
        Ok(Self {
            account,
            at: at.into_iter().map(Option::unwrap_or_default).collect(),
            index,
            ids: names,
        })
    }

    /// Snapshot indices grouped by account, each group in time order.
    pub fn by_account(&self) -> Vec<Vec<usize>> {
        let mut groups = vec![Vec::new(); self.ids.len()];
        for (i, &a) in self.account.iter().enumerate() {
            groups[a].push(i);
        }
        for g in &mut groups {
            g.sort_by_key(|&i| self.at[i]);
        }
        groups
    }

    /// Number of snapshots.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.at.len()
    }
}

/// Rows of one table grouped by account and sorted by a time column.
#[derive(Debug, Default)]
pub struct Timeline {
    times: Vec<Vec<i64>>,
    rows: Vec<Vec<usize>>,
}

impl Timeline {
    /// Groups `df`'s rows by `account_id` and sorts them by `time_column` shifted by
    /// `visible_after` µs (the delay after which a row is known: a daily total for day D
    /// is known at the end of D). Rows of accounts outside the snapshots, or with a null
    /// time, are left out.
    pub fn build(
        snaps: &Snapshots,
        df: &DataFrame,
        table: &'static str,
        time_column: &'static str,
        visible_after: i64,
    ) -> Result<Self, FeatureError> {
        let ids = str_column(df, table, "account_id")?;
        let times = micros(df, table, time_column)?;
        let mut pairs: Vec<Vec<(i64, usize)>> = vec![Vec::new(); snaps.ids.len()];
        // Rows of one account often come together: look an id up once per run of it.
        let mut last: Option<(&str, Option<usize>)> = None;
        for (row, (id, t)) in ids.iter().zip(times).enumerate() {
            let (Some(id), Some(t)) = (id, t) else { continue };
            let a = match last {
                Some((prev, a)) if prev == id => a,
                _ => snaps.index.get(id).copied(),
            };
            last = Some((id, a));
            if let Some(a) = a {
                pairs[a].push((t + visible_after, row));
            }
        }
        let mut tl = Self::default();
        for mut p in pairs {
            p.sort_unstable();
            tl.times.push(p.iter().map(|x| x.0).collect());
            tl.rows.push(p.into_iter().map(|x| x.1).collect());
        }
        Ok(tl)
    }

    /// The account's rows in time order.
    pub fn account_rows(&self, account: usize) -> &[usize] {
        self.rows.get(account).map_or(&[], Vec::as_slice)
    }

    /// Positions `(from, to)` in [`Timeline::account_rows`] of the account's events in
    /// `[lo, hi)`.
    pub fn bounds(&self, account: usize, lo: i64, hi: i64) -> (usize, usize) {
        let Some(ts) = self.times.get(account) else {
            return (0, 0);
        };
        (ts.partition_point(|x| *x < lo), ts.partition_point(|x| *x < hi))
    }

    /// Row indices of the account's events in `[lo, hi)`, in time order.
    pub fn rows(&self, account: usize, lo: i64, hi: i64) -> &[usize] {
        let (a, b) = self.bounds(account, lo, hi);
        self.rows.get(account).map_or(&[], |r| &r[a..b])
    }

    /// Number of the account's events in `[lo, hi)`.
    pub fn count(&self, account: usize, lo: i64, hi: i64) -> usize {
        let (a, b) = self.bounds(account, lo, hi);
        b - a
    }

    /// The account's latest event before `t`: `(time, row)`.
    pub fn last_before(&self, account: usize, t: i64) -> Option<(i64, usize)> {
        let (_, b) = self.bounds(account, i64::MIN, t);
        let i = b.checked_sub(1)?;
        Some((self.times[account][i], self.rows[account][i]))
    }

    /// The account's latest event before `t` for which `keep(row)` holds.
    pub fn last_before_where(
        &self,
        account: usize,
        t: i64,
        keep: impl Fn(usize) -> bool,
    ) -> Option<(i64, usize)> {
        let (_, b) = self.bounds(account, i64::MIN, t);
        (0..b)
            .rev()
            .map(|i| (self.times[account][i], self.rows[account][i]))
            .find(|(_, r)| keep(*r))
    }
}
