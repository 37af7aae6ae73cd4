//! Loading the whole input history for a run window: find each table's files, read them
//! through storage, validate them, and keep the good rows.

use super::keys::AccountIds;
use super::schema::{ColumnType, TABLES, TableSpec};
use super::shard::Shard;
use super::table::{self, Narrowed, ValidTable};
use super::{ContractError, Gates, LoadError, Sources};
use crate::time::{DAY_US, HOUR_US, RunWindow};
use std::collections::{BTreeMap, HashSet};
use vigil_store::storage::{FileFormat, Location, Storage, StorageError};

/// The validated input history of one run.
#[derive(Debug)]
pub struct History {
    /// The window it was loaded for.
    pub window: RunWindow,
    /// Validated tables present in the sources, by name.
    pub tables: BTreeMap<&'static str, ValidTable>,
    /// Optional tables that were not found (their signals are unavailable).
    pub absent: Vec<&'static str>,
    /// Files under `[sources] base` that belong to no contract table (ignored).
    pub ignored_files: Vec<String>,
    /// When the tables were narrowed to one account shard as they were read, each timed table's
    /// event times before narrowing: how fresh a feed is is a property of the whole table.
    pub feed_times: BTreeMap<&'static str, polars::prelude::DataFrame>,
}

impl History {
    /// Fails with the first table whose bad-row share passes `limit` (0–1), naming its
    /// first bad rows.
    pub fn check_bad_share(&self, limit: f64) -> Result<(), ContractError> {
        for t in self.tables.values() {
            let share = t.bad_share();
            if t.bad_rows() > 0 && share > limit {
                let examples: Vec<String> = t.bad.iter().take(5).map(|q| q.describe(t.spec.name)).collect();
                return Err(ContractError::TooManyBadRows {
                    table: t.spec.name.into(),
                    bad: t.bad_rows(),
                    total: t.rows_checked(),
                    share: share * 100.0,
                    limit: limit * 100.0,
                    examples: examples.join("\n  "),
                });
            }
        }
        Ok(())
    }

    /// The run's gates on its inputs: the bad-row share, then freshness. Returns the
    /// warnings for the run summary: dropped duplicates, rows of quarantined accounts, and
    /// stale tables when `allow_stale` lets the run go on.
    pub fn check(&self, gates: &Gates) -> Result<Vec<String>, ContractError> {
        self.check_bad_share(gates.max_bad_row_share)?;
        let mut warnings = self.notes();
        let stale = self.stale_tables(gates);
        if stale.is_empty() {
            return Ok(warnings);
        }
        if !gates.allow_stale {
            return Err(ContractError::Stale {
                tables: stale.join("\n"),
            });
        }
        warnings.extend(stale.into_iter().map(|s| format!("--allow-stale: {s}")));
        Ok(warnings)
    }

    /// What validation left out that is not bad but a reader should know: exact duplicates
    /// dropped and rows of quarantined accounts, per table.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for t in self.tables.values() {
            if t.duplicates_dropped > 0 {
                notes.push(format!(
                    "table {}: {} exact duplicate rows dropped (natural key {})",
                    t.spec.name,
                    t.duplicates_dropped,
                    t.spec.key.join(" + ")
                ));
            }
            if let (n @ 1.., Some(parent)) = (t.rows_of_quarantined_accounts, &t.first_quarantined_parent) {
                notes.push(format!(
                    "table {}: {n} rows left out because their account was quarantined (first: {parent})",
                    t.spec.name
                ));
            }
        }
        notes
    }

    /// One line per table whose latest event ends more than its freshness limit before
    /// `--as-of`, naming the table, the event and the limit.
    pub fn stale_tables(&self, gates: &Gates) -> Vec<String> {
        let as_of = self.window.as_of;
        let mut stale = Vec::new();
        for t in self.tables.values() {
            let (Some(limit), Some(column)) = (gates.staleness_limit(t.spec.name), t.spec.time_column) else {
                continue;
            };
            let ty = t.spec.column(column).map_or(ColumnType::Timestamp, |c| c.ty);
            let detail = match t.latest_event_us {
                Some(end) => {
                    let hours = (as_of.timestamp_micros() - end) / HOUR_US;
                    if hours <= i64::from(limit) {
                        continue;
                    }
                    // A date's event ends at the end of its day: show the day itself.
                    let shown = if ty == ColumnType::Date { end - DAY_US } else { end };
                    format!(
                        "its latest event ({column}) is {}, which ends {hours} hours before --as-of {}",
                        super::table::format_micros(shown, ty),
                        as_of.to_rfc3339()
                    )
                }
                None => format!("it has no event ({column}) up to --as-of {}", as_of.to_rfc3339()),
            };
            stale.push(format!(
                "table {} is stale: {detail}; the limit is {limit} hours ([validation] max_staleness_hours.{})",
                t.spec.name, t.spec.name
            ));
        }
        stale
    }
}

