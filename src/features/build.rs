//! Assembling the feature table: the grid plus every family's columns, in catalogue order.

use super::grid::Lifetime;
use super::spec::FeatureSpec;
use super::timeline::Snapshots;
use super::tone::Tone;
use super::{FeatureError, adoption, contract, freshness, history, nps, stakeholders, tickets, usage};
use crate::contract::{History, Taxonomy};
use polars::prelude::*;
use std::collections::HashMap;
use std::time::Instant;

/// The validated input frames a feature build reads, by table name, and the taxonomy their
/// values follow.
#[derive(Debug)]
pub struct Inputs<'a> {
    tables: HashMap<&'a str, &'a DataFrame>,
    feeds: HashMap<&'a str, &'a DataFrame>,
    taxonomy: &'a Taxonomy,
}

impl Default for Inputs<'_> {
    fn default() -> Self {
        Self {
            tables: HashMap::new(),
            feeds: HashMap::new(),
            taxonomy: Taxonomy::builtin(),
        }
    }
}

impl<'a> Inputs<'a> {
    /// The good rows of every table of a loaded history.
    pub fn from_history(history: &'a History) -> Self {
        Self {
            tables: history.tables.iter().map(|(k, v)| (*k, &v.frame)).collect(),
            feeds: history.feed_times.iter().map(|(k, v)| (*k, v)).collect(),
            taxonomy: &history.taxonomy,
        }
    }

    /// Frames by table name (tests, and callers with their own frames), under the default
    /// taxonomy.
    pub fn from_frames(frames: impl IntoIterator<Item = (&'a str, &'a DataFrame)>) -> Self {
        Self {
            tables: frames.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Uses `taxonomy` for the values of the frames.
    pub fn with_taxonomy(mut self, taxonomy: &'a Taxonomy) -> Self {
        self.taxonomy = taxonomy;
        self
    }

    /// Adds (or replaces) a frame, e.g. the sentiment stage's `text_sentiment`.
    pub fn with(mut self, name: &'a str, frame: &'a DataFrame) -> Self {
        self.tables.insert(name, frame);
        self
    }

    /// A table's frame, if present.
    pub fn get(&self, name: &str) -> Option<&'a DataFrame> {
        self.tables.get(name).copied()
    }

    /// The rows that tell how fresh a table's feed is: its event times over all accounts
    /// when the history was narrowed to a shard, else the table itself.
    pub fn feed(&self, name: &str) -> Option<&'a DataFrame> {
        self.feeds.get(name).or_else(|| self.tables.get(name)).copied()
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

    /// Adds a ready column under the spec's name.
    pub fn add_column(&mut self, spec: &FeatureSpec, column: Column) {
        self.columns.push(column.with_name(spec.name.into()));
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

/// One family's computation into its own columns.
type Job<'a> = Box<dyn FnOnce(&mut Features) -> Result<(), FeatureError> + Send + 'a>;

/// A family that reads one table, or is all null when the table is absent.
fn family(
    snaps: &Snapshots,
    table: Option<&DataFrame>,
    specs: &[FeatureSpec],
    compute: impl FnOnce(&DataFrame, &mut Features) -> Result<(), FeatureError>,
    out: &mut Features,
) -> Result<(), FeatureError> {
    match table {
        Some(t) => compute(t, out),
        None => {
            out.add_missing(specs, snaps.len());
            Ok(())
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
    let accounts = inputs.get("accounts").ok_or(FeatureError::Column {
        table: "accounts",
        column: "account_id",
        reason: "the accounts table is missing".into(),
    })?;
    let tone = Tone::new(inputs.get("text_sentiment"))?;
    let jobs = family_jobs(&snaps, inputs, &tone, accounts, lifetimes);
    let parts = run_in_parallel(jobs)?;
    with_features(grid, parts, inputs, snaps.len())
}

/// One job per feature family, in catalogue order.
fn family_jobs<'a>(
    snaps: &'a Snapshots,
    inputs: &'a Inputs<'_>,
    tone: &'a Tone,
    accounts: &'a DataFrame,
    lifetimes: &'a [Lifetime],
) -> Vec<(&'static str, Job<'a>)> {
    let table = |name: &str| inputs.get(name);
    let taxonomy = inputs.taxonomy;
    let tickets = move |t: &DataFrame, o: &mut Features| tickets::compute(snaps, t, tone, taxonomy, o);
    let nps = move |t: &DataFrame, o: &mut Features| nps::compute(snaps, t, tone, o);
    vec![
        (
            "tickets",
            table_job(snaps, table("tickets"), tickets::SPECS, tickets),
        ),
        (
            "usage",
            table_job(snaps, table("usage_daily"), usage::SPECS, |t, o| {
                usage::compute(snaps, t, o)
            }),
        ),
        (
            "adoption",
            table_job(snaps, table("feature_usage"), adoption::SPECS, |t, o| {
                adoption::compute(snaps, t, o)
            }),
        ),
        (
            "stakeholders",
            Box::new(move |o| stakeholders::compute(snaps, table("contacts"), table("communications"), o)),
        ),
        ("nps", table_job(snaps, table("nps_responses"), nps::SPECS, nps)),
        (
            "contract",
            Box::new(move |o| contract::compute(snaps, accounts, table("subscriptions"), lifetimes, o)),
        ),
        (
            "history",
            table_job(snaps, table("escalations"), history::SPECS, |t, o| {
                history::compute(snaps, t, taxonomy, o)
            }),
        ),
        (
            "freshness",
            Box::new(move |o| freshness::compute(&snaps.at, inputs, o)),
        ),
    ]
}

/// The job of a family that reads one table, or is all null when the table is absent.
fn table_job<'a>(
    snaps: &'a Snapshots,
    table: Option<&'a DataFrame>,
    specs: &'a [FeatureSpec],
    compute: impl FnOnce(&DataFrame, &mut Features) -> Result<(), FeatureError> + Send + 'a,
) -> Job<'a> {
    Box::new(move |o| family(snaps, table, specs, compute, o))
}

/// Families are independent: each runs on its own thread into its own columns; the parts
/// come back in job order.
fn run_in_parallel(jobs: Vec<(&'static str, Job<'_>)>) -> Result<Vec<Features>, FeatureError> {
    let span = tracing::Span::current(); // the workers' log lines belong to the caller's stage
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(name, job)| {
                let span = span.clone();
                scope.spawn(move || {
                    let _entered = span.enter();
                    let started = Instant::now();
                    let mut part = Features::default();
                    let result = job(&mut part).map(|()| part);
                    let ms = started.elapsed().as_millis() as u64;
                    tracing::debug!(family = name, ms, "feature family built");
                    result
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(FeatureError::Worker)))
            .collect::<Result<Vec<Features>, FeatureError>>()
    })
}

/// The grid with every family's columns, in job order, then one `has_<table>` column per
/// table whose presence is a feature.
fn with_features(
    grid: &DataFrame,
    parts: Vec<Features>,
    inputs: &Inputs<'_>,
    n: usize,
) -> Result<DataFrame, FeatureError> {
    let mut df = grid.clone();
    for c in parts.into_iter().flat_map(|p| p.columns) {
        df.with_column(c)?;
    }
    for name in HAS_TABLES {
        df.with_column(Column::new(
            format!("has_{name}").into(),
            vec![inputs.get(name).is_some(); n],
        ))?;
    }
    Ok(df)
}
