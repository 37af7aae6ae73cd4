//! Loading the whole input history for a run window: find each table's files, read them
//! through storage, validate them, and keep the good rows.

use super::keys::AccountIds;
use super::mapping::{MappedFile, TableMapping};
use super::schema::{ColumnType, TABLES, TableSpec};
use super::shard::Shard;
use super::table::{self, Narrowed, ValidTable};
use super::taxonomy::Taxonomy;
use super::{ContractError, Gates, LoadError, PostgresRelation, PostgresSource, Sources, TableSource};
use crate::time::{DAY_US, HOUR_US, RunWindow};
use std::collections::BTreeMap;
use vigil_store::secret::Secret;
use vigil_store::storage::{
    FileFormat, FileFrame, FoundTable, Location, ReadOptions, Storage, StorageError, TableFile,
    is_hidden_below,
};
use vigil_store::warehouse::postgres::source as postgres;

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
    /// The value sets it was validated against (what downstream users of those values follow).
    pub taxonomy: Taxonomy,
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

    /// What validation left out or let in that is not bad but a reader should know: exact
    /// duplicates dropped, rows of quarantined accounts, and values outside an open taxonomy
    /// set, per table.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for t in self.tables.values() {
            notes.extend(t.outside_taxonomy.iter().map(|o| o.describe(t.spec.name)));
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

/// Where a table's files are: an explicit `[sources]` URL, or under `[sources] base` the
/// file `<table>.<ext>`, the folder `<table>/` or a Spark-style folder `<table>.<ext>/` (a
/// Delta table when it has a `_delta_log/`).
enum Source {
    Explicit(Location),
    Found(FoundTable),
    Absent(String),
}

fn locate(
    storage: &Storage,
    sources: &Sources,
    spec: &TableSpec,
    base_files: &[Location],
    base: Option<&Location>,
) -> Result<Source, LoadError> {
    if let Some(source) = sources.tables.get(spec.name) {
        if let Some(pg) = &source.postgres {
            let label = match &pg.relation {
                PostgresRelation::Table(name) => name.as_str(),
                PostgresRelation::Query(_) => "query",
            };
            let file = TableFile::new(Location::postgres(label), FileFormat::Postgres);
            return Ok(Source::Found(FoundTable {
                files: vec![file],
                roots: Vec::new(),
            }));
        }
        let url = source.url.as_deref().ok_or_else(|| {
            LoadError::Internal(format!("table {}: a source without a location", spec.name))
        })?;
        return Ok(Source::Explicit(Location::parse(url)?));
    }
    let Some(base) = base else {
        return Ok(Source::Absent("no [sources] entry and no base".into()));
    };
    let found = storage
        .base_table_files(spec.name, base, base_files, &ReadOptions::default())
        .map_err(|e| mandatory(spec, e))?;
    if found.files.is_empty() {
        return Ok(Source::Absent(format!(
            "nothing at {} or {base}/{}.<parquet|csv|ndjson>",
            base.join(spec.name),
            spec.name
        )));
    }
    Ok(Source::Found(found))
}

/// Loads and validates every contract table found at `sources`.
///
/// Hard problems (an unreadable file, a missing required column, a missing `accounts`
/// table) are errors; bad rows are kept in each [`ValidTable`] for the quarantine and
/// judged by [`History::check_bad_share`]. Values of configurable sets are checked against
/// `taxonomy`.
pub fn load_history(
    storage: &Storage,
    sources: &Sources,
    taxonomy: &Taxonomy,
    window: RunWindow,
) -> Result<History, LoadError> {
    load_history_part(storage, sources, taxonomy, window, None)
}

/// [`load_history`] narrowed to one account shard while the files are read (see
/// [`table::validate`]): the whole `accounts` table is validated (every other table's
/// references are checked against it) and then narrowed; [`History::feed_times`] holds
/// each timed table's event times over all accounts.
pub fn load_history_part(
    storage: &Storage,
    sources: &Sources,
    taxonomy: &Taxonomy,
    window: RunWindow,
    part: Option<Shard>,
) -> Result<History, LoadError> {
    load_tables(storage, sources, taxonomy, window, part, &[])
}

/// [`load_history`] without the optional tables named in `skip`, which are reported absent
/// (their files are not "ignored"): how `vigil doctor` validates the tables it can when
/// others lack a required column.
pub fn load_history_except(
    storage: &Storage,
    sources: &Sources,
    taxonomy: &Taxonomy,
    window: RunWindow,
    skip: &[&str],
) -> Result<History, LoadError> {
    load_tables(storage, sources, taxonomy, window, None, skip)
}