/// Where a table's files are: an explicit `[sources]` URL, or `base/<table>/` and
/// `base/<table>.<ext>` under `[sources] base`.
enum Source {
    Explicit(Location),
    Files(Vec<(Location, FileFormat)>),
    Absent(String),
}

fn locate(
    sources: &Sources,
    spec: &TableSpec,
    base_files: &[Location],
    base: Option<&Location>,
) -> Result<Source, LoadError> {
    if let Some(url) = sources.tables.get(spec.name) {
        return Ok(Source::Explicit(Location::parse(url)?));
    }
    let Some(base) = base else {
        return Ok(Source::Absent("no [sources] entry and no base".into()));
    };
    let folder = base.join(spec.name);
    let prefix = format!("{}/", folder.path());
    let files: Vec<(Location, FileFormat)> = base_files
        .iter()
        .filter(|l| {
            let p = l.path().as_ref();
            let name = l.file_name().unwrap_or_default();
            let in_folder = p.starts_with(&prefix) && !name.starts_with(['_', '.']);
            let stem_matches = l.path().parts().count() == base.path().parts().count() + 1
                && name.rsplit_once('.').is_some_and(|(stem, _)| stem == spec.name);
            in_folder || stem_matches
        })
        .filter_map(FileFormat::of)
        .collect();
    if files.is_empty() {
        return Ok(Source::Absent(format!(
            "nothing at {folder} or {base}/{}.<parquet|csv|ndjson>",
            spec.name
        )));
    }
    Ok(Source::Files(files))
}

/// Loads and validates every contract table found at `sources`.
///
/// Hard problems (an unreadable file, a missing required column, a missing `accounts`
/// table) are errors; bad rows are kept in each [`ValidTable`] for the quarantine and
/// judged by [`History::check_bad_share`].
pub fn load_history(storage: &Storage, sources: &Sources, window: RunWindow) -> Result<History, LoadError> {
    load_history_part(storage, sources, window, None)
}

/// [`load_history`] narrowed to one account shard while the files are read (see
/// [`table::validate`]): the whole `accounts` table is validated (every other table's
/// references are checked against it) and then narrowed; [`History::feed_times`] holds
/// each timed table's event times over all accounts.
pub fn load_history_part(
    storage: &Storage,
    sources: &Sources,
    window: RunWindow,
    part: Option<Shard>,
) -> Result<History, LoadError> {
    load_tables(storage, sources, window, part, &[])
}

/// [`load_history`] without the optional tables named in `skip`, which are reported absent
/// (their files are not "ignored"): how `vigil doctor` validates the tables it can when
/// others lack a required column.
pub fn load_history_except(
    storage: &Storage,
    sources: &Sources,
    window: RunWindow,
    skip: &[&str],
) -> Result<History, LoadError> {
    load_tables(storage, sources, window, None, skip)
}

