//! `[validation]`: how much bad input a run tolerates and how fresh its inputs must be.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Input validation thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationOptions {
    /// Largest share of bad rows per table (0–1) before the run fails with exit 3.
    #[serde(default = "default_bad_share")]
    pub max_bad_row_share: f64,
    /// Freshness limits in hours by table, over the contract's defaults (`usage_daily`,
    /// `feature_usage` and `tickets`: 72): a run whose table's latest event ends more than
    /// this long before `--as-of` fails with exit 3. `0` turns a table's gate off.
    #[serde(default)]
    pub max_staleness_hours: BTreeMap<String, u32>,
    /// Turns a failed freshness gate into a warning in the run summary (what the
    /// `--allow-stale` flag sets for one command).
    #[serde(default)]
    pub allow_stale: bool,
}

fn default_bad_share() -> f64 {
    0.01
}

impl Default for ValidationOptions {
    fn default() -> Self {
        Self {
            max_bad_row_share: default_bad_share(),
            max_staleness_hours: BTreeMap::new(),
            allow_stale: false,
        }
    }
}

impl ValidationOptions {
    /// The freshness limit of `table` in hours: the config's value over the contract's
    /// default; `None` when the table has no gate (or it is turned off with `0`).
    pub fn staleness_limit(&self, table: &str) -> Option<u32> {
        let default = crate::contract::schema::table(table).and_then(|t| t.max_staleness_hours);
        match self.max_staleness_hours.get(table) {
            Some(0) => None,
            Some(h) => Some(*h),
            None => default,
        }
    }

    /// Checks value ranges and table names: `Err((key, value, allowed))` for the first bad one.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let share = self.max_bad_row_share;
        if !(0.0..=1.0).contains(&share) {
            return Err((
                "validation.max_bad_row_share".into(),
                share.to_string(),
                "allowed: 0.0 to 1.0".into(),
            ));
        }
        let timed: Vec<&str> = crate::contract::schema::TABLES
            .iter()
            .filter(|t| t.time_column.is_some())
            .map(|t| t.name)
            .collect();
        for (table, hours) in &self.max_staleness_hours {
            let key = format!("validation.max_staleness_hours.{table}");
            if !timed.contains(&table.as_str()) {
                let allowed = format!("a table with an event time: {}", timed.join(", "));
                return Err((key, format!("{table:?}"), allowed));
            }
            if *hours > 24 * 366 {
                return Err((
                    key,
                    hours.to_string(),
                    "allowed: 0 (no gate) to 8784 hours".into(),
                ));
            }
        }
        Ok(())
    }
}
