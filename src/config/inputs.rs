//! The contract's inputs composed from the config file: where the tables are
//! ([`contract::Sources`], locations resolved against the project root) and the gates'
//! limits ([`contract::Gates`], each table's freshness limit over the contract's default).

use super::{PipelineConfig, ValidationOptions};
use crate::contract::{self, schema::TABLES};

impl PipelineConfig {
    /// `[sources]` with every location resolved (see [`PipelineConfig::resolve`]) and each
    /// explicitly placed table as [`PipelineConfig::load`] checked it.
    pub fn sources(&self) -> contract::Sources {
        contract::Sources {
            base: self.options.sources.base.as_deref().map(|b| self.resolve(b)),
            tables: self.table_sources.clone(),
        }
    }
}

impl ValidationOptions {
    /// The limits [`contract::History::check`] applies, with `allow_stale` as configured.
    pub fn gates(&self) -> contract::Gates {
        contract::Gates {
            max_bad_row_share: self.max_bad_row_share,
            staleness_hours: TABLES
                .iter()
                .filter_map(|t| self.staleness_limit(t.name).map(|h| (t.name, h)))
                .collect(),
            allow_stale: self.allow_stale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_hold_each_tables_limit_over_the_contract_default() {
        let mut options = ValidationOptions::default();
        options.max_staleness_hours.insert("tickets".into(), 0);
        options.max_staleness_hours.insert("nps_responses".into(), 24);
        let gates = options.gates();
        assert_eq!(gates.staleness_limit("usage_daily"), Some(72));
        assert_eq!(gates.staleness_limit("tickets"), None);
        assert_eq!(gates.staleness_limit("nps_responses"), Some(24));
        assert_eq!(gates.staleness_limit("accounts"), None);
        for t in TABLES {
            assert_eq!(
                gates.staleness_limit(t.name),
                options.staleness_limit(t.name),
                "{}",
                t.name
            );
        }
    }
}