fn load_tables(
    storage: &Storage,
    sources: &Sources,
    window: RunWindow,
    part: Option<Shard>,
    skip: &[&str],
) -> Result<History, LoadError> {
    let (base, base_files) = listing(storage, sources)?;
    let mut absent = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    let mut present: Vec<(&'static TableSpec, Vec<(Location, FileFormat)>)> = Vec::new();
    for spec in TABLES {
        let skipped = skip.contains(&spec.name) && !spec.mandatory;
        let found = match table_files(storage, sources, spec, &base_files, base.as_ref()) {
            Err(_) if skipped => None,
            found => found?,
        };
        let Some(files) = found else {
            tracing::info!(
                table = spec.name,
                "optional input table absent; its signals will be null"
            );
            absent.push(spec.name);
            continue;
        };
        used.extend(files.iter().map(|(l, _)| l.to_string()));
        if skipped {
            absent.push(spec.name);
            continue;
        }
        present.push((spec, files));
    }
    // `accounts` first: its ids are what every other table's account_id must refer to.
    let mut present = present.into_iter();
    let Some((accounts_spec, accounts_files)) = present.next() else {
        return Err(LoadError::Internal(
            "accounts missing from the contract table list".into(),
        ));
    };
    let mut accounts = load_one(storage, accounts_spec, &accounts_files, &window, None, None)?;
    if accounts.frame.height() == 0 {
        let reason = match accounts.bad.first() {
            Some(q) => format!("has no valid rows (first problem: {})", q.describe("accounts")),
            None => "has no valid rows".into(),
        };
        return Err(ContractError::MandatoryTable {
            table: "accounts".into(),
            url: accounts.files.first().map(|f| f.url.clone()).unwrap_or_default(),
            reason,
        }
        .into());
    }
    let account_ids = AccountIds {
        known: ids(&accounts)?,
        quarantined: std::mem::take(&mut accounts.quarantined_ids),
    };
    if let Some(p) = part {
        p.filter_frame(&mut accounts.frame)?;
    }
    // The other tables are independent of each other: read and validate them in parallel;
    // results (and the first error) come back in contract order.
    let rest: Vec<_> = present.collect();
    let span = tracing::Span::current(); // the loaders' log lines belong to the caller's stage
    let loaded = std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .iter()
            .map(|(spec, files)| {
                scope.spawn(|| {
                    span.in_scope(|| load_one(storage, spec, files, &window, Some(&account_ids), part))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(LoadError::Internal("a table loader thread panicked".into())))
            })
            .collect::<Result<Vec<_>, LoadError>>()
    })?;
    let mut tables = BTreeMap::new();
    let mut feed_times = BTreeMap::new();
    tables.insert(accounts_spec.name, accounts);
    for mut t in loaded {
        if let Some(feed) = t.feed.take() {
            feed_times.insert(t.spec.name, feed);
        }
        tables.insert(t.spec.name, t);
    }
    let ignored_files: Vec<String> = base_files
        .iter()
        .map(|l| l.to_string())
        .filter(|l| !used.contains(l) && !l.rsplit('/').next().is_some_and(|n| n.starts_with(['_', '.'])))
        .collect();
    for f in &ignored_files {
        tracing::warn!(file = %f, "file under [sources] base belongs to no input table; ignored");
    }
    Ok(History {
        window,
        tables,
        absent,
        ignored_files,
        feed_times,
    })
}

/// The number of valid rows of the `accounts` table, read alone: how a partitioned build
/// sizes its partitions before reading anything else.
pub fn count_accounts(storage: &Storage, sources: &Sources, window: RunWindow) -> Result<usize, LoadError> {
    let (base, base_files) = listing(storage, sources)?;
    let spec = TABLES
        .iter()
        .find(|t| t.name == "accounts")
        .ok_or_else(|| LoadError::Internal("accounts missing from the contract table list".into()))?;
    let files = table_files(storage, sources, spec, &base_files, base.as_ref())?
        .ok_or_else(|| LoadError::Internal("the accounts table is mandatory".into()))?;
    Ok(load_one(storage, spec, &files, &window, None, None)?
        .frame
        .height())
}

/// Where one contract table's files are, as [`load_history`] finds them.
#[derive(Debug, Clone)]
pub struct Located {
    /// The table.
    pub spec: &'static TableSpec,
    /// Its files with their formats, or why none were found.
    pub files: Result<Vec<(Location, FileFormat)>, String>,
}