fn load_tables(
    storage: &Storage,
    sources: &Sources,
    taxonomy: &Taxonomy,
    window: RunWindow,
    part: Option<Shard>,
    skip: &[&str],
) -> Result<History, LoadError> {
    let (base, base_files) = listing(storage, sources)?;
    let mut absent = Vec::new();
    let mut found: Vec<FoundTable> = Vec::new();
    let mut present: Vec<(&'static TableSpec, Vec<TableFile>)> = Vec::new();
    for spec in TABLES {
        let skipped = skip.contains(&spec.name) && !spec.mandatory;
        let table = match table_files(storage, sources, spec, &base_files, base.as_ref()) {
            Err(_) if skipped => None,
            table => table?,
        };
        let Some(table) = table else {
            tracing::info!(
                table = spec.name,
                "optional input table absent; its signals will be null"
            );
            absent.push(spec.name);
            continue;
        };
        if skipped {
            absent.push(spec.name);
            found.push(table);
            continue;
        }
        present.push((spec, table.files.clone()));
        found.push(table);
    }
    // `accounts` first: its ids are what every other table's account_id must refer to.
    let mut present = present.into_iter();
    let Some((accounts_spec, accounts_files)) = present.next() else {
        return Err(LoadError::Internal(
            "accounts missing from the contract table list".into(),
        ));
    };
    let ctx = LoadContext {
        storage,
        sources,
        window: &window,
        taxonomy,
    };
    let mut accounts = load_one(&ctx, accounts_spec, &accounts_files, None, None)?;
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
                scope.spawn(|| span.in_scope(|| load_one(&ctx, spec, files, Some(&account_ids), part)))
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
        .filter(|l| {
            !found.iter().any(|t| t.claims(l)) && !base.as_ref().is_some_and(|b| is_hidden_below(b, l))
        })
        .map(|l| l.to_string())
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
        taxonomy: taxonomy.clone(),
    })
}

/// The number of valid rows of the `accounts` table, read alone: how a partitioned build
/// sizes its partitions before reading anything else.
pub fn count_accounts(
    storage: &Storage,
    sources: &Sources,
    taxonomy: &Taxonomy,
    window: RunWindow,
) -> Result<usize, LoadError> {
    let (base, base_files) = listing(storage, sources)?;
    let spec = TABLES
        .iter()
        .find(|t| t.name == "accounts")
        .ok_or_else(|| LoadError::Internal("accounts missing from the contract table list".into()))?;
    let table = table_files(storage, sources, spec, &base_files, base.as_ref())?
        .ok_or_else(|| LoadError::Internal("the accounts table is mandatory".into()))?;
    let ctx = LoadContext {
        storage,
        sources,
        window: &window,
        taxonomy,
    };
    Ok(load_one(&ctx, spec, &table.files, None, None)?.frame.height())
}

/// Where one contract table's files are, as [`load_history`] finds them.
#[derive(Debug, Clone)]
pub struct Located {
    /// The table.
    pub spec: &'static TableSpec,
    /// Its files with their formats, or why none were found.
    pub files: Result<Vec<TableFile>, String>,
    /// Where it was found when that is one place (a file, a folder, a Delta table), for
    /// messages; `None` when its files are spread over several or it was not found.
    pub root: Option<Location>,
}

