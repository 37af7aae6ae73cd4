//! The foreign layout holds exactly the native facts (undoing its renames, formats and extra
//! rows gives the native frames back), and `pipelines/example-foreign.toml` maps exactly its
//! names.

use super::names::{
    FOREIGN_CATEGORIES, FOREIGN_DIRECTIONS, FOREIGN_HIGH_PRIORITIES, FOREIGN_PRIORITIES, FOREIGN_SEGMENTS,
    FOREIGN_SEVERITIES, Store, TABLES, TEST_FLAG, TEXT_TIME_FORMAT, TEXT_TIME_ZONE, TableNames, VALUES,
};
use super::{ForeignTable, relayout};
use crate::synth::{SynthHistory, SynthParams, generate};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use polars::prelude::*;
use std::error::Error;

type TestResult = Result<(), Box<dyn Error>>;

/// 40 accounts over a year (every season's clock changes elsewhere included).
fn history() -> Result<SynthHistory, Box<dyn Error>> {
    let end = NaiveDate::from_ymd_opt(2026, 6, 30).ok_or("bad date")?;
    Ok(generate(&SynthParams {
        accounts: 40,
        months: 12,
        end,
        seed: 11,
    })?)
}

/// Undoes everything the foreign layout did to a table.
fn back_to_native(t: &ForeignTable) -> Result<DataFrame, Box<dyn Error>> {
    let mut frame = without_test_rows(&t.frame)?;
    for (contract, theirs) in t.names.columns {
        if contract != theirs {
            frame.rename(theirs, (*contract).into())?;
        }
    }
    for set in VALUES.iter().filter(|v| v.table == t.names.table) {
        let back = |v: &str| {
            set.theirs
                .iter()
                .position(|x| *x == v)
                .and_then(|i| set.contract.get(i))
                .map_or_else(|| v.to_string(), |c| c.to_string())
        };
        super::map_strings(&mut frame, set.column, back)?;
    }
    for name in frame.get_column_names_owned() {
        let column = frame.column(&name)?.clone();
        let native = match column.dtype() {
            DataType::String if t.names.table == "tickets" && name.ends_with("_at") => {
                from_local_text(&column)?
            }
            DataType::Datetime(_, Some(_)) => {
                column.cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
            }
            _ => continue,
        };
        frame.replace(&name, native)?;
    }
    Ok(frame)
}

/// The rows not flagged as a test organisation's, without the flag column.
fn without_test_rows(frame: &DataFrame) -> Result<DataFrame, Box<dyn Error>> {
    let Ok(flag) = frame.column(TEST_FLAG) else {
        return Ok(frame.clone());
    };
    let keep: BooleanChunked = flag.bool()?.iter().map(|f| Some(f == Some(false))).collect();
    Ok(frame.filter(&keep)?.drop(TEST_FLAG)?)
}

/// Parses wall-clock text in the layout's zone back to naive-UTC microseconds; a time that
/// names no instant or two is an error.
fn from_local_text(column: &Column) -> Result<Column, Box<dyn Error>> {
    let mut micros = Vec::with_capacity(column.len());
    for text in column.str()?.iter() {
        micros.push(match text {
            None => None,
            Some(t) => {
                let local = NaiveDateTime::parse_from_str(t, TEXT_TIME_FORMAT)?;
                let instant = TEXT_TIME_ZONE
                    .from_local_datetime(&local)
                    .single()
                    .ok_or_else(|| format!("{t} is not one instant in {TEXT_TIME_ZONE}"))?;
                Some(instant.timestamp_micros())
            }
        });
    }
    Ok(
        Int64Chunked::from_iter_options(column.name().clone(), micros.into_iter())
            .into_datetime(TimeUnit::Microseconds, None)
            .into_column(),
    )
}

#[test]
fn undoing_the_foreign_layout_gives_the_native_frames_back() -> TestResult {
    let native = history()?;
    let foreign = relayout(&native)?;
    assert_eq!(foreign.len(), native.tables.len());
    for (t, (name, frame)) in foreign.iter().zip(&native.tables) {
        assert_eq!(t.names.table, *name);
        let back = back_to_native(t)?;
        assert!(back.equals_missing(frame), "{name}:\n{back}\nvs\n{frame}");
    }
    Ok(())
}

#[test]
fn every_column_is_named_and_every_closed_set_is_in_their_words() -> TestResult {
    let native = history()?;
    for t in relayout(&native)? {
        let theirs: Vec<&str> = t.names.columns.iter().map(|(_, c)| *c).collect();
        let mut expected = theirs.clone();
        if t.names.table == "usage_daily" {
            expected.push(TEST_FLAG);
        }
        let got: Vec<&str> = t.frame.get_column_names().iter().map(|c| c.as_str()).collect();
        assert_eq!(got, expected, "{}", t.names.table);
        for set in VALUES.iter().filter(|v| v.table == t.names.table) {
            let column = t.frame.column(t.names.theirs(set.column))?.str()?.clone();
            for v in column.iter().flatten() {
                assert!(set.theirs.contains(&v), "{}.{}: {v}", t.names.table, set.column);
            }
        }
    }
    Ok(())
}

