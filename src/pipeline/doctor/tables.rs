//! The doctor's look at every contract table: where it is, what its first file's columns are
//! (with suggested mappings for the contract columns it lacks), and the validation of every
//! table that can be validated. A table that lacks a required column, or whose file cannot
//! be read, is reported unusable and left out of loading; the rest load through
//! `contract::load_history_except`, the loader every stage uses.

use super::columns::{column_checks, discover_columns, mapped, suggest, their_columns};
use crate::Result;
use crate::contract::schema::TableSpec;
use crate::contract::{
    ContractError, History, LoadError, Located, Sources, Taxonomy, ValidationReport, load_history_except,
    locate_tables,
};
use crate::report::doctor::{Coverage, TableDiagnosis, TableStatus};
use crate::time::RunWindow;
use vigil_store::storage::{Storage, StorageError, TableFile};

/// Every contract table's diagnosis, and the history of the tables that loaded (`None` when
/// `accounts` could not be loaded: then nothing can run).
pub struct Examined {
    /// Per contract table, in contract order.
    pub tables: Vec<TableDiagnosis>,
    /// The validated history of the usable tables.
    pub history: Option<History>,
}

/// Locates every table, looks at its first file and loads what can be loaded.
pub fn examine(
    storage: &Storage,
    sources: &Sources,
    taxonomy: &Taxonomy,
    window: RunWindow,
) -> Result<Examined> {
    let mut tables = locate_tables(storage, sources)?
        .iter()
        .map(|l| first_look(storage, sources, l))
        .collect::<Result<Vec<_>>>()?;
    let history = load_usable(storage, sources, taxonomy, window, &mut tables)?;
    if let Some(h) = &history {
        add_validation(&mut tables, h)?;
    }
    Ok(Examined { tables, history })
}

/// A table before validation: absent, or its location, columns and suggested mappings;
/// unusable when its first file lacks a required column or cannot be read.
fn first_look(storage: &Storage, sources: &Sources, located: &Located) -> Result<TableDiagnosis> {
    let spec = located.spec;
    let mut t = TableDiagnosis {
        table: spec.name,
        mandatory: spec.mandatory,
        status: TableStatus::Absent,
        location: None,
        files: 0,
        problem: None,
        signals: spec.signals,
        columns: Vec::new(),
        their_columns: Vec::new(),
        suggestions: Vec::new(),
        validation: None,
        coverage: None,
    };
    let files = match &located.files {
        Ok(files) => files,
        Err(reason) => {
            t.problem = Some(format!("not found: {reason}"));
            return Ok(t);
        }
    };
    t.location = Some(match &located.root {
        Some(root) => root.to_string(),
        None => location_of(files),
    });
    t.files = files.len();
    t.status = TableStatus::Present;
    let raw = match discover_columns(storage, sources, spec, files) {
        Ok(raw) => raw,
        Err(e @ (LoadError::Storage(StorageError::Unreadable { .. }) | LoadError::Postgres(_))) => {
            t.status = TableStatus::Unusable;
            t.problem = Some(e.to_string());
            return Ok(t);
        }
        Err(e) => return Err(e.into()),
    };
    let sample = mapped(spec, sources, &raw)?;
    t.columns = column_checks(spec, &sample);
    t.their_columns = their_columns(&raw);
    t.suggestions = suggest(spec, &sample)?;
    let missing: Vec<&str> = t
        .columns
        .iter()
        .filter(|c| c.required && !c.found)
        .map(|c| c.column)
        .collect();
    if !missing.is_empty() {
        t.status = TableStatus::Unusable;
        t.problem = Some(format!(
            "required column{} {} not found in {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            files[0].location
        ));
    }
    Ok(t)
}

/// Where a table's files are: its one file, or the folder all its files are under.
fn location_of(files: &[TableFile]) -> String {
    let urls: Vec<String> = files.iter().map(|f| f.location.to_string()).collect();
    if let [one] = urls.as_slice() {
        return one.clone();
    }
    let split: Vec<Vec<&str>> = urls.iter().map(|u| u.split('/').collect()).collect();
    let Some(first) = split.first() else {
        return String::new();
    };
    // Folders only: a file name is never part of the common prefix.
    let mut common = first.len().saturating_sub(1);
    for parts in &split[1..] {
        common = common.min(first.iter().zip(parts).take_while(|(a, b)| a == b).count());
    }
    first[..common].join("/")
}

