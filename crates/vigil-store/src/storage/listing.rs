//! Which listed objects are a table's data files: hidden paths are skipped, Hive `key=value`
//! folders become partition values, and a `[sources] base` folder is searched for a
//! table's file, folder, Spark-style `name.parquet/` folder or Delta table.

use super::{FileFormat, Location, ReadOptions, Storage, StorageError, TableFile, delta_source};
use percent_encoding::percent_decode_str;
use std::collections::BTreeMap;

/// The value Hive and Spark write for a null partition value.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// The folder of a Delta table's log, directly under its root.
const DELTA_LOG: &str = "_delta_log";

/// The path segments of `l` below `root`; `None` when `l` is not under `root` (or is it).
fn below<'a>(root: &Location, l: &'a Location) -> Option<Vec<&'a str>> {
    if root.store_key() != l.store_key() {
        return None;
    }
    let (path, prefix) = (l.path().as_ref(), root.path().as_ref());
    let rest = path.strip_prefix(prefix)?;
    let rest = if prefix.is_empty() {
        rest
    } else {
        rest.strip_prefix('/')?
    };
    (!rest.is_empty()).then(|| rest.split('/').collect())
}

/// Whether a path segment is metadata or staging (`_delta_log`, `_SUCCESS`, `.spark-staging`).
fn is_hidden(segment: &str) -> bool {
    segment.starts_with(['_', '.'])
}

/// Whether `l` lies below `root` under (or is) a segment starting with `_` or `.`: never data,
/// never reported as an ignored file.
pub fn is_hidden_below(root: &Location, l: &Location) -> bool {
    below(root, l).is_some_and(|parts| parts.iter().any(|p| is_hidden(p)))
}

/// Whether a listing of `root` holds a Delta log directly under it.
pub(super) fn has_delta_log(root: &Location, listed: &[Location]) -> bool {
    listed
        .iter()
        .any(|l| below(root, l).is_some_and(|parts| parts.len() > 1 && parts[0] == DELTA_LOG))
}

/// The data files among a listing of the folder `root`, in listing order: files of a known
/// format (or any file when `format` is given), none under a hidden segment.
pub(super) fn data_files(root: &Location, listed: &[Location], format: Option<FileFormat>) -> Vec<TableFile> {
    listed.iter().filter_map(|l| data_file(root, l, format)).collect()
}

fn data_file(root: &Location, l: &Location, format: Option<FileFormat>) -> Option<TableFile> {
    let parts = below(root, l)?;
    if parts.iter().any(|p| is_hidden(p)) {
        return None;
    }
    let (name, folders) = parts.split_last()?;
    let format = format.or_else(|| FileFormat::from_name(name))?;
    Some(TableFile {
        location: l.clone(),
        format,
        partitions: folders.iter().filter_map(|f| hive_partition(f)).collect(),
    })
}

/// A Hive partition folder `key=value` (percent-escapes decoded; Hive's default partition
/// is a null).
fn hive_partition(segment: &str) -> Option<(String, Option<String>)> {
    let (key, value) = segment.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let value = decode(value);
    Some((decode(key), (value != HIVE_NULL).then_some(value)))
}

/// A table's data files and where they were found.
#[derive(Debug, Clone, Default)]
pub struct FoundTable {
    /// Its data files (empty when nothing under a `[sources] base` belongs to the table).
    pub files: Vec<TableFile>,
    /// The files and folders they were found in: every object at or below one of them
    /// belongs to the table (a Delta table's log and its removed files included).
    pub roots: Vec<Location>,
}

impl FoundTable {
    /// Whether a listed object belongs to this table.
    pub fn claims(&self, l: &Location) -> bool {
        self.roots.iter().any(|r| r == l || below(r, l).is_some())
    }
}

/// The file or folder directly under `base` that `l` belongs to if it is table `table`'s:
/// the file `<table>.<ext>`, or the folder `<table>/` or `<table>.<ext>/` (Spark).
fn base_root(table: &str, base: &Location, l: &Location, format: Option<FileFormat>) -> Option<Location> {
    let parts = below(base, l)?;
    let first = parts[0];
    let known = format.is_some() || FileFormat::from_name(first).is_some();
    let stem_matches = known && stem(first) == table;
    match parts.len() {
        1 => stem_matches.then(|| l.clone()),
        _ => (first == table || stem_matches).then(|| base.join(first)),
    }
}

