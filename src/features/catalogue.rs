//! The feature catalogue: every feature vigil computes, named and documented once, so
//! explanations, narratives and `data/FEATURES.md` all read the same definitions.

/// One documented feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSpec {
    /// Column name in the feature table.
    pub name: &'static str,
    /// What it measures.
    pub description: &'static str,
    /// Unit (`count`, `%`, `days`, `hours`, `USD`, `score`, `flag`, `category`, `ratio`).
    pub unit: &'static str,
    /// Input table it comes from.
    pub source: &'static str,
    /// Look-back window before the snapshot.
    pub window: &'static str,
}

/// Every feature, grouped by family.
pub fn catalogue() -> Vec<&'static FeatureSpec> {
    [
        super::tickets::SPECS,
        super::usage::SPECS,
        super::adoption::SPECS,
        super::stakeholders::SPECS,
        super::nps::SPECS,
        super::contract::SPECS,
        super::history::SPECS,
        super::freshness::SPECS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Looks a feature up by name.
pub fn spec(name: &str) -> Option<&'static FeatureSpec> {
    catalogue().into_iter().find(|s| s.name == name)
}

/// Shorthand for the family tables.
pub const fn f(
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    source: &'static str,
    window: &'static str,
) -> FeatureSpec {
    FeatureSpec {
        name,
        description,
        unit,
        source,
        window,
    }
}