#[test]
fn test_organisations_escalation_history_and_formats_are_what_a_mapping_must_handle() -> TestResult {
    let native = history()?;
    let foreign = relayout(&native)?;
    let find = |table: &str| {
        foreign
            .iter()
            .find(|t| t.names.table == table)
            .ok_or("missing table")
    };
    let usage = &find("usage_daily")?.frame;
    let flagged = usage.column(TEST_FLAG)?.bool()?.sum().unwrap_or(0);
    assert!(flagged > 0, "no test-organisation rows");
    let orgs = usage.column("org_id")?.str()?.clone();
    let test_orgs = orgs
        .iter()
        .flatten()
        .filter(|o| o.starts_with("qa-sandbox-"))
        .count();
    assert_eq!(test_orgs, flagged as usize);

    let escalations = find("escalations")?;
    let old = escalations.superseded.as_ref().ok_or("no superseded version")?;
    assert_eq!(
        old.column("incident_id")?,
        escalations.frame.column("incident_id")?
    );
    assert_eq!(old.column("resolved")?.null_count(), old.height());
    assert!(escalations.frame.column("resolved")?.null_count() < old.height());

    let tickets = &find("tickets")?.frame;
    assert!(tickets.columns().iter().all(|c| !c.dtype().is_temporal()));
    let opened = tickets
        .column("opened")?
        .str()?
        .get(0)
        .ok_or("no ticket")?
        .to_string();
    assert!(
        NaiveDateTime::parse_from_str(&opened, TEXT_TIME_FORMAT).is_ok(),
        "{opened}"
    );
    let logged = find("communications")?.frame.column("logged_at")?.dtype().clone();
    assert_eq!(
        logged,
        DataType::Datetime(TimeUnit::Nanoseconds, Some(polars::prelude::TimeZone::UTC))
    );
    Ok(())
}

/// `pipelines/example-foreign.toml`, parsed.
fn example() -> Result<toml::Table, Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/pipelines/example-foreign.toml");
    Ok(toml::from_str(&std::fs::read_to_string(path)?)?)
}

fn get<'a>(table: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut t = table;
    for key in parents {
        t = t.get(*key)?.as_table()?;
    }
    t.get(*last)
}

fn strs(value: Option<&toml::Value>) -> Vec<&str> {
    value
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
        .unwrap_or_default()
}

/// The `[sources.<table>]` of one foreign table must name its location and every renamed column.
fn check_source(config: &toml::Table, names: &TableNames) {
    let table = names.table;
    let url = get(config, &["sources", table, "url"]).and_then(toml::Value::as_str);
    assert_eq!(
        url,
        Some(format!("data/foreign/history/{}", names.path).as_str()),
        "{table}"
    );
    let mapped: Vec<(String, String)> = get(config, &["sources", table, "columns"])
        .and_then(toml::Value::as_table)
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut mapped = mapped;
    mapped.sort();
    let mut renamed: Vec<(String, String)> = names
        .columns
        .iter()
        .filter(|(c, t)| c != t)
        .map(|(c, t)| (c.to_string(), t.to_string()))
        .collect();
    renamed.sort();
    assert_eq!(mapped, renamed, "sources.{table}.columns");
}

#[test]
fn the_example_config_maps_exactly_the_foreign_names() -> TestResult {
    let config = example()?;
    for names in &TABLES {
        check_source(&config, names);
    }
    let option = |key: &str| get(&config, &["sources", "tickets", key]).and_then(toml::Value::as_str);
    assert_eq!(option("timestamp_format"), Some(TEXT_TIME_FORMAT));
    assert_eq!(option("time_zone"), Some(TEXT_TIME_ZONE.name()));
    let Some(TableNames {
        store: Store::Csv { delimiter },
        ..
    }) = super::names::table("tickets")
    else {
        return Err("tickets is not a CSV table".into());
    };
    let configured = get(&config, &["sources", "tickets", "csv", "delimiter"]).and_then(toml::Value::as_str);
    assert_eq!(configured, Some(char::from(*delimiter).to_string().as_str()));
    let filter = get(&config, &["sources", "usage_daily", "filter"]).and_then(toml::Value::as_str);
    assert_eq!(filter, Some(format!("{TEST_FLAG} = false").as_str()));
    for (theirs, contract) in FOREIGN_DIRECTIONS.iter().zip(crate::contract::schema::DIRECTIONS) {
        let value = get(
            &config,
            &["sources", "communications", "values", "direction", theirs],
        );
        assert_eq!(value.and_then(toml::Value::as_str), Some(*contract));
    }
    let taxonomy = |key: &str| strs(get(&config, &["taxonomy", key]));
    assert_eq!(taxonomy("segments"), FOREIGN_SEGMENTS);
    assert_eq!(taxonomy("priorities"), FOREIGN_PRIORITIES);
    assert_eq!(taxonomy("high_priorities"), FOREIGN_HIGH_PRIORITIES);
    assert_eq!(taxonomy("severities"), FOREIGN_SEVERITIES);
    assert_eq!(
        strs(get(&config, &["taxonomy", "categories", "values"])),
        FOREIGN_CATEGORIES
    );
    Ok(())
}