/// A name without its compression suffix and last extension (`tickets.csv.gz` → `tickets`).
fn stem(name: &str) -> &str {
    let plain = [".gz", ".zst"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name);
    plain.rsplit_once('.').map_or(plain, |(stem, _)| stem)
}

impl Storage {
    /// The files of table `table` under the folder `base`, whose recursive listing is
    /// `listed` (sorted, as [`Storage::list`] returns it): the file `<base>/<table>.<ext>`,
    /// and the folders `<base>/<table>/` and `<base>/<table>.<ext>/` (Spark writes tables as
    /// `name.parquet/` folders of part files). A folder with a `_delta_log/` is read as a
    /// Delta table (unless `opts.format` names a data-file format).
    pub fn base_table_files(
        &self,
        table: &str,
        base: &Location,
        listed: &[Location],
        opts: &ReadOptions,
    ) -> Result<FoundTable, StorageError> {
        let format = opts.format.filter(|f| *f != FileFormat::Delta);
        let mut found = FoundTable::default();
        let mut delta: BTreeMap<String, bool> = BTreeMap::new();
        for l in listed {
            let Some(root) = base_root(table, base, l, format) else {
                continue;
            };
            if !found.roots.contains(&root) {
                found.roots.push(root.clone());
            }
            if root == *l {
                if let Some(f) = format.or_else(|| l.file_name().and_then(FileFormat::from_name)) {
                    found.files.push(TableFile::new(l.clone(), f));
                }
                continue;
            }
            let key = root.to_string();
            let is_delta = match delta.get(&key) {
                Some(d) => *d,
                None => {
                    let d = format.is_none() && has_delta_log(&root, listed);
                    if d {
                        found
                            .files
                            .extend(delta_source::table_files(self, table, &root, &opts.delta)?);
                    }
                    delta.insert(key, d);
                    d
                }
            };
            if !is_delta && let Some(f) = data_file(&root, l, format) {
                found.files.push(f);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(s: &str) -> Location {
        Location::parse(s).expect("location")
    }

    #[test]
    fn hive_folders_become_partition_values_and_hidden_segments_are_skipped() {
        let root = loc("memory://t/tickets");
        let listed: Vec<Location> = [
            "tickets/_delta_log/00000000000000000000.json",
            "tickets/.spark-staging/part-9.parquet",
            "tickets/year=2026/_temporary/0/part-1.parquet",
            "tickets/year=2026/month=06/part-0.parquet",
            "tickets/year=2026/month=__HIVE_DEFAULT_PARTITION__/part-2.parquet",
            "tickets/region=eu%20west/x.csv.gz",
            "tickets/readme.txt",
        ]
        .iter()
        .map(|p| loc(&format!("memory://t/{p}")))
        .collect();
        let files = data_files(&root, &listed, None);
        let got: Vec<_> = files
            .iter()
            .map(|f| (f.location.file_name().unwrap_or_default(), f.partitions.clone()))
            .collect();
        let p = |k: &str, v: Option<&str>| (k.to_string(), v.map(str::to_string));
        assert_eq!(
            got,
            [
                (
                    "part-0.parquet",
                    vec![p("year", Some("2026")), p("month", Some("06"))]
                ),
                ("part-2.parquet", vec![p("year", Some("2026")), p("month", None)]),
                ("x.csv.gz", vec![p("region", Some("eu west"))]),
            ]
        );
        assert!(has_delta_log(&root, &listed));
        assert!(is_hidden_below(&root, &listed[1]) && !is_hidden_below(&root, &listed[3]));
    }

    #[test]
    fn base_roots_are_files_folders_and_spark_folders_of_the_table() {
        let base = loc("memory://b/history");
        let root = |p: &str| base_root("accounts", &base, &loc(&format!("memory://b/history/{p}")), None);
        assert_eq!(root("accounts.csv"), Some(loc("memory://b/history/accounts.csv")));
        assert_eq!(
            root("accounts.csv.gz"),
            Some(loc("memory://b/history/accounts.csv.gz"))
        );
        assert_eq!(
            root("accounts/x.parquet"),
            Some(loc("memory://b/history/accounts"))
        );
        assert_eq!(
            root("accounts.parquet/part-0.parquet"),
            Some(loc("memory://b/history/accounts.parquet"))
        );
        assert_eq!(root("accounts.v2.csv"), None);
        assert_eq!(root("accounts.txt"), None);
        assert_eq!(root("accounts_old/x.parquet"), None);
        assert_eq!(root("contacts.csv"), None);
    }
}