/// Where every contract table's files are, without reading them: for reports that look at
/// the files before loading them (`vigil doctor`). An absent table (the mandatory one too)
/// is a [`Located`] with the reason, not an error.
pub fn locate_tables(storage: &Storage, sources: &Sources) -> Result<Vec<Located>, LoadError> {
    let (base, base_files) = listing(storage, sources)?;
    TABLES
        .iter()
        .map(|spec| {
            let (files, root) = match locate(storage, sources, spec, &base_files, base.as_ref())? {
                Source::Explicit(loc) => {
                    match storage.table_files(spec.name, &loc, &read_options(sources, spec)) {
                        Err(StorageError::NotFound { url, what }) => (Err(format!("{what} at {url}")), None),
                        found => (Ok(found?), Some(loc)),
                    }
                }
                Source::Found(found) => {
                    let root = match found.roots.as_slice() {
                        [one] => Some(one.clone()),
                        _ => None,
                    };
                    (Ok(found.files), root)
                }
                Source::Absent(reason) => (Err(reason), None),
            };
            Ok(Located { spec, files, root })
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
) -> Result<Option<FoundTable>, LoadError> {
    match locate(storage, sources, spec, base_files, base)? {
        Source::Explicit(loc) => Ok(Some(FoundTable {
            files: storage
                .table_files(spec.name, &loc, &read_options(sources, spec))
                .map_err(|e| mandatory(spec, e))?,
            roots: vec![loc],
        })),
        Source::Found(found) => Ok(Some(found)),
        Source::Absent(reason) if spec.mandatory => Err(ContractError::MandatoryTable {
            table: spec.name.into(),
            url: base.map(|b| b.to_string()).unwrap_or_default(),
            reason: format!("was not found: {reason}"),
        }
        .into()),
        Source::Absent(_) => Ok(None),
    }
}

/// How `spec`'s files are found and decoded: its `[sources.<table>]` options, or the defaults.
fn read_options(sources: &Sources, spec: &TableSpec) -> ReadOptions {
    sources
        .tables
        .get(spec.name)
        .map(TableSource::read_options)
        .unwrap_or_default()
}

/// Reads one file of a table as its source is configured, or the rows of its PostgreSQL
/// source; nothing is mapped or validated yet.
pub fn read_source_file(
    storage: &Storage,
    sources: &Sources,
    spec: &TableSpec,
    file: &TableFile,
) -> Result<FileFrame, LoadError> {
    read_source(storage, sources, spec, file, None)
}

/// The first `rows` rows of [`read_source_file`]: a PostgreSQL source reads only those
/// (`LIMIT`); a file is read whole (its format has no cheaper way) and cut.
pub fn read_source_head(
    storage: &Storage,
    sources: &Sources,
    spec: &TableSpec,
    file: &TableFile,
    rows: usize,
) -> Result<FileFrame, LoadError> {
    let mut head = read_source(storage, sources, spec, file, Some(rows))?;
    head.frame = head.frame.head(Some(rows));
    Ok(head)
}

fn read_source(
    storage: &Storage,
    sources: &Sources,
    spec: &TableSpec,
    file: &TableFile,
    limit: Option<usize>,
) -> Result<FileFrame, LoadError> {
    let source = sources.tables.get(spec.name);
    if let Some(pg) = source.and_then(|s| s.postgres.as_ref()) {
        let pg = pg_source(spec, pg)?;
        let frame = match limit {
            Some(rows) => postgres::read_head(&pg, spec.name, rows)?,
            None => postgres::read(&pg, spec.name)?,
        };
        return Ok(FileFrame {
            location: file.location.clone(),
            format: FileFormat::Postgres,
            frame,
        });
    }
    Ok(storage.read_file(spec.name, file, &read_options(sources, spec))?)
}

/// The reader's view of a PostgreSQL source, its URL read from the environment when given
/// as `url_env` (a missing variable is a usage error naming it, never a value).
fn pg_source(spec: &TableSpec, pg: &PostgresSource) -> Result<postgres::PgSource, LoadError> {
    let url = match (&pg.url, &pg.url_env) {
        (Some(url), _) => url.clone(),
        (None, Some(var)) => Secret::new(std::env::var(var).map_err(|_| {
            LoadError::Usage(format!(
                "table {}: [sources.{}] url_env names the environment variable {var}, which is not set",
                spec.name, spec.name
            ))
        })?),
        (None, None) => {
            return Err(LoadError::Internal(format!(
                "table {}: a PostgreSQL source without url or url_env",
                spec.name
            )));
        }
    };
    Ok(postgres::PgSource {
        url,
        relation: pg.relation.clone(),
        ca_file: pg.ca_file.as_ref().map(std::path::PathBuf::from),
    })
}

/// What every table of one load is read and validated with.
struct LoadContext<'a> {
    storage: &'a Storage,
    sources: &'a Sources,
    window: &'a RunWindow,
    taxonomy: &'a Taxonomy,
}

/// Reads every file of one table, maps it as its source says and validates it.
fn load_one(
    ctx: &LoadContext<'_>,
    spec: &'static TableSpec,
    files: &[TableFile],
    accounts: Option<&AccountIds>,
    part: Option<Shard>,
) -> Result<ValidTable, LoadError> {
    let unmapped = TableMapping::default();
    let mapping = ctx
        .sources
        .tables
        .get(spec.name)
        .map_or(&unmapped, |s| &s.mapping);
    let mut frames = Vec::with_capacity(files.len());
    let mut narrowed = part.map(|_| Narrowed::default());
    for table_file in files {
        let loc = &table_file.location;
        let mut file = mapping.apply(
            spec,
            read_source_file(ctx.storage, ctx.sources, spec, table_file)?,
        )?;
        // Narrow each file as soon as it is read: one whole file in memory at a time.
        if let (Some(p), Some(n)) = (part, narrowed.as_mut()) {
            narrow(p, spec, &mut file, n).map_err(|e| ContractError::Polars {
                table: spec.name.into(),
                file: loc.to_string(),
                reason: e.to_string(),
            })?;
        }
        frames.push(file);
    }
    let valid = table::validate(
        spec,
        frames,
        ctx.window,
        accounts,
        narrowed,
        mapping,
        ctx.taxonomy,
    )?;
    tracing::info!(
        table = spec.name,
        files = valid.files.len(),
        rows = valid.rows_read,
        valid = valid.frame.height(),
        bad = valid.bad_rows(),
        after_as_of = valid.rows_after_as_of,
        filtered = valid.rows_filtered,
        duplicates = valid.duplicates_dropped,
        of_quarantined_accounts = valid.rows_of_quarantined_accounts,
        "table loaded"
    );
    Ok(valid)
}

/// Narrows one mapped file to the shard `part`, keeping its event times in `n`.
fn narrow(
    part: Shard,
    spec: &TableSpec,
    file: &mut MappedFile,
    n: &mut Narrowed,
) -> polars::prelude::PolarsResult<()> {
    let (frame, rows, times) = part.narrow(spec, &file.file.frame)?;
    n.times.extend(times);
    file.retain(frame, &rows)
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
