//! Assembling the feature table: the grid plus every family's columns, in catalogue order.

use super::catalogue::FeatureSpec;
use super::grid::Lifetime;
use super::timeline::Snapshots;
use super::{FeatureError, adoption, contract, freshness, history, nps, stakeholders, tickets, usage};
use crate::contract::History;
use polars::prelude::*;
use std::collections::HashMap;
use std::time::Instant;

/// The validated input frames a feature build reads, by table name.
#[derive(Debug, Default)]
pub struct Inputs<'a> {
    tables: HashMap<&'a str, &'a DataFrame>,
}

impl<'a> Inputs<'a> {
    /// The good rows of every table of a loaded history.
    pub fn from_history(history: &'a History) -> Self {
        Self {
            tables: history.tables.iter().map(|(k, v)| (*k, &v.frame)).collect(),
        }
    }

    /// Frames by table name (tests, and callers with their own frames).
    pub fn from_frames(frames: impl IntoIterator<Item = (&'a str, &'a DataFrame)>) -> Self {
        Self {
            tables: frames.into_iter().collect(),
        }
    }

    /// A table's frame, if present.
    pub fn get(&self, name: &str) -> Option<&'a DataFrame> {
        self.tables.get(name).copied()
    }
}

/// Tables whose presence is a feature (`has_<table>`).
const HAS_TABLES: [&str; 8] = [
    "tickets",
    "usage_daily",
    "feature_usage",
    "contacts",
    "communications",
    "nps_responses",
    "subscriptions",
    "escalations",
];

/// Feature columns under construction, one per catalogue entry.
#[derive(Debug, Default)]
pub struct Features {
    columns: Vec<Column>,
}

impl Features {
    /// Adds numeric columns, one per spec.
    pub fn add_family(
        &mut self,
        specs: &[FeatureSpec],
        values: Vec<Vec<Option<f64>>>,
    ) -> Result<(), FeatureError> {
        for (spec, v) in specs.iter().zip(values) {
            self.columns.push(Column::new(spec.name.into(), v));
        }
        Ok(())
    }

    /// Adds a categorical (text) column.
    pub fn add_text(&mut self, spec: &FeatureSpec, values: Vec<Option<String>>) -> Result<(), FeatureError> {
        self.columns.push(Column::new(spec.name.into(), values));
        Ok(())
    }

    /// Adds an all-null numeric family: its source table is absent.
    fn add_missing(&mut self, specs: &[FeatureSpec], n: usize) {
        for spec in specs {
            let dtype = if spec.unit == "category" {
                DataType::String
            } else {
                DataType::Float64
            };
            self.columns.push(Column::full_null(spec.name.into(), n, &dtype));
        }
    }
}

/// Computes every feature for the snapshots of `grid` from a validated history. Families
/// whose table is absent are all null, with `has_<table>` = false telling the model so.
pub fn build_features(
    grid: &DataFrame,
    inputs: &Inputs,
    lifetimes: &[Lifetime],
) -> Result<DataFrame, FeatureError> {
    let snaps = Snapshots::from_grid(grid)?;
    let n = snaps.len();
    let table = |name: &str| inputs.get(name);
    let mut out = Features::default();
    type Family = fn(&Snapshots, &DataFrame, &mut Features) -> Result<(), FeatureError>;
    let families: [(&str, &[FeatureSpec], Family); 4] = [
        ("tickets", tickets::SPECS, tickets::compute),
        ("usage_daily", usage::SPECS, usage::compute),
        ("feature_usage", adoption::SPECS, adoption::compute),
        ("nps_responses", nps::SPECS, nps::compute),
    ];
    for (name, specs, compute) in families {
        let started = Instant::now();
        match table(name) {
            Some(t) => compute(&snaps, t, &mut out)?,
            None => out.add_missing(specs, n),
        }
        tracing::debug!(
            table = name,
            ms = started.elapsed().as_millis() as u64,
            "feature family built"
        );
    }
    stakeholders::compute(&snaps, table("contacts"), table("communications"), &mut out)?;
    let accounts = table("accounts").ok_or(FeatureError::Column {
        table: "accounts",
        column: "account_id",
        reason: "the accounts table is missing".into(),
    })?;
    contract::compute(&snaps, accounts, table("subscriptions"), lifetimes, &mut out)?;
    match table("escalations") {
        Some(e) => history::compute(&snaps, e, &mut out)?,
        None => out.add_missing(history::SPECS, n),
    }
    freshness::compute(&snaps.at, inputs, &mut out)?;
    let mut df = grid.clone();
    for c in out.columns {
        df.with_column(c)?;
    }
    for name in HAS_TABLES {
        df.with_column(Column::new(
            format!("has_{name}").into(),
            vec![table(name).is_some(); n],
        ))?;
    }
    Ok(df)
}
