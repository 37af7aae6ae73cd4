//! Across-row rules of one table: natural keys (exact duplicates dropped, conflicting ones
//! quarantined) and references to `accounts` (unknown ids bad, ids of quarantined accounts
//! left out as a consequence).

use super::convert::{self, BadCell, BadKind};
use super::schema::TableSpec;
use polars::prelude::*;

/// Why a row that is not bad is still left out of a table's valid rows (counted apart from
/// bad rows, never toward `max_bad_row_share`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LeftOut {
    /// Event time after `--as-of`.
    Future,
    /// An exact copy (every contract column equal) of an earlier row.
    Duplicate,
    /// Its account's row in `accounts` was quarantined.
    QuarantinedAccount,
}

/// The account ids other tables may refer to.
#[derive(Debug, Clone, Default)]
pub struct AccountIds {
    /// Ids of the valid `accounts` rows.
    pub known: PlHashSet<String>,
    /// Ids whose every `accounts` row was quarantined, each with a description of its
    /// first quarantined row (table, file, row, column, value and reason).
    pub quarantined: PlHashMap<String, String>,
}

/// What the reference check left out.
#[derive(Debug, Default)]
pub(super) struct Orphans {
    /// Rows whose account was quarantined.
    pub rows: usize,
    /// The quarantined `accounts` row behind the first of them.
    pub first_parent: Option<String>,
}

/// Marks exact duplicates left out (the first copy stays) and quarantines every row of a
/// key that has rows with different values, each naming another row of its key. Only rows
/// not already bad or left out take part. Returns the number of exact duplicates.
pub(super) fn check_natural_key(
    spec: &TableSpec,
    frame: &DataFrame,
    bad: &mut [Option<BadCell>],
    left: &mut [Option<LeftOut>],
    locate: &dyn Fn(usize) -> String,
) -> PolarsResult<usize> {
    if spec.key.is_empty() || frame.height() < 2 {
        return Ok(0);
    }
    let candidates: Vec<IdxSize> = (0..frame.height())
        .filter(|&r| bad[r].is_none() && left[r].is_none())
        .map(|r| r as IdxSize)
        .collect();
    // Most tables have no bad or left-out row: group the frame itself, without a copy.
    let sub = if candidates.len() == frame.height() {
        None
    } else {
        Some(frame.take(&IdxCa::from_vec(PlSmallStr::EMPTY, candidates.clone()))?)
    };
    let groups = sub.as_ref().unwrap_or(frame).group_by(spec.key.iter().copied())?;
    let mut dropped = 0;
    for group in groups.get_groups().iter() {
        if group.len() < 2 {
            continue;
        }
        let mut rows: Vec<usize> = match &group {
            GroupsIndicator::Idx((_, idx)) => idx.iter().map(|&i| candidates[i as usize] as usize).collect(),
            GroupsIndicator::Slice([first, len]) => (*first..first + len)
                .map(|i| candidates[i as usize] as usize)
                .collect(),
        };
        rows.sort_unstable();
        dropped += judge_group(spec, frame, &rows, bad, left, locate)?;
    }
    Ok(dropped)
}

/// One key with several rows: all equal → all but the first are duplicates; otherwise
/// every row is quarantined (keeping any would be a silent choice between versions).
fn judge_group(
    spec: &TableSpec,
    frame: &DataFrame,
    rows: &[usize],
    bad: &mut [Option<BadCell>],
    left: &mut [Option<LeftOut>],
    locate: &dyn Fn(usize) -> String,
) -> PolarsResult<usize> {
    let first = rows[0];
    let mut differing = None;
    for &r in &rows[1..] {
        if let Some(col) = first_difference(frame, first, r)? {
            differing = Some((r, col));
            break;
        }
    }
    let Some((other, differs_in)) = differing else {
        for &r in &rows[1..] {
            left[r] = Some(LeftOut::Duplicate);
        }
        return Ok(rows.len() - 1);
    };
    let key_col = spec.key[0];
    let key_names = spec.key.join(" + ");
    for &r in rows {
        let partner = if r == first { other } else { first };
        let value = key_value(frame, key_col, r)?;
        bad[r] = Some(BadCell {
            column: key_col,
            value,
            kind: BadKind::Duplicate,
            reason: format!(
                "conflicting duplicate {key_names}: {} rows share this key with different {differs_in}; \
                 also in {} (all rows of the key are quarantined)",
                rows.len(),
                locate(partner)
            ),
        });
    }
    Ok(0)
}

/// The first contract column in which rows `a` and `b` differ.
fn first_difference(frame: &DataFrame, a: usize, b: usize) -> PolarsResult<Option<String>> {
    for col in frame.columns() {
        if col.get(a)? != col.get(b)? {
            return Ok(Some(col.name().to_string()));
        }
    }
    Ok(None)
}

/// A key cell for a message (free text redacted, like every value).
fn key_value(frame: &DataFrame, column: &str, row: usize) -> PolarsResult<String> {
    let v = frame.column(column)?.get(row)?;
    Ok(match v {
        AnyValue::Null => "null".to_string(),
        AnyValue::String(s) => convert::display_value(column, s),
        AnyValue::StringOwned(s) => convert::display_value(column, s.as_str()),
        other => convert::display_value(column, &other.to_string()),
    })
}

/// Checks `account_id` against `accounts`: an id in no row of `accounts` makes the row bad;
/// an id whose `accounts` row was quarantined leaves the row out as a consequence.
pub(super) fn check_references(
    frame: &DataFrame,
    accounts: &AccountIds,
    bad: &mut [Option<BadCell>],
    left: &mut [Option<LeftOut>],
) -> PolarsResult<Orphans> {
    let col = frame.column("account_id")?;
    let mut orphans = Orphans::default();
    // Rows of one account often come together: check an id once per run of it.
    let mut last_known: Option<&str> = None;
    for (row, id) in col.str()?.iter().enumerate() {
        let Some(id) = id else { continue };
        if last_known == Some(id) || bad[row].is_some() || left[row].is_some() {
            continue;
        }
        if accounts.known.contains(id) {
            last_known = Some(id);
        } else if let Some(parent) = accounts.quarantined.get(id) {
            left[row] = Some(LeftOut::QuarantinedAccount);
            orphans.rows += 1;
            orphans.first_parent.get_or_insert_with(|| parent.clone());
        } else {
            bad[row] = Some(BadCell {
                column: "account_id",
                value: convert::display_value("account_id", id),
                kind: BadKind::UnknownAccount,
                reason: "no such account_id in table accounts (in no row, valid or quarantined)".into(),
            });
        }
    }
    Ok(orphans)
}
