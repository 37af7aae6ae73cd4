//! Which feature families keep their signals: each family's features and the input table
//! each comes from (the feature catalogue), against the tables the doctor found usable.

use crate::report::doctor::{FamilyState, FamilyStatus, TableDiagnosis, TableStatus};

/// Per feature family: available, degraded (some features lost their source table) or lost
/// (all did), naming the tables missing and the features lost.
pub fn families(tables: &[TableDiagnosis]) -> Vec<FamilyStatus> {
    let missing = |name: &str| {
        tables
            .iter()
            .any(|t| t.table == name && t.status != TableStatus::Present)
    };
    crate::features::families()
        .into_iter()
        .map(|(family, specs)| {
            let mut sources: Vec<&'static str> = Vec::new();
            for s in specs {
                if !sources.contains(&s.source) {
                    sources.push(s.source);
                }
            }
            let missing_tables: Vec<&'static str> = sources.iter().copied().filter(|s| missing(s)).collect();
            let features_lost: Vec<&'static str> = specs
                .iter()
                .filter(|s| missing(s.source))
                .map(|s| s.name)
                .collect();
            let state = match features_lost.len() {
                0 => FamilyState::Available,
                n if n == specs.len() => FamilyState::Lost,
                _ => FamilyState::Degraded,
            };
            FamilyStatus {
                family,
                state,
                sources,
                missing_tables,
                features_lost,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnosis(table: &'static str, status: TableStatus) -> TableDiagnosis {
        TableDiagnosis {
            table,
            mandatory: false,
            status,
            location: None,
            files: 0,
            problem: None,
            signals: "",
            columns: Vec::new(),
            their_columns: Vec::new(),
            suggestions: Vec::new(),
            validation: None,
            coverage: None,
        }
    }

    #[test]
    fn an_absent_table_loses_its_features_and_degrades_mixed_families() {
        let tables = [
            diagnosis("tickets", TableStatus::Absent),
            diagnosis("contacts", TableStatus::Unusable),
            diagnosis("communications", TableStatus::Present),
        ];
        let f = families(&tables);
        let get = |name: &str| f.iter().find(|s| s.family == name).expect("family");
        let tickets = get("tickets");
        assert_eq!(tickets.state, FamilyState::Lost);
        assert!(tickets.features_lost.contains(&"tickets_7d"));
        let stakeholders = get("stakeholders");
        assert_eq!(stakeholders.state, FamilyState::Degraded);
        assert_eq!(stakeholders.missing_tables, ["contacts"]);
        assert_eq!(stakeholders.features_lost, ["new_contacts_14d"]);
        assert_eq!(get("freshness").state, FamilyState::Degraded);
        assert_eq!(get("usage").state, FamilyState::Available);
    }
}
