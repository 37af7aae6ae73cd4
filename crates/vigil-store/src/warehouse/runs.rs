//! The `runs` table: one row per published run date, committed as the **last** step of a
//! publish, so a reader can ask for "the latest complete run" and read every other table at
//! the version that run committed.
//!
//! Columns (besides the `run_date` partition): `run_id`, `status` (`complete`: a row is only
//! written once every table of the run is committed), `model_version`, `shards` (null when
//! unsharded), `vigil_version`, `published_at` (UTC), then two columns per published table:
//! `<table>_version` (the Delta version the publish committed) and `<table>_rows`.
//!
//! One flat column per table rather than a list of `{table, version}` structs, because BI
//! tools read flat columns best: Power BI, Metabase and Superset show nested values as opaque
//! text, while every tool (and PostgreSQL, where the same row is written) filters and joins
//! on a `bigint`. A table that appears later adds its two nullable columns by Delta schema
//! evolution; a run that did not publish a table leaves them null.
//!
//! Re-publishing a run date replaces that date's row (never a second one), like every vigil
//! table, so `WHERE status = 'complete' ORDER BY run_date DESC LIMIT 1` is the latest
//! complete run.

use polars::prelude::*;

/// The table's name under the warehouse.
pub const RUNS_TABLE: &str = "runs";

/// The `status` of a run whose tables are all committed.
pub const COMPLETE: &str = "complete";

/// One published table of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableVersion {
    /// Table name.
    pub table: String,
    /// The Delta version the publish committed (or found already committed).
    pub version: i64,
    /// Rows of the run date's partition.
    pub rows: u64,
}

/// The `runs` row of one publish.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The run's id (as in every published row's `run_id`).
    pub run_id: String,
    /// The model version that scored it, when recorded.
    pub model_version: Option<String>,
    /// Shards combined (`None`: unsharded).
    pub shards: Option<u32>,
    /// When the publish committed its last table, in microseconds since the epoch (UTC).
    pub published_at_us: i64,
    /// The tables, by name.
    pub tables: Vec<TableVersion>,
}

impl RunRecord {
    /// The row as a one-row frame (without `run_date`, which the partition carries).
    pub fn to_frame(&self) -> PolarsResult<DataFrame> {
        let published_at = Column::new("published_at".into(), [self.published_at_us])
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?;
        let mut columns = vec![
            Column::new("run_id".into(), [self.run_id.as_str()]),
            Column::new("status".into(), [COMPLETE]),
            Column::new("model_version".into(), [self.model_version.as_deref()]),
            Column::new("shards".into(), [self.shards.map(i64::from)]),
            Column::new("vigil_version".into(), [env!("CARGO_PKG_VERSION")]),
            published_at,
        ];
        let mut tables: Vec<&TableVersion> = self.tables.iter().collect();
        tables.sort_by(|a, b| a.table.cmp(&b.table));
        for t in tables {
            columns.push(Column::new(format!("{}_version", t.table).into(), [t.version]));
            let rows = i64::try_from(t.rows).unwrap_or(i64::MAX);
            columns.push(Column::new(format!("{}_rows", t.table).into(), [rows]));
        }
        DataFrame::new(1, columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_flat_row_with_two_columns_per_table() {
        let record = RunRecord {
            run_id: "2026-06-30-abc".into(),
            model_version: Some("risk-20260630-0000abcd".into()),
            shards: None,
            published_at_us: 1_782_864_000_000_000,
            tables: vec![
                TableVersion {
                    table: "risk_scores".into(),
                    version: 3,
                    rows: 120,
                },
                TableVersion {
                    table: "actions".into(),
                    version: 7,
                    rows: 9,
                },
            ],
        };
        let frame = record.to_frame().expect("frame");
        assert_eq!(frame.height(), 1);
        let names: Vec<&str> = frame.get_column_names().iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "run_id",
                "status",
                "model_version",
                "shards",
                "vigil_version",
                "published_at",
                "actions_version",
                "actions_rows",
                "risk_scores_version",
                "risk_scores_rows"
            ]
        );
        let version = frame
            .column("risk_scores_version")
            .expect("col")
            .i64()
            .expect("i64")
            .get(0);
        assert_eq!(version, Some(3));
        assert_eq!(frame.column("shards").expect("col").null_count(), 1);
        assert_eq!(
            frame.column("status").expect("col").str().expect("str").get(0),
            Some(COMPLETE)
        );
    }
}