/// Where every contract table's files are, without reading them: for reports that look at
/// the files before loading them (`vigil doctor`). An absent table (the mandatory one too)
/// is a [`Located`] with the reason, not an error.
pub fn locate_tables(storage: &Storage, sources: &Sources) -> Result<Vec<Located>, LoadError> {
    let (base, base_files) = listing(storage, sources)?;
    TABLES
        .iter()
        .map(|spec| {
            let files = match locate(sources, spec, &base_files, base.as_ref())? {
                Source::Explicit(loc) => match storage.table_files(spec.name, &loc) {
                    Err(StorageError::NotFound { url, what }) => Err(format!("{what} at {url}")),
                    found => Ok(found?),
                },
                Source::Files(f) => Ok(f),
                Source::Absent(reason) => Err(reason),
            };
            Ok(Located { spec, files })
        })
        .collect()
}

/// `[sources] base` and every file under it.
fn listing(storage: &Storage, sources: &Sources) -> Result<(Option<Location>, Vec<Location>), LoadError> {
    let base = sources.base.as_deref().map(Location::parse).transpose()?;
    let base_files = match &base {
        Some(b) => storage.list(b)?,
        None => Vec::new(),
    };
    Ok((base, base_files))
}

/// A table's files; `None` for an absent optional table, an error for an absent mandatory one.
fn table_files(
    storage: &Storage,
    sources: &Sources,
    spec: &'static TableSpec,
    base_files: &[Location],
    base: Option<&Location>,
) -> Result<Option<Vec<(Location, FileFormat)>>, LoadError> {
    match locate(sources, spec, base_files, base)? {
        Source::Explicit(loc) => Ok(Some(
            storage
                .table_files(spec.name, &loc)
                .map_err(|e| mandatory(spec, e))?,
        )),
        Source::Files(f) => Ok(Some(f)),
        Source::Absent(reason) if spec.mandatory => Err(ContractError::MandatoryTable {
            table: spec.name.into(),
            url: base.map(|b| b.to_string()).unwrap_or_default(),
            reason: format!("was not found: {reason}"),
        }
        .into()),
        Source::Absent(_) => Ok(None),
    }
}

/// Reads every file of one table and validates it.
fn load_one(
    storage: &Storage,
    spec: &'static TableSpec,
    files: &[(Location, FileFormat)],
    window: &RunWindow,
    accounts: Option<&AccountIds>,
    part: Option<Shard>,
) -> Result<ValidTable, LoadError> {
    let mut frames = Vec::with_capacity(files.len());
    let mut narrowed = part.map(|_| Narrowed::default());
    for (loc, format) in files {
        let mut file = storage.read_file(spec.name, loc, *format)?;
        // Narrow each file as soon as it is read: one whole file in memory at a time.
        if let (Some(p), Some(n)) = (part, narrowed.as_mut()) {
            let (frame, rows, times) = p.narrow(spec, &file.frame).map_err(|e| ContractError::Polars {
                table: spec.name.into(),
                file: loc.to_string(),
                reason: e.to_string(),
            })?;
            file.frame = frame;
            n.rows.push(rows);
            n.times.extend(times);
        }
        frames.push(file);
    }
    let valid = table::validate(spec, frames, window, accounts, narrowed)?;
    tracing::info!(
        table = spec.name,
        files = valid.files.len(),
        rows = valid.rows_read,
        valid = valid.frame.height(),
        bad = valid.bad_rows(),
        after_as_of = valid.rows_after_as_of,
        duplicates = valid.duplicates_dropped,
        of_quarantined_accounts = valid.rows_of_quarantined_accounts,
        "table loaded"
    );
    Ok(valid)
}

fn mandatory(spec: &TableSpec, e: StorageError) -> LoadError {
    match e {
        StorageError::NotFound { url, what } if spec.mandatory => ContractError::MandatoryTable {
            table: spec.name.into(),
            url,
            reason: format!("{what} was not found"),
        }
        .into(),
        other => other.into(),
    }
}

fn ids(t: &ValidTable) -> Result<polars::prelude::PlHashSet<String>, LoadError> {
    let col = t.frame.column("account_id")?;
    Ok(col.str()?.iter().flatten().map(str::to_string).collect())
}