/// Loads the usable tables, leaving out each table the loader cannot validate (a later file
/// without a required column, a value polars cannot cast) and trying again. `None` when
/// `accounts` is absent or cannot be loaded.
fn load_usable(
    storage: &Storage,
    sources: &Sources,
    taxonomy: &Taxonomy,
    window: RunWindow,
    tables: &mut [TableDiagnosis],
) -> Result<Option<History>> {
    let is_usable = |t: &TableDiagnosis| t.status == TableStatus::Present;
    if !tables.iter().any(|t| t.table == "accounts" && is_usable(t)) {
        return Ok(None);
    }
    let mut skip: Vec<&'static str> = tables.iter().filter(|t| !is_usable(t)).map(|t| t.table).collect();
    loop {
        let e = match load_history_except(storage, sources, taxonomy, window, &skip) {
            Ok(history) => return Ok(Some(history)),
            Err(e) => e,
        };
        let Some(spec) = failed_table(&e).filter(|s| !skip.contains(&s.name)) else {
            return Err(e.into());
        };
        if let Some(t) = tables.iter_mut().find(|t| t.table == spec.name) {
            t.status = TableStatus::Unusable;
            t.problem = Some(e.to_string());
        }
        if spec.mandatory {
            return Ok(None);
        }
        tracing::warn!(
            table = spec.name,
            "table cannot be validated; the doctor goes on without it"
        );
        skip.push(spec.name);
    }
}

/// The table a loading error is about, when it is about the table's data.
fn failed_table(e: &LoadError) -> Option<&'static TableSpec> {
    let name = match e {
        LoadError::Contract(
            ContractError::MissingColumn { table, .. }
            | ContractError::MandatoryTable { table, .. }
            | ContractError::Polars { table, .. },
        ) => table,
        LoadError::Storage(StorageError::Unreadable { table, .. }) => table,
        _ => return None,
    };
    crate::contract::schema::table(name)
}

/// Each loaded table's validation figures and the share of accounts its rows cover.
fn add_validation(tables: &mut [TableDiagnosis], history: &History) -> Result<()> {
    let report = ValidationReport::new(history)?;
    let accounts = history.tables.get("accounts").map_or(0, |t| t.frame.height());
    for r in report.tables {
        let Some(t) = tables.iter_mut().find(|t| t.table == r.table) else {
            continue;
        };
        let ids = history
            .tables
            .get(r.table)
            .and_then(|v| v.frame.column("account_id").ok());
        if let (Some(ids), false) = (ids, r.table == "accounts") {
            let covered = ids.drop_nulls().n_unique()?;
            t.coverage = Some(Coverage {
                accounts: covered,
                of: accounts,
                share: if accounts == 0 {
                    0.0
                } else {
                    covered as f64 / accounts as f64
                },
            });
        }
        t.validation = Some(r);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use vigil_store::storage::{FileFormat, Location};

    fn files(urls: &[&str]) -> Vec<TableFile> {
        urls.iter()
            .map(|u| TableFile::new(Location::parse(u).expect("url"), FileFormat::Parquet))
            .collect()
    }

    #[test]
    fn a_table_is_located_at_its_file_or_the_folder_of_its_files() {
        let one = files(&["memory:///h/accounts.parquet"]);
        assert_eq!(location_of(&one), "memory:///h/accounts.parquet");
        let parts = files(&[
            "memory:///h/usage/month=2026-05/a.parquet",
            "memory:///h/usage/month=2026-06/a.parquet",
        ]);
        assert_eq!(location_of(&parts), "memory:///h/usage");
        let same_folder = files(&["memory:///h/tickets/a.parquet", "memory:///h/tickets/b.parquet"]);
        assert_eq!(location_of(&same_folder), "memory:///h/tickets");
    }
}
